import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arima, detectAnomalies, elbow, kmeans, quantiles, ready, silhouette, summary } from '../../src/analysis/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { rng, sample } from '../helpers/reference.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';

const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'";

describe.skipIf(!hasChromium)('worker runtime in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;
  let strict: StaticServer;
  let noWasm: StaticServer;

  beforeAll(async () => {
    server = await serveStatic();
    strict = await serveStatic({ headers: { '/': { 'content-security-policy': STRICT_CSP } } });
    noWasm = await serveStatic({ headers: { '/': { 'content-security-policy': "default-src 'self'; script-src 'self'; worker-src 'self'" } } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([server, strict, noWasm].map((s) => s?.close()));
  });

  async function open(base: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${base}/test/pages/iife.html`);
    await page.evaluate(() => {
      (window as any).violations = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as any).violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    return { page, problems };
  }

  it('keeps the page responsive: frames missed while a heavy kernel runs stay within idle + max(3, 5% of frames)', async () => {
    const { page, problems } = await open(server.url);
    const result = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      await A.ready();
      await A.summary([1, 2, 3]); // worker up
      // Random values keep the robust detector's sorted window busy (memmove per point). The work
      // is sized by timing a sample here, so the kernel outlasts the probe on any machine.
      const random = (n: number) => Float64Array.from({ length: n }, () => Math.random());
      const t = performance.now();
      await A.detectAnomalies(random(100_000), { method: 'robust', window: 80_000 });
      const perValue = (performance.now() - t) / 100_000;
      const xs = random(Math.min(20_000_000, Math.max(100_000, Math.ceil(3000 / perValue))));
      const frames = async (until: () => boolean) => {
        const gaps: number[] = [];
        let last = performance.now();
        await new Promise<void>((done) => {
          const step = (t: number) => {
            gaps.push(t - last);
            last = t;
            if (!until()) requestAnimationFrame(step);
            else done();
          };
          requestAnimationFrame(step);
        });
        const frame = gaps.slice().sort((a, b) => a - b)[gaps.length >> 1]!;
        // A frame is missed for every whole frame interval a gap spans beyond the first.
        return { missed: gaps.reduce((m, g) => m + Math.max(0, Math.round(g / frame) - 1), 0), frames: gaps.length, frame };
      };
      let finished = false;
      const t0 = performance.now();
      const heavy = A.detectAnomalies(xs, { method: 'robust', window: 80_000 }).then(() => (finished = true));
      // The busy probe stops a little before the kernel could (two thirds of its expected time).
      const busy = await frames(() => finished || performance.now() - t0 > 2000);
      const probeEnded = performance.now();
      await heavy;
      const kernelMs = performance.now() - t0;
      const idleFrom = performance.now();
      const idle = await frames(() => performance.now() - idleFrom > probeEnded - t0);
      return { idle, busy, kernelMs, probeMs: probeEnded - t0, finishedDuringProbe: kernelMs <= probeEnded - t0 };
    });
    expect(result.finishedDuringProbe).toBe(false); // the kernel really covered the busy window
    // A small margin: on 2 cores the worker takes one, and the page shares the other with the
    // browser's own processes and the test runner.
    expect(result.busy.missed).toBeLessThanOrEqual(result.idle.missed + Math.max(3, Math.ceil(0.05 * result.busy.frames)));
    console.log(`rAF probe: idle missed ${result.idle.missed}/${result.idle.frames}, busy missed ${result.busy.missed}/${result.busy.frames}, kernel ${Math.round(result.kernelMs)} ms`);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('times out a runaway task with TimeoutError, replaces its worker, and is healthy after', async () => {
    const { page } = await open(server.url);
    const r = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      await A.ready({ maxWorkers: 1 });
      const xs = Float64Array.from({ length: 1_000_000 }, (_, i) => i % 977);
      const error = await A.detectAnomalies(xs, { method: 'robust', window: 20_000 }, { timeoutMs: 100 }).catch((e: Error) => e);
      const after = await A.quantiles([3, 1, 2], [0.5]);
      const m = await A.runtimeMetrics();
      const h = await A.runtimeHealth();
      return { name: error.name, message: error.message, after, timedOut: m.tasks.timedOut, replaced: m.workers.replaced, health: h.status };
    });
    expect(r).toMatchObject({ name: 'TimeoutError', after: [2], timedOut: 1, replaced: 1, health: 'healthy' });
    expect(r.message).toMatch(/ran longer than 100 ms; its worker was replaced/);
    await page.close();
  });

  it('refuses work beyond maxQueue with QueueFullError and cancels with an AbortSignal; healthy after', async () => {
    const { page } = await open(server.url);
    const r = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      await A.ready({ maxWorkers: 1, maxQueue: 1 });
      await A.summary([1]);
      const xs = Float64Array.from({ length: 300_000 }, (_, i) => i % 977);
      const controller = new AbortController();
      const running = A.detectAnomalies(xs, { method: 'robust', window: 20_000 }, { signal: controller.signal }).catch((e: Error) => e.name);
      await new Promise((r) => setTimeout(r, 20));
      const queued = A.summary([1, 2]);
      const refused = await A.summary([3]).catch((e: Error) => e.name);
      controller.abort();
      const [cancelled, summaryAfter] = await Promise.all([running, queued]);
      const m = await A.runtimeMetrics();
      return { refused, cancelled, mean: summaryAfter.mean, rejected: m.tasks.rejected, cancelledCount: m.tasks.cancelled, health: (await A.runtimeHealth()).status };
    });
    expect(r).toEqual({ refused: 'QueueFullError', cancelled: 'AbortError', mean: 1.5, rejected: 1, cancelledCount: 1, health: 'healthy' });
    await page.close();
  });

  it('replaces a worker that crashes (uncaught error) and keeps serving', async () => {
    const { page } = await open(server.url);
    await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      await A.ready({ maxWorkers: 1 });
      await A.summary([1]);
    });
    const worker = page.workers()[0]!;
    await worker.evaluate(() => setTimeout(() => { throw new Error('simulated crash'); }, 0));
    const r = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      for (let i = 0; i < 100; i++) {
        if ((await A.runtimeMetrics()).workers.replaced > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const q = await A.quantiles([5, 6, 7], [0.5]);
      const h = await A.runtimeHealth();
      return { q, replaced: (await A.runtimeMetrics()).workers.replaced, health: h.status, incident: h.checks.find((c: any) => c.name === 'incidents').detail };
    });
    expect(r).toMatchObject({ q: [6], replaced: 1, health: 'healthy' });
    expect(r.incident).toMatch(/simulated crash/);
    await page.close();
  });

  it("runs under a strict CSP (script-src 'self' 'wasm-unsafe-eval'; worker-src 'self') with no violation", async () => {
    const { page, problems } = await open(strict.url);
    const loaded: string[] = [];
    page.on('request', (req) => loaded.push(new URL(req.url()).pathname));
    const r = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      const q = await A.quantiles([4, 1, 3, 2], [0.5]);
      // The client too: its sending side as it starts, the deferred chunk on the first value.
      const c = (window as any).Avila.init({ endpoint: '/collect', delivery: { storage: 'memory', exitFlush: false, fetch: async () => new Response('{}') } });
      c.histogram('latency', { unit: 'ms' }).record(12);
      await c.ready;
      const snapshot = c.metricsSnapshot();
      await c.shutdown();
      return { q, mode: (await A.runtimeMetrics()).mode, count: snapshot[0]?.count, violations: (window as any).violations };
    });
    expect(r).toEqual({ q: [2.5], mode: "workers", count: 1, violations: [] });
    // The script tag's chunks (ES modules imported by the classic script) loaded under the policy.
    for (const chunk of ['/dist/on-demand.mjs', '/dist/sending.min.mjs', '/dist/deferred.min.mjs']) expect(loaded).toContain(chunk);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("without 'wasm-unsafe-eval' the error says what to add to the policy", async () => {
    const { page } = await open(noWasm.url);
    const message = await page.evaluate(async () => {
      const A = (window as any).Avila.analysis;
      return A.quantiles([1], [0.5]).then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
    });
    expect(message).toMatch(/^KernelLoadError: avila-telemetry: could not load kernels.wasm from http:\/\/127\.0\.0\.1:\d+\/dist\/kernels\.wasm/);
    expect(message).toMatch(/add 'wasm-unsafe-eval' to script-src/);
    await page.close();
  });

  it('gives results identical to the inline (Node) path for every bulk analysis function (ARIMA with regressors too)', async () => {
    const r = rng(5);
    const inputs = [
      Array.from(sample('lognormal', 5000, 1)),
      Array.from(sample('mixed-sign', 3000, 2)),
      Array.from({ length: 2000 }, (_, i) => Math.round(10 * Math.sin(i / 9) + (r() < 0.02 ? 40 : 0))),
    ];
    type Api = {
      quantiles: typeof quantiles; summary: typeof summary; detectAnomalies: typeof detectAnomalies;
      kmeans: typeof kmeans; silhouette: typeof silhouette; elbow: typeof elbow; arima: typeof arima;
    };
    const compute = async (A: Api, data: number[][]) => {
      const out: unknown[] = [];
      for (const xs of data) {
        out.push(await A.quantiles(xs, [0, 0.1, 0.5, 0.9, 0.99, 1]));
        out.push(await A.summary(xs));
        for (const method of ['zscore', 'robust', 'iqr', 'ewma'] as const) out.push(await A.detectAnomalies(xs, { method, window: 50 }));
        // Consecutive values as 2-D points.
        const points = xs.slice(0, 1000).map((x, i) => [x, xs[(i + 1) % xs.length]!]);
        const fit = await A.kmeans(points, { k: 5, seed: 2 });
        out.push(fit, await A.silhouette(points, fit.labels, { sampleSize: 300 }), await A.elbow(points, { kMax: 4 }));
        // ARIMA with a regressor: the series, the regressors and their future rows cross to the worker.
        const y = xs.slice(0, 200);
        // Arithmetic only: Math.sin may differ in the last bit between V8 versions (Node vs Chromium).
        const reg = (t: number) => ((t * 37) % 11) / 11 + t / 50;
        const m = await A.arima(y, { order: [1, 0, 1], xreg: y.map((_, t) => reg(t)) });
        out.push(m.coef, m.se, m.logLik, await m.forecast(5, { xreg: [0, 1, 2, 3, 4].map((h) => reg(200 + h)) }));
      }
      return JSON.stringify(out);
    };
    await ready({ wasm: WASM_URL, worker: false });
    const inline = await compute({ quantiles, summary, detectAnomalies, kmeans, silhouette, elbow, arima }, inputs);
    const { page } = await open(server.url);
    const viaWorkers = await page.evaluate(
      async ({ data, fn }) => {
        const A = (window as any).Avila.analysis;
        const mode = (await A.runtimeMetrics()).mode;
        return { mode, json: await new Function('A', 'data', `return (${fn})(A, data)`)(A, data) };
      },
      { data: inputs, fn: compute.toString() },
    );
    expect(viaWorkers.mode).toBe('workers');
    expect(viaWorkers.json).toBe(inline);
    await page.close();
  });
});
