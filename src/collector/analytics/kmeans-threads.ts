// k-means for the collector in Node, data-parallel over worker threads: each thread holds a shard
// of the rows in its own instance of kernels.wasm and runs the assignment pass (labels, Hamerly's
// bounds, per-cluster sums) from the centres this thread sends; this thread adds the shards' sums in
// shard order, moves the centres and tests convergence — the same iteration, tolerance and final
// relabelling as kmeans() (src/kernels/kmeans.ts), on two threads. The shard count is fixed (two),
// not the machine's core count, so a seed gives the same segments everywhere; the sums are added
// per shard, so the last bits may differ from the single-threaded kmeans(). Node only: the DuckDB
// store passes it to the segments query (customers.ts); elsewhere segments use kmeans().
import { Worker } from 'node:worker_threads';
import { runtime } from '../../analysis/runtime.js';
import { kmeansSeedCenters } from '../../kernels/kmeans.js';
import { kmeansRunner, type KMeansRunner } from './customers.js';

/** Below this many rows, one thread is faster than starting two. */
export const THREADED_MIN_ROWS = 1 << 17;
const SHARDS = 2;

// A shard: its rows in its own kernels instance; answers { centers?, first?, op: 'assign' | 'finish' }.
const SHARD = `
const { parentPort, workerData } = require('node:worker_threads');
const x = new WebAssembly.Instance(workerData.module, {}).exports;
let ctx = 0, n = 0, k = 0, d = 0, rows = 0, centers = 0;
parentPort.on('message', (m) => {
  if (m.data) {
    // A new fit: the previous one's rows and context are freed.
    if (ctx) {
      x.kmeansFree(ctx);
      x.free(rows);
      x.free(centers);
    }
    ({ k, d } = m);
    n = m.data.length / d;
    rows = x.alloc(m.data.length * 8);
    new Float64Array(x.memory.buffer, rows, m.data.length).set(m.data);
    ctx = x.kmeansCreate(rows, n, d, k, 0, 1);
    centers = x.alloc(k * d * 8);
    return;
  }
  if (m.centers) {
    new Float64Array(x.memory.buffer, centers, k * d).set(m.centers);
    if (m.first) x.kmeansSetCenters(ctx, centers);
    else x.kmeansMove(ctx, centers);
  }
  if (m.op === 'assign') {
    const changed = x.kmeansAssign(ctx);
    const sums = new Float64Array(x.memory.buffer, x.kmeansSums(ctx), k * d).slice();
    const weights = new Float64Array(x.memory.buffer, x.kmeansWeights(ctx), k).slice();
    parentPort.postMessage({ changed, sums, weights }, [sums.buffer, weights.buffer]);
  } else {
    const inertia = x.kmeansFinish(ctx, m.relabel);
    const labels = new Int32Array(x.memory.buffer, x.kmeansLabels(ctx), n).slice();
    parentPort.postMessage({ inertia, labels }, [labels.buffer]);
  }
});`;

interface Shard {
  worker: Worker;
  ask<T>(message: object, transfer?: ArrayBuffer[]): Promise<T>;
}

function shard(module: WebAssembly.Module): Shard {
  const worker = new Worker(SHARD, { eval: true, workerData: { module } });
  worker.unref();
  return {
    worker,
    ask: <T>(message: object, transfer: ArrayBuffer[] = []) =>
      new Promise<T>((resolve, reject) => {
        const fail = (e: unknown) => reject(e instanceof Error ? e : new Error(`k-means shard exited (${String(e)})`));
        worker.once('error', fail);
        worker.once('message', (v: T) => {
          worker.off('error', fail);
          resolve(v);
        });
        worker.postMessage(message, transfer);
      }),
  };
}

/**
 * The shard threads, kept between fits (starting two costs about 30 ms) and unref'd (they never
 * keep the process alive); one fit at a time uses them. A failed fit drops them.
 */
class ShardPool {
  private shards: Shard[] | null = null;
  private module: WebAssembly.Module | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  run<T>(module: WebAssembly.Module, fit: (shards: Shard[]) => Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      if (!this.shards || this.module !== module) {
        this.close();
        this.shards = Array.from({ length: SHARDS }, () => shard(module));
        this.module = module;
      }
      try {
        return await fit(this.shards);
      } catch (e) {
        this.close();
        throw e;
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    for (const s of this.shards ?? []) void s.worker.terminate();
    this.shards = null;
  }
}

const pool = new ShardPool();

/** tol × the mean over dimensions of the population variance: kmeans()'s absolute tolerance (sklearn's); one pass (shifted by the first row, so it stays exact enough for a tolerance). */
function tolerance(x: Float64Array, d: number, tol: number): number {
  const n = x.length / d;
  const s = new Float64Array(d), ss = new Float64Array(d);
  for (let i = 0, at = 0; i < n; i++)
    for (let j = 0; j < d; j++, at++) {
      const t = x[at]! - x[j]!;
      s[j]! += t;
      ss[j]! += t * t;
    }
  let varSum = 0;
  for (let j = 0; j < d; j++) varSum += ss[j]! / n - (s[j]! / n) ** 2;
  return tol * (varSum / d);
}

/**
 * A KMeansRunner (customers.ts) that runs Lloyd's iterations on two worker threads above
 * THREADED_MIN_ROWS rows, and kmeans() below, or when a cluster empties (the re-seeding needs
 * every row). k-means++ seeding runs here, as kmeans() seeds, so a seed gives the same start.
 */
export const threadedKMeans: KMeansRunner = async (data, d, o) => {
  const n = data.length / d;
  if (n < THREADED_MIN_ROWS) return kmeansRunner(data, d, o);
  const rt = await runtime();
  const { k } = o;
  const start = o.init ?? kmeansSeedCenters(rt.kernels, data, d, k, 'k-means++', o.seed);
  const half = Math.floor(n / SHARDS);
  const fitted = await pool.run(rt.module, async (shards) => {
    // Rows in shared memory are read in place by the threads; others are copied to them.
    const sharedRows = data.buffer instanceof SharedArrayBuffer;
    [data.subarray(0, half * d), data.subarray(half * d)].forEach((part, i) => {
      const rows = sharedRows ? part : part.slice();
      shards[i]!.worker.postMessage({ data: rows, k, d }, sharedRows ? [] : [rows.buffer as ArrayBuffer]);
    });
    let centers = Float64Array.from(start);
    type Part = { changed: number; sums: Float64Array; weights: Float64Array };
    const assign = (message: object) => Promise.all(shards.map((s) => s.ask<Part>({ ...message, centers: centers.slice() })));
    let pending = assign({ first: true, op: 'assign' });
    // The tolerance is computed while the threads make their first pass.
    const limit = tolerance(data, d, 1e-4);
    let iterations = 0, strict = false;
    while (iterations < 300) {
      const parts = await pending;
      iterations++;
      const sums = new Float64Array(k * d), weights = new Float64Array(k);
      let changed = 0;
      for (const p of parts) {
        changed += p.changed;
        for (let i = 0; i < k * d; i++) sums[i]! += p.sums[i]!;
        for (let c = 0; c < k; c++) weights[c]! += p.weights[c]!;
      }
      // A cluster emptied: its re-seeding needs every row (kmeans() below does it).
      if (weights.some((w) => w === 0)) return null;
      const next = new Float64Array(k * d);
      let shift = 0;
      for (let c = 0; c < k; c++) {
        const inv = 1 / weights[c]!;
        for (let j = 0; j < d; j++) {
          next[c * d + j] = sums[c * d + j]! * inv;
          shift += (next[c * d + j]! - centers[c * d + j]!) ** 2;
        }
      }
      centers = next;
      if (changed === 0) {
        strict = true;
        break;
      }
      if (shift <= limit) break;
      pending = assign({ op: 'assign' });
    }
    const ends = await Promise.all(shards.map((s) => s.ask<{ inertia: number; labels: Int32Array }>({ centers: centers.slice(), op: 'finish', relabel: strict ? 0 : 1 })));
    const labels = new Int32Array(n);
    labels.set(ends[0]!.labels, 0);
    labels.set(ends[1]!.labels, half);
    const rows: number[][] = [];
    for (let c = 0; c < k; c++) rows.push(Array.from(centers.subarray(c * d, (c + 1) * d)));
    return { centroids: rows, labels, inertia: ends[0]!.inertia + ends[1]!.inertia };
  });
  return fitted ?? kmeansRunner(data, d, { ...o, init: start });
};
