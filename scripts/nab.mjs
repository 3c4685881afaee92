// npm run bench:nab: bundles bench/nab/run.ts and runs it (needs dist/kernels.wasm: builds if missing).
// `node scripts/nab.mjs published` instead writes test/fixtures/nab/published.json.gz (bench/nab/published.ts)
// from the NAB corpus in ../shared/data/nab (or NAB_DIR).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
if (!existsSync(join(ROOT, 'dist/kernels.wasm'))) execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit', cwd: ROOT });
mkdirSync(join(ROOT, 'build/bench'), { recursive: true });
if (process.argv[2] === 'published') {
  const out = join(ROOT, 'build/bench/nab-published.mjs');
  await build({ stdin: { contents: `import { writePublishedFixture } from './bench/nab/published.ts'; writePublishedFixture(process.env.NAB_DIR ?? ${JSON.stringify(join(ROOT, '../shared/data/nab'))}, ${JSON.stringify(join(ROOT, 'test/fixtures/nab/published.json.gz'))});`, resolveDir: ROOT, loader: 'ts' }, outfile: out, bundle: true, format: 'esm', platform: 'node', logLevel: 'error' });
  execFileSync(process.execPath, [out], { stdio: 'inherit', cwd: ROOT });
  process.exit(0);
}
const out = join(ROOT, 'build/bench/nab.mjs');
await build({ entryPoints: [join(ROOT, 'bench/nab/run.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', target: 'es2022', define: { __AVILA_VERSION__: '"bench"' }, logLevel: 'error' });
execFileSync(process.execPath, [out], { stdio: 'inherit', cwd: ROOT });
