// Shared harness of the Chromium tests: waiting, bundling a page script, opening a page with the
// script-tag client initialised as window.client.
import { build } from 'esbuild';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ROOT } from './server.js';

export { sleep, until } from './wait.js';

/** Bundles test/browser/<name>.ts to build/test/<name>.mjs, importable by a page from the static server. */
export async function bundlePageScript(name: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, `test/browser/${name}.ts`)],
    outfile: join(ROOT, `build/test/${name}.mjs`),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    define: { __AVILA_VERSION__: '"test"' },
    logLevel: 'error',
  });
}

/** A new page at `url` with `Avila.init(init)` as window.client and its errors in window.errors. */
export async function openClientPage(context: BrowserContext, url: string, init: Record<string, unknown>): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(url);
  await page.evaluate((config) => {
    const w = window as any;
    w.client = w.Avila.init(config);
    w.errors = [];
    w.client.on('error', (e: Error) => w.errors.push(e.message));
  }, init);
  return page;
}
