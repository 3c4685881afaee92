import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDetector, detectAnomalies, ready, type DetectorMethod } from '../../src/analysis/index.js';
import { kernelsNow } from '../../src/analysis/runtime.js';
import { WASM_URL } from '../helpers/analysis.js';
import { detectorReference as reference } from '../helpers/detect-reference.js';
import { normal, rng } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const close = (a: number, b: number) => a === b || Math.abs(a - b) <= 1e-7 * Math.max(1, Math.abs(b));
const METHODS: DetectorMethod[] = ['zscore', 'robust', 'iqr', 'ewma'];
const THRESHOLD: Record<DetectorMethod, number> = { zscore: 2, robust: 2.5, iqr: 1, ewma: 2 };

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

  it.each([
    ['no options', [1, 2], undefined, TypeError, /options is required/],
    ["method 'mad'", [1, 2], { method: 'mad' }, RangeError, /options.method must be one of 'zscore', 'robust', 'iqr', 'ewma', got "mad"/],
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
