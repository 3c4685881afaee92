// Quantile sketch: insert throughput, accuracy at p99/p99.9, serialized size — against
// @datadog/sketches-js (DDSketch in JS), tdigest and hdr-histogram-js (JS and WebAssembly).
import { DDSketch } from '@datadog/sketches-js';
import * as hdr from 'hdr-histogram-js';
// @ts-expect-error — no types shipped
import { TDigest } from 'tdigest';
import { QuantileSketch, ready } from '../src/analysis/index.js';
import { lognormal, lowerQuantile } from './lib/data.js';
import { medianMs, perSecond } from './lib/measure.js';
import type { Bench, Comparison } from './lib/types.js';

const N = 10_000_000;
const CHUNK = 65_536;

interface Peer {
  name: string;
  /** Inserts the first n values into a fresh sketch. */
  insert(values: Float64Array, n: number): unknown;
  quantile(q: number): number;
  bytes(): number;
}

function peers(): Peer[] {
  let dd = new DDSketch({ relativeAccuracy: 0.01 });
  let td = new TDigest();
  // HDR records integers: latencies in ms are recorded as microseconds, 2 significant digits (1%).
  const hdrOptions = { lowestDiscernibleValue: 1, highestTrackableValue: 1e12, numberOfSignificantValueDigits: 2 as const };
  const hdrPeer = (wasm: boolean): Peer => {
    let h = hdr.build({ ...hdrOptions, useWebAssembly: wasm });
    return {
      name: wasm ? 'hdr-histogram-js (wasm)' : 'hdr-histogram-js',
      insert(values, n) {
        h.destroy();
        h = hdr.build({ ...hdrOptions, useWebAssembly: wasm });
        for (let i = 0; i < n; i++) h.recordValue(Math.round(values[i]! * 1000));
      },
      quantile: (q) => h.getValueAtPercentile(q * 100) / 1000,
      bytes: () => Math.floor((hdr.encodeIntoCompressedBase64(h).length * 3) / 4),
    };
  };
  return [
    {
      name: '@datadog/sketches-js',
      insert(values, n) {
        dd = new DDSketch({ relativeAccuracy: 0.01 });
        for (let i = 0; i < n; i++) dd.accept(values[i]!);
      },
      quantile: (q) => dd.getValueAtQuantile(q),
      bytes: () => dd.toProto().length,
    },
    {
      name: 'tdigest',
      insert(values, n) {
        td = new TDigest();
        for (let i = 0; i < n; i++) td.push(values[i]!);
        td.compress();
      },
      quantile: (q) => td.percentile(q),
      bytes: () => NaN,
    },
    hdrPeer(false),
    hdrPeer(true),
  ];
}

const bench: Bench = {
  title: 'QuantileSketch (DDSketch) vs peers, 10^7 lognormal values',
  envs: ['node', 'chromium'],
  async run(ctx) {
    await hdr.initWebAssembly();
    const values = lognormal(N, 42);
    const sorted = values.slice().sort();
    const exact = { p99: lowerQuantile(sorted, 0.99), p999: lowerQuantile(sorted, 0.999) };
    const rel = (x: number, e: number) => Math.abs(x - e) / Math.abs(e);
    const rows: Comparison[] = [];

    const ourFigures = async (wasmUrl: string) => {
      await ready({ wasm: wasmUrl, worker: false });
      let sketch = new QuantileSketch({ relativeAccuracy: 0.01 });
      const addManyMs = await medianMs(() => {
        sketch.dispose();
        sketch = new QuantileSketch({ relativeAccuracy: 0.01 });
        for (let i = 0; i < N; i += CHUNK) sketch.addMany(values.subarray(i, Math.min(N, i + CHUNK)));
      }, { minRuns: 3, minMs: 0 });
      const addMs = await medianMs(() => {
        sketch.dispose();
        sketch = new QuantileSketch({ relativeAccuracy: 0.01 });
        for (let i = 0; i < N; i++) sketch.add(values[i]!);
      }, { minRuns: 3, minMs: 0 });
      const out = {
        addMany: perSecond(N, addManyMs),
        add: perSecond(N, addMs),
        p99: rel(sketch.quantile(0.99), exact.p99),
        p999: rel(sketch.quantile(0.999), exact.p999),
        bytes: sketch.toBytes().length,
      };
      sketch.dispose();
      return out;
    };

    const noSimd = await ourFigures(ctx.noSimdWasmUrl);
    const ours = await ourFigures(ctx.wasmUrl);
    ctx.log(`ours: addMany ${(ours.addMany / 1e6).toFixed(0)} M/s (no SIMD build ${(noSimd.addMany / 1e6).toFixed(0)} M/s), add ${(ours.add / 1e6).toFixed(0)} M/s`);
    rows.push({ name: 'sketch addMany, SIMD vs no-SIMD build', unit: 'values/s', ours: ours.addMany, peer: noSimd.addMany, peerName: 'ours without SIMD', higherIsBetter: true });

    for (const p of peers()) {
      // The same warm-up and repetitions as ours: one warm-up run, then the median of three.
      const ms = await medianMs(() => p.insert(values, N), { minRuns: 3, minMs: 0 });
      const rate = perSecond(N, ms);
      const p99 = rel(p.quantile(0.99), exact.p99);
      const p999 = rel(p.quantile(0.999), exact.p999);
      ctx.log(`${p.name}: insert ${(rate / 1e6).toFixed(1)} M/s, p99 error ${(p99 * 100).toFixed(3)}%`);
      rows.push({ name: 'sketch insert via addMany', unit: 'values/s', ours: ours.addMany, peer: rate, peerName: p.name, higherIsBetter: true });
      rows.push({ name: 'sketch insert via add', unit: 'values/s', ours: ours.add, peer: rate, peerName: p.name, higherIsBetter: true });
      rows.push({ name: 'sketch p99 relative error', unit: 'fraction', ours: ours.p99, peer: p99, peerName: p.name, higherIsBetter: false });
      rows.push({ name: 'sketch p99.9 relative error', unit: 'fraction', ours: ours.p999, peer: p999, peerName: p.name, higherIsBetter: false });
      const bytes = p.bytes();
      if (Number.isFinite(bytes)) rows.push({ name: 'sketch serialized size', unit: 'bytes', ours: ours.bytes, peer: bytes, peerName: p.name, higherIsBetter: false });
    }
    return rows;
  },
};
export default bench;
