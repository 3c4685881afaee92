import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { startDevServer } from '../../scripts/dev-server.mjs';
import { hasChromium, launchChromium } from '../helpers/chromium.js';

describe.skipIf(!hasChromium)('npm start: the dev server and its page', () => {
  let browser: Browser;
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    server = await startDevServer({ port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the page, which computes percentiles in a worker with no console errors', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => /computed in a Web Worker/.test(document.getElementById('out')!.textContent!));
    const text = await page.textContent('#out');
    expect(text).toMatch(/n = 100000/);
    const p99 = Number(/p99 = ([\d.]+)/.exec(text!)![1]);
    // lognormal(3, 0.5): p99 = exp(3 + 0.5·2.3263) ≈ 64.2
    expect(p99).toBeGreaterThan(55);
    expect(p99).toBeLessThan(75);
    expect(problems).toEqual([]);
  });
});
