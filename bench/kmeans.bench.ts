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

const bench: Bench = {
  title: 'k-means, same starting centroids, run to convergence',
  envs: ['node', 'chromium'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const out: Comparison[] = [];
    for (const c of CASES) {
      const { rows, flat, start } = dataset(c, 17);
      const label = `k-means ${c.n.toLocaleString('en')}×${c.dims}, k=${c.k}`;
      const points = { data: flat, dims: c.dims };
      // Every contender the same: one warm-up run, then the median of three (medianMs).
      const same = { minRuns: 3, minMs: 0, maxRuns: 3 };
      let ours!: Awaited<ReturnType<typeof kmeans>>;
      const oursMs = await medianMs(async () => (ours = await kmeans(points, { k: c.k, init: start, tol: 0, maxIter: 300 })), same);
      let ml!: ReturnType<typeof mlKmeans>;
      const mlMs = await medianMs(() => (ml = mlKmeans(rows, c.k, { initialization: start, maxIterations: 300 })), same);
      const mlInertia = inertiaOf(rows, ml.centroids, ml.clusters);
      let plain!: ReturnType<typeof plainLloyd>;
      const plainMs = await medianMs(() => (plain = plainLloyd(rows, start, 300)), same);
      const best = Math.min(ours.inertia, mlInertia, plain.inertia);
      ctx.log(
        `${label}: ours ${oursMs.toFixed(0)} ms (${ours.iterations} it, inertia ${ours.inertia.toExponential(6)}, ` +
          `+${(100 * (ours.inertia / best - 1)).toFixed(4)}% of best), ml-kmeans ${mlMs.toFixed(0)} ms ` +
          `(${ml.iterations} it, inertia ${mlInertia.toExponential(6)}), plain JS Lloyd ${plainMs.toFixed(0)} ms ` +
          `(${plain.iterations} it, inertia ${plain.inertia.toExponential(6)})`,
      );
      out.push(
        { name: label, unit: 'ms', ours: oursMs, peer: mlMs, peerName: 'ml-kmeans 7', higherIsBetter: false },
        { name: label, unit: 'ms', ours: oursMs, peer: plainMs, peerName: 'plain JS Lloyd', higherIsBetter: false },
        { name: `${label}, inertia vs best of three`, unit: 'ratio', ours: ours.inertia / best, peer: mlInertia / best, peerName: 'ml-kmeans 7', higherIsBetter: false },
      );
    }
    return out;
  },
};
export default bench;
