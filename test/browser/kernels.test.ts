import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { bundlePageScript } from '../helpers/browser.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('kernels in Chromium (worker pool and page)', () => {
  let browser: Browser;
  let server: StaticServer;

  beforeAll(async () => {
    await bundlePageScript('kernels.page');
    server = await serveStatic();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('passes the quantile, summary, sketch and detector properties with 100 runs each (the context detector, 50)', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/test/pages/iife.html`);
    // A string, so vitest does not rewrite the dynamic import for Node.
    const runs = await page.evaluate(`import('${server.url}/build/test/kernels.page.mjs').then((m) => m.run('${server.url}'))`);
    expect(runs).toEqual({ quantiles: 100, summary: 100, sketch: 100, detectors: 100, context: 50 });
    // Bulk calls really went through a worker.
    expect(page.workers().map((w) => new URL(w.url()).pathname)).toContain('/dist/avila-telemetry.worker.js');
    expect(errors).toEqual([]);
  });

  it('simd: false loads kernels-nosimd.wasm in its workers and gives the bits of the SIMD kernels (k-means, ARIMA, sketch, summary)', async () => {
    const results: string[] = [];
    const wasm: string[][] = [];
    for (const simd of [true, false]) {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (r) => r.url().endsWith('.wasm') && requested.push(new URL(r.url()).pathname));
      await page.goto(`${server.url}/test/pages/iife.html`);
      const out = await page.evaluate(async (simd) => {
        const A = (window as any).Avila.analysis;
        await A.ready(simd ? {} : { simd: false });
        let seed = 11;
        const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
        const pts = Array.from({ length: 3000 }, (_, i) => [r() * 10 + (i % 3) * 20, r() * 10, r() - 0.5, r()]);
        const km = await A.kmeans(pts, { k: 5, seed: 3 });
        let y = 0;
        const ys = Array.from({ length: 300 }, () => (y = 0.6 * y + r() - 0.5));
        const m = await A.arima(ys, { order: [2, 0, 1] });
        const s = await A.summary(ys);
        const sk = new A.QuantileSketch();
        sk.addMany(ys.map((v) => v * 1000));
        // Bits, not decimal strings: every double as its 16 hex digits.
        const bits = (xs: number[]) => xs.map((x) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, x); return b.getBigUint64(0).toString(16); }).join(',');
        return bits([km.inertia, ...km.centroids.flat(), ...m.coef.ar, ...m.coef.ma, m.logLik, m.sigma2, s.mean, s.variance, s.sum, ...sk.quantiles([0.1, 0.5, 0.99])]) + '|' + Array.from(km.labels).join('');
      }, simd);
      results.push(out);
      wasm.push(requested);
      await page.close();
    }
    expect(wasm).toEqual([['/dist/kernels.wasm'], ['/dist/kernels-nosimd.wasm']]);
    expect(results[1]).toBe(results[0]);
  });
});
