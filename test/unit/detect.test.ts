import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDetector, detectAnomalies, ready } from '../../src/analysis/index.js';
import { kernelsNow } from '../../src/analysis/runtime.js';
import { WASM_URL } from '../helpers/analysis.js';
import { adaptiveReference, seasonOf } from '../helpers/adaptive-reference.js';
import { detectorReference as reference } from '../helpers/detect-reference.js';
import { normal, rng } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b));
const METHODS = ['zscore', 'robust', 'iqr', 'ewma'] as const;
const THRESHOLD: Record<'zscore' | 'robust' | 'iqr' | 'ewma', number> = { zscore: 2, robust: 2.5, iqr: 1, ewma: 2 };

/** Series with structure: noise, level shifts, spikes and flat stretches (ties, zero spread). */
const series = fc
  .record({
    seed: fc.integer(),
    n: fc.integer({ min: 0, max: 400 }),
    flat: fc.boolean(),
  })
  .map(({ seed, n, flat }) => {
    const r = rng(seed);
    return Array.from({ length: n }, (_, i) => {
      if (flat && i % 50 < 20) return 5;
      return Math.round((10 + (i > n / 2 ? 5 : 0) + normal(r) + (r() < 0.03 ? 15 * normal(r) : 0)) * 100) / 100;
    });
  });

describe('detectAnomalies()', () => {
  it('property: every method flags exactly the points whose definition-score exceeds the threshold, with that score and centre', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), series, fc.integer({ min: 2, max: 40 }), async (method, xs, window) => {
        const threshold = THRESHOLD[method];
        const ref = reference(method, xs, window);
        const got = await detectAnomalies(xs, { method, window, threshold });
        const gotByIndex = new Map(got.map((a) => [a.index, a]));
        ref.forEach((r, i) => {
          if (!r) return expect(gotByIndex.has(i)).toBe(false);
          // Points within rounding of the threshold may go either way.
          if (Number.isFinite(r.score) && Math.abs(Math.abs(r.score) - threshold) < 1e-6) return;
          const a = gotByIndex.get(i);
          expect({ i, flagged: a !== undefined }).toEqual({ i, flagged: Math.abs(r.score) > threshold });
          if (a) {
            expect(close(a.score, r.score)).toBe(true);
            expect(close(a.expected, r.expected)).toBe(true);
            expect([a.value, a.method, a.threshold]).toEqual([xs[i], method, threshold]);
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('property: no look-ahead — changing later points never changes earlier verdicts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), series, fc.integer({ min: 0, max: 400 }), fc.integer(), async (method, xs, cut, seed) => {
        const r = rng(seed);
        const changed = xs.map((x, i) => (i >= cut ? x + 100 * normal(r) : x));
        const before = (await detectAnomalies(xs, { method, window: 10 })).filter((a) => a.index < cut);
        const after = (await detectAnomalies(changed, { method, window: 10 })).filter((a) => a.index < cut);
        expect(after).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('finds a spike of 10σ in Gaussian noise with every method, and nothing else at z > 5', async () => {
    const r = rng(1);
    const xs = Array.from({ length: 2000 }, (_, i) => (i === 1500 ? 10 : 0) + normal(r));
    for (const method of METHODS) {
      const found = await detectAnomalies(xs, { method, window: 200, threshold: method === 'iqr' ? 3 : 5 });
      expect({ method, indices: found.map((a) => a.index) }).toEqual({ method, indices: [1500] });
    }
  });

  it('scores a constant window: equal point 0, different point ±Infinity', async () => {
    const found = await detectAnomalies([1, 1, 1, 1, 1, 2, 1, 0], { method: 'zscore', window: 4 });
    expect(found.map((a) => [a.index, a.score])).toEqual([[5, Infinity]]);
  });

  it('robust on quantised counts: never below the series\' step, so one more error after a flat stretch is not an anomaly and five are', async () => {
    // Errors per minute: mostly 0, a 1 now and then (step 1); the window before each test point is all 0.
    const xs = [0, 1, 0, 0, 1, ...new Array(30).fill(0), 1, ...new Array(30).fill(0), 5];
    const found = await detectAnomalies(xs, { method: 'robust', window: 20 });
    expect(found.map((a) => [a.index, a.score])).toEqual([[xs.length - 1, 5]]);
    // A series that never changed has no step yet: its first change is still ±∞.
    expect((await detectAnomalies([...new Array(25).fill(3), 4], { method: 'robust', window: 20 })).map((a) => a.score)).toEqual([Infinity]);
  });

  it.each([
    ['no options', [1, 2], undefined, TypeError, /options is required/],
    ["method 'mad'", [1, 2], { method: 'mad' }, RangeError, /options.method must be one of 'zscore', 'robust', 'iqr', 'ewma', 'seasonal', 'cusum', 'likelihood', 'auto', 'context', got "mad"/],
    ['window 1', [1, 2], { method: 'zscore', window: 1 }, RangeError, /options.window must be an integer in \[2, /],
    ['threshold 0', [1, 2], { method: 'zscore', threshold: 0 }, RangeError, /options.threshold must be > 0/],
    ['threshold NaN', [1, 2], { method: 'zscore', threshold: NaN }, RangeError, /options.threshold must be a finite number/],
    ['NaN value', [1, NaN], { method: 'iqr' }, RangeError, /values\[1\] is NaN/],
    ['string value', ['1'], { method: 'iqr' }, TypeError, /values\[0\] is "1"/],
  ])('rejects %s with an error naming the argument', async (_label, xs, options, type, message) => {
    const error = await detectAnomalies(xs as never, options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });
});

describe('createDetector()', () => {
  it('property: pushing one at a time, or in any chunks, equals the batch result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), series, fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 50 }), async (method, xs, window, chunk) => {
        const batch = await detectAnomalies(xs, { method, window });
        const single = createDetector({ method, window });
        const one = xs.map((x) => single.push(x)).filter((a) => a !== null);
        const chunked = createDetector({ method, window });
        const many = [];
        for (let i = 0; i < xs.length; i += chunk) many.push(...chunked.pushMany(xs.slice(i, i + chunk)));
        expect(one).toEqual(batch);
        expect(many).toEqual(batch);
        expect(single.count).toBe(xs.length);
        single.dispose();
        chunked.dispose();
      }),
      { numRuns: 300 },
    );
  });

  it('reset() forgets the history: the next points are not scored until minSamples', () => {
    const d = createDetector({ method: 'zscore', window: 3 });
    d.pushMany([1, 2, 1, 2]);
    d.reset();
    expect([d.push(100), d.push(100), d.push(100), d.count]).toEqual([null, null, null, 3]);
    d.dispose();
  });

  it('rejects a NaN push with a RangeError naming the argument, and a disposed detector', () => {
    const d = createDetector({ method: 'ewma' });
    expect(() => d.push(NaN)).toThrow(/value must be a finite number, got NaN/);
    d.dispose();
    expect(() => d.push(1)).toThrow(/disposed/);
  });

  it('linear memory stops growing over 10,000 calls of each function', async () => {
    const memory = () => kernelsNow('test').memoryBytes;
    const xs = Array.from({ length: 300 }, (_, i) => Math.sin(i) * 10 + (i % 97 === 0 ? 50 : 0));
    const round = async () => {
      for (const method of METHODS) {
        await detectAnomalies(xs, { method, window: 20 });
        const d = createDetector({ method, window: 20 });
        d.pushMany(xs);
        d.push(3);
        d.dispose();
      }
    };
    for (let i = 0; i < 100; i++) await round();
    const before = memory();
    for (let i = 0; i < 2500; i++) await round();
    expect(memory()).toBe(before);
  });
});

describe('adaptive detectors (seasonal, cusum, likelihood, auto)', () => {
  const ADAPTIVE = ['seasonal', 'cusum', 'likelihood', 'auto'] as const;
  const noise = (n: number, seed: number, f: (i: number, e: number) => number) => {
    const r = rng(seed);
    return Array.from({ length: n }, (_, i) => f(i, normal(r)));
  };

  it('property: scores lie in [0, 1) (NaN while warming up), each depends only on the points before it, and push() equals one batch', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ADAPTIVE), series, fc.integer({ min: 2, max: 300 }), fc.nat(), (method, xs, window, cut) => {
        const k = kernelsNow('test');
        const code = ['zscore', 'robust', 'iqr', 'ewma', 'seasonal', 'cusum', 'likelihood', 'auto'].indexOf(method);
        const whole = k.detectorCreate(code, window, 0.5, 20);
        const all = k.detectorScoreMany(whole, xs).score;
        k.detectorFree(whole);
        for (const s of all) if (!Number.isNaN(s)) expect(s >= 0 && s < 1).toBe(true);
        const m = xs.length ? cut % xs.length : 0;
        const prefix = k.detectorCreate(code, window, 0.5, 20);
        const head = k.detectorScoreMany(prefix, xs.slice(0, m)).score;
        k.detectorFree(prefix);
        expect(Array.from(head)).toEqual(Array.from(all.subarray(0, m)));
        const d = createDetector({ method, window, threshold: 0.5, minSamples: 20 });
        const flagged = xs.map((x) => d.push(x)).flatMap((a, i) => (a ? [i] : []));
        d.dispose();
        expect(flagged).toEqual(Array.from(all.keys()).filter((i) => all[i]! > 0.5));
      }),
      { numRuns: 120 },
    );
  });

  it('property: every score and expected value is the definition\'s (test/helpers/adaptive-reference.ts: windows re-summed from slices, the ACF by its formula)', () => {
    // Series long enough for the season search (600 points): a sine of a random period, noise,
    // level shifts and spikes; or integers with flat stretches (exact sums, zero spread).
    const long = fc
      .record({ seed: fc.integer(), n: fc.integer({ min: 0, max: 1100 }), period: fc.integer({ min: 3, max: 120 }), amp: fc.double({ min: 0, max: 10, noNaN: true }), ints: fc.boolean() })
      .map(({ seed, n, period, amp, ints }) => {
        const r = rng(seed);
        return Array.from({ length: n }, (_, i) => {
          if (ints) return i % 90 < 30 ? 5 : Math.round(3 * normal(r)) + (i > 700 ? 4 : 0);
          return amp * Math.sin((2 * Math.PI * i) / period) + normal(r) + (i > 800 ? 3 : 0) + (r() < 0.01 ? 10 * normal(r) : 0);
        });
      });
    const k = kernelsNow('test');
    let compared = 0;
    fc.assert(
      fc.property(fc.constantFrom(...ADAPTIVE), long, fc.integer({ min: 2, max: 120 }), fc.integer({ min: 0, max: 50 }), (method, xs, window, minSamples) => {
        const p = k.detectorCreate(['seasonal', 'cusum', 'likelihood', 'auto'].indexOf(method) + 4, window, 0.5, minSamples);
        const got = k.detectorScoreMany(p, xs);
        k.detectorFree(p);
        const ref = adaptiveReference(method, xs, window, minSamples);
        ref.forEach((r, i) => {
          const tol = 1e-9 * Math.max(1, Math.abs(r.raw));
          // Suppression compares two raw scores: within rounding of each other, either verdict is right.
          if (Math.abs(r.raw - r.previousMax) <= tol) return;
          if (Number.isNaN(r.score)) {
            expect({ i, score: got.score[i], expected: got.expected[i] }).toEqual({ i, score: NaN, expected: NaN });
            return;
          }
          expect({ i, ok: Math.abs(got.score[i]! - r.score) <= 1e-9 }).toEqual({ i, ok: true });
          expect({ i, ok: Math.abs(got.expected[i]! - r.expected) <= 1e-9 * Math.max(1, Math.abs(r.expected)) }).toEqual({ i, ok: true });
          compared++;
        });
      }),
      { numRuns: 60 },
    );
    expect(compared).toBeGreaterThan(10_000);
  });

  it('the season search finds the planted period, and none in noise or a trend', () => {
    const r = rng(21);
    expect(seasonOf(Array.from({ length: 600 }, (_, i) => 5 * Math.sin((2 * Math.PI * i) / 48) + normal(r)))).toBe(48);
    expect(seasonOf(Array.from({ length: 600 }, (_, i) => (i % 24 < 6 ? 10 : 0) + normal(r)))).toBe(24);
    expect(seasonOf(Array.from({ length: 600 }, () => normal(r)))).toBe(0);
    expect(seasonOf(Array.from({ length: 600 }, (_, i) => i / 10 + normal(r)))).toBe(0);
  });

  it('a saved state continues exactly where the detector left off (worker replacement)', () => {
    const k = kernelsNow('test');
    const xs = noise(2500, 3, (i, e) => 10 * Math.sin((2 * Math.PI * i) / 48) + e + (i === 2000 ? 30 : 0));
    for (const code of [4, 5, 6, 7]) {
      const a = k.detectorCreate(code, 500, 0.8, 100);
      const b = k.detectorCreate(code, 500, 0.8, 100);
      k.detectorScoreMany(a, xs.slice(0, 1200));
      k.detectorScoreMany(b, xs.slice(0, 1200));
      const c = k.detectorLoad(k.detectorSave(b));
      expect(c).not.toBe(0);
      expect(Array.from(k.detectorScoreMany(c, xs.slice(1200)).score)).toEqual(Array.from(k.detectorScoreMany(a, xs.slice(1200)).score));
      for (const p of [a, b, c]) k.detectorFree(p);
    }
  });

  it('a saved robust state keeps the series\' step (resolution): the restored detector scores as the original', () => {
    const k = kernelsNow('test');
    // Quantised and often flat: steps of 0.5, long flat stretches, a jump.
    const xs = Array.from({ length: 900 }, (_, i) => (i % 97 < 60 ? 2 : 2 + 0.5 * ((i * 7) % 3)) + (i === 700 ? 6 : 0));
    const a = k.detectorCreate(1, 50, 3.5, 20);
    const b = k.detectorCreate(1, 50, 3.5, 20);
    k.detectorScoreMany(a, xs.slice(0, 400));
    k.detectorScoreMany(b, xs.slice(0, 400));
    const c = k.detectorLoad(k.detectorSave(b));
    expect(c).not.toBe(0);
    const [fromA, fromC] = [Array.from(k.detectorScoreMany(a, xs.slice(400)).score), Array.from(k.detectorScoreMany(c, xs.slice(400)).score)];
    expect(fromC).toEqual(fromA);
    // Flat windows score by the step (0.5), not ±∞: the jump of 6 scores 12.
    expect(fromA.filter((z) => !Number.isFinite(z) && !Number.isNaN(z))).toEqual([]);
    expect(fromA[300]).toBe(12);
    for (const p of [a, b, c]) k.detectorFree(p);
  });

  it('seasonal finds the period and flags a broken daily pattern that stays within the normal range; the level z-score does not', async () => {
    // Period 48, amplitude 10, noise σ 1; from 1,800 the pattern stops (flat at its mean) for 100 points.
    const xs = noise(2600, 5, (i, e) => (i >= 1800 && i < 1900 ? 0 : 10 * Math.sin((2 * Math.PI * i) / 48)) + e);
    const seasonal = await detectAnomalies(xs, { method: 'seasonal' });
    expect(seasonal.some((a) => a.index >= 1800 && a.index < 1830)).toBe(true);
    expect(seasonal.filter((a) => a.index < 1800 && a.index >= 600)).toHaveLength(0);
    const zscore = await detectAnomalies(xs, { method: 'zscore', window: 1000, threshold: 4 });
    expect(zscore.filter((a) => a.index >= 1800 && a.index < 1900)).toHaveLength(0);
  });

  it('auto flags a spike and a level shift in noise, once each, and nothing in the noise itself', async () => {
    const xs = noise(4000, 9, (i, e) => 50 + e + (i === 2500 ? 12 : 0) + (i >= 3200 ? 8 : 0));
    const found = await detectAnomalies(xs, { method: 'auto' });
    expect(found.map((a) => a.index)).toEqual([2500, 3200]);
    // Each is the injected value, measured against the level before it (50), not the new one.
    for (const a of found) {
      expect(a.value).toBe(xs[a.index]);
      expect(Math.abs(a.expected - 50)).toBeLessThan(1);
    }
  });

  it('cusum flags a sustained 1.5σ shift (within 300 points) that no single point makes anomalous', async () => {
    const xs = noise(3000, 11, (i, e) => 20 + e + (i >= 2000 ? 1.5 : 0));
    const cusum = await detectAnomalies(xs, { method: 'cusum' });
    const first = cusum.find((a) => a.index >= 2000);
    expect(first).toBeDefined();
    expect(first!.index).toBeLessThan(2300);
    expect(cusum.filter((a) => a.index < 2000 && a.index >= 200)).toHaveLength(0);
    const zscore = await detectAnomalies(xs, { method: 'zscore', window: 1000, threshold: 4 });
    expect(zscore.filter((a) => a.index >= 2000)).toHaveLength(0);
  });

  it('rejects a threshold of 1 or more for the [0, 1) scores, naming it', async () => {
    await expect(detectAnomalies([1, 2, 3], { method: 'auto', threshold: 1 })).rejects.toThrow(/options\.threshold must be below 1/);
    expect(() => createDetector({ method: 'likelihood', threshold: 4 })).toThrow(/options\.threshold/);
  });
});
