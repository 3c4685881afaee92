#!/usr/bin/env node
// avila-telemetry's command line.
//   avila-telemetry assets <dir>   copies kernels.wasm, kernels-nosimd.wasm and the worker script
//                                  into <dir>: the one step esbuild and Rollup builds need (they do
//                                  not emit `new URL('./…', import.meta.url)` assets), see
//                                  docs/bundlers.md. Run it on the folder your bundle's chunks are in.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS = ['kernels.wasm', 'kernels-nosimd.wasm', 'avila-telemetry.worker.js'];
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const [command, dir] = process.argv.slice(2);
if (command === 'assets' && dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of ASSETS) copyFileSync(join(dist, f), join(dir, f));
  console.log(`avila-telemetry: copied ${ASSETS.join(', ')} to ${dir}`);
} else {
  console.error('usage: avila-telemetry assets <dir>   (copy the kernels and the worker next to your bundle)');
  process.exit(2);
}
