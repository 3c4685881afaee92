// Rolling z-score over 10^7 values, window 1,000: the WebAssembly detector vs the same sliding
// Welford algorithm written as a straightforward JavaScript loop.
import { detectAnomalies, ready } from '../src/analysis/index.js';
import { normals } from './lib/data.js';
import { medianPairMs, perSecond } from './lib/measure.js';
import type { Bench } from './lib/types.js';

const N = 10_000_000;
const W = 1000;

function jsRollingZ(x: Float64Array, w: number, threshold: number): number[] {
  const found: number[] = [];
  let mean = 0, m2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (i >= w) {
      const sd = Math.sqrt(m2 / (w - 1));
      if (Math.abs((v - mean) / sd) > threshold) found.push(i);
      const old = x[i - w]!;
      const prev = mean;
      mean += (v - old) / w;
      m2 += (v - old) * (v - mean + old - prev);
    } else {
      const d = v - mean;
      mean += d / (i + 1);
      m2 += d * (v - mean);
    }
  }
  return found;
}

const bench: Bench = {
  title: 'rolling z-score, 10^7 values, window 1,000',
  envs: ['node', 'chromium'],
  async run(ctx) {
    const values = normals(N, 3);
    await ready({ wasm: ctx.wasmUrl, worker: false });
    let oursCount = 0, jsCount = 0;
    // The same warm-up and repetitions for both, in alternating blocks (V8 tiers both up: the
    // WebAssembly from its baseline compiler, the JS loop from the interpreter), one run per block.
    const { ours, peer: js } = await medianPairMs(
      async () => (oursCount = (await detectAnomalies(values, { method: 'zscore', window: W })).length),
      () => (jsCount = jsRollingZ(values, W, 3).length),
      { blocks: 7, blockMs: 0, warmupMs: 500 },
    );
    ctx.log(`ours ${ours.toFixed(0)} ms (${oursCount} anomalies), JS loop ${js.toFixed(0)} ms (${jsCount})`);
    return [{ name: 'rolling z-score 10^7, w=1000', unit: 'values/s', ours: perSecond(N, ours), peer: perSecond(N, js), peerName: 'JavaScript loop', higherIsBetter: true }];
  },
};
export default bench;
