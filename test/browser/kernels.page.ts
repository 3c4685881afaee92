// Runs in every engine (Chromium here, Firefox and WebKit in test/engines/): the same property checks as the Node suites, against the kernels as a page
// uses them — bulk calls through the Web Worker pool, sketches and detectors on the page.
import fc from 'fast-check';
import { createDetector, detectAnomalies, quantiles, QuantileSketch, ready, summary } from '../../src/analysis.js';
import { hasWasmSimd } from '../../src/kernels/location.js';
import { detectorReference } from '../helpers/detect-reference.js';
import { ContextReference } from '../helpers/context-reference.js';
import { DISTRIBUTIONS, exactVariance, fsum, lowerQuantile, normal, quantileType7, rng, sample, sortedCopy } from '../helpers/reference.js';

function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

export async function run(base: string): Promise<Record<string, number>> {
  // This bundle lives in build/test/: name dist/'s files, choosing the kernels as the SDK does.
  await ready({ wasm: `${base}/dist/${hasWasmSimd() ? 'kernels.wasm' : 'kernels-nosimd.wasm'}`, worker: `${base}/dist/avila-telemetry.worker.js` });
  const runs: Record<string, number> = {};
  const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);

  await fc.assert(
    fc.asyncProperty(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 3000 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }), async (xs, ps) => {
      const sorted = sortedCopy(xs);
      const got = await quantiles(xs, ps);
      ps.forEach((p, i) => check(got[i] === quantileType7(sorted, p), `quantile ${p}: ${got[i]} ≠ ${quantileType7(sorted, p)}`));
      count('quantiles');
    }),
    { numRuns: 100 },
  );

  await fc.assert(
    fc.asyncProperty(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 2, maxLength: 3000 }), async (xs) => {
      const s = await summary(xs);
      const exact = fsum(xs);
      check(Math.abs(s.sum - exact) <= Math.abs(exact) * 2.3e-16 + 1e-300, `sum ${s.sum} ≠ ${exact}`);
      const v = exactVariance(xs);
      check(Math.abs(s.variance - v) <= v * 1e-12 + 1e-300, `variance ${s.variance} ≠ ${v}`);
      count('summary');
    }),
    { numRuns: 100 },
  );

  fc.assert(
    fc.property(fc.constantFrom(...DISTRIBUTIONS), fc.integer({ min: 1, max: 20000 }), fc.integer(), fc.constantFrom(0.005, 0.01, 0.05), (dist, n, seed, alpha) => {
      const xs = sample(dist, n, seed);
      const s = new QuantileSketch({ relativeAccuracy: alpha, maxBuckets: 1 << 16 });
      s.addMany(xs);
      const sorted = sortedCopy(xs);
      for (const q of [0, 0.1, 0.5, 0.9, 0.99, 0.999, 1]) {
        const e = lowerQuantile(sorted, q), g = s.quantile(q);
        const err = e === 0 ? Math.abs(g) : Math.abs(g - e) / Math.abs(e);
        check(err <= alpha * (1 + 1e-9), `${dist} q=${q}: ${g} vs ${e}`);
      }
      const copy = QuantileSketch.fromBytes(s.toBytes());
      check(copy.quantile(0.99) === s.quantile(0.99), 'round trip changed p99');
      s.dispose();
      copy.dispose();
      count('sketch');
    }),
    { numRuns: 100 },
  );

  await fc.assert(
    fc.asyncProperty(fc.constantFrom('zscore', 'robust', 'iqr', 'ewma' as const), fc.integer(), fc.integer({ min: 2, max: 30 }), async (method, seed, window) => {
      const xs = Array.from(sample('bimodal', 300, seed), (x) => Math.round(x));
      const ref = detectorReference(method, xs, window);
      const batch = await detectAnomalies(xs, { method, window, threshold: 2 });
      const flagged = new Set(batch.map((a) => a.index));
      ref.forEach((r, i) => {
        if (!r || (Number.isFinite(r.score) && Math.abs(Math.abs(r.score) - 2) < 1e-6)) return;
        check(flagged.has(i) === Math.abs(r.score) > 2, `${method} index ${i}: score ${r.score}`);
      });
      const d = createDetector({ method, window, threshold: 2 });
      const streamed = xs.map((x) => d.push(x)).filter((a) => a !== null);
      d.dispose();
      check(JSON.stringify(streamed) === JSON.stringify(batch), `${method}: streaming ≠ batch`);
      count('detectors');
    }),
    { numRuns: 100 },
  );

  // 'context' (watch()'s default): every flag of the plain reference, with the range learned or given.
  let flaggedRuns = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer(), fc.integer({ min: 2, max: 24 }), fc.boolean(), async (seed, period, given) => {
      const r = rng(seed);
      const xs = Array.from({ length: 600 }, (_, i) => Math.round((10 + 5 * Math.sin((2 * Math.PI * i) / period) + normal(r) + (i > 420 ? 4 : 0) + (r() < 0.02 ? 12 * normal(r) : 0)) * 10) / 10);
      const options = { method: 'context' as const, threshold: 0.5, window: 20, minSamples: 100, ...(given ? { range: [-20, 40] as [number, number] } : {}) };
      const ref = new ContextReference({ rest: 20, threshold: 0.5, minSamples: 100, ...(given ? { range: [-20, 40] as [number, number] } : {}) });
      const expected = xs.flatMap((x, i) => (ref.push(x).flag === 1 ? [i] : []));
      if (expected.length > 0) flaggedRuns++;
      const batch = await detectAnomalies(xs, options);
      check(JSON.stringify(batch.map((a) => a.index)) === JSON.stringify(expected), `context: flags ${batch.map((a) => a.index)} ≠ reference ${expected}`);
      const d = createDetector(options);
      const streamed = xs.map((x) => d.push(x)).filter((a) => a !== null);
      d.dispose();
      check(JSON.stringify(streamed) === JSON.stringify(batch), 'context: streaming ≠ batch');
      count('context');
    }),
    { numRuns: 50 },
  );
  check(flaggedRuns >= 25, `context: only ${flaggedRuns} of 50 runs flagged anything (the comparison would prove little)`);
  return runs;
}
