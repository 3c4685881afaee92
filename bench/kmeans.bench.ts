// k-means: ours (WASM, Hamerly's bounds, SIMD distances) against ml-kmeans and a plain JavaScript
// Lloyd, all three from the same starting centroids and run to convergence, on Gaussian blobs.
import { kmeans as mlKmeans } from 'ml-kmeans';
import { kmeans, ready } from '../src/analysis/index.js';
import { CASES, dataset } from './lib/kmeans-data.js';
import { medianMs } from './lib/measure.js';
import type { Bench, Comparison } from './lib/types.js';

/** Lloyd the plain way: labels to the nearest centre, centres to the means, until labels stop changing. */
function plainLloyd(rows: number[][], start: number[][], maxIter: number): { inertia: number; iterations: number } {
  const k = start.length;
  const d = rows[0]!.length;
  let centres = start.map((c) => c.slice());
  const labels = new Int32Array(rows.length).fill(-1);
  let iterations = 0;
  let inertia = 0;
  for (; iterations < maxIter; ) {
    iterations++;
    let changed = 0;
    inertia = 0;
    const sums = Array.from({ length: k }, () => new Array<number>(d).fill(0));
    const counts = new Array<number>(k).fill(0);
    for (let i = 0; i < rows.length; i++) {
      const x = rows[i]!;
      let best = 0;
      let bd = Infinity;
      for (let j = 0; j < k; j++) {
        const c = centres[j]!;
        let s = 0;
        for (let t = 0; t < d; t++) s += (x[t]! - c[t]!) ** 2;
        if (s < bd) {
          bd = s;
          best = j;
        }
      }
      inertia += bd;
      if (labels[i] !== best) changed++;
      labels[i] = best;
      counts[best]!++;
      for (let t = 0; t < d; t++) sums[best]![t]! += x[t]!;
    }
    if (changed === 0) break;
    centres = sums.map((s, j) => (counts[j]! > 0 ? s.map((v) => v / counts[j]!) : centres[j]!));
  }
  return { inertia, iterations };
}

function inertiaOf(rows: number[][], centroids: number[][], labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < rows.length; i++) {
    const x = rows[i]!;
    const c = centroids[labels[i]!]!;
    for (let t = 0; t < x.length; t++) s += (x[t]! - c[t]!) ** 2;
  }
  return s;
}

/** One timed run after a warm-up on a tenth of the data (the peers take seconds per run). */
async function onceMs<T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const bench: Bench = {
  title: 'k-means, same starting centroids, run to convergence',
  envs: ['node', 'chromium'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const out: Comparison[] = [];
    for (const c of CASES) {
      const { rows, flat, start } = dataset(c, 17);
      const label = `k-means ${c.n.toLocaleString('en')}×${c.dims}, k=${c.k}`;
      const warm = dataset({ ...c, n: Math.floor(c.n / 10) }, 18);
      mlKmeans(warm.rows, c.k, { initialization: warm.start, maxIterations: 300 });
      plainLloyd(warm.rows, warm.start, 300);
      const points = { data: flat, dims: c.dims };
      const oursMs = await medianMs(() => kmeans(points, { k: c.k, init: start, tol: 0, maxIter: 300 }), { minRuns: 3, minMs: 0 });
      const ours = await kmeans(points, { k: c.k, init: start, tol: 0, maxIter: 300 });
      const ml = await onceMs(() => mlKmeans(rows, c.k, { initialization: start, maxIterations: 300 }));
      const mlInertia = inertiaOf(rows, ml.value.centroids, ml.value.clusters);
      const plain = await onceMs(() => plainLloyd(rows, start, 300));
      const best = Math.min(ours.inertia, mlInertia, plain.value.inertia);
      ctx.log(
        `${label}: ours ${oursMs.toFixed(0)} ms (${ours.iterations} it, inertia ${ours.inertia.toExponential(6)}, ` +
          `+${(100 * (ours.inertia / best - 1)).toFixed(4)}% of best), ml-kmeans ${ml.ms.toFixed(0)} ms ` +
          `(${ml.value.iterations} it, inertia ${mlInertia.toExponential(6)}), plain JS Lloyd ${plain.ms.toFixed(0)} ms ` +
          `(${plain.value.iterations} it, inertia ${plain.value.inertia.toExponential(6)})`,
      );
      out.push(
        { name: label, unit: 'ms', ours: oursMs, peer: ml.ms, peerName: 'ml-kmeans 7', higherIsBetter: false },
        { name: label, unit: 'ms', ours: oursMs, peer: plain.ms, peerName: 'plain JS Lloyd', higherIsBetter: false },
        { name: `${label}, inertia vs best of three`, unit: 'ratio', ours: ours.inertia / best, peer: mlInertia / best, peerName: 'ml-kmeans 7', higherIsBetter: false },
      );
    }
    return out;
  },
};
export default bench;
