import type { Kernels } from '../kernels/index.js';
import { kernelsNow } from './runtime.js';
import { finiteNumber, integer, options as objectArg, probabilities, probability, toFloat64 } from './validate.js';

export interface QuantileSketchOptions {
  /** Relative accuracy α in [1e-6, 0.5]: every quantile is within α·|x| of the true one. Default 0.01. */
  relativeAccuracy?: number;
  /**
   * Buckets per sign (positive and negative values are kept apart), at most 2²⁰. When the range of
   * values needs more, the lowest buckets are merged, so low quantiles lose accuracy first and
   * upper ones keep it. Default 2048 — about 17 orders of magnitude at α = 0.01 (the span is
   * ln(max/min) / ln((1+α)/(1−α)) buckets, plus 1%).
   */
  maxBuckets?: number;
}

/** What fromBytes() hands the constructor: a sketch already built in linear memory. */
class Adopted {
  constructor(readonly ptr: number) {}
}

interface Handle {
  kernels: Kernels;
  ptr: number;
}

// Frees linear memory of sketches their owner forgot to dispose().
const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Handle>((h) => {
        if (h.ptr !== 0) h.kernels.sketchFree(h.ptr);
      })
    : null;

/**
 * A mergeable quantile sketch with a relative-error guarantee: DDSketch (Masson, Rim & Lee,
 * PVLDB 2019), run in WebAssembly. Memory is bounded by `maxBuckets`.
 *
 * Guarantee: `quantile(q)` is within relative accuracy α of the lower quantile of the values
 * added — the element of rank ⌊q·(n − 1)⌋ (0-based) of the sorted values — provided the
 * buckets below it were not collapsed (see `maxBuckets`). Ranks 0 and n − 1 return the exact
 * min and max; other results are clamped to [min, max]. Values with |x| < 2⁻¹⁰²² count as 0.
 *
 * Synchronous: call `await ready()` once before constructing one.
 */
export class QuantileSketch {
  readonly relativeAccuracy: number;
  readonly maxBuckets: number;
  readonly #handle: Handle;

  constructor(options?: QuantileSketchOptions, adopted?: Adopted) {
    const o = objectArg(options, 'options');
    const acc = o.relativeAccuracy === undefined ? 0.01 : finiteNumber(o.relativeAccuracy, 'options.relativeAccuracy');
    if (acc < 1e-6 || acc > 0.5) {
      throw new RangeError(`options.relativeAccuracy must be in [1e-6, 0.5], got ${acc}`);
    }
    this.relativeAccuracy = acc;
    this.maxBuckets = o.maxBuckets === undefined ? 2048 : integer(o.maxBuckets, 'options.maxBuckets', 1, 1 << 20);
    const kernels = kernelsNow('new QuantileSketch()');
    this.#handle = { kernels, ptr: adopted instanceof Adopted ? adopted.ptr : kernels.sketchCreate(acc, this.maxBuckets) };
    registry?.register(this, this.#handle, this);
  }

  private live(): Handle {
    if (this.#handle.ptr === 0) throw new Error('avila-telemetry: this QuantileSketch was disposed');
    return this.#handle;
  }

  /** Adds one value. @throws TypeError/RangeError unless value is a finite number. */
  add(value: number): void {
    const h = this.live();
    h.kernels.sketchAdd(h.ptr, finiteNumber(value, 'value'));
  }

  /** Adds many values in one call into WebAssembly. All or nothing: a bad value adds none. */
  addMany(values: ArrayLike<number>): void {
    const h = this.live();
    h.kernels.sketchAddMany(h.ptr, values instanceof Float64Array ? values : toFloat64(values, 'values', 0), 'values');
  }

  /** The q-quantile (see the class comment for the guarantee); NaN when empty. */
  quantile(q: number): number {
    const h = this.live();
    return h.kernels.sketchQuantiles(h.ptr, [probability(q, 'q')])[0]!;
  }

  /** Several quantiles at once, in the order given. */
  quantiles(qs: number[]): number[] {
    const h = this.live();
    return Array.from(h.kernels.sketchQuantiles(h.ptr, probabilities(qs, 'qs')));
  }

  /** Adds every value of `other` into this sketch; `other` is unchanged. */
  merge(other: QuantileSketch): void {
    const h = this.live();
    if (!(other instanceof QuantileSketch)) throw new TypeError('other must be a QuantileSketch');
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new RangeError(
        `other has relativeAccuracy ${other.relativeAccuracy}; only sketches with this one's (${this.relativeAccuracy}) can be merged`,
      );
    }
    const o = other.live();
    if (o.kernels !== h.kernels) {
      // Sketches from different kernel instances (after ready() was called again): go through bytes.
      const copy = QuantileSketch.fromBytes(other.toBytes());
      try {
        h.kernels.sketchMerge(h.ptr, copy.live().ptr);
      } finally {
        copy.dispose();
      }
      return;
    }
    h.kernels.sketchMerge(h.ptr, o.ptr);
  }

  get count(): number {
    return this.stats().count;
  }
  /** Sum of the values added (plain floating-point sum). */
  get sum(): number {
    return this.stats().sum;
  }
  /** Exact minimum; NaN when empty. */
  get min(): number {
    const s = this.stats();
    return s.count === 0 ? NaN : s.min;
  }
  /** Exact maximum; NaN when empty. */
  get max(): number {
    const s = this.stats();
    return s.count === 0 ? NaN : s.max;
  }
  /** Non-empty buckets' span, both signs (memory is 8 bytes per bucket). */
  get bucketCount(): number {
    return this.stats().buckets;
  }

  private stats() {
    const h = this.live();
    return h.kernels.sketchStats(h.ptr);
  }

  /** Compact, versioned encoding (docs/sketch-format.md) for shipping and merging elsewhere. */
  toBytes(): Uint8Array {
    const h = this.live();
    return h.kernels.sketchSerialize(h.ptr);
  }

  /** Rebuilds a sketch from `toBytes()` output. @throws TypeError for anything else. */
  static fromBytes(bytes: Uint8Array): QuantileSketch {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('bytes must be a Uint8Array');
    const kernels = kernelsNow('QuantileSketch.fromBytes()');
    const ptr = Number.isNaN(kernels.sketchPeekAccuracy(bytes)) ? 0 : kernels.sketchDeserialize(bytes);
    if (ptr === 0) {
      throw new TypeError('bytes is not a valid QuantileSketch encoding (format version 1, docs/sketch-format.md)');
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return new QuantileSketch({ relativeAccuracy: view.getFloat64(8, true), maxBuckets: view.getUint32(16, true) }, new Adopted(ptr));
  }

  /** Frees the sketch's memory now. Further calls throw. */
  dispose(): void {
    const h = this.#handle;
    if (h.ptr === 0) return;
    registry?.unregister(this);
    h.kernels.sketchFree(h.ptr);
    h.ptr = 0;
  }
}
