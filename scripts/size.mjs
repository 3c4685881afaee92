// npm run size: gzip and brotli size of every dist/ bundle, against the budgets (reported, not enforced).
import { readdirSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const files = readdirSync('dist').filter((f) => /\.(m?js|wasm)$/.test(f)).sort();
const size = (f) => {
  const b = readFileSync(`dist/${f}`);
  return {
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
const rows = Object.fromEntries(files.map((f) => [f, size(f)]));

console.log('file'.padEnd(28) + 'raw'.padStart(10) + 'gzip'.padStart(10) + 'brotli'.padStart(10));
for (const [f, s] of Object.entries(rows)) console.log(f.padEnd(28) + kb(s.raw) + kb(s.gzip) + kb(s.brotli));

const budgets = [
  { name: 'avila-telemetry.iife.js (gzip)', files: ['avila-telemetry.iife.js'], limit: 12 * 1024 },
  { name: 'worker + kernels.wasm (gzip)', files: ['avila-telemetry.worker.js', 'kernels.wasm'], limit: 40 * 1024 },
];
console.log('\nbudgets');
for (const b of budgets) {
  const total = b.files.reduce((t, f) => t + (rows[f]?.gzip ?? 0), 0);
  const ok = total <= b.limit;
  console.log(`${ok ? 'within' : 'OVER  '} ${b.name.padEnd(32)} ${kb(total)} of ${kb(b.limit)}`);
}
