import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';

describe.skipIf(!hasChromium)('script-tag build in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;

  beforeAll(async () => {
    server = await serveStatic();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('defines the global Avila and runs a kernel in a Web Worker that answers the page', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const workerCreated = page.waitForEvent('worker');
    await page.goto(`${server.url}/test/pages/iife.html`);

    const result = await page.evaluate(async () => {
      const A = (globalThis as any).Avila;
      return {
        type: typeof A,
        version: A.version,
        q: await A.analysis.quantiles([9, 1, 8, 2, 7, 3, 6, 4, 5, 10], [0.5, 0.9]),
      };
    });
    const worker = await workerCreated;

    expect(result.type).toBe('object');
    expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
    // numpy.quantile([1..10], [0.5, 0.9]) = [5.5, 9.1]
    expect(result.q[0]).toBe(5.5);
    expect(result.q[1]).toBeCloseTo(9.1, 12);
    expect(new URL(worker.url()).pathname).toBe('/dist/avila-telemetry.worker.js');
    // The worker holds its own kernels instance: the module compiled on the page was posted to it.
    expect(await worker.evaluate(() => typeof WebAssembly.Module)).toBe('function');
    expect(requests).toContain('/dist/kernels.wasm');
    expect(errors).toEqual([]);
    await page.close();
  });
});
