import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { QuantileSketch, ready } from '../../src/analysis/index.js';
import { kernelsNow } from '../../src/analysis/runtime.js';
import { WASM_URL } from '../helpers/analysis.js';
import { DISTRIBUTIONS, lowerQuantile, sample, sortedCopy } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
/** Floating-point slack on top of α: the mapping's bounds are computed in doubles. */
const SLACK = 1 + 1e-9;

function relativeError(estimate: number, exact: number): number {
  return exact === 0 ? Math.abs(estimate) : Math.abs(estimate - exact) / Math.abs(exact);
}

describe('QuantileSketch', () => {
  it('property: every quantile is within α of the exact lower quantile, for uniform, lognormal, Pareto, bimodal and mixed-sign data', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DISTRIBUTIONS),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer(),
        fc.constantFrom(0.001, 0.005, 0.01, 0.02, 0.05),
        fc.boolean(),
        (dist, n, seed, alpha, oneByOne) => {
          const xs = sample(dist, n, seed);
          // maxBuckets large enough that nothing collapses (collapsing is specified separately below).
          const sketch = new QuantileSketch({ relativeAccuracy: alpha, maxBuckets: 1 << 16 });
          if (oneByOne) for (const x of xs) sketch.add(x);
          else sketch.addMany(xs);
          const sorted = sortedCopy(xs);
          const got = sketch.quantiles(QS);
          QS.forEach((q, i) => {
            expect(relativeError(got[i]!, lowerQuantile(sorted, q))).toBeLessThanOrEqual(alpha * SLACK);
          });
          expect(sketch.count).toBe(n);
          expect(sketch.min).toBe(sorted[0]);
          expect(sketch.max).toBe(sorted[n - 1]);
          sketch.dispose();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: merging sketches of two halves answers exactly like one sketch of the whole', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DISTRIBUTIONS), fc.integer({ min: 2, max: 5000 }), fc.integer(), (dist, n, seed) => {
        const xs = sample(dist, n, seed);
        const cut = Math.floor(n / 3);
        const a = new QuantileSketch(), b = new QuantileSketch(), whole = new QuantileSketch();
        a.addMany(xs.subarray(0, cut));
        b.addMany(xs.subarray(cut));
        whole.addMany(xs);
        a.merge(b);
        expect(a.quantiles(QS)).toEqual(whole.quantiles(QS));
        expect([a.count, a.min, a.max]).toEqual([whole.count, whole.min, whole.max]);
        expect(a.sum).toBeCloseTo(whole.sum, 6);
        expect(b.count).toBe(n - cut);
        [a, b, whole].forEach((s) => s.dispose());
      }),
      { numRuns: 100 },
    );
  });

  it('property: toBytes → fromBytes gives a sketch with identical answers', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DISTRIBUTIONS), fc.integer({ min: 0, max: 5000 }), fc.integer(), (dist, n, seed) => {
        const s = new QuantileSketch({ relativeAccuracy: 0.02, maxBuckets: 512 });
        s.addMany(sample(dist, n, seed));
        const copy = QuantileSketch.fromBytes(s.toBytes());
        expect([copy.relativeAccuracy, copy.maxBuckets, copy.count, copy.sum]).toEqual([0.02, 512, s.count, s.sum]);
        if (n > 0) expect(copy.quantiles(QS)).toEqual(s.quantiles(QS));
        expect(copy.toBytes()).toEqual(s.toBytes());
        s.dispose();
        copy.dispose();
      }),
      { numRuns: 100 },
    );
  });

  it('serializes compactly: 10^5 lognormal values at α = 1% take under 1 KB', () => {
    const s = new QuantileSketch();
    s.addMany(sample('lognormal', 100_000, 1));
    expect(s.toBytes().length).toBeLessThan(1024);
    s.dispose();
  });

  it('decodes the f64-count form of docs/sketch-format.md exactly like the varint form', () => {
    const s = new QuantileSketch();
    s.addMany(sample('mixed-sign', 3000, 5));
    const varint = s.toBytes();
    expect(varint[5]).toBe(0); // integer counts are written as LEB128
    // Re-encode both stores with f64 counts, following the documented layout.
    const view = new DataView(varint.buffer, varint.byteOffset, varint.byteLength);
    const parts: number[][] = [Array.from(varint.subarray(0, 64))];
    parts[0]![5] = 1;
    let p = 64;
    for (let store = 0; store < 2; store++) {
      const n = view.getUint32(p + 4, true);
      const header = new DataView(new ArrayBuffer(8));
      header.setInt32(0, view.getInt32(p, true), true);
      header.setUint32(4, n, true);
      parts.push(Array.from(new Uint8Array(header.buffer)));
      p += 8;
      for (let i = 0; i < n; i++) {
        let v = 0, shift = 1;
        for (;;) {
          const b = varint[p++]!;
          v += (b & 0x7f) * shift;
          shift *= 128;
          if (!(b & 0x80)) break;
        }
        const f = new DataView(new ArrayBuffer(8));
        f.setFloat64(0, v, true);
        parts.push(Array.from(new Uint8Array(f.buffer)));
      }
    }
    expect(p).toBe(varint.length);
    const f64Form = QuantileSketch.fromBytes(Uint8Array.from(parts.flat()));
    expect(f64Form.quantiles(QS)).toEqual(s.quantiles(QS));
    expect(f64Form.count).toBe(3000);
    s.dispose();
    f64Form.dispose();
  });

  it('property: fromBytes rejects corrupted or random bytes with a TypeError, never a trap', () => {
    const s = new QuantileSketch();
    s.addMany(sample('mixed-sign', 1000, 3));
    const good = s.toBytes();
    s.dispose();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), fc.nat({ max: good.length }), (at, xor, cut) => {
        const bad = good.slice(0, Math.max(cut, 1));
        if (at < bad.length) bad[at]! ^= xor;
        try {
          const r = QuantileSketch.fromBytes(bad);
          // A corruption that still decodes must describe a consistent sketch.
          expect(Number.isFinite(r.count)).toBe(true);
          r.dispose();
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
          expect((e as Error).message).toMatch(/bytes is not a valid QuantileSketch encoding/);
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => QuantileSketch.fromBytes(bytes)).toThrow(TypeError);
      }),
    );
  });

  it('collapses the lowest buckets at maxBuckets, keeping upper quantiles within α', () => {
    const r = (i: number) => i;
    // Half the values spread over 300 orders of magnitude, half within one decade at the top.
    const low = Float64Array.from({ length: 5000 }, (_, i) => 10 ** (-150 + (300 * r(i)) / 5000));
    const high = Float64Array.from({ length: 5000 }, (_, i) => 1e200 * (1 + (9 * i) / 5000));
    const xs = new Float64Array([...low, ...high]);
    const s = new QuantileSketch({ relativeAccuracy: 0.01, maxBuckets: 200 });
    s.addMany(xs);
    expect(s.bucketCount).toBeLessThanOrEqual(200);
    const sorted = sortedCopy(xs);
    for (const q of [0.6, 0.75, 0.9, 0.99, 1]) {
      expect(relativeError(s.quantile(q), lowerQuantile(sorted, q))).toBeLessThanOrEqual(0.01 * SLACK);
    }
    s.dispose();
  });

  it('property: with few buckets, every positive quantile within maxBuckets buckets of the max keeps the α guarantee, whatever the insertion order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('uniform', 'lognormal', 'pareto'),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer(),
        fc.integer({ min: 2, max: 64 }),
        fc.integer({ min: 1, max: 700 }),
        (dist, n, seed, maxBuckets, chunk) => {
          const xs = sample(dist as 'uniform', n, seed).map((x) => x ** 3); // widen the range
          const alpha = 0.01;
          const s = new QuantileSketch({ relativeAccuracy: alpha, maxBuckets });
          for (let i = 0; i < n; i += chunk) {
            if (chunk % 2) s.addMany(xs.subarray(i, i + chunk));
            else for (const x of xs.subarray(i, i + chunk)) s.add(x);
          }
          const sorted = sortedCopy(xs);
          const max = sorted[n - 1]!;
          const gamma = (1 + alpha) / (1 - alpha);
          // Keys of the top maxBuckets buckets cover at least this far below the max (1% mapping overhead).
          const floor = max * gamma ** (-(maxBuckets - 2) / 1.02);
          expect(s.bucketCount).toBeLessThanOrEqual(maxBuckets);
          expect(s.count).toBe(n);
          for (const q of QS) {
            const exact = lowerQuantile(sorted, q);
            if (exact >= floor) expect(relativeError(s.quantile(q), exact)).toBeLessThanOrEqual(alpha * SLACK);
          }
          s.dispose();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('treats |x| < 2^-1022 as zero and keeps exact min and max', () => {
    const s = new QuantileSketch();
    s.addMany([5e-324, -5e-324, 0, 1]);
    expect(s.quantiles([0, 0.5, 1])).toEqual([-5e-324, 0, 1]);
    expect([s.min, s.max, s.count]).toEqual([-5e-324, 1, 4]);
    s.dispose();
  });

  it('reports NaN quantiles, min and max when empty', () => {
    const s = new QuantileSketch();
    expect(s.quantile(0.5)).toBeNaN();
    expect([s.count, s.min, s.max]).toEqual([0, NaN, NaN]);
    s.dispose();
  });

  it('linear memory stops growing over 10,000 calls of every method', () => {
    const memory = () => kernelsNow('test').memoryBytes;
    const xs = sample('lognormal', 1000, 9);
    const round = () => {
      const a = new QuantileSketch();
      a.addMany(xs);
      a.add(3.5);
      a.quantiles([0.5, 0.99]);
      const b = QuantileSketch.fromBytes(a.toBytes());
      a.merge(b);
      b.dispose();
      a.dispose();
    };
    for (let i = 0; i < 200; i++) round();
    const before = memory();
    for (let i = 0; i < 10_000; i++) round();
    expect(memory()).toBe(before);
  });

  it('throws on use after dispose()', () => {
    const s = new QuantileSketch();
    s.dispose();
    expect(() => s.add(1)).toThrow(/disposed/);
  });

  it.each([
    ['relativeAccuracy 0', () => new QuantileSketch({ relativeAccuracy: 0 }), RangeError, /options.relativeAccuracy must be in \[1e-6, 0.5\]/],
    ['relativeAccuracy "1%"', () => new QuantileSketch({ relativeAccuracy: '1%' as never }), TypeError, /options.relativeAccuracy must be a number/],
    ['maxBuckets 1.5', () => new QuantileSketch({ maxBuckets: 1.5 }), RangeError, /options.maxBuckets must be an integer/],
    ['add(NaN)', () => new QuantileSketch().add(NaN), RangeError, /value must be a finite number, got NaN/],
    ['addMany([1, Infinity])', () => new QuantileSketch().addMany([1, Infinity]), RangeError, /values\[1\] is Infinity/],
    ['quantile(2)', () => new QuantileSketch().quantile(2), RangeError, /q must be in \[0, 1\]/],
    ['merge of different accuracy', () => new QuantileSketch().merge(new QuantileSketch({ relativeAccuracy: 0.02 })), RangeError, /other has relativeAccuracy 0.02/],
    ['fromBytes("x")', () => QuantileSketch.fromBytes('x' as never), TypeError, /bytes must be a Uint8Array/],
  ])('rejects %s with an error naming the argument', (_label, call, type, message) => {
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('a bad value in addMany adds nothing (all or nothing)', () => {
    const s = new QuantileSketch();
    expect(() => s.addMany([1, 2, NaN])).toThrow(RangeError);
    expect(s.count).toBe(0);
    s.dispose();
  });
});
