import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerProject } from '../helpers/consumer.js';
import { ROOT } from '../helpers/server.js';

// A consumer project (test/helpers/consumer.ts): imports resolve through the package's exports.
describe('package exports, as a Node 20 consumer sees them', () => {
  let dir: string;
  beforeAll(() => {
    dir = consumerProject(mkdtempSync(join(tmpdir(), 'avila-consumer-')));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (code: string): unknown => {
    writeFileSync(join(dir, 'main.mjs'), code);
    return JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' }));
  };

  it("import('avila-telemetry/analysis') loads the kernels from the package and computes", () => {
    const out = run(`
      const a = await import('avila-telemetry/analysis');
      const s = await a.summary([2, 4, 4, 4, 5, 5, 7, 9]);
      const q = await a.quantiles([3, 1, 2], [0.5]);
      console.log(JSON.stringify({ mean: s.mean, variance: s.variance, q }));
    `);
    // mean 5, sample variance 32/7 (numpy.var(ddof=1))
    expect(out).toEqual({ mean: 5, variance: 32 / 7, q: [2] });
  });

  it('resolves every subpath the contract names to a file in dist/', () => {
    const out = run(`
      const r = (s) => { const u = import.meta.resolve(s); return u.slice(u.lastIndexOf('/dist/') + 1); };
      console.log(JSON.stringify(['avila-telemetry', 'avila-telemetry/analysis', 'avila-telemetry/edge',
        'avila-telemetry/kernels.wasm', 'avila-telemetry/worker'].map(r)));
    `);
    expect(out).toEqual([
      'dist/avila-telemetry.mjs',
      'dist/analysis.mjs',
      'dist/edge.mjs',
      'dist/kernels.wasm',
      'dist/avila-telemetry.worker.js',
    ]);
  });

  it('the root entry runs inline in Node (no Worker threads there)', () => {
    const out = run(`
      const m = await import('avila-telemetry');
      console.log(JSON.stringify(await m.analysis.quantiles([1, 2, 3, 4], [0.25])));
    `);
    expect(out).toEqual([1.75]);
  });

  it('entries share one copy of each module: error classes are the same class from every entry', () => {
    const out = run(`
      const analysis = await import('avila-telemetry/analysis');
      const edge = await import('avila-telemetry/edge');
      const root = await import('avila-telemetry');
      await root.analysis.ready();
      console.log(JSON.stringify([
        analysis.KernelLoadError === edge.analysis.KernelLoadError,
        analysis.TimeoutError === edge.analysis.TimeoutError,
        analysis.KernelLoadError === root.analysis.KernelLoadError,
        analysis.QuantileSketch === root.analysis.QuantileSketch,
      ]));
    `);
    expect(out).toEqual([true, true, true, true]);
  });

  it('npm pack ships dist/ with every entry and its types', () => {
    const listing = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
    ) as Array<{ files: Array<{ path: string }> }>;
    const files = listing[0]!.files.map((f) => f.path);
    for (const f of [
      'dist/avila-telemetry.mjs',
      'dist/avila-telemetry.iife.js',
      'dist/avila-telemetry.worker.js',
      'dist/edge.mjs',
      'dist/analysis.mjs',
      'dist/kernels.wasm',
      'dist/kernels-nosimd.wasm',
      'dist/on-demand.mjs',
      'dist/sending.min.mjs',
      'dist/deferred.min.mjs',
      'dist/collector.mjs',
      'dist/collector-node.mjs',
      'dist/testing.mjs',
      'bin/avila-telemetry.mjs',
      'dist/types/index.d.ts',
      'dist/types/analysis.d.ts',
      'dist/types/edge.d.ts',
      'dist/types/kernels.wasm.d.ts',
    ]) {
      expect(files).toContain(f);
    }
  });
});
