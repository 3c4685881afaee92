// npm run build: kernels.wasm and kernels-nosimd.wasm (asc; the second for engines without WebAssembly SIMD), the bundles
// (rollup) and the type declarations (tsc), in that order.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';

const bin = (name) => new URL(`../node_modules/.bin/${name}`, import.meta.url).pathname;
const run = (name, args) => execFileSync(bin(name), args, { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
mkdirSync('build', { recursive: true });
run('asc', ['assembly/index.ts', '--target', 'release']);
run('asc', ['assembly/index.ts', '--target', 'nosimd']);
run('rollup', ['-c', '--silent']);
run('tsc', ['-p', 'tsconfig.build.json']);
writeFileSync(
  'dist/types/kernels.wasm.d.ts',
  '/** kernels.wasm, as a Workers bundler (wrangler, miniflare) imports it: a compiled module. */\n' +
    'declare const kernels: WebAssembly.Module;\nexport default kernels;\n',
);
console.log('built dist/');
