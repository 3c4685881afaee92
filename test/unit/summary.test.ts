import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready, summary } from '../../src/analysis/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { exactVariance, fsum } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const finite = fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true });

describe('summary()', () => {
  it('matches numpy on a textbook sample: mean 5, var(ddof=1) 32/7, std, min, max, sum', async () => {
    const s = await summary([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toEqual({ count: 8, sum: 40, mean: 5, variance: 32 / 7, std: Math.sqrt(32 / 7), min: 2, max: 9 });
  });

  it('sums with compensation: [1e16, 1, -1e16, 1] sums to 2 (a naive loop gives 0 or 1)', async () => {
    expect((await summary([1e16, 1, -1e16, 1])).sum).toBe(2);
  });

  it('property: sum is the correctly rounded sum within 1 ulp, mean and variance within 1e-12 of the exact values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(finite, { minLength: 2, maxLength: 3000 }), async (xs) => {
        const s = await summary(xs);
        const exact = fsum(xs);
        const scale = fsum(xs.map(Math.abs));
        expect(s.count).toBe(xs.length);
        expect(Math.abs(s.sum - exact)).toBeLessThanOrEqual(Math.max(Math.abs(exact) * 2.3e-16, scale * 1e-30));
        expect(Math.abs(s.mean - exact / xs.length)).toBeLessThanOrEqual(Math.abs(exact / xs.length) * 1e-12 + scale * 1e-300);
        const v = exactVariance(xs);
        expect(Math.abs(s.variance - v)).toBeLessThanOrEqual(v * 1e-12 + 1e-300);
        // + 0: -0 and 0 are the same value here (Math.min prefers -0, a comparison loop keeps the first).
        expect(s.min + 0).toBe(Math.min(...xs) + 0);
        expect(s.max + 0).toBe(Math.max(...xs) + 0);
      }),
      { numRuns: 300 },
    );
  });

  it('property: variance is exact for data with a huge offset (1e9 + small noise), where one-pass formulas fail', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 2, maxLength: 500 }), async (noise) => {
        const xs = noise.map((e) => 1e9 + e);
        const v = exactVariance(xs);
        expect(Math.abs((await summary(xs)).variance - v)).toBeLessThanOrEqual(v * 1e-6 + 1e-20);
      }),
    );
  });

  it('reports NaN variance and std for a single value', async () => {
    const s = await summary([3]);
    expect([s.count, s.mean, s.min, s.max]).toEqual([1, 3, 3, 3]);
    expect(s.variance).toBeNaN();
    expect(s.std).toBeNaN();
  });

  it('does not modify the caller’s array', async () => {
    const xs = new Float64Array([3, 1, 2]);
    await summary(xs);
    expect(Array.from(xs)).toEqual([3, 1, 2]);
  });

  it.each([
    ['[]', [], RangeError, /values has 0 values; at least 1 is needed/],
    ['[1, NaN]', [1, NaN], RangeError, /values\[1\] is NaN/],
    ['[1, 2, Infinity]', [1, 2, Infinity], RangeError, /values\[2\] is Infinity/],
    ["[1, '2']", [1, '2'], TypeError, /values\[1\] is "2"; values must contain numbers only/],
    ['null', null, TypeError, /values must be an array/],
    ['a BigInt64Array', new BigInt64Array(2), TypeError, /values must hold numbers/],
  ])('rejects %s with an error naming the argument', async (_label, input, type, message) => {
    const error = await summary(input as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });
});
