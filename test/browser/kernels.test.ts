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

  it('passes the quantile, summary, sketch and detector properties with 100 runs each', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/test/pages/iife.html`);
    // A string, so vitest does not rewrite the dynamic import for Node.
    const runs = await page.evaluate(`import('${server.url}/build/test/kernels.page.mjs').then((m) => m.run('${server.url}'))`);
    expect(runs).toEqual({ quantiles: 100, summary: 100, sketch: 100, detectors: 100 });
    // Bulk calls really went through a worker.
    expect(page.workers().map((w) => new URL(w.url()).pathname)).toContain('/dist/avila-telemetry.worker.js');
    expect(errors).toEqual([]);
  });
});
