// Data quality of a metric series: completeness, validity, consistency and timeliness, in one pass
// (docs/analytics.md, "Data quality"). The client scores each exported metric series with the same
// accumulator (MetricOptions.quality), and the collector scores collected series with it.
import { QualityAccumulator, type QualityScore } from './quality-accumulator.js';
import { finiteNumber, options as objectArg, toFloat64 } from './validate.js';

export { QualityAccumulator, type QualityScore };

export interface QualityOptions {
  /** The interval points should arrive at, in ms. */
  expectedIntervalMs: number;
  /** [min, max]: finite values outside are invalid. Default: every finite value is valid. */
  range?: [number, number];
  /** Timeliness is measured at this time (ms since the epoch). Default Date.now(). */
  now?: number;
}

/** Checks QualityOptions, naming the argument (`options.range`, …). */
export function qualityOptions(value: unknown, argument = 'options'): { expectedIntervalMs: number; min: number; max: number } {
  const o = objectArg(value, argument);
  const expectedIntervalMs = finiteNumber(o.expectedIntervalMs, `${argument}.expectedIntervalMs`);
  if (!(expectedIntervalMs > 0)) throw new RangeError(`${argument}.expectedIntervalMs must be > 0, got ${expectedIntervalMs}`);
  let min = -Infinity, max = Infinity;
  if (o.range !== undefined) {
    if (!Array.isArray(o.range) || o.range.length !== 2) throw new TypeError(`${argument}.range must be [min, max]`);
    min = finiteNumber(o.range[0], `${argument}.range[0]`);
    max = finiteNumber(o.range[1], `${argument}.range[1]`);
    if (!(min <= max)) throw new RangeError(`${argument}.range must have min ≤ max, got [${min}, ${max}]`);
  }
  return { expectedIntervalMs, min, max };
}

/**
 * The quality of a series of (timestamp, value) points in arrival order, 0–100 with its components.
 * Values may be NaN or ±Infinity (they count as invalid); timestamps must be finite.
 * @throws TypeError/RangeError naming the argument: mismatched lengths, a non-finite timestamp,
 *   expectedIntervalMs ≤ 0, a range with min > max.
 */
export function quality(series: { timestamps: ArrayLike<number>; values: ArrayLike<number> }, options: QualityOptions): QualityScore {
  const o = qualityOptions(options);
  const s = objectArg(series, 'series');
  const t = toFloat64(s.timestamps, 'series.timestamps', 0);
  const v = toFloat64(s.values, 'series.values', 0);
  if (v.length !== t.length) throw new RangeError(`series.values has ${v.length} values but series.timestamps has ${t.length}`);
  for (let i = 0; i < t.length; i++) if (!Number.isFinite(t[i]!)) throw new RangeError(`series.timestamps[${i}] is ${t[i]}; timestamps must be finite ms`);
  const now = (options as QualityOptions).now === undefined ? Date.now() : finiteNumber((options as QualityOptions).now, 'options.now');
  const acc = new QualityAccumulator(o.expectedIntervalMs, o.min, o.max);
  for (let i = 0; i < t.length; i++) acc.add(t[i]!, v[i]!);
  return acc.score(now);
}
