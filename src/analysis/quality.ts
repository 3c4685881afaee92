// Data quality of a metric series: completeness, validity, consistency and timeliness, in one pass
// (docs/analytics.md, "Data quality"). The client scores each exported metric series with the same
// accumulator (MetricOptions.quality), and the collector scores collected series with it.
import { finiteNumber, options as objectArg, toFloat64 } from './validate.js';

export interface QualityOptions {
  /** The interval points should arrive at, in ms. */
  expectedIntervalMs: number;
  /** [min, max]: finite values outside are invalid. Default: every finite value is valid. */
  range?: [number, number];
  /** Timeliness is measured at this time (ms since the epoch). Default Date.now(). */
  now?: number;
}

export interface QualityScore {
  /** 0–100: the mean of the four components, × 100. */
  score: number;
  /** In-order points / (those + points missing from the expected grid between them). */
  completeness: number;
  /** Share of points with a finite value inside `range`. */
  validity: number;
  /** 1 − (duplicates + out-of-order points + unit-like jumps) / (points − 1), at least 0. */
  consistency: number;
  /** 1 while the last point is at most one interval old, then interval / lag. */
  timeliness: number;
  points: number;
  /** Grid points missing between consecutive in-order points: round(gap / interval) − 1 per gap. */
  missing: number;
  /** Values that are NaN or ±Infinity. */
  nonFinite: number;
  outOfRange: number;
  /** Points at the same time as the latest point before them. */
  duplicates: number;
  /** Points earlier than the latest point before them. */
  outOfOrder: number;
  /** Consecutive valid values whose ratio is within 2% of a unit factor (100, 1000, 1024, 10⁶, 1024², 10⁹), either way. */
  jumps: number;
  /** now − the latest point's time (null without points). */
  lagMs: number | null;
}

/** Ratios that look like a change of unit (%, k/M/G, Ki/Mi), not a change in what is measured. */
const UNIT_FACTORS = [100, 1000, 1024, 1e6, 1048576, 1e9];

function unitJump(previous: number, v: number): boolean {
  if (previous === 0 || v === 0) return false;
  const ratio = Math.abs(v / previous);
  const up = ratio >= 1 ? ratio : 1 / ratio;
  if (up < 98) return false;
  for (const f of UNIT_FACTORS) if (Math.abs(up - f) <= 0.02 * f) return true;
  return false;
}

/**
 * The streaming form: add points as they come (about 3 ns a point), read a score at any time.
 * `interval()` starts a new export interval: counts restart, the last point is remembered so gaps
 * and jumps across the boundary still count.
 */
export class QualityAccumulator {
  private readonly perMs: number;
  private points = 0;
  private inOrder = 0;
  private missing = 0;
  private nonFinite = 0;
  private outOfRange = 0;
  private duplicates = 0;
  private outOfOrder = 0;
  private jumps = 0;
  private latest = -Infinity;
  private lastValid = NaN;

  constructor(
    readonly expectedIntervalMs: number,
    private readonly min = -Infinity,
    private readonly max = Infinity,
  ) {
    this.perMs = 1 / expectedIntervalMs;
  }

  add(t: number, v: number): void {
    this.points++;
    if (t > this.latest) {
      if (this.latest !== -Infinity) {
        const steps = Math.round((t - this.latest) * this.perMs);
        if (steps > 1) this.missing += steps - 1;
      }
      this.latest = t;
      this.inOrder++;
    } else if (t === this.latest) this.duplicates++;
    else this.outOfOrder++;
    if (v - v !== 0) {
      this.nonFinite++;
      return;
    }
    if (v < this.min || v > this.max) {
      this.outOfRange++;
      return;
    }
    const previous = this.lastValid;
    this.lastValid = v;
    if (previous === previous && v !== previous && unitJump(previous, v)) this.jumps++;
  }

  score(now: number): QualityScore {
    const n = this.points;
    const completeness = this.inOrder === 0 ? 0 : this.inOrder / (this.inOrder + this.missing);
    const validity = n === 0 ? 0 : (n - this.nonFinite - this.outOfRange) / n;
    const consistency = n === 0 ? 0 : n === 1 ? 1 : Math.max(0, 1 - (this.duplicates + this.outOfOrder + this.jumps) / (n - 1));
    const lagMs = this.latest === -Infinity ? null : now - this.latest;
    const timeliness = lagMs === null ? 0 : lagMs <= this.expectedIntervalMs ? 1 : this.expectedIntervalMs / lagMs;
    return {
      score: (100 * (completeness + validity + consistency + timeliness)) / 4,
      completeness, validity, consistency, timeliness,
      points: n, missing: this.missing, nonFinite: this.nonFinite, outOfRange: this.outOfRange,
      duplicates: this.duplicates, outOfOrder: this.outOfOrder, jumps: this.jumps, lagMs,
    };
  }

  /** A new interval: counts restart; the latest time and value carry over. */
  interval(): void {
    this.points = this.inOrder = this.missing = this.nonFinite = this.outOfRange = this.duplicates = this.outOfOrder = this.jumps = 0;
  }
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
