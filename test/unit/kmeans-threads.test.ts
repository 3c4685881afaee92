// The collector's threaded k-means (two shards on worker threads) against the analysis API's
// kmeans() on the same rows: the same iteration, so the same labels and, up to the order the
// shards' sums are added in, the same centroids and inertia.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analysis/index.js';
import { kmeansRunner } from '../../src/collector/analytics/customers.js';
import { THREADED_MIN_ROWS, threadedKMeans } from '../../src/collector/analytics/kmeans-threads.js';
import { WASM_URL } from '../helpers/analysis.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

function blobs(n: number, d: number, k: number, seed: number, spread: number): Float64Array {
  let s = seed;
  const r = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => 10 * r()));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * k)]!;
    for (let j = 0; j < d; j++) x[i * d + j] = c[j]! + spread * (r() + r() + r() - 1.5);
  }
  return x;
}

describe('threaded k-means', () => {
  it.each([
    ['separated blobs', 5, 0.8],
    ['overlapping blobs (many iterations)', 8, 4],
  ])('%s: the same labels, centroids and inertia as kmeans() from the same k-means++ seed', async (_, k, spread) => {
    const n = THREADED_MIN_ROWS + 4321;
    const x = blobs(n, 4, k, 7 + k, spread);
    const [one, two] = [await kmeansRunner(x.slice(), 4, { k, seed: 3 }), await threadedKMeans(x.slice(), 4, { k, seed: 3 })];
    expect(Math.abs(two.inertia - one.inertia)).toBeLessThanOrEqual(1e-9 * one.inertia);
    let differ = 0;
    for (let i = 0; i < n; i++) if (one.labels[i] !== two.labels[i]) differ++;
    // Sums added per shard can move a point exactly on a boundary; none here.
    expect(differ).toBe(0);
    one.centroids.forEach((c, i) => c.forEach((v, j) => expect(Math.abs(v - two.centroids[i]![j]!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(v)))));
  });

  it('two fits at once share the threads one after the other, each answer its own', async () => {
    const n = THREADED_MIN_ROWS + 99;
    const [a, b] = [blobs(n, 3, 4, 21, 1), blobs(n, 5, 6, 22, 2)];
    const [ta, tb] = await Promise.all([threadedKMeans(a.slice(), 3, { k: 4, seed: 1 }), threadedKMeans(b.slice(), 5, { k: 6, seed: 2 })]);
    const [sa, sb] = [await kmeansRunner(a.slice(), 3, { k: 4, seed: 1 }), await kmeansRunner(b.slice(), 5, { k: 6, seed: 2 })];
    expect(Math.abs(ta.inertia - sa.inertia)).toBeLessThanOrEqual(1e-9 * sa.inertia);
    expect(Math.abs(tb.inertia - sb.inertia)).toBeLessThanOrEqual(1e-9 * sb.inertia);
    expect(tb.centroids).toHaveLength(6);
  });

  it('rows in shared memory are read in place by the threads: the same answer as copied rows', async () => {
    const n = THREADED_MIN_ROWS + 7;
    const x = blobs(n, 3, 5, 31, 1.5);
    const onShared = new Float64Array(new SharedArrayBuffer(x.byteLength));
    onShared.set(x);
    const [copied, inPlace] = [await threadedKMeans(x.slice(), 3, { k: 5, seed: 4 }), await threadedKMeans(onShared, 3, { k: 5, seed: 4 })];
    expect(inPlace).toEqual(copied);
    expect(Array.from(onShared)).toEqual(Array.from(x)); // left as it was
  });

  it('below THREADED_MIN_ROWS it is kmeans() itself', async () => {
    const x = blobs(5000, 3, 4, 1, 1);
    expect(await threadedKMeans(x.slice(), 3, { k: 4, seed: 9 })).toEqual(await kmeansRunner(x.slice(), 3, { k: 4, seed: 9 }));
  });

  it('a cluster that empties hands the run to kmeans() (re-seeding needs every row): the same answer', async () => {
    const n = THREADED_MIN_ROWS + 10;
    const x = blobs(n, 2, 3, 5, 0.5);
    // A start with a centre far from every row: it gets no point in the first pass.
    const init = Float64Array.from([x[0]!, x[1]!, x[2 * 1000]!, x[2 * 1000 + 1]!, 1e6, 1e6]);
    const [one, two] = [await kmeansRunner(x.slice(), 2, { k: 3, seed: 0, init }), await threadedKMeans(x.slice(), 2, { k: 3, seed: 0, init })];
    expect(two).toEqual(one);
  });
});
