// Builds every dist/ bundle except kernels.wasm (asc) and the .d.ts files (tsc).
import { readFileSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const plugins = (minify) => [
  nodeResolve({ browser: true }),
  esbuild({
    target: 'es2022',
    minify,
    legalComments: 'none',
    define: { __AVILA_VERSION__: JSON.stringify(version) },
  }),
];

const esm = (input, file) => ({
  input,
  output: { file, format: 'es', sourcemap: true },
  plugins: plugins(false),
});

export default [
  esm('src/index.ts', 'dist/avila-telemetry.mjs'),
  esm('src/analysis.ts', 'dist/analysis.mjs'),
  esm('src/edge.ts', 'dist/edge.mjs'),
  {
    input: 'src/index.ts',
    output: { file: 'dist/avila-telemetry.iife.js', format: 'iife', name: 'Avila', sourcemap: true },
    plugins: plugins(true),
  },
  {
    input: 'src/runtime/worker.ts',
    output: { file: 'dist/avila-telemetry.worker.js', format: 'iife', sourcemap: true },
    plugins: plugins(true),
  },
];
