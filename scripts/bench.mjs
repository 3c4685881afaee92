// npm run bench [-- <name filter>] [--env node|chromium]
// Bundles each bench/*.bench.ts with esbuild, runs it in Node and (where it declares so) in
// Chromium, prints one row per comparison with the peer measured in the same run, and writes
// bench/results/latest.json.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import os from 'node:os';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const envArg = args.includes('--env') ? args[args.indexOf('--env') + 1] : null;
const filters = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--env');

if (!existsSync(join(ROOT, 'dist/kernels.wasm')) || !existsSync(join(ROOT, 'dist/kernels-nosimd.wasm'))) {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit', cwd: ROOT });
}

const files = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const outDir = join(ROOT, 'build/bench');
mkdirSync(outDir, { recursive: true });
const define = { __AVILA_VERSION__: JSON.stringify('bench') };
for (const platform of ['node', 'browser']) {
  await build({
    entryPoints: files.map((f) => join(ROOT, 'bench', f)),
    outdir: join(outDir, platform),
    bundle: true,
    format: 'esm',
    platform,
    target: 'es2022',
    define,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
    // CommonJS dependencies (the arima package's Emscripten loader) expect require and __dirname.
    ...(platform === 'node' ? { banner: { js: "import { createRequire as __avilaCreateRequire } from 'node:module'; import { dirname as __avilaDirname } from 'node:path'; import { fileURLToPath as __avilaPath } from 'node:url'; const require = __avilaCreateRequire(import.meta.url); const __filename = __avilaPath(import.meta.url); const __dirname = __avilaDirname(__filename);" } } : {}),
    // Node-only benches (envs: ['node']) may import node: modules; their browser bundle never runs.
    // miniflare runs workerd from its own package: loaded from node_modules, never bundled.
    // (buffer: the arima package's Node fallback for atob, never reached in a browser.)
    external: platform === 'browser' ? ['node:*', 'buffer'] : ['miniflare'],
    ...(platform === 'browser' ? { alias: { miniflare: join(ROOT, 'bench/lib/node-only.ts') } } : {}),
  });
}

// The test collector, for the delivery benchmarks.
await build({ entryPoints: [join(ROOT, 'test/collector/collector.ts')], outfile: join(outDir, 'collector.mjs'), bundle: true, format: 'esm', platform: 'node', define, logLevel: 'error' });
const { startCollector } = await import(pathToFileURL(join(outDir, 'collector.mjs')).href);

const rows = [];
// Where and when each row was measured: the results file keeps rows of earlier runs (a filtered
// run replaces only its own), and perf-table marks those as carried over.
const runAt = new Date().toISOString().slice(0, 10);
const machine = `${os.cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU'}, ${os.cpus().length} cores`;
let chromiumVersion = null;
const record = (env, comparisons) => {
  for (const c of comparisons) {
    const ratio = c.higherIsBetter ? c.ours / c.peer : c.peer / c.ours;
    const where = { at: runAt, machine, node: process.version, ...(env === 'chromium' ? { chromium: chromiumVersion } : {}) };
    rows.push({ name: c.name, env, unit: c.unit, ours: c.ours, peer: c.peer, peerName: c.peerName, ratio, higherIsBetter: c.higherIsBetter, ...where });
  }
};

async function runNode() {
  for (const f of files) {
    const mod = await import(pathToFileURL(join(outDir, 'node', f.replace(/\.ts$/, '.mjs'))).href);
    const bench = mod.default;
    if (!bench.envs.includes('node')) continue;
    console.log(`\n[node] ${bench.title}`);
    const ctx = {
      env: 'node',
      wasmUrl: pathToFileURL(join(ROOT, 'dist/kernels.wasm')).href,
      noSimdWasmUrl: pathToFileURL(join(ROOT, 'dist/kernels-nosimd.wasm')).href,
      log: (m) => console.log('  ' + m),
    };
    record('node', await bench.run(ctx));
  }
}

const TYPES = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };

/** A random permutation (Fisher–Yates). */
const shuffled = (xs) => {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};

/** A bench with `contenders`: each alone in a fresh context, `rounds` times, random order per round. */
async function runContenders(browser, base, f, declared) {
  console.log(`\n[chromium] ${declared.title}`);
  const src = `${base}/build/bench/browser/${f.replace(/\.ts$/, '.mjs')}`;
  const results = Object.fromEntries(declared.contenders.map((c) => [c, []]));
  try {
    for (let round = 0; round < (declared.rounds ?? 1); round++) {
      const order = shuffled(declared.contenders);
      console.log(`  round ${round + 1}: ${order.join(', ')}`);
      for (const contender of order) {
        const context = await browser.newContext();
        const page = await context.newPage();
        page.on('console', (m) => console.log('  ' + m.text()));
        page.on('pageerror', (e) => console.log('  page error: ' + e.message));
        const cdp = await context.newCDPSession(page);
        await cdp.send('Performance.enable');
        await page.exposeFunction('__avilaMainThreadMs', async () => {
          const { metrics } = await cdp.send('Performance.getMetrics');
          return 1000 * metrics.find((m) => m.name === 'TaskDuration').value;
        });
        await page.goto(base + (declared.isolated ? '/isolated' : '/'));
        const collector = await startCollector();
        page.setDefaultTimeout(0);
        try {
          const figures = await page.evaluate(
            async ({ s, base, collectorUrl, contender }) => {
              const bench = (await import(s)).default;
              return bench.measure({
                env: 'chromium',
                wasmUrl: `${base}/dist/kernels.wasm`,
                noSimdWasmUrl: `${base}/dist/kernels-nosimd.wasm`,
                collectorUrl,
                contender,
                mainThreadMs: () => globalThis.__avilaMainThreadMs(),
                log: (m) => console.log(m),
              });
            },
            { s: src, base, collectorUrl: collector.url, contender },
          );
          results[contender].push(figures);
        } finally {
          await collector.close();
          await context.close().catch(() => {});
        }
      }
    }
    record('chromium', declared.compare(results));
  } catch (e) {
    console.log(`  FAILED: ${String(e?.message ?? e).split('\n')[0]}`);
  }
}

async function runChromium() {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    console.log(`\n!!! Chromium benchmarks skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };
    if (path === '/' || path === '/isolated') {
      res.writeHead(200, { 'content-type': 'text/html', ...(path === '/isolated' ? isolation : {}) }).end('<!doctype html><title>bench</title><link rel="icon" href="data:,">');
      return;
    }
    const file = join(ROOT, path);
    if (!file.startsWith(ROOT) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cross-origin-resource-policy': 'same-origin' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  chromiumVersion = browser.version();
  try {
    for (const f of files) {
      // Node-only benches are not even loaded in the page (their imports may be Node's).
      const declared = (await import(pathToFileURL(join(outDir, 'node', f.replace(/\.ts$/, '.mjs'))).href)).default;
      if (!declared.envs.includes('chromium')) continue;
      if (declared.contenders) {
        await runContenders(browser, base, f, declared);
        continue;
      }
      const page = await browser.newPage();
      page.on('console', (m) => console.log('  ' + m.text()));
      page.on('pageerror', (e) => console.log('  page error: ' + e.message));
      await page.goto(base + '/');
      const src = `${base}/build/bench/browser/${f.replace(/\.ts$/, '.mjs')}`;
      const envs = await page.evaluate(async (s) => (await import(s)).default.envs, src);
      if (await page.evaluate(async (s) => (await import(s)).default.isolated === true, src)) await page.goto(base + '/isolated');
      if (!envs.includes('chromium')) {
        await page.close();
        continue;
      }
      console.log(`\n[chromium] ${await page.evaluate(async (s) => (await import(s)).default.title, src)}`);
      const collector = await startCollector();
      page.setDefaultTimeout(0);
      try {
        const comparisons = await page.evaluate(
          async ({ s, base, collectorUrl }) => {
            const bench = (await import(s)).default;
            return bench.run({
              env: 'chromium',
              wasmUrl: `${base}/dist/kernels.wasm`,
              noSimdWasmUrl: `${base}/dist/kernels-nosimd.wasm`,
              collectorUrl,
              log: (m) => console.log(m),
            });
          },
          { s: src, base, collectorUrl: collector.url },
        );
        record('chromium', comparisons);
      } catch (e) {
        // One benchmark failing (a peer crashing its page) must not lose the others' figures.
        console.log(`  FAILED: ${String(e?.message ?? e).split('\n')[0]}`);
      } finally {
        await collector.close();
      }
      await page.close().catch(() => {});
    }
  } finally {
    await browser.close();
    server.close();
  }
}

if (!envArg || envArg === 'node') await runNode();
if (!envArg || envArg === 'chromium') await runChromium();

const fmt = (x) => {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return (x / 1e6).toFixed(1) + 'M';
  if (a >= 1e3) return (x / 1e3).toFixed(1) + 'k';
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
};
console.log('\n' + ['env', 'benchmark', 'unit', 'ours', 'peer', 'peer value', 'ratio (>1: ours better)'].join(' | '));
for (const r of rows) {
  console.log([r.env, r.name, r.unit, fmt(r.ours), r.peerName, fmt(r.peer), fmt(r.ratio) + '×'].join(' | '));
}
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
// A filtered run replaces its own rows and keeps the others of the last full run.
const latest = join(ROOT, 'bench/results/latest.json');
const key = (r) => `${r.env}\u0000${r.name}\u0000${r.peerName}`;
const fresh = new Set(rows.map(key));
const kept = existsSync(latest) ? JSON.parse(readFileSync(latest, 'utf8')).filter((r) => !fresh.has(key(r))) : [];
writeFileSync(latest, JSON.stringify([...kept, ...rows], null, 2) + '\n');
console.log(`\nwrote bench/results/latest.json (${rows.length} new rows, ${kept.length} kept)`);
