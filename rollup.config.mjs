// Builds every dist/ bundle except kernels*.wasm (asc) and the .d.ts files (tsc).
//
// - ESM: one code-split build of every entry, so entries share chunks (one copy of each module,
//   one KernelLoadError class) and the on-demand code is a chunk of its own (on-demand.mjs).
//   Chunks sit flat in dist/ beside kernels.wasm and the worker, which they find by
//   `new URL('./…', import.meta.url)`. The client's sending side and deferred code are the
//   script tag's self-contained sending.min.mjs and deferred.min.mjs (see `prebuilt`).
// - IIFE (`Avila`, the script tag): the core only; it loads dist/sending.min.mjs (the sending
//   side of delivery, self-contained) as it starts, dist/deferred.min.mjs (metric aggregation)
//   on the first metric value and dist/on-demand.mjs on first use of the analysis, by import()
//   (src/delivery/load-sending.iife.ts, src/client/load-deferred.iife.ts, load-parts.iife.ts).
// - The worker: a classic script, self-contained.
import { readFileSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import terser from '@rollup/plugin-terser';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const plugins = (minify) => [
  nodeResolve({ browser: true }),
  // protobufjs/minimal (the collector's OTLP protobuf decoding) is CommonJS: bundled like idb.
  commonjs({ include: /node_modules\/(protobufjs|@protobufjs)\//, ignore: ['long', 'buffer'] }),
  esbuild({
    target: 'es2022',
    minify,
    legalComments: 'none',
    define: { __AVILA_VERSION__: JSON.stringify(version) },
  }),
  // What the page fetches as it starts (the script tag, its sending side, the worker): terser after
  // esbuild, 0.7 KB gzip off the script tag (esbuild's minifier alone leaves more behind).
  ...(minify ? [terser({ ecma: 2020, compress: { passes: 2 }, format: { comments: false } })] : []),
];

/** In the script-tag build, the on-demand code is fetched from beside the script. */
const iifeParts = {
  name: 'iife-load-parts',
  resolveId(source, importer) {
    if (source.endsWith('/load-parts.js')) return new URL('./src/client/load-parts.iife.ts', import.meta.url).pathname;
    if (source.endsWith('/load-sending.js')) return new URL('./src/delivery/load-sending.iife.ts', import.meta.url).pathname;
    if (source.endsWith('/load-deferred.js')) return new URL('./src/client/load-deferred.iife.ts', import.meta.url).pathname;
    return null;
  },
};

/**
 * In the ESM build, the sending side and the deferred code are the self-contained minified
 * modules the script tag fetches (sending.min.mjs, deferred.min.mjs), imported by a relative
 * import() every bundler follows: shared chunks would be static imports of an app's entry (loaded
 * before it runs, and glue between them), and these chunks load after it anyway.
 */
const prebuilt = {
  name: 'prebuilt-chunks',
  resolveId(source) {
    if (source.endsWith('/load-sending.js')) return '\0load-sending';
    if (source.endsWith('/load-deferred.js')) return '\0load-deferred';
    if (source.endsWith('.min.mjs')) return { id: `avila-prebuilt:${source}`, external: true };
    return null;
  },
  load(id) {
    if (id === '\0load-sending') return "export const loadSending = () => import('./sending.min.mjs');";
    if (id === '\0load-deferred') return "export const loadDeferred = () => import('./deferred.min.mjs');";
    return null;
  },
};

export default [
  {
    input: {
      'avila-telemetry': 'src/index.ts',
      analysis: 'src/analysis.ts',
      edge: 'src/edge.ts',
      'on-demand': 'src/client/on-demand.ts',
      collector: 'src/collector.ts',
      'collector-node': 'src/collector-node.ts',
      testing: 'src/testing.ts',
    },
    output: { dir: 'dist', format: 'es', entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', sourcemap: true, paths: (id) => id.replace(/^avila-prebuilt:/, '') },
    // The collector's Node entry: node's own modules, and DuckDB (an optional peer dependency).
    external: [/^node:/, '@duckdb/node-api'],
    plugins: [prebuilt, ...plugins(false)],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/avila-telemetry.iife.js', format: 'iife', name: 'Avila', sourcemap: true },
    plugins: [iifeParts, ...plugins(true)],
  },
  {
    // The script tag's sending side: one self-contained, minified module (the ESM build's
    // sending.mjs imports chunks the script tag already holds, and would fetch them again).
    input: 'src/delivery/sending.ts',
    output: { file: 'dist/sending.min.mjs', format: 'es', sourcemap: true },
    plugins: plugins(true),
  },
  {
    // The script tag's deferred code (metric aggregation), self-contained like sending.min.mjs.
    input: 'src/client/deferred.ts',
    output: { file: 'dist/deferred.min.mjs', format: 'es', sourcemap: true },
    plugins: plugins(true),
  },
  {
    input: 'src/runtime/worker.ts',
    output: { file: 'dist/avila-telemetry.worker.js', format: 'iife', sourcemap: true },
    plugins: plugins(true),
  },
];
