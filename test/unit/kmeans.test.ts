import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { elbow, kmeans, MiniBatchKMeans, predict, ready, silhouette } from '../../src/analysis/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { blobs, lloydReference, nearest, silhouetteReference, sqdist, type Row } from '../helpers/kmeans-reference.js';
import { normal, rng } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** Small point sets with structure: clustered, uniform, or with many duplicate rows. */
const pointSets = fc
  .record({ seed: fc.integer(), n: fc.integer({ min: 1, max: 60 }), dims: fc.integer({ min: 1, max: 5 }), kind: fc.constantFrom('blobs', 'uniform', 'duplicates') })
  .map(({ seed, n, dims, kind }) => {
    const r = rng(seed);
    const centres = Array.from({ length: 3 }, () => Array.from({ length: dims }, () => 20 * r() - 10));
    // Duplicate rows come from a few random rows: repeated points, but no exact distance ties
    // (equidistant points would make the result hinge on the last bit of rounding).
    const repeated = Array.from({ length: 4 }, () => Array.from({ length: dims }, () => 3 * r()));
    const pts: Row[] = [];
    for (let i = 0; i < n; i++) {
      if (kind === 'uniform') pts.push(Array.from({ length: dims }, () => 100 * r() - 50));
      else if (kind === 'duplicates') pts.push(repeated[Math.floor(4 * r())]!.slice());
      else pts.push(centres[i % 3]!.map((c) => c + normal(r)));
    }
    return { pts, seed };
  });

function distinct(pts: Row[]): number {
  return new Set(pts.map((p) => p.join(','))).size;
}

describe('kmeans() against a brute-force Lloyd with sklearn definitions', () => {
  it('property: from the same starting centroids, centroids, labels and inertia equal the reference to 1e-9, with the same iterations', async () => {
    await fc.assert(
      fc.asyncProperty(pointSets, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 30 }), fc.constantFrom('hamerly', 'lloyd'), async ({ pts, seed }, kWanted, maxIter, algorithm) => {
        const k = Math.min(kWanted, distinct(pts));
        // Starting centroids: any k rows (possibly equal ones, so empty clusters and their re-seeding get exercised).
        const r = rng(seed + 1);
        const start = Array.from({ length: k }, () => pts[Math.floor(r() * pts.length)]!.slice());
        const ref = lloydReference(pts, start, maxIter, 1e-4);
        const got = await kmeans(pts, { k, init: start, maxIter, algorithm: algorithm as 'hamerly' | 'lloyd' });
        expect(got.iterations).toBe(ref.iterations);
        expect(got.converged).toBe(ref.converged);
        expect(Array.from(got.labels)).toEqual(ref.labels);
        got.centroids.forEach((c, j) => c.forEach((v, d) => expect(close(v, ref.centers[j]![d]!)).toBe(true)));
        expect(close(got.inertia, ref.inertia)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('property: Hamerly\'s bounds give exactly the labels, centroids and iterations of plain Lloyd', async () => {
    await fc.assert(
      fc.asyncProperty(pointSets, fc.integer({ min: 1, max: 8 }), fc.nat(1000), async ({ pts }, kWanted, seed) => {
        const k = Math.min(kWanted, distinct(pts));
        const a = await kmeans(pts, { k, seed, algorithm: 'hamerly', tol: 0 });
        const b = await kmeans(pts, { k, seed, algorithm: 'lloyd', tol: 0 });
        expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
        expect(a.centroids).toEqual(b.centroids);
        expect(a.iterations).toBe(b.iterations);
      }),
      { numRuns: 150 },
    );
  });

  it('Hamerly equals Lloyd on 20,000 points in 8 dimensions with k = 16', async () => {
    const r = rng(7);
    const centres = Array.from({ length: 16 }, () => Array.from({ length: 8 }, () => 10 * r()));
    const pts = blobs(r, normal, centres, 1250, 1.5);
    const a = await kmeans(pts, { k: 16, seed: 3, algorithm: 'hamerly' });
    const b = await kmeans(pts, { k: 16, seed: 3, algorithm: 'lloyd' });
    expect(a.iterations).toBeGreaterThan(3);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });

  it('property: inertia never increases across Lloyd iterations', async () => {
    await fc.assert(
      fc.asyncProperty(pointSets, fc.integer({ min: 1, max: 6 }), fc.nat(1000), async ({ pts }, kWanted, seed) => {
        const k = Math.min(kWanted, distinct(pts));
        let previous = Infinity;
        for (let maxIter = 1; maxIter <= 8; maxIter++) {
          const got = await kmeans(pts, { k, seed, maxIter, tol: 0, init: 'random', nInit: 1 });
          expect(got.inertia).toBeLessThanOrEqual(previous * (1 + 1e-12) + 1e-12);
          previous = got.inertia;
        }
      }),
      { numRuns: 60 },
    );
  });

  it('recovers the centres of Gaussian blobs (k-means++)', async () => {
    const r = rng(11);
    const centres: Row[] = [[0, 0], [10, 0], [0, 10], [10, 10], [5, 20]];
    const pts = blobs(r, normal, centres, 400, 1);
    const got = await kmeans(pts, { k: 5, seed: 1 });
    expect(got.converged).toBe(true);
    for (const c of centres) {
      const d = Math.min(...got.centroids.map((g) => Math.sqrt(sqdist(g, c))));
      // The mean of 400 N(0, 1) points has standard error 0.05 per coordinate.
      expect(d).toBeLessThan(0.25);
    }
    // Each blob's points share one label.
    for (let b = 0; b < centres.length; b++) {
      const labels = new Set(pts.flatMap((_, i) => (i % centres.length === b ? [got.labels[i]] : [])));
      expect(labels.size).toBe(1);
    }
  });

  it('is deterministic for a seed and reproduces the inertia definition', async () => {
    const r = rng(5);
    const pts = Array.from({ length: 500 }, () => [r() * 10, r() * 10, r()]);
    const a = await kmeans(pts, { k: 7, seed: 42, init: 'random' });
    const b = await kmeans({ data: Float64Array.from(pts.flat()), dims: 3 }, { k: 7, seed: 42, init: 'random' });
    expect(b).toEqual(a);
    const inertia = pts.reduce((s, x, i) => s + sqdist(x, a.centroids[a.labels[i]!]!), 0);
    expect(close(a.inertia, inertia)).toBe(true);
    // Every point carries the label of its nearest centroid.
    pts.forEach((x, i) => expect(a.labels[i]).toBe(nearest(x, a.centroids).label));
  });

  it('nInit keeps the start of lowest inertia: never worse than any single start of the same stream', async () => {
    const r = rng(9);
    const pts = Array.from({ length: 400 }, () => [r(), r()]);
    const many = await kmeans(pts, { k: 9, seed: 3, init: 'random', nInit: 10 });
    const one = await kmeans(pts, { k: 9, seed: 3, init: 'random', nInit: 1 });
    expect(many.inertia).toBeLessThanOrEqual(one.inertia);
  });

  it('k equal to the number of distinct points gives zero inertia; k = 1 gives the total sum of squares', async () => {
    const pts = [[1, 2], [3, 4], [1, 2], [5, 0], [3, 4]];
    expect((await kmeans(pts, { k: 3 })).inertia).toBe(0);
    const one = await kmeans(pts, { k: 1 });
    const mean = [13 / 5, 12 / 5];
    expect(close(one.inertia, pts.reduce((s, x) => s + sqdist(x, mean), 0))).toBe(true);
    expect(one.centroids[0]![0]).toBeCloseTo(mean[0]!, 12);
  });

  it('tol is relative to the mean per-dimension variance; maxIter bounds the run', async () => {
    const r = rng(2);
    const pts = blobs(r, normal, [[0, 0], [8, 8], [0, 8]], 200, 2);
    const loose = await kmeans(pts, { k: 3, init: 'random', seed: 4, tol: 1e6 });
    expect(loose.iterations).toBe(1);
    expect(loose.converged).toBe(true);
    const capped = await kmeans(pts, { k: 3, init: 'random', seed: 4, tol: 0, maxIter: 1 });
    expect(capped.iterations).toBe(1);
    expect(capped.converged).toBe(false);
  });
});

describe('predict(), silhouette(), elbow()', () => {
  it('property: predict gives the nearest centroid (lowest index on ties)', async () => {
    await fc.assert(
      fc.asyncProperty(pointSets, pointSets, async ({ pts }, { pts: cs }) => {
        const dims = Math.min(pts[0]!.length, cs[0]!.length);
        const a = pts.map((p) => p.slice(0, dims));
        const c = cs.slice(0, 7).map((p) => p.slice(0, dims));
        expect(Array.from(await predict(c, a))).toEqual(a.map((x) => nearest(x, c).label));
      }),
      { numRuns: 80 },
    );
  });

  it('property: silhouette equals sklearn\'s definition (brute force)', async () => {
    await fc.assert(
      fc.asyncProperty(pointSets, fc.integer({ min: 2, max: 5 }), fc.nat(), async ({ pts }, k, seed) => {
        fc.pre(pts.length >= 3);
        const r = rng(seed);
        const labels = pts.map((_, i) => (i < k ? i : Math.floor(r() * k)) * 7 - 3);
        const used = new Set(labels).size;
        fc.pre(used >= 2 && used <= pts.length - 1);
        expect(close(await silhouette(pts, labels), silhouetteReference(pts, labels), 1e-9)).toBe(true);
      }),
      { numRuns: 80 },
    );
  });

  it('silhouette is near 1 for well-separated blobs; sampleSize scores a seeded sample of the points', async () => {
    const r = rng(3);
    const pts = blobs(r, normal, [[0, 0], [100, 100]], 300, 1);
    const labels = pts.map((_, i) => i % 2);
    expect(await silhouette(pts, labels)).toBeGreaterThan(0.95);
    const s1 = await silhouette(pts, labels, { sampleSize: 100, seed: 8 });
    expect(await silhouette(pts, labels, { sampleSize: 100, seed: 8 })).toBe(s1);
    expect(s1).toBeGreaterThan(0.95);
  });

  it('elbow: one row per k, k = 1 is the total sum of squares, progress reported per k', async () => {
    const r = rng(4);
    const pts = blobs(r, normal, [[0, 0], [20, 0], [0, 20], [20, 20]], 100, 1);
    const seen: number[] = [];
    const rows = await elbow(pts, { kMin: 1, kMax: 6, onProgress: (p) => seen.push(p.done) });
    expect(rows.map((x) => x.k)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    const mean = [0, 1].map((j) => pts.reduce((s, p) => s + p[j]!, 0) / pts.length);
    expect(close(rows[0]!.inertia, pts.reduce((s, x) => s + sqdist(x, mean), 0))).toBe(true);
    // The elbow is at the true k = 4: the drop from 3 to 4 dwarfs the drop from 4 to 5.
    expect(rows[2]!.inertia - rows[3]!.inertia).toBeGreaterThan(10 * (rows[3]!.inertia - rows[4]!.inertia));
  });

  it('elbow is cancellable', async () => {
    const controller = new AbortController();
    const pts = Array.from({ length: 200 }, (_, i) => [i, i % 7]);
    const run = elbow(pts, { kMax: 8, signal: controller.signal, onProgress: () => controller.abort() });
    await expect(run).rejects.toThrow(/abort/i);
  });
});

describe('MiniBatchKMeans', () => {
  it('streams blobs in batches and ends within 5% of full k-means inertia, with bounded state', async () => {
    const r = rng(12);
    const centres = Array.from({ length: 6 }, () => [40 * r(), 40 * r(), 40 * r()]);
    const pts = blobs(r, normal, centres, 2000, 1.5);
    const full = await kmeans(pts, { k: 6, seed: 1 });
    const model = new MiniBatchKMeans({ k: 6, seed: 1 });
    const jobs = [];
    for (let i = 0; i < pts.length; i += 1024) jobs.push(model.partialFit(pts.slice(i, i + 1024)));
    await Promise.all(jobs); // queued: not awaiting each call is allowed
    const centroids = model.centroids!;
    expect(centroids).toHaveLength(6);
    expect(model.counts.reduce((a, b) => a + b, 0)).toBe(pts.length);
    const labels = await model.predict(pts);
    const inertia = pts.reduce((s, x, i) => s + sqdist(x, centroids[labels[i]!]!), 0);
    expect(inertia).toBeLessThan(full.inertia * 1.05);
    // Resuming from its JSON state predicts the same.
    const copy = MiniBatchKMeans.from(JSON.parse(JSON.stringify(model.toJSON())));
    expect(Array.from(await copy.predict(pts.slice(0, 50)))).toEqual(Array.from(labels.slice(0, 50)));
  });

  it('each step moves a centroid to the running mean of the points it won (sklearn\'s update)', async () => {
    const model = new MiniBatchKMeans({ k: 2, init: [[0], [10]] });
    await model.partialFit([[1], [2], [9]]);
    expect(model.centroids).toEqual([[1.5], [9]]);
    expect(model.counts).toEqual([2, 1]);
    const { inertia } = await model.partialFit([[3], [11]]);
    expect(inertia).toBe(1.5 ** 2 + 2 ** 2);
    expect(model.centroids).toEqual([[(1.5 * 2 + 3) / 3], [(9 + 11) / 2]]);
  });
});

describe('bad input', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp, ErrorConstructor]> = [
    ['k < 1', () => kmeans([[1], [2]], { k: 0 }), /options\.k/, RangeError],
    ['k not an integer', () => kmeans([[1], [2]], { k: 1.5 }), /options\.k/, RangeError],
    ['k above distinct points', () => kmeans([[1], [1], [2]], { k: 3 }), /options\.k \(3\) exceeds the number of distinct points \(2\)/, RangeError],
    ['ragged rows', () => kmeans([[1, 2], [3]], { k: 1 }), /points\[1\] has 1 values/, RangeError],
    ['dims = 0 (rows)', () => kmeans([[], []], { k: 1 }), /points\[0\] is empty/, RangeError],
    ['dims = 0 ({ data, dims })', () => kmeans({ data: new Float64Array(4), dims: 0 }, { k: 1 }), /points\.dims/, RangeError],
    ['data not a multiple of dims', () => kmeans({ data: new Float64Array(5), dims: 2 }, { k: 1 }), /points\.data has 5 values/, RangeError],
    ['NaN', () => kmeans([[1, 2], [NaN, 1]], { k: 1 }), /points\[1\]\[0\] is NaN/, RangeError],
    ['Infinity in data', () => kmeans({ data: Float64Array.of(1, Infinity), dims: 1 }, { k: 1 }), /points\.data\[1\].*Infinity/, RangeError],
    ['a string value', () => kmeans([[1, '2' as unknown as number]], { k: 1 }), /points\[0\]\[1\]/, TypeError],
    ['empty points', () => kmeans([], { k: 1 }), /points is empty/, RangeError],
    ['init of the wrong shape', () => kmeans([[1, 2], [3, 4]], { k: 2, init: [[1, 2]] }), /options\.init has 1 centroids/, RangeError],
    ['unknown init', () => kmeans([[1], [2]], { k: 1, init: 'kmeans' as 'random' }), /options\.init/, RangeError],
    ['negative tol', () => kmeans([[1], [2]], { k: 1, tol: -1 }), /options\.tol/, RangeError],
    ['predict with other dims', () => predict([[1, 2]], [[1]]), /dimensions/, RangeError],
    ['silhouette with one label', () => silhouette([[1], [2], [3]], [0, 0, 0]), /labels has 1 distinct/, RangeError],
    ['silhouette with labels of another length', () => silhouette([[1], [2], [3]], [0, 1]), /labels has 2 entries/, RangeError],
  ];
  for (const [name, run, message, type] of cases) {
    it(`${name} → ${type.name} naming the argument`, async () => {
      const error = await run().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('property: arbitrary input either clusters or fails with a TypeError/RangeError naming points or options', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), fc.anything(), async (points, options) => {
        const outcome = await kmeans(points as Row[], options as { k: number }).then(
          (r) => r,
          (e: unknown) => e,
        );
        if (outcome instanceof Error) {
          expect(['TypeError', 'RangeError']).toContain(outcome.name);
          expect(outcome.message).toMatch(/points|options/);
        } else {
          expect(Number.isFinite((outcome as { inertia: number }).inertia)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
