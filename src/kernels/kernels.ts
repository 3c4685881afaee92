import type { KernelExports } from './exports.js';

/** Bytes above which a scratch buffer is released after the call instead of kept for reuse. */
const KEEP_SCRATCH_BYTES = 16 << 20;
/**
 * Values per call for loops over big inputs. V8 runs a wasm function's first calls in its
 * baseline compiler and switches to optimised code only on a later call, so one call over 10⁷
 * values would run unoptimised start to finish; chunks pick up the optimised code.
 */
const CHUNK = 1 << 16;

/** Summary statistics; see assembly/summary.ts for the exact definitions. */
export interface Summary {
  count: number;
  mean: number;
  /** Sample variance (n − 1 in the denominator); NaN when count < 2. */
  variance: number;
  /** Square root of the sample variance. */
  std: number;
  min: number;
  max: number;
  sum: number;
}

export interface SketchStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  zeroCount: number;
  buckets: number;
}

/** The `context` detector's default context sizes (assembly/context.ts; chosen on NAB, bench/nab/). */
export const CONTEXT_MAX_ACTIVE = 3;
export const CONTEXT_MAX_LEFT = 3;

/** Result of pushing one value into a detector: flag 1 anomaly, 0 normal, -1 warming up. */
export interface PushResult {
  flag: -1 | 0 | 1;
  score: number;
  expected: number;
}

export interface AnomalyArrays {
  index: Int32Array;
  score: Float64Array;
  expected: Float64Array;
}

/** Thrown (inside the SDK) when a value handed to a kernel is NaN or ±Infinity. */
export class NonFiniteError extends RangeError {
  constructor(
    readonly argument: string,
    readonly index: number,
    readonly value: number,
  ) {
    super(`${argument}[${index}] is ${value}; ${argument} must contain finite numbers only`);
    this.name = 'RangeError';
  }
}

interface Scratch {
  ptr: number;
  bytes: number;
}

/**
 * Typed wrapper around one kernels.wasm instance. Owns every copy in and out of linear memory:
 * callers pass and receive ordinary typed arrays and numbers. One JS↔WASM crossing per
 * operation, never one per value (except the single-value `sketchAdd`/`detectorPush`).
 */
export class Kernels {
  readonly raw: KernelExports;
  private buffer: ArrayBuffer | null = null;
  private f64view = new Float64Array(0);
  private readonly scratch: Scratch[] = [
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
    { ptr: 0, bytes: 0 },
  ];
  private readonly out: number;

  constructor(instance: WebAssembly.Instance) {
    this.raw = instance.exports as unknown as KernelExports;
    this.out = this.raw.alloc(64);
  }

  /** Linear memory in bytes (grows, never shrinks). */
  get memoryBytes(): number {
    return this.raw.memory.buffer.byteLength;
  }

  /** A Float64Array over linear memory, re-created when memory has grown (growth detaches views). */
  /** @internal */
  f64(): Float64Array {
    const buffer = this.raw.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.f64view = new Float64Array(buffer);
    }
    return this.f64view;
  }

  /** @internal */
  reserve(which: number, bytes: number): number {
    const s = this.scratch[which]!;
    if (s.bytes < bytes) {
      this.raw.free(s.ptr);
      s.bytes = Math.max(bytes, 1024);
      s.ptr = this.raw.alloc(s.bytes);
    }
    return s.ptr;
  }

  /** @internal */
  release(): void {
    for (const s of this.scratch) {
      if (s.bytes > KEEP_SCRATCH_BYTES) {
        this.raw.free(s.ptr);
        s.ptr = 0;
        s.bytes = 0;
      }
    }
  }

  /** @internal */
  copyIn(which: number, values: ArrayLike<number>): number {
    const ptr = this.reserve(which, values.length * 8);
    this.f64().set(values, ptr >>> 3);
    return ptr;
  }

  /** @internal */
  read(ptr: number, n: number): Float64Array {
    return this.f64().slice(ptr >>> 3, (ptr >>> 3) + n);
  }

  private check(bad: number, values: ArrayLike<number>, argument: string): void {
    if (bad >= 0) throw new NonFiniteError(argument, bad, values[bad]!);
  }

  summary(values: ArrayLike<number>, argument = 'values'): Summary {
    const ptr = this.copyIn(0, values);
    const bad = this.raw.summary(ptr, values.length, this.out);
    this.release();
    this.check(bad, values, argument);
    const [count, sum, mean, variance, min, max] = this.read(this.out, 6) as unknown as number[];
    return { count: count!, sum: sum!, mean: mean!, variance: variance!, std: Math.sqrt(variance!), min: min!, max: max! };
  }

  /** Linear-interpolation quantiles; `probs` must be ascending and in [0, 1]. */
  quantilesSorted(values: ArrayLike<number>, probs: ArrayLike<number>, argument = 'values'): Float64Array {
    const ptr = this.copyIn(0, values);
    const pp = this.copyIn(1, probs);
    const out = this.reserve(2, probs.length * 8);
    const bad = this.raw.quantiles(ptr, values.length, pp, probs.length, out);
    const result = this.read(out, probs.length);
    this.release();
    this.check(bad, values, argument);
    return result;
  }

  sketchCreate(relativeAccuracy: number, maxBuckets: number): number {
    return this.raw.sketchCreate(relativeAccuracy, maxBuckets);
  }

  sketchFree(ptr: number): void {
    this.raw.sketchFree(ptr);
  }

  sketchAdd(ptr: number, x: number): void {
    this.raw.sketchAdd(ptr, x);
  }

  /** All or nothing: a non-finite value adds none. */
  sketchAddMany(ptr: number, values: ArrayLike<number>, argument = 'values'): void {
    const n = values.length;
    const data = this.copyIn(0, values);
    const bad = this.raw.firstBad(data, n);
    if (bad < 0) for (let i = 0; i < n; i += CHUNK) this.raw.sketchAddMany(ptr, data + i * 8, Math.min(CHUNK, n - i));
    this.release();
    this.check(bad, values, argument);
  }

  sketchStats(ptr: number): SketchStats {
    this.raw.sketchStats(ptr, this.out);
    const r = this.read(this.out, 6);
    return { count: r[0]!, sum: r[1]!, min: r[2]!, max: r[3]!, zeroCount: r[4]!, buckets: r[5]! };
  }

  sketchQuantiles(ptr: number, qs: ArrayLike<number>): Float64Array {
    const qp = this.copyIn(1, qs);
    const out = this.reserve(2, qs.length * 8);
    this.raw.sketchQuantiles(ptr, qp, qs.length, out);
    return this.read(out, qs.length);
  }

  sketchMerge(ptr: number, other: number): void {
    this.raw.sketchMerge(ptr, other);
  }

  sketchSerialize(ptr: number): Uint8Array {
    const size = this.raw.sketchSerializedSize(ptr);
    const out = this.reserve(2, size);
    this.raw.sketchSerialize(ptr, out);
    const bytes = new Uint8Array(this.raw.memory.buffer, out, size).slice();
    this.release();
    return bytes;
  }

  /** Relative accuracy recorded in serialized bytes, or NaN when they do not start like a sketch. */
  sketchPeekAccuracy(bytes: Uint8Array): number {
    const p = this.reserve(1, bytes.length);
    new Uint8Array(this.raw.memory.buffer, p, bytes.length).set(bytes);
    return this.raw.sketchPeekAccuracy(p, bytes.length);
  }

  /** A new sketch from serialized bytes, or 0 when they are not a valid encoding. */
  sketchDeserialize(bytes: Uint8Array): number {
    const p = this.reserve(1, bytes.length);
    new Uint8Array(this.raw.memory.buffer, p, bytes.length).set(bytes);
    const ptr = this.raw.sketchDeserialize(p, bytes.length);
    this.release();
    return ptr;
  }

  detectorCreate(method: number, window: number, threshold: number, minSamples: number): number {
    return this.raw.detectorCreate(method, window, threshold, minSamples);
  }

  /** A detector from its whole configuration: created, then (method 'context') configured. */
  detectorOpen(c: { method: number; window: number; threshold: number; minSamples: number; range?: [number, number]; maxActive?: number; maxLeft?: number }): number {
    const ptr = this.raw.detectorCreate(c.method, c.window, c.threshold, c.minSamples);
    if (c.range || c.maxActive !== undefined || c.maxLeft !== undefined) {
      this.raw.detectorConfigure(ptr, c.range?.[0] ?? NaN, c.range?.[1] ?? NaN, c.maxActive ?? CONTEXT_MAX_ACTIVE, c.maxLeft ?? CONTEXT_MAX_LEFT);
    }
    return ptr;
  }

  /** The `context` detector's range (NaN, NaN: learned) and context sizes, before its first point; false when refused. */
  detectorConfigure(ptr: number, lo: number, hi: number, maxActive: number, maxLeft: number): boolean {
    return this.raw.detectorConfigure(ptr, lo, hi, maxActive, maxLeft) === 1;
  }

  /** The detector's whole state (window included), to re-create it elsewhere. */
  detectorSave(ptr: number): Uint8Array {
    const size = this.raw.detectorStateSize(ptr);
    const out = this.reserve(2, size);
    this.raw.detectorSaveState(ptr, out);
    const bytes = new Uint8Array(this.raw.memory.buffer, out, size).slice();
    this.release();
    return bytes;
  }

  /** A detector re-created from detectorSave() bytes, or 0 when they are not valid. */
  detectorLoad(bytes: Uint8Array): number {
    const p = this.reserve(1, bytes.length);
    new Uint8Array(this.raw.memory.buffer, p, bytes.length).set(bytes);
    const ptr = this.raw.detectorLoadState(p, bytes.length);
    this.release();
    return ptr;
  }

  detectorFree(ptr: number): void {
    this.raw.detectorFree(ptr);
  }

  detectorReset(ptr: number): void {
    this.raw.detectorReset(ptr);
  }

  detectorPush(ptr: number, x: number): PushResult {
    const flag = this.raw.detectorPush(ptr, x, this.out) as -1 | 0 | 1;
    const f = this.f64();
    return { flag, score: f[this.out >>> 3]!, expected: f[(this.out >>> 3) + 1]! };
  }

  /** Pushes every value; returns the anomalies found. Values must be finite (checked). */
  detectorPushMany(ptr: number, values: ArrayLike<number>, argument = 'values'): AnomalyArrays {
    const n = values.length;
    const data = this.copyIn(0, values);
    const bad = this.raw.firstBad(data, n);
    if (bad >= 0) {
      this.release();
      this.check(bad, values, argument);
    }
    const cap = Math.max(16, Math.min(n, 4096));
    const index: number[] = [];
    const score: number[] = [];
    const expected: number[] = [];
    const oi = this.reserve(1, cap * 4);
    const os = this.reserve(2, cap * 8);
    const oe = this.reserve(3, cap * 8);
    let start = 0;
    while (start < n) {
      const end = Math.min(n, start + CHUNK);
      const found = this.raw.detectorPushMany(ptr, data, start, end, oi, os, oe, cap);
      const buffer = this.raw.memory.buffer;
      const idx = new Int32Array(buffer, oi, found);
      const f = this.f64();
      for (let i = 0; i < found; i++) {
        index.push(idx[i]!);
        score.push(f[(os >>> 3) + i]!);
        expected.push(f[(oe >>> 3) + i]!);
      }
      start = found < cap ? end : index[index.length - 1]! + 1;
    }
    this.release();
    return { index: Int32Array.from(index), score: Float64Array.from(score), expected: Float64Array.from(expected) };
  }

  /** Pushes every value; returns each point's score and centre (NaN while warming up). */
  detectorScoreMany(ptr: number, values: ArrayLike<number>, argument = 'values'): { score: Float64Array; expected: Float64Array } {
    const n = values.length;
    const data = this.copyIn(0, values);
    const bad = this.raw.firstBad(data, n);
    if (bad >= 0) {
      this.release();
      this.check(bad, values, argument);
    }
    const os = this.reserve(1, n * 8);
    const oe = this.reserve(2, n * 8);
    for (let i = 0; i < n; i += CHUNK) {
      this.raw.detectorScoreMany(ptr, data + i * 8, Math.min(CHUNK, n - i), os + i * 8, oe + i * 8);
    }
    const result = { score: this.read(os, n), expected: this.read(oe, n) };
    this.release();
    return result;
  }
}
