// k-means through kernels.wasm (assembly/kmeans.ts holds the definitions). Inputs are validated
// by the caller (src/analysis/kmeans.ts): finite values, k ≤ distinct rows, dims ≥ 1.
import type { Kernels } from './kernels.js';

export type KMeansInit = 'k-means++' | 'random' | Float64Array;

export interface KMeansSpec {
  /** n×dims row-major. */
  data: Float64Array;
  dims: number;
  k: number;
  /** A named method or k×dims starting centroids. */
  init: KMeansInit;
  nInit: number;
  maxIter: number;
  tol: number;
  seed: number;
  algorithm: 'hamerly' | 'lloyd';
}

export interface KMeansFit {
  /** k×dims row-major. */
  centroids: Float64Array;
  labels: Int32Array;
  inertia: number;
  iterations: number;
  converged: boolean;
}

/** Rows of silhouette work per kernel call (so V8 tiers the loop up between calls). */
const SILHOUETTE_WORK = 1 << 22;

/** Runs `spec.nInit` starts of k-means and keeps the one of lowest inertia (the first on ties). */
export function kmeansFit(kn: Kernels, spec: KMeansSpec): KMeansFit {
  const { dims: d, k } = spec;
  const n = spec.data.length / d;
  const raw = kn.raw;
  const data = kn.copyIn(0, spec.data);
  const ctx = raw.kmeansCreate(data, n, d, k, spec.tol, spec.algorithm === 'hamerly' ? 1 : 0);
  raw.kmeansSeed(ctx, spec.seed);
  const out = kn.reserve(1, k * d * 8);
  let best: KMeansFit | null = null;
  try {
    for (let run = 0; run < spec.nInit; run++) {
      startCenters(kn, ctx, spec);
      let iterations = 0;
      let strict = false;
      let converged = false;
      while (iterations < spec.maxIter) {
        const changed = raw.kmeansIterate(ctx);
        iterations++;
        if (changed === 0) {
          strict = converged = true;
          break;
        }
        if (raw.kmeansShiftTotal(ctx) <= raw.kmeansTolerance(ctx)) {
          converged = true;
          break;
        }
      }
      // Relabelled unless the labels converged strictly and no cluster was just re-seeded.
      const inertia = raw.kmeansFinish(ctx, strict && raw.kmeansRelocated(ctx) === 0 ? 0 : 1);
      if (best === null || inertia < best.inertia) {
        raw.kmeansGetCenters(ctx, out);
        const labels = new Int32Array(raw.memory.buffer, raw.kmeansLabels(ctx), n).slice();
        best = { centroids: kn.read(out, k * d), labels, inertia, iterations, converged };
      }
    }
  } finally {
    raw.kmeansFree(ctx);
    kn.release();
  }
  return best!;
}

function startCenters(kn: Kernels, ctx: number, spec: KMeansSpec): void {
  const raw = kn.raw;
  if (spec.init instanceof Float64Array) {
    raw.kmeansSetCenters(ctx, kn.copyIn(2, spec.init));
  } else if (spec.init === 'random') {
    raw.kmeansInitRandom(ctx);
  } else {
    const trials = 2 + Math.floor(Math.log(spec.k));
    let pot = raw.kmeansPlusPlusFirst(ctx);
    for (let c = 1; c < spec.k; c++) pot = raw.kmeansPlusPlusNext(ctx, c, trials, pot);
  }
}

/** k-means++ (or random) starting centroids of `data`, without any Lloyd iteration. */
export function kmeansSeedCenters(kn: Kernels, data: Float64Array, dims: number, k: number, init: 'k-means++' | 'random', seed: number): Float64Array {
  const n = data.length / dims;
  const raw = kn.raw;
  const ctx = raw.kmeansCreate(kn.copyIn(0, data), n, dims, k, 0, 0);
  try {
    raw.kmeansSeed(ctx, seed);
    startCenters(kn, ctx, { data, dims, k, init, nInit: 1, maxIter: 0, tol: 0, seed, algorithm: 'lloyd' });
    const out = kn.reserve(1, k * dims * 8);
    raw.kmeansGetCenters(ctx, out);
    return kn.read(out, k * dims);
  } finally {
    raw.kmeansFree(ctx);
    kn.release();
  }
}

/** Nearest centroid of each row (lowest index on ties) and the total squared distance. */
export function kmeansPredict(kn: Kernels, data: Float64Array, dims: number, centroids: Float64Array): { labels: Int32Array; inertia: number } {
  const n = data.length / dims;
  const k = centroids.length / dims;
  const p = kn.copyIn(0, data);
  const c = kn.copyIn(1, centroids);
  const out = kn.reserve(2, n * 4);
  const inertia = kn.raw.kmeansPredict(p, n, dims, c, k, out);
  const labels = new Int32Array(kn.raw.memory.buffer, out, n).slice();
  kn.release();
  return { labels, inertia };
}

/** One mini-batch step; returns the moved centroids, grown counts and the batch's inertia. */
export function kmeansMiniBatch(
  kn: Kernels, data: Float64Array, dims: number, centroids: Float64Array, counts: Float64Array,
): { centroids: Float64Array; counts: Float64Array; inertia: number } {
  const n = data.length / dims;
  const k = counts.length;
  const p = kn.copyIn(0, data);
  const c = kn.copyIn(1, centroids);
  const w = kn.copyIn(2, counts);
  const inertia = kn.raw.kmeansMiniBatch(p, n, dims, c, w, k, kn.reserve(3, k * dims * 8), kn.reserve(4, k * 8));
  const result = { centroids: kn.read(c, k * dims), counts: kn.read(w, k), inertia };
  kn.release();
  return result;
}

/** Mean silhouette coefficient; `labels` are 0…k−1 with at least two distinct values. */
export function silhouetteScore(kn: Kernels, data: Float64Array, dims: number, labels: Int32Array, k: number): number {
  const n = labels.length;
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) sizes[labels[i]!]!++;
  const p = kn.copyIn(0, data);
  const l = kn.reserve(1, n * 4);
  new Int32Array(kn.raw.memory.buffer, l, n).set(labels);
  const s = kn.copyIn(2, sizes);
  const scratch = kn.reserve(3, k * 8);
  const rows = Math.max(1, Math.floor(SILHOUETTE_WORK / Math.max(1, n * dims)));
  let total = 0;
  for (let i = 0; i < n; i += rows) total += kn.raw.silhouetteRange(p, n, dims, l, k, s, scratch, i, Math.min(n, i + rows));
  kn.release();
  return total / n;
}
