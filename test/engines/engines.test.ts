// The cross-engine subset, in Chromium, Firefox ESR, WebKitGTK, and WebKitGTK without WebAssembly
// SIMD, through one harness (test/helpers/engines.ts). The full suites run in Chromium
// (test/browser/); these are the ones every engine must pass: the script tag loading, the
// analysis API through the worker pool (bit for bit the Node results), a worker replaced after a
// runaway task, the kernels' property
// tests in the page, delivery through the IndexedDB queue with flush() and a reload, and the
// on-demand code, kernels and worker under the strict CSP of docs/csp.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arima, kmeans, quantiles, ready, summary } from '../../src/analysis/index.js';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { WASM_URL } from '../helpers/analysis.js';
import { bundlePageScript, until } from '../helpers/browser.js';
import { launchEngine, missing, type Engine, type EngineName } from '../helpers/engines.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';

const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit', 'webkit-nosimd'];
const STRICT = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src *";

/** Inputs every engine and Node analyse: plain JSON, so each side gets the same doubles. */
function inputs() {
  let s = 12345;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const xs = Array.from({ length: 5000 }, () => r() * 100 - 20);
  const pts = Array.from({ length: 600 }, (_, i) => [r() * 5 + (i % 3) * 20, r() * 5, r()]);
  let y = 0;
  const ys = Array.from({ length: 300 }, () => (y = 0.7 * y + r() - 0.5));
  return { xs, pts, ys };
}

/** Every double as its 16 hex digits: equality of these is equality of bits. */
function bits(values: number[]): string {
  return values
    .map((x) => {
      const v = new DataView(new ArrayBuffer(8));
      v.setFloat64(0, x);
      return v.getBigUint64(0).toString(16);
    })
    .join(',');
}

const versions: string[] = [];
afterAll(() => {
  if (versions.length) console.log(`engines: ${versions.join('; ')}`);
});

for (const name of ENGINES) {
  const why = missing(name);
  if (why && process.env.CI === 'true') throw new Error(`CI=true and ${name} cannot run (${why}): .ci/run installs it`);
  if (why) console.warn(`\n!!!!!!!! ${name.toUpperCase()} TESTS SKIPPED: ${why} (apt-get install -y firefox-esr webkit2gtk-driver xvfb xauth) !!!!!!!!\n`);

  describe.skipIf(why !== null)(`in ${name}`, () => {
    let engine: Engine;
    let server: StaticServer;
    let strict: StaticServer;
    const started = Date.now();

    beforeAll(async () => {
      await bundlePageScript('kernels.page');
      server = await serveStatic();
      strict = await serveStatic({ headers: { '/': { 'content-security-policy': STRICT } } });
      engine = await launchEngine(name);
    }, 120_000);
    afterAll(async () => {
      await engine?.close();
      await server?.close();
      await strict?.close();
      if (engine) versions.push(`${name}: ${engine.version}, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it('the script tag loads; the analysis API runs in its worker pool and gives the bits Node gives (summary, quantiles, k-means, ARIMA)', async () => {
      const data = inputs();
      await ready({ wasm: WASM_URL, worker: false });
      const s = await summary(data.xs);
      const q = await quantiles(data.xs, [0.1, 0.5, 0.9]);
      const km = await kmeans(data.pts, { k: 3, seed: 1 });
      const m = await arima(data.ys, { order: [1, 0, 1] });
      const expected = bits([s.mean, s.variance, s.sum, ...q, km.inertia, ...km.centroids.flat(), ...m.coef.ar, ...m.coef.ma, m.logLik, m.sigma2]);

      const page = await engine.newPage();
      try {
        await page.goto(`${server.url}/test/pages/iife.html`);
        const got = await page.run(async (d: ReturnType<typeof inputs>) => {
          const A = (window as any).Avila.analysis;
          await A.ready();
          const s = await A.summary(d.xs);
          const q = await A.quantiles(d.xs, [0.1, 0.5, 0.9]);
          const km = await A.kmeans(d.pts, { k: 3, seed: 1 });
          const m = await A.arima(d.ys, { order: [1, 0, 1] });
          const hex = (xs: number[]) => xs.map((x) => { const v = new DataView(new ArrayBuffer(8)); v.setFloat64(0, x); return v.getBigUint64(0).toString(16); }).join(',');
          return {
            version: (window as any).Avila.version as string,
            mode: (await A.runtimeMetrics()).mode as string,
            wasm: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')),
            bits: hex([s.mean, s.variance, s.sum, ...q, km.inertia, ...km.centroids.flat(), ...m.coef.ar, ...m.coef.ma, m.logLik, m.sigma2]),
          };
        }, data);
        expect(got.version).toMatch(/^\d+\.\d+\.\d+/);
        expect(got.mode).toBe('workers');
        // Engines without WebAssembly SIMD get the scalar build — and the same bits.
        expect(got.wasm).toEqual([name === 'webkit-nosimd' ? '/dist/kernels-nosimd.wasm' : '/dist/kernels.wasm']);
        expect(got.bits).toBe(expected);
      } finally {
        await page.close();
      }
    });

    it('replaces a worker whose task runs past its timeout and keeps serving (TimeoutError, then a fresh worker)', async () => {
      const page = await engine.newPage();
      try {
        await page.goto(`${server.url}/test/pages/iife.html`);
        const r = await page.run(async () => {
          const A = (window as any).Avila.analysis;
          await A.ready({ maxWorkers: 1 });
          const xs = Float64Array.from({ length: 1_000_000 }, (_, i) => i % 977);
          const error = await A.detectAnomalies(xs, { method: 'robust', window: 20_000 }, { timeoutMs: 100 }).then(() => null, (e: Error) => e.name);
          const after = await A.quantiles([3, 1, 2], [0.5]);
          const m = await A.runtimeMetrics();
          return { error, after, replaced: m.workers.replaced as number, mode: m.mode as string, health: (await A.runtimeHealth()).status as string };
        }, null);
        expect(r).toEqual({ error: 'TimeoutError', after: [2], replaced: 1, mode: 'workers', health: 'healthy' });
      } finally {
        await page.close();
      }
    });

    it('passes the kernels’ property tests in the page (quantiles, summary, sketch, detectors; 100 runs each; the context detector, 50)', async () => {
      const page = await engine.newPage();
      try {
        await page.goto(`${server.url}/test/pages/iife.html`);
        // import() inside a string: the test runner rewrites import() in this file's own code.
        const runs = await page.run((base: string) => new Function('u', 'return import(u)')(`${base}/build/test/kernels.page.mjs`).then((m: { run(b: string): unknown }) => m.run(base)), server.url);
        expect(runs).toEqual({ quantiles: 100, summary: 100, sketch: 100, detectors: 100, context: 50 });
      } finally {
        await page.close();
      }
    });

    it('delivers through the IndexedDB queue: flush() right after init() sends all 100; 20 tracked just before a reload arrive after it', async () => {
      const collector: TestCollector = await startCollector();
      const page = await engine.newPage();
      try {
        const config = { endpoint: `${collector.url}/collect`, app: { name: name }, delivery: { batch: { intervalMs: 200 } } };
        await page.goto(`${server.url}/test/pages/iife.html`);
        const first = await page.run(async (c: Record<string, unknown>) => {
          const client = (window as any).Avila.init(c);
          for (let i = 0; i < 100; i++) client.track('engine', { n: i });
          await client.flush();
          const stats = await client.deliveryStats();
          for (let i = 100; i < 120; i++) client.track('engine', { n: i });
          return { storage: stats.storage as string, queued: stats.queued as number };
        }, config);
        // flush() resolved with the queue empty: it waited for the drain election (WebKit grants it late).
        expect(first).toEqual({ storage: 'indexeddb', queued: 0 });
        const arrived = () => new Set([...collector.events.values()].filter((e) => e.name === 'engine').map((e) => Number(e.properties.n)));
        expect(arrived().size).toBeGreaterThanOrEqual(100);
        // Reload at once: what was still buffered goes on exit or with the next page.
        await page.goto(`${server.url}/test/pages/iife.html`);
        await page.run((c: Record<string, unknown>) => void ((window as any).client = (window as any).Avila.init(c)), config);
        await until(() => arrived().size === 120, 20_000, `${name}: all 120 events`);
        expect([...arrived()].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
      } finally {
        await page.close();
        await collector.close();
      }
    });

    it('under the strict CSP of docs/csp.md the on-demand chunk, kernels and worker load with no violation', async () => {
      const page = await engine.newPage();
      try {
        await page.goto(`${strict.url}/test/pages/iife.html`);
        const r = await page.run(async () => {
          const violations: string[] = [];
          document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
          const A = (window as any).Avila.analysis;
          const q = await A.quantiles([4, 1, 3, 2], [0.5]);
          return { q, mode: (await A.runtimeMetrics()).mode as string, violations };
        }, null);
        expect(r).toEqual({ q: [2.5], mode: 'workers', violations: [] });
      } finally {
        await page.close();
      }
    });
  });
}
