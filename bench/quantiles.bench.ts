// Exact quantiles of 10^6 values: selection in WebAssembly vs a sort-based JS baseline and
// simple-statistics.
import * as ss from 'simple-statistics';
import { quantiles, ready } from '../src/analysis/index.js';
import { lognormal } from './lib/data.js';
import { medianMs } from './lib/measure.js';
import type { Bench } from './lib/types.js';

const N = 1_000_000;
const PROBS = [0.5, 0.95, 0.99];

/** numpy-style linear interpolation on a sorted copy. */
function sortBased(values: Float64Array, probs: number[]): number[] {
  const s = values.slice().sort();
  return probs.map((p) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return lo + 1 < s.length ? s[lo]! + (h - lo) * (s[lo + 1]! - s[lo]!) : s[lo]!;
  });
}

const bench: Bench = {
  title: 'exact quantiles (p50, p95, p99) of 10^6 values',
  envs: ['node', 'chromium'],
  async run(ctx) {
    const values = lognormal(N, 7);
    const array = Array.from(values);
    await ready({ wasm: ctx.noSimdWasmUrl, worker: false });
    const noSimdMs = await medianMs(() => quantiles(values, PROBS));
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const ours = await medianMs(() => quantiles(values, PROBS));
    const sorted = await medianMs(() => sortBased(values, PROBS));
    const simple = await medianMs(() => ss.quantile(array, PROBS));
    ctx.log(`ours ${ours.toFixed(1)} ms (no SIMD ${noSimdMs.toFixed(1)} ms), sort ${sorted.toFixed(1)} ms, simple-statistics ${simple.toFixed(1)} ms`);
    return [
      { name: 'exact quantiles 10^6', unit: 'ms', ours, peer: sorted, peerName: 'Float64Array sort + interpolation', higherIsBetter: false },
      { name: 'exact quantiles 10^6', unit: 'ms', ours, peer: simple, peerName: 'simple-statistics quantile', higherIsBetter: false },
      { name: 'exact quantiles 10^6, SIMD vs no-SIMD build', unit: 'ms', ours, peer: noSimdMs, peerName: 'ours without SIMD', higherIsBetter: false },
    ];
  },
};
export default bench;
