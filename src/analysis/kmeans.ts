// k-means and what users need around it: predict, silhouette, elbow, and a streaming
// mini-batch variant. Definitions follow scikit-learn (see assembly/kmeans.ts).
import type { KMeansInit, KMeansSpec } from '../kernels/index.js';
import { runtime } from './runtime.js';
import { abortReason } from '../runtime/errors.js';
import type { TaskOptions } from './stats.js';
import { taskOptions } from './task-options.js';
import { finiteNumber, integer, oneOf, options as objectArg, toFloat64 } from './validate.js';

/** Rows as arrays, or row-major values with their dimension. */
export type Points = ArrayLike<ArrayLike<number>> | { data: Float64Array | ArrayLike<number>; dims: number };

export interface KMeansOptions extends TaskOptions {
  /** Number of clusters, 1 ≤ k ≤ number of distinct points. */
  k: number;
  /** 'k-means++' (default, greedy with 2 + ⌊ln k⌋ trials), 'random', or k starting centroids. */
  init?: 'k-means++' | 'random' | Points;
  /** Starts, keeping the lowest inertia. Default as sklearn's 'auto': 1 for k-means++ or given centroids, 10 for random. */
  nInit?: number | 'auto';
  /** Lloyd iterations per start (default 300). */
  maxIter?: number;
  /** Relative tolerance on the centroids' movement (default 1e-4), scaled by the mean per-dimension variance. */
  tol?: number;
  /** Seed of the generator (default 0): the same seed gives the same result. */
  seed?: number;
  /** 'hamerly' (default, skips distance computations with bounds) or 'lloyd'; both give the same labels. */
  algorithm?: 'hamerly' | 'lloyd';
}

export interface KMeansResult {
  centroids: number[][];
  labels: Int32Array;
  /** Σ squared distance of each point to its centroid. */
  inertia: number;
  /** Lloyd iterations of the start that was kept. */
  iterations: number;
  /** Whether that start converged (labels stable, or centroid shift ≤ tol) before maxIter. */
  converged: boolean;
}

interface Matrix {
  data: Float64Array;
  dims: number;
  n: number;
}

const MAX_SEED = Number.MAX_SAFE_INTEGER;

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

/** Points as a row-major Float64Array; every value checked to be a finite number. */
export function toMatrix(points: unknown, argument: string): Matrix {
  if (points !== null && typeof points === 'object' && 'dims' in points && 'data' in points) {
    const p = points as { data: unknown; dims: unknown };
    const dims = integer(p.dims, `${argument}.dims`, 1, 1 << 20);
    const data = toFloat64(p.data, `${argument}.data`);
    if (data.length % dims !== 0) {
      throw new RangeError(`${argument}.data has ${data.length} values, not a multiple of ${argument}.dims (${dims})`);
    }
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new RangeError(`${argument}.data[${i}] (row ${Math.floor(i / dims)}) is ${data[i]}; points must be finite numbers`);
      }
    }
    return { data, dims, n: data.length / dims };
  }
  if (points === null || typeof points !== 'object' || typeof (points as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${argument} must be an array of rows or { data, dims }, got ${describe(points)}`);
  }
  const rows = points as ArrayLike<unknown>;
  const n = rows.length;
  if (n === 0) throw new RangeError(`${argument} is empty; at least one row is needed`);
  const first = rows[0];
  const dims = first !== null && typeof first === 'object' ? (first as ArrayLike<unknown>).length : undefined;
  if (typeof dims !== 'number') throw new TypeError(`${argument}[0] must be an array of numbers, got ${describe(first)}`);
  if (dims === 0) throw new RangeError(`${argument}[0] is empty; rows need at least one dimension`);
  const data = new Float64Array(n * dims);
  for (let i = 0; i < n; i++) {
    const r = rows[i] as ArrayLike<unknown> | null;
    if (r === null || typeof r !== 'object' || typeof r.length !== 'number') {
      throw new TypeError(`${argument}[${i}] must be an array of numbers, got ${describe(r)}`);
    }
    if (r.length !== dims) throw new RangeError(`${argument}[${i}] has ${r.length} values but ${argument}[0] has ${dims}; rows must all have the same length`);
    for (let j = 0; j < dims; j++) {
      const v = r[j];
      if (typeof v !== 'number') throw new TypeError(`${argument}[${i}][${j}] is ${describe(v)}; points must be numbers`);
      if (!Number.isFinite(v)) throw new RangeError(`${argument}[${i}][${j}] is ${v}; points must be finite numbers`);
      data[i * dims + j] = v;
    }
  }
  return { data, dims, n };
}

/** Number of distinct rows, counting no further than `limit`. */
function distinctRows(m: Matrix, limit: number): number {
  const seen = new Set<string>();
  for (let i = 0; i < m.n && seen.size < limit; i++) seen.add(m.data.subarray(i * m.dims, (i + 1) * m.dims).join(','));
  return seen.size;
}

function checkK(m: Matrix, k: number, argument: string): void {
  if (k > m.n) throw new RangeError(`${argument} (${k}) exceeds the number of points (${m.n})`);
  const distinct = distinctRows(m, k);
  if (distinct < k) throw new RangeError(`${argument} (${k}) exceeds the number of distinct points (${distinct})`);
}

function seedOf(value: unknown, argument: string): number {
  return value === undefined ? 0 : integer(value, argument, 0, MAX_SEED);
}

function rows(data: Float64Array, dims: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < data.length; i += dims) out.push(Array.from(data.subarray(i, i + dims)));
  return out;
}

type Resolved = Omit<KMeansSpec, 'data' | 'dims'>;

function resolve(o: Record<string, unknown>, m: Matrix, k: number): Resolved {
  let init: KMeansInit = 'k-means++';
  if (o.init !== undefined) {
    if (typeof o.init === 'string') {
      init = oneOf(o.init, 'options.init', ['k-means++', 'random'] as const);
    } else {
      const c = toMatrix(o.init, 'options.init');
      if (c.dims !== m.dims) throw new RangeError(`options.init has ${c.dims} dimensions but points have ${m.dims}`);
      if (c.n !== k) throw new RangeError(`options.init has ${c.n} centroids but options.k is ${k}`);
      init = c.data;
    }
  }
  const auto = init === 'random' ? 10 : 1;
  const nInit = o.nInit === undefined || o.nInit === 'auto' ? auto : integer(o.nInit, 'options.nInit', 1, 1000);
  return {
    k,
    init,
    // sklearn runs a single start from explicit centroids whatever n_init says.
    nInit: init instanceof Float64Array ? 1 : nInit,
    maxIter: o.maxIter === undefined ? 300 : integer(o.maxIter, 'options.maxIter', 1, 1e6),
    tol: o.tol === undefined ? 1e-4 : nonNegative(o.tol, 'options.tol'),
    seed: seedOf(o.seed, 'options.seed'),
    algorithm: o.algorithm === undefined ? 'hamerly' : oneOf(o.algorithm, 'options.algorithm', ['hamerly', 'lloyd'] as const),
  };
}

function nonNegative(value: unknown, argument: string): number {
  const v = finiteNumber(value, argument);
  if (v < 0) throw new RangeError(`${argument} must be ≥ 0, got ${v}`);
  return v;
}

async function fit(m: Matrix, r: Resolved, run: TaskOptions): Promise<KMeansResult> {
  const rt = await runtime();
  const result = await rt.run(
    (owned) => ({
      op: 'kmeans',
      data: owned ? m.data.slice() : m.data,
      dims: m.dims,
      ...r,
      init: r.init instanceof Float64Array && owned ? r.init.slice() : r.init,
    }),
    run,
  );
  return {
    centroids: rows(result.centroids, m.dims),
    labels: result.labels,
    inertia: result.inertia,
    iterations: result.iterations,
    converged: result.converged,
  };
}

/**
 * k-means clustering as scikit-learn's KMeans: k-means++ (greedy) or random starts, Lloyd
 * iterations (accelerated with Hamerly's bounds, same labels), empty clusters re-seeded with the
 * farthest point, `nInit` starts keeping the lowest inertia. Runs in the kernels (a worker in
 * browsers). Deterministic for a given `seed`.
 * @throws TypeError/RangeError naming the argument: ragged rows, no dimensions, NaN/±Infinity,
 *   k < 1 or k > the number of distinct points, bad options.
 */
export async function kmeans(points: Points, options: KMeansOptions): Promise<KMeansResult> {
  const m = toMatrix(points, 'points');
  const o = objectArg(options, 'options');
  const k = integer(o.k, 'options.k', 1, 1 << 20);
  checkK(m, k, 'options.k');
  return fit(m, resolve(o, m, k), taskOptions(options));
}

/** Index of the nearest centroid for each point (lowest index on ties), as sklearn's predict. */
export async function predict(centroids: Points, points: Points, options?: TaskOptions): Promise<Int32Array> {
  const c = toMatrix(centroids, 'centroids');
  const m = toMatrix(points, 'points');
  if (c.dims !== m.dims) throw new RangeError(`points have ${m.dims} dimensions but centroids have ${c.dims}`);
  const rt = await runtime();
  const result = await rt.run(
    (owned) => ({ op: 'kmeans.predict', data: owned ? m.data.slice() : m.data, dims: m.dims, centroids: owned ? c.data.slice() : c.data }),
    taskOptions(options),
  );
  return result.labels;
}

export interface SilhouetteOptions extends TaskOptions {
  /** Score a seeded random sample of this many points (≥ 2) instead of all: the cost is O(n²). */
  sampleSize?: number;
  seed?: number;
}

/**
 * Mean silhouette coefficient (Rousseeuw 1987), Euclidean, as sklearn.metrics.silhouette_score:
 * s = (b − a)/max(a, b) per point, 0 for points alone in their cluster. In [−1, 1]; higher is
 * better separated.
 * @throws RangeError when labels do not match the points or there are not 2…n−1 distinct labels.
 */
export async function silhouette(points: Points, labels: ArrayLike<number>, options?: SilhouetteOptions): Promise<number> {
  let m = toMatrix(points, 'points');
  const o = objectArg(options, 'options');
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw new TypeError(`labels must be an array of integers, got ${describe(labels)}`);
  }
  if (labels.length !== m.n) throw new RangeError(`labels has ${labels.length} entries but points has ${m.n} rows`);
  let picked = Array.from({ length: m.n }, (_, i) => i);
  for (let i = 0; i < m.n; i++) integer(labels[i], `labels[${i}]`, -(2 ** 31), 2 ** 31 - 1);
  if (o.sampleSize !== undefined) {
    const size = integer(o.sampleSize, 'options.sampleSize', 2, Number.MAX_SAFE_INTEGER);
    if (size < m.n) {
      picked = samplePermutation(m.n, size, seedOf(o.seed, 'options.seed'));
      const data = new Float64Array(size * m.dims);
      picked.forEach((row, i) => data.set(m.data.subarray(row * m.dims, (row + 1) * m.dims), i * m.dims));
      m = { data, dims: m.dims, n: size };
    }
  }
  const codes = new Map<number, number>();
  const dense = Int32Array.from(picked, (row) => {
    const label = labels[row]!;
    let code = codes.get(label);
    if (code === undefined) codes.set(label, (code = codes.size));
    return code;
  });
  if (codes.size < 2 || codes.size > m.n - 1) {
    throw new RangeError(`labels has ${codes.size} distinct values among ${m.n} points; the silhouette needs 2 to ${m.n - 1}`);
  }
  const rt = await runtime();
  return rt.run(
    (owned) => ({ op: 'silhouette', data: owned ? m.data.slice() : m.data, dims: m.dims, labels: owned ? dense.slice() : dense, k: codes.size }),
    taskOptions(options),
  );
}

/** The first `size` entries of a seeded Fisher–Yates permutation of 0…n−1 (mulberry32). */
function samplePermutation(n: number, size: number, seed: number): number[] {
  let state = (seed ^ Math.floor(seed / 2 ** 32)) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(next() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, size);
}

export interface ElbowOptions extends Omit<KMeansOptions, 'k' | 'init'> {
  init?: 'k-means++' | 'random';
  kMin?: number;
  kMax?: number;
  /** Called after each k with the rows so far. */
  onProgress?: (progress: { k: number; inertia: number; done: number; total: number }) => void;
}

export interface ElbowPoint {
  k: number;
  inertia: number;
  iterations: number;
  converged: boolean;
}

/**
 * Inertia of k-means for each k in [kMin, kMax] (defaults 1 and 10, kMax capped at the number of
 * distinct points), to choose k where adding clusters stops paying. Cancellable with `signal`.
 */
export async function elbow(points: Points, options?: ElbowOptions): Promise<ElbowPoint[]> {
  const m = toMatrix(points, 'points');
  const o = objectArg(options, 'options');
  const kMin = o.kMin === undefined ? 1 : integer(o.kMin, 'options.kMin', 1, 1 << 20);
  const kMax = o.kMax === undefined ? Math.max(kMin, Math.min(10, distinctRows(m, 10))) : integer(o.kMax, 'options.kMax', kMin, 1 << 20);
  checkK(m, kMax, 'options.kMax');
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  const run = taskOptions(options);
  const out: ElbowPoint[] = [];
  for (let k = kMin; k <= kMax; k++) {
    if (run.signal?.aborted) throw abortReason(run.signal); // not throwIfAborted(): Safari < 15.4, Chrome < 100 lack it
    const r = await fit(m, resolve(o, m, k), run);
    out.push({ k, inertia: r.inertia, iterations: r.iterations, converged: r.converged });
    (o.onProgress as ElbowOptions['onProgress'])?.({ k, inertia: r.inertia, done: k - kMin + 1, total: kMax - kMin + 1 });
  }
  return out;
}

export interface MiniBatchKMeansOptions {
  k: number;
  /** How the first batch seeds the centroids: 'k-means++' (default), 'random', or k centroids. */
  init?: 'k-means++' | 'random' | Points;
  seed?: number;
}

/** What a MiniBatchKMeans needs to resume elsewhere (JSON-safe). */
export interface MiniBatchKMeansState {
  k: number;
  dims: number;
  centroids: number[][];
  counts: number[];
}

/**
 * Streaming k-means (Sculley 2010, "Web-scale k-means clustering", in sklearn's batched update):
 * memory is k centroids and k counts whatever the stream's length. The first batch seeds the
 * centroids (k-means++ by default); each batch then moves every centroid towards the mean of
 * the points it won, with a step 1/count that shrinks as it sees more. Calls are queued, so
 * partialFit/predict may be called without awaiting each other. Unlike sklearn, centroids that
 * win few points are not randomly re-assigned.
 */
export class MiniBatchKMeans {
  readonly k: number;
  private readonly init: 'k-means++' | 'random' | Matrix;
  private readonly seed: number;
  private state: { dims: number; centroids: Float64Array; counts: Float64Array } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: MiniBatchKMeansOptions) {
    const o = objectArg(options, 'options');
    this.k = integer(o.k, 'options.k', 1, 1 << 20);
    this.seed = seedOf(o.seed, 'options.seed');
    if (o.init === undefined || typeof o.init === 'string') {
      this.init = o.init === undefined ? 'k-means++' : oneOf(o.init, 'options.init', ['k-means++', 'random'] as const);
    } else {
      const c = toMatrix(o.init, 'options.init');
      if (c.n !== this.k) throw new RangeError(`options.init has ${c.n} centroids but options.k is ${this.k}`);
      this.init = c;
    }
  }

  /** Resumes from `toJSON()` output. */
  static from(state: MiniBatchKMeansState): MiniBatchKMeans {
    const s = objectArg(state, 'state');
    const c = toMatrix(s.centroids, 'state.centroids');
    const model = new MiniBatchKMeans({ k: c.n, init: { data: c.data, dims: c.dims } });
    const counts = toFloat64(s.counts, 'state.counts');
    if (counts.length !== c.n) throw new RangeError(`state.counts has ${counts.length} entries but there are ${c.n} centroids`);
    model.state = { dims: c.dims, centroids: c.data, counts };
    return model;
  }

  /** Current centroids (null before the first batch). */
  get centroids(): number[][] | null {
    return this.state ? rows(this.state.centroids, this.state.dims) : null;
  }

  /** Points each centroid has absorbed. */
  get counts(): number[] {
    return this.state ? Array.from(this.state.counts) : [];
  }

  toJSON(): MiniBatchKMeansState | null {
    const s = this.state;
    return s ? { k: this.k, dims: s.dims, centroids: rows(s.centroids, s.dims), counts: Array.from(s.counts) } : null;
  }

  /**
   * Learns from one batch. Resolves with the batch's inertia against the centroids before the
   * step (a running measure of fit). The first batch needs at least k distinct points.
   */
  partialFit(batch: Points, options?: TaskOptions): Promise<{ inertia: number }> {
    const m = toMatrix(batch, 'batch');
    const run = taskOptions(options);
    return this.enqueue(async () => {
      const rt = await runtime();
      if (this.state && this.state.dims !== m.dims) throw new RangeError(`batch has ${m.dims} dimensions but the model has ${this.state.dims}`);
      if (!this.state) {
        let centroids: Float64Array;
        if (typeof this.init === 'string') {
          checkK(m, this.k, 'options.k (of the first batch)');
          const init = this.init;
          centroids = await rt.run((owned) => ({ op: 'kmeans.seed', data: owned ? m.data.slice() : m.data, dims: m.dims, k: this.k, init, seed: this.seed }), run);
        } else {
          if (this.init.dims !== m.dims) throw new RangeError(`batch has ${m.dims} dimensions but options.init has ${this.init.dims}`);
          centroids = this.init.data.slice();
        }
        this.state = { dims: m.dims, centroids, counts: new Float64Array(this.k) };
      }
      const s = this.state;
      const r = await rt.run(
        (owned) => ({ op: 'kmeans.minibatch', data: owned ? m.data.slice() : m.data, dims: m.dims, centroids: s.centroids.slice(), counts: s.counts.slice() }),
        run,
      );
      this.state = { dims: s.dims, centroids: r.centroids, counts: r.counts };
      return { inertia: r.inertia };
    });
  }

  /** Nearest current centroid of each point. */
  predict(points: Points, options?: TaskOptions): Promise<Int32Array> {
    const m = toMatrix(points, 'points');
    return this.enqueue(() => {
      if (!this.state) throw new Error('MiniBatchKMeans.predict: call partialFit with a first batch before predicting');
      return predict({ data: this.state.centroids, dims: this.state.dims }, { data: m.data, dims: m.dims }, options);
    });
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const next = this.queue.then(job, job);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
