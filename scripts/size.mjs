// npm run size: gzip and brotli size of every dist/ file, the budgets (exit 1 when one is over),
// and what an app's entry chunk carries, next to the peers' (same bundler, same settings).
// `--report` prints without failing (the README's table is made with it).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
const sizeOf = (b) => ({
  raw: b.length,
  gzip: gzipSync(b, { level: 9 }).length,
  brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';

const files = readdirSync(join(ROOT, 'dist')).filter((f) => /\.(m?js|wasm)$/.test(f)).sort();
const rows = Object.fromEntries(files.map((f) => [f, sizeOf(readFileSync(join(ROOT, 'dist', f)))]));
console.log('file'.padEnd(32) + 'raw'.padStart(10) + 'gzip'.padStart(10) + 'brotli'.padStart(10));
for (const [f, s] of Object.entries(rows)) console.log(f.padEnd(32) + kb(s.raw) + kb(s.gzip) + kb(s.brotli));

/**
 * What an app's entry carries, as esbuild makes it (minified, code-split ESM) for an app of one
 * line of imports: the entry chunk and the chunks it imports statically (shared chunks load
 * before the entry runs, so they count). `withStart`: with what the client fetches as it starts,
 * our sending chunk (dist/sending.min.mjs: the drain and its retries, self-contained).
 */
async function entryChunk(code) {
  const dir = mkdtempSync(join(tmpdir(), 'avila-size-'));
  try {
    writeFileSync(join(dir, 'app.js'), code);
    // The package as an app sees it: through its `exports`, from node_modules.
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/avila-telemetry'), 'dir');
    const r = await build({ entryPoints: [join(dir, 'app.js')], bundle: true, splitting: true, format: 'esm', minify: true, write: false, metafile: true, outdir: join(dir, 'out'), nodePaths: [join(ROOT, 'node_modules')], platform: 'browser', logLevel: 'silent', define: { 'process.env.NODE_ENV': '"production"' } });
    const outputs = Object.entries(r.metafile.outputs);
    const fileOf = (path) => r.outputFiles.find((f) => f.path.endsWith(path.replace(/^.*?out\//, '/')));
    /** `path` and the chunks it imports statically, transitively. */
    const closure = (path, into = new Set()) => {
      if (into.has(path)) return into;
      into.add(path);
      for (const i of r.metafile.outputs[path]?.imports ?? []) if (i.kind === 'import-statement') closure(i.path, into);
      return into;
    };
    const bytes = (paths) => Buffer.concat([...paths].map((p) => Buffer.from(fileOf(p).contents)));
    const entry = closure(outputs.find(([p]) => p.endsWith('/app.js'))[0]);
    const sendingChunk = outputs.find(([, o]) => Object.keys(o.inputs).some((i) => i.endsWith('dist/sending.min.mjs')));
    const atStart = sendingChunk ? closure(sendingChunk[0], new Set(entry)) : null;
    return { ...sizeOf(bytes(entry)), withStart: atStart ? sizeOf(bytes(atStart)) : null };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const iife = readFileSync(join(ROOT, 'dist/avila-telemetry.iife.js'));
// The script tag fetches its sending side (dist/sending.min.mjs, self-contained) as it starts.
const scriptStart = Buffer.concat([iife, readFileSync(join(ROOT, 'dist/sending.min.mjs'))]);

const peers = [
  ['script tag: avila-telemetry.iife.js', sizeOf(iife)],
  ['script tag + sending.min.mjs (at start)', sizeOf(scriptStart)],
  ['script tag: posthog-js array.js', sizeOf(readFileSync(join(ROOT, 'node_modules/posthog-js/dist/array.js')))],
  ['script tag: Segment standalone.js', sizeOf(readFileSync(join(ROOT, 'node_modules/@segment/analytics-next/dist/umd/standalone.js')))],
  ['ESM entry: init()', await entryChunk("import { init } from 'avila-telemetry'; init({ endpoint: '/collect' }).track('x');")],
  ['ESM entry: init() + analysis by import()', await entryChunk("import { init } from 'avila-telemetry'; init({ endpoint: '/collect' }).track('x'); import('avila-telemetry/analysis').then((a) => a.summary([1]));")],
  ['ESM entry: posthog-js init()', await entryChunk("import posthog from 'posthog-js'; posthog.init('k', { api_host: '/' }); posthog.capture('x');")],
  ['ESM entry: Segment AnalyticsBrowser', await entryChunk("import { AnalyticsBrowser } from '@segment/analytics-next'; AnalyticsBrowser.load({ writeKey: 'k' }).track('x');")],
  [
    'ESM entry: OpenTelemetry web (traces, OTLP/HTTP)',
    await entryChunk(
      "import { WebTracerProvider } from '@opentelemetry/sdk-trace-web'; import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'; import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';" +
        " const p = new WebTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: '/v1/traces' }))] }); p.register(); p.getTracer('x').startSpan('x').end();",
    ),
  ],
];
console.log('\nwhat a page loads first'.padEnd(61) + 'gzip'.padStart(10) + 'brotli'.padStart(10));
for (const [name, s] of peers) {
  console.log(name.padEnd(60) + kb(s.gzip) + kb(s.brotli));
  if (s.withStart) console.log(`${name} + the sending chunk (at start)`.padEnd(60) + kb(s.withStart.gzip) + kb(s.withStart.brotli));
}

/**
 * An app of one line, `init()` then `track()`, built by each bundler as its users build it for
 * production (Rollup with @rollup/plugin-terser, as a Rollup app would minify), from the package
 * as an app sees it (node_modules/avila-telemetry). Measured: the entry chunk and the chunks it
 * imports statically (gzip), next to the same bundler's own code for an app whose one line is an
 * `import()` (its chunk-loading runtime, which our chunks need too and any code-split app has):
 * what the package puts into the entry is the difference.
 */
async function bundlerEntry(bundler, code) {
  const dir = mkdtempSync(join(tmpdir(), `avila-size-${bundler}-`));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules/avila-telemetry'), 'dir');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/main.js'), code);
    writeFileSync(join(dir, 'src/other.js'), "export const f = () => console.log('other');\n");
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/src/main.js"></script>');
    const out = join(dir, 'dist');
    let entry = 'main.js';
    if (bundler === 'vite') {
      const { build: vite } = await import('vite');
      await vite({ root: dir, logLevel: 'silent', configFile: false, build: { outDir: out, emptyOutDir: true } });
      entry = `assets/${readdirSync(join(out, 'assets')).find((f) => /^index-.*\.js$/.test(f))}`;
    } else if (bundler === 'webpack') {
      const { default: webpack } = await import('webpack');
      await new Promise((ok, fail) =>
        webpack({ mode: 'production', context: dir, entry: './src/main.js', output: { path: out, filename: 'main.js' }, performance: { hints: false } }, (e, st) => (e || st.hasErrors() ? fail(e ?? new Error(st.toString('errors-only'))) : ok())),
      );
    } else if (bundler === 'rollup') {
      const { rollup } = await import('rollup');
      const { nodeResolve } = await import('@rollup/plugin-node-resolve');
      const { default: terser } = await import('@rollup/plugin-terser');
      const b = await rollup({ input: join(dir, 'src/main.js'), plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
      await b.write({ dir: out, format: 'es', entryFileNames: 'main.js', plugins: [terser()] });
      await b.close();
    } else {
      await build({ entryPoints: [join(dir, 'src/main.js')], bundle: true, splitting: true, format: 'esm', minify: true, outdir: out, logLevel: 'silent' });
    }
    /** `file` and what it imports statically (`import … from './x.js'`), transitively. */
    const closure = (file, into = new Set()) => {
      if (into.has(file)) return into;
      into.add(file);
      const text = readFileSync(join(out, file), 'utf8');
      for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[\w{}\s,*$]+from\s*)?["']\.\/([^"']+)["']/g)) closure(join(file, '..', m[1]), into);
      return into;
    };
    return gzipSync(Buffer.concat([...closure(entry)].map((f) => readFileSync(join(out, f)))), { level: 9 }).length;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const bundlers = [];
for (const bundler of ['vite', 'webpack', 'esbuild', 'rollup']) {
  const total = await bundlerEntry(bundler, "import { init } from 'avila-telemetry';\ninit({ endpoint: '/collect' }).track('x');\n");
  const runtime = await bundlerEntry(bundler, "import('./other.js').then((m) => m.f());\n");
  bundlers.push({ bundler, total, runtime, ours: total - runtime });
}
console.log("\nan app's entry chunk, init() only (gzip)".padEnd(41) + 'entry'.padStart(10) + "bundler's import() code".padStart(26) + 'ours'.padStart(10));
for (const b of bundlers) console.log(b.bundler.padEnd(40) + kb(b.total) + kb(b.runtime).padStart(26) + kb(b.ours));

const budgets = [
  { name: 'avila-telemetry.iife.js (gzip)', size: rows['avila-telemetry.iife.js']?.gzip ?? 0, limit: 12 * 1024 },
  { name: 'ESM entry + its static chunks, init() (gzip)', size: peers.find(([n]) => n === 'ESM entry: init()')[1].gzip, limit: 12 * 1024 },
  ...bundlers.map((b) => ({ name: `${b.bundler} app's entry, init(): ours (gzip)`, size: b.ours, limit: 12 * 1024 })),
  { name: 'worker + kernels.wasm (gzip)', size: (rows['avila-telemetry.worker.js']?.gzip ?? 0) + (rows['kernels.wasm']?.gzip ?? 0), limit: 44 * 1024 }, // 40 KB until the 'context' detector (assembly/context.ts: +2.2 KB gzip), the best on NAB
];
console.log('\nbudgets');
let over = 0;
for (const b of budgets) {
  const ok = b.size <= b.limit;
  if (!ok) over++;
  console.log(`${ok ? 'within' : 'OVER  '} ${b.name.padEnd(34)} ${kb(b.size)} of ${kb(b.limit)} (${b.size} of ${b.limit} bytes)`);
}
if (over && !process.argv.includes('--report')) process.exitCode = 1;
