// The worker runtime in Chromium: round-trip latency of a tiny call, throughput for 8 MB inputs,
// and a burst of 1,000 tasks — against a bare postMessage echo worker and the inline path.
import { quantiles, ready, runtimeMetrics, summary } from '../src/analysis.js';
import { medianMs } from './lib/measure.js';
import type { Bench, Comparison } from './lib/types.js';

function echoWorker(): Worker {
  const src = 'onmessage = (e) => postMessage(e.data, e.data && e.data.buffer ? [e.data.buffer] : []);';
  return new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
}

function roundTrip(w: Worker, data: unknown, transfer: Transferable[] = []): Promise<unknown> {
  return new Promise((resolve) => {
    w.onmessage = (e) => resolve(e.data);
    w.postMessage(data, transfer);
  });
}

const percentile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

const bench: Bench = {
  title: 'worker runtime: latency, 8 MB inputs, burst of 1,000 tasks',
  envs: ['chromium'],
  async run(ctx) {
    const rows: Comparison[] = [];
    const workerUrl = ctx.wasmUrl.replace('kernels.wasm', 'avila-telemetry.worker.js');
    await ready({ wasm: ctx.wasmUrl, worker: workerUrl });
    await summary([1, 2, 3]);

    // Round trip of a tiny call.
    const echo = echoWorker();
    await roundTrip(echo, 1);
    const ours: number[] = [], bare: number[] = [];
    for (let i = 0; i < 2000; i++) {
      let t = performance.now();
      await summary([1, 2, 3]);
      ours.push(performance.now() - t);
      t = performance.now();
      await roundTrip(echo, { op: 'summary', values: new Float64Array([1, 2, 3]) });
      bare.push(performance.now() - t);
    }
    const us = (ms: number) => ms * 1000;
    ctx.log(`tiny call round trip: ours p50 ${us(percentile(ours, 0.5)).toFixed(0)} µs p99 ${us(percentile(ours, 0.99)).toFixed(0)} µs; bare postMessage p50 ${us(percentile(bare, 0.5)).toFixed(0)} µs p99 ${us(percentile(bare, 0.99)).toFixed(0)} µs`);
    rows.push({ name: 'tiny call round trip p50', unit: 'µs', ours: us(percentile(ours, 0.5)), peer: us(percentile(bare, 0.5)), peerName: 'bare postMessage echo worker', higherIsBetter: false });
    rows.push({ name: 'tiny call round trip p99', unit: 'µs', ours: us(percentile(ours, 0.99)), peer: us(percentile(bare, 0.99)), peerName: 'bare postMessage echo worker', higherIsBetter: false });

    // 8 MB inputs: summary() through the pool (copy + transfer + kernel) vs a structured-clone round trip.
    const big = Float64Array.from({ length: 1 << 20 }, (_, i) => i % 1000);
    const mb = big.byteLength / 1e6;
    const oursMs = await medianMs(() => summary(big), { minRuns: 10 });
    const cloneMs = await medianMs(() => roundTrip(echo, big), { minRuns: 10 });
    const transferMs = await medianMs(() => {
      const copy = big.slice();
      return roundTrip(echo, copy, [copy.buffer]);
    }, { minRuns: 10 });
    ctx.log(`8 MB: summary() via pool ${oursMs.toFixed(1)} ms; echo with copy+transfer ${transferMs.toFixed(1)} ms; echo with structured clone ${cloneMs.toFixed(1)} ms`);
    rows.push({ name: '8 MB input, summary() through the pool', unit: 'MB/s', ours: mb / (oursMs / 1000), peer: mb / (cloneMs / 1000), peerName: 'structured-clone echo round trip', higherIsBetter: true });
    rows.push({ name: '8 MB transfer (slice + transfer) vs structured clone', unit: 'MB/s', ours: mb / (transferMs / 1000), peer: mb / (cloneMs / 1000), peerName: 'structured-clone echo round trip', higherIsBetter: true });
    echo.terminate();

    // Burst: 1,000 quantile tasks of 20,000 values at once.
    const data = Float64Array.from({ length: 20_000 }, (_, i) => (i * 7919) % 10007);
    const burst = async () => {
      const t = performance.now();
      await Promise.all(Array.from({ length: 1000 }, () => quantiles(data, [0.5, 0.99])));
      return performance.now() - t;
    };
    await ready({ wasm: ctx.wasmUrl, worker: workerUrl, maxQueue: 2000, scaleCooldownMs: 50 });
    const poolMs = await burst();
    const m = await runtimeMetrics();
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const inlineMs = await burst();
    ctx.log(`burst of 1,000: pool ${poolMs.toFixed(0)} ms with ${m.workers.spawned} workers (max ${m.workers.max}, queue max ${m.queue.max}); inline ${inlineMs.toFixed(0)} ms`);
    rows.push({ name: 'burst of 1,000 tasks, time to drain', unit: 'ms', ours: poolMs, peer: inlineMs, peerName: 'same tasks on the main thread', higherIsBetter: false });
    rows.push({ name: 'burst of 1,000 tasks, workers used', unit: 'workers', ours: m.workers.spawned, peer: 1, peerName: 'main thread', higherIsBetter: true });
    return rows;
  },
};
export default bench;
