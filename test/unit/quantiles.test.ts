import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantiles, ready } from '../../src/analysis/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { quantileType7, sortedCopy } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const probs = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 });

describe('quantiles()', () => {
  it('equals numpy.quantile: [1..10] at 0.5 and 0.9 → 5.5 and 9.1; R type 7 at 0.25 → 3.25', async () => {
    const r = await quantiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [0.5, 0.9, 0.25, 0, 1]);
    expect(r[0]).toBe(5.5);
    expect(r[1]).toBeCloseTo(9.1, 14);
    expect(r[2]).toBe(3.25);
    expect([r[3], r[4]]).toEqual([1, 10]);
  });

  it('property: equals the sort-based definition exactly, for any data and probabilities, in the order asked', async () => {
    const data = fc.oneof(
      fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
      // many ties
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 2000 }),
    );
    await fc.assert(
      fc.asyncProperty(data, probs, async (xs, ps) => {
        const sorted = sortedCopy(xs);
        expect(await quantiles(xs, ps)).toEqual(ps.map((p) => quantileType7(sorted, p)));
      }),
      { numRuns: 300 },
    );
  });

  it('stays exact on inputs that break naive quickselect: sorted, reversed, constant, organ pipe, sawtooth (n = 200,001)', async () => {
    const n = 200_001;
    const shapes: Record<string, (i: number) => number> = {
      sorted: (i) => i,
      reversed: (i) => n - i,
      constant: () => 7,
      organPipe: (i) => (i < n / 2 ? i : n - i),
      sawtooth: (i) => i % 1000,
    };
    const ps = [0, 0.001, 0.25, 0.5, 0.75, 0.99, 0.999, 1];
    for (const [name, f] of Object.entries(shapes)) {
      const xs = Float64Array.from({ length: n }, (_, i) => f(i));
      const sorted = sortedCopy(xs);
      expect({ name, q: await quantiles(xs, ps) }).toEqual({ name, q: ps.map((p) => quantileType7(sorted, p)) });
    }
  });

  it('does not modify the caller’s array', async () => {
    const xs = [5, 3, 9, 1, 7];
    await quantiles(xs, [0.5]);
    expect(xs).toEqual([5, 3, 9, 1, 7]);
  });

  it.each([
    [[1, 2], [1.5], RangeError, /probs\[0\] must be in \[0, 1\], got 1.5/],
    [[1, 2], [-0.1], RangeError, /probs\[0\] must be in \[0, 1\]/],
    [[1, 2], [NaN], RangeError, /probs\[0\] must be a finite number/],
    [[1, 2], [], RangeError, /probs must not be empty/],
    [[1, 2], 0.5, TypeError, /probs must be an array/],
    [[], [0.5], RangeError, /values has 0 values/],
    [[1, NaN], [0.5], RangeError, /values\[1\] is NaN/],
    [[1, -Infinity], [0.5], RangeError, /values\[1\] is -Infinity/],
    [[1, {}], [0.5], TypeError, /values\[1\] is a object/],
  ])('rejects values %j, probs %j with an error naming the argument', async (xs, ps, type, message) => {
    const error = await quantiles(xs as never, ps as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });
});

describe('quantiles() and summary() memory', () => {
  it('linear memory stops growing over 10,000 calls of each', async () => {
    const { summary } = await import('../../src/analysis/index.js');
    const { kernelsNow } = await import('../../src/analysis/runtime.js');
    const xs = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 100);
    for (let i = 0; i < 100; i++) {
      await quantiles(xs, [0.5, 0.99]);
      await summary(xs);
    }
    const before = kernelsNow('test').memoryBytes;
    for (let i = 0; i < 10_000; i++) {
      await quantiles(xs, [0.5, 0.99]);
      await summary(xs);
    }
    expect(kernelsNow('test').memoryBytes).toBe(before);
  });
});
