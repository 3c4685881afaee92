// kernels-nosimd.wasm (for engines without WebAssembly SIMD) must give exactly the bits of
// kernels.wasm: every SIMD loop has a scalar twin that keeps the same lanes and the same order
// of additions. These properties run both modules side by side on the same inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernels } from '../../src/kernels/index.js';
import { Executor } from '../../src/runtime/execute.js';
import type { Task } from '../../src/runtime/protocol.js';
import { ROOT } from '../helpers/server.js';

const load = (file: string) => {
  const module = new WebAssembly.Module(readFileSync(join(ROOT, 'dist', file)));
  return new Executor(new Kernels(new WebAssembly.Instance(module, {})));
};
const simd = load('kernels.wasm');
const scalar = load('kernels-nosimd.wasm');

/** Deep equality where numbers compare by their bits (Object.is: NaN = NaN, +0 ≠ −0). */
function sameBits(a: unknown, b: unknown, path = 'result'): void {
  if (typeof a === 'number') {
    if (!Object.is(a, b)) throw new Error(`${path}: ${a} (SIMD) vs ${String(b)} (no SIMD)`);
    return;
  }
  if (ArrayBuffer.isView(a)) {
    const x = Array.from(a as unknown as ArrayLike<number>), y = Array.from(b as ArrayLike<number>);
    expect(y.length, `${path}.length`).toBe(x.length);
    x.forEach((v, i) => sameBits(v, y[i], `${path}[${i}]`));
    return;
  }
  if (a && typeof a === 'object') {
    for (const k of Object.keys(a)) sameBits((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  expect(b, path).toEqual(a);
}

const run = (task: Task) => {
  // Each executor gets its own copy: kernels never keep the caller's arrays, but be explicit.
  const copy = (t: Task) => structuredClone(t);
  sameBits(simd.run(copy(task)), scalar.run(copy(task)));
};

/** Values with signed zeros, wide magnitudes and ties, in lengths that exercise every tail. */
const values = fc.array(
  fc.oneof(
    fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    fc.constantFrom(0, -0, 1, -1, 1e-300, -1e-300, 1e300, 2.5),
    fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
  ),
  { minLength: 0, maxLength: 300 },
);

describe('kernels-nosimd.wasm gives the bits of kernels.wasm', () => {
  it('the SIMD build really uses SIMD and the other does not (else this file proves nothing)', () => {
    const text = (f: string) => WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(join(ROOT, 'dist', f)))).length;
    expect(text('kernels.wasm')).toBe(text('kernels-nosimd.wasm'));
    const probe = (f: string) => readFileSync(join(ROOT, 'dist', f)).includes(Buffer.from([0x7b])); // v128 value type
    expect(probe('kernels.wasm')).toBe(true);
    // The scalar build must validate where SIMD is missing: compile it with SIMD validation off.
    expect(WebAssembly.validate(readFileSync(join(ROOT, 'dist/kernels-nosimd.wasm')))).toBe(true);
  });

  it('property: summary and quantiles', () => {
    fc.assert(
      fc.property(values, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), (xs, probs) => {
        run({ op: 'summary', values: Float64Array.from(xs) });
        if (xs.length > 0) run({ op: 'quantiles', values: Float64Array.from(xs), probs: Float64Array.from(probs) });
      }),
      { numRuns: 400 },
    );
  });

  it('property: a sketch fed in batches has the same bytes and quantiles', () => {
    fc.assert(
      fc.property(fc.array(values, { minLength: 1, maxLength: 4 }), fc.constantFrom(0.01, 0.02, 0.05), fc.constantFrom(32, 2048), (batches, alpha, maxBuckets) => {
        const state = (e: Executor) => {
          const k = e.kernels;
          const p = k.sketchCreate(alpha, maxBuckets);
          for (const b of batches) k.sketchAddMany(p, Float64Array.from(b));
          const out = { bytes: k.sketchSerialize(p), q: k.sketchQuantiles(p, [0, 0.1, 0.5, 0.99, 1]), stats: k.sketchStats(p) };
          k.sketchFree(p);
          return out;
        };
        sameBits(state(simd), state(scalar));
      }),
      { numRuns: 300 },
    );
  });

  it('property: every detector scores the same', () => {
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 8 }), fc.integer({ min: 4, max: 64 }), (xs, method, window) => {
        run({ op: 'detect', values: Float64Array.from(xs), method, window, threshold: method >= 4 ? 0.3 : 2, minSamples: 4 }); // methods 4… score in [0, 1]
      }),
      { numRuns: 300 },
    );
  });

  it('property: k-means (both algorithms, any dimension) ends with the same centroids, labels and inertia', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 8, max: 120 }), fc.integer({ min: 1, max: 6 }), fc.nat(1e6), fc.constantFrom('hamerly', 'lloyd'), (dims, n, k, seed, algorithm) => {
        let s = seed + 1;
        const r = () => ((s = (s * 16807) % 2147483647) / 2147483647);
        const data = Float64Array.from({ length: n * dims }, () => 10 * r() - 5 + (r() < 0.5 ? 20 : 0));
        run({ op: 'kmeans', data, dims, k: Math.min(k, n), init: 'k-means++', nInit: 2, maxIter: 50, tol: 1e-4, seed, algorithm: algorithm as 'hamerly' | 'lloyd' });
      }),
      { numRuns: 150 },
    );
  });

  it('property: ARIMA fits and forecasts are the same', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 30, maxLength: 120 }), fc.constantFrom<[number, number, number]>([1, 0, 0], [1, 1, 1], [0, 1, 1], [2, 0, 1]), (ys, order) => {
        const values = Float64Array.from(ys.map((y, i) => y / 10 + Math.sin(i / 3)));
        const spec = { order, seasonal: [0, 0, 0] as [number, number, number], period: 1, constant: order[1] === 0, method: 'css-ml' as const, maxIter: 100 };
        const a = simd.run({ op: 'arima.fit', values, spec });
        const b = scalar.run({ op: 'arima.fit', values: values.slice(), spec });
        sameBits(a, b);
        run({ op: 'arima.forecast', values, spec, coef: a.coef, h: 6 });
      }),
      { numRuns: 60 },
    );
  });
});
