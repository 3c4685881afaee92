// The package as users get it: `npm pack`, installed into fresh apps built by Vite, webpack,
// esbuild and Rollup, each run in Chromium against the test collector. esbuild and Rollup do not
// emit `new URL('./…', import.meta.url)` assets: they get the documented step
// (`avila-telemetry assets <outdir>`), and are also run without it.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { ROOT, serveStatic, type StaticServer } from '../helpers/server.js';
import { until } from '../helpers/wait.js';

const WORK = join(ROOT, 'test/consumers/.work');
const APP = join(ROOT, 'test/consumers/app');

type Bundler = 'vite' | 'webpack' | 'esbuild' | 'rollup';

/** A fresh app folder with the packed package in its node_modules (its own deps resolve from the repo's). */
function freshApp(name: string, tarball: string): string {
  const dir = join(WORK, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules')]);
  cpSync(join(dir, 'node_modules/package'), join(dir, 'node_modules/avila-telemetry'), { recursive: true });
  rmSync(join(dir, 'node_modules/package'), { recursive: true, force: true });
  cpSync(APP, dir, { recursive: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  cpSync(join(APP, 'main.js'), join(dir, 'src/main.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  return dir;
}

const MODULE_PAGE = '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>';

async function build(bundler: Bundler, dir: string, assetsStep: boolean): Promise<string> {
  const out = join(dir, 'dist');
  if (bundler === 'vite') {
    const { build } = await import('vite');
    await build({ root: dir, logLevel: 'silent', configFile: false, build: { outDir: out, emptyOutDir: true } });
  } else if (bundler === 'webpack') {
    const { default: webpack } = await import('webpack');
    await new Promise<void>((ok, fail) =>
      webpack({ mode: 'production', context: dir, entry: './src/main.js', output: { path: out, filename: 'main.js', publicPath: 'auto' }, performance: { hints: false } }, (err, stats) =>
        err || stats?.hasErrors() ? fail(err ?? new Error(stats!.toString('errors-only'))) : ok(),
      ),
    );
    writeFileSync(join(out, 'index.html'), MODULE_PAGE.replace(' type="module"', ''));
  } else if (bundler === 'esbuild') {
    const esbuild = await import('esbuild');
    await esbuild.build({ entryPoints: [join(dir, 'src/main.js')], bundle: true, format: 'esm', splitting: true, minify: true, outdir: out, logLevel: 'silent' });
    writeFileSync(join(out, 'index.html'), MODULE_PAGE);
  } else {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: join(dir, 'src/main.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    await bundle.write({ dir: out, format: 'es', entryFileNames: 'main.js' });
    await bundle.close();
    writeFileSync(join(out, 'index.html'), MODULE_PAGE);
  }
  // The documented one step for esbuild and Rollup, run as users run it (the package's bin).
  if (assetsStep) execFileSync(process.execPath, [join(dir, 'node_modules/avila-telemetry/bin/avila-telemetry.mjs'), 'assets', out], { stdio: 'pipe' });
  return out;
}

/** gzip size of the JS the page's HTML loads first (the entry chunk). */
function entryGzip(out: string): number {
  const js = readdirSync(out, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
  const entry = js.find((f) => /^main\.js$|^assets\/index-.*\.js$/.test(f))!;
  return gzipSync(readFileSync(join(out, entry)), { level: 9 }).length;
}

interface PageResult {
  out: { anomalies: { value: number; method: string }[]; errors: string[]; kmeans?: { inertia: number; labels: number[] }; arima?: { ar: number }; analysisError?: string };
  wasmRequests: string[];
  workers: number;
  pageErrors: string[];
}

describe.skipIf(!hasChromium)('consumer apps built from the npm pack tarball, in Chromium', () => {
  let tarball: string;
  let browser: Browser;
  let collector: TestCollector;

  beforeAll(async () => {
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
    tarball = join(WORK, name);
    browser = await launchChromium();
    collector = await startCollector();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    rmSync(WORK, { recursive: true, force: true });
  });

  async function run(dist: string, bundler: string): Promise<PageResult> {
    const server: StaticServer = await serveStatic({ root: dist });
    const context = await browser.newContext();
    const page = await context.newPage();
    const wasmRequests: string[] = [];
    const pageErrors: string[] = [];
    let workers = 0;
    page.on('request', (r) => r.url().endsWith('.wasm') && wasmRequests.push(r.url()));
    page.on('worker', () => workers++);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.url}/index.html?bundler=${bundler}&collector=${encodeURIComponent(collector.url)}`);
      await page.waitForFunction(() => (window as any).__out?.done === true, null, { timeout: 30_000 });
      const out = (await page.evaluate(() => (window as any).__out)) as PageResult['out'];
      return { out, wasmRequests, workers, pageErrors };
    } finally {
      await context.close();
      await server.close();
    }
  }

  const delivered = (bundler: string) => [...collector.events.values()].filter((e) => e.name === 'consumer_loaded' && e.properties.bundler === bundler);

  const cases: [Bundler, boolean][] = [['vite', false], ['webpack', false], ['esbuild', true], ['rollup', true]];
  for (const [bundler, step] of cases) {
    it(`${bundler}${step ? ' (with `avila-telemetry assets`)' : ''}: same-task anomaly, k-means, ARIMA, delivery; one kernels.wasm, one worker, no page error`, async () => {
      const dist = await build(bundler, freshApp(bundler, tarball), step);
      const r = await run(dist, bundler);
      expect(r.pageErrors).toEqual([]);
      expect(r.out.errors).toEqual([]);
      expect(r.out.analysisError).toBeUndefined();
      // The spike recorded in the same task as watch() is scored.
      expect(r.out.anomalies).toContainEqual({ value: 5000, method: 'zscore' });
      // Two pairs one apart: inertia 2 × (0.25 + 0.25) = 1 (sklearn's definition).
      expect(r.out.kmeans!.inertia).toBeCloseTo(1, 12);
      expect(new Set(r.out.kmeans!.labels.slice(0, 2)).size).toBe(1);
      expect(r.out.kmeans!.labels[0]).not.toBe(r.out.kmeans!.labels[2]);
      expect(Math.abs(r.out.arima!.ar - 0.7)).toBeLessThan(0.1);
      expect(r.wasmRequests).toHaveLength(1);
      expect(r.workers).toBe(1);
      await until(() => delivered(bundler).length === 1, 10_000, `${bundler}: the tracked event at the collector`);
      console.log(`${bundler}: entry chunk ${(entryGzip(dist) / 1024).toFixed(1)} KB gzip`);
    });
  }

  for (const bundler of ['esbuild', 'rollup'] as const) {
    it(`${bundler} without the assets step: events still arrive, one clear error, no refetch, no page error`, async () => {
      const name = `${bundler}-nostep`;
      const dist = await build(bundler, freshApp(name, tarball), false);
      const r = await run(dist, name);
      expect(r.pageErrors).toEqual([]);
      expect(r.out.errors).toHaveLength(1);
      expect(r.out.errors[0]).toMatch(/kernels\.wasm from http:\/\/127\.0\.0\.1:\d+\/kernels\.wasm: HTTP 404/);
      expect(r.out.errors[0]).toContain('npx avila-telemetry assets');
      // The analysis call rejects with the same error, without fetching again.
      expect(r.out.analysisError).toContain('HTTP 404');
      expect(r.wasmRequests).toHaveLength(1);
      expect(r.out.anomalies).toEqual([]);
      await until(() => delivered(name).length === 1, 10_000, `${name}: the tracked event at the collector`);
    });
  }
});
