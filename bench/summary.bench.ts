// summary() over 10^7 values vs a plain JavaScript loop, and the fraction of memory bandwidth the
// kernel reaches (reference: one SIMD read pass over the same data in linear memory).
import { Kernels, compileKernels, instantiateKernels } from '../src/kernels/index.js';
import { ready, summary } from '../src/analysis/index.js';
import { normals } from './lib/data.js';
import { medianMs, perSecond } from './lib/measure.js';
import type { Bench } from './lib/types.js';

const N = 10_000_000;

function jsSummary(x: Float64Array) {
  let sum = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / x.length;
  let ss = 0;
  for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
  return { sum, mean, min, max, variance: ss / (x.length - 1) };
}

async function kernelFigures(url: string, values: Float64Array) {
  const k = new Kernels(await instantiateKernels(await compileKernels(url)));
  const ptr = k.raw.alloc(N * 8);
  new Float64Array(k.raw.memory.buffer, ptr, N).set(values);
  const out = k.raw.alloc(64);
  const summaryMs = await medianMs(() => k.raw.summary(ptr, N, out), { minRuns: 5 });
  const readMs = await medianMs(() => k.raw.firstBad(ptr, N), { minRuns: 5 });
  return { summaryMs, readMs };
}

const bench: Bench = {
  title: 'summary over 10^7 values',
  envs: ['node', 'chromium'],
  async run(ctx) {
    const values = normals(N, 11);
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const api = await medianMs(() => summary(values), { minRuns: 3 });
    const js = await medianMs(() => jsSummary(values), { minRuns: 3 });
    const simd = await kernelFigures(ctx.wasmUrl, values);
    const scalar = await kernelFigures(ctx.noSimdWasmUrl, values);
    const gbs = (passes: number, ms: number) => (passes * N * 8) / (ms / 1000) / 1e9;
    // summary() reads the data three times: finiteness check, sum/min/max, deviations.
    const reached = gbs(3, simd.summaryMs);
    const bandwidth = gbs(1, simd.readMs);
    ctx.log(
      `kernel ${simd.summaryMs.toFixed(1)} ms = ${reached.toFixed(1)} GB/s of reads, ${((reached / bandwidth) * 100).toFixed(0)}% of the ${bandwidth.toFixed(1)} GB/s one-pass read; ` +
        `no SIMD ${scalar.summaryMs.toFixed(1)} ms; API incl. copies ${api.toFixed(1)} ms; JS loop ${js.toFixed(1)} ms`,
    );
    return [
      { name: 'summary 10^7 (API, incl. copy into wasm)', unit: 'values/s', ours: perSecond(N, api), peer: perSecond(N, js), peerName: 'JavaScript loop', higherIsBetter: true },
      { name: 'summary 10^7 (kernel, data in wasm)', unit: 'values/s', ours: perSecond(N, simd.summaryMs), peer: perSecond(N, js), peerName: 'JavaScript loop', higherIsBetter: true },
      { name: 'summary 10^7 kernel, SIMD vs no-SIMD build', unit: 'values/s', ours: perSecond(N, simd.summaryMs), peer: perSecond(N, scalar.summaryMs), peerName: 'ours without SIMD', higherIsBetter: true },
      { name: 'summary kernel read bandwidth (3 passes)', unit: 'GB/s', ours: reached, peer: bandwidth, peerName: 'one-pass SIMD read', higherIsBetter: true },
    ];
  },
};
export default bench;
