// k-means against scikit-learn's KMeans — what a data scientist would use instead — from the same
// starting centroids, Lloyd, one start, run to convergence with the same tolerance, sklearn on
// every core (OMP_NUM_THREADS = 2 here). Rows: the speed ratio, and the inertia each reached.
// scikit-learn is Debian's python3-sklearn (`npm run bench:setup`); without it the rows are
// skipped with a loud line.
import { cpus } from 'node:os';
import { join } from 'node:path';
import { kmeans, ready } from '../src/analysis/index.js';
import { CASES, dataset } from './lib/kmeans-data.js';
import { medianMs } from './lib/measure.js';
import { runPeer } from './lib/run-peer.js';
import type { Bench, Comparison } from './lib/types.js';

const PYTHON = '/usr/bin/python3';

function sklearn(flat: Float64Array, dims: number, start: number[][], runs: number): { ms: number; inertia: number; iterations: number } | null {
  const files = { 'x.bin': new Uint8Array(flat.buffer, flat.byteOffset, flat.byteLength), 'c.bin': new Uint8Array(Float64Array.from(start.flat()).buffer) };
  const out = runPeer(PYTHON, 'run.py', files, (dir) => `
import time, numpy as np
from sklearn.cluster import KMeans
X = np.fromfile('${join(dir, 'x.bin')}', dtype=np.float64).reshape(-1, ${dims})
C = np.fromfile('${join(dir, 'c.bin')}', dtype=np.float64).reshape(-1, ${dims})
def fit():
    return KMeans(n_clusters=C.shape[0], init=C, n_init=1, max_iter=300, tol=1e-4, algorithm='lloyd').fit(X)
fit()
times = []
for _ in range(${runs}):
    t = time.perf_counter(); m = fit(); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(times[len(times) // 2], m.inertia_, m.n_iter_)
`, { OMP_NUM_THREADS: String(cpus().length) });
  if (!out) return null;
  const [ms, inertia, iterations] = out.split(' ').map(Number);
  return { ms: ms!, inertia: inertia!, iterations: iterations! };
}

const bench: Bench = {
  title: 'k-means vs scikit-learn KMeans (same start, Lloyd, every core)',
  envs: ['node'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const rows: Comparison[] = [];
    for (const c of CASES) {
      const label = `k-means ${c.n.toLocaleString('en')}×${c.dims}, k=${c.k}`;
      const { flat, start } = dataset(c, 5);
      const sk = sklearn(flat, c.dims, start, 3);
      if (!sk) {
        ctx.log(`!!! scikit-learn peer SKIPPED for ${label}: /usr/bin/python3 with sklearn is not installed (npm run bench:setup installs python3-sklearn)`);
        continue;
      }
      let inertia = NaN, iterations = 0;
      const ours = await medianMs(async () => {
        const r = await kmeans({ data: flat, dims: c.dims }, { k: c.k, init: start, maxIter: 300, tol: 1e-4 });
        inertia = r.inertia;
        iterations = r.iterations;
      }, { minRuns: 3, minMs: 0, maxRuns: 3 });
      const rel = (inertia - sk.inertia) / sk.inertia;
      ctx.log(`${label}: ours ${ours.toFixed(0)} ms (${iterations} it, inertia ${inertia.toExponential(6)}), scikit-learn ${sk.ms.toFixed(0)} ms (${sk.iterations} it, inertia ${sk.inertia.toExponential(6)}), inertia ours vs sklearn ${(rel * 100).toFixed(4)}%`);
      rows.push({ name: `${label}, same start (inertia ours − sklearn: ${(rel * 100).toFixed(4)}%)`, unit: 'ms', ours, peer: sk.ms, peerName: 'scikit-learn KMeans (lloyd, OMP 2)', higherIsBetter: false });
    }
    return rows;
  },
};
export default bench;
