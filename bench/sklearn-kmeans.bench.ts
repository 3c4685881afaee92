// k-means against scikit-learn's KMeans — what a data scientist would use instead — from the same
// starting centroids, Lloyd, one start, run to convergence with the same tolerance, sklearn on
// every core (OMP_NUM_THREADS = 2 here). Rows: the speed ratio, and the inertia each reached.
// scikit-learn is Debian's python3-sklearn (`npm run bench:setup`); without it the rows are
// skipped with a loud line.
import { kmeans, ready } from '../src/analysis/index.js';
import { CASES, dataset } from './lib/kmeans-data.js';
import { medianMs } from './lib/measure.js';
import { sklearnKMeans } from './lib/sklearn.js';
import type { Bench, Comparison } from './lib/types.js';

const bench: Bench = {
  title: 'k-means vs scikit-learn KMeans (same start, Lloyd, every core)',
  envs: ['node'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const rows: Comparison[] = [];
    for (const c of CASES) {
      const label = `k-means ${c.n.toLocaleString('en')}×${c.dims}, k=${c.k}`;
      const { flat, start } = dataset(c, 5);
      const sk = sklearnKMeans(flat, c.dims, Float64Array.from(start.flat()), 3);
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
