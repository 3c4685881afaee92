// The data-quality accumulator (docs/analytics.md, "Data quality"): one pass, O(1) a point. Apart
// from quality.ts so the client's metrics take it without the analysis API's validation.

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

// Counts, by index (an array keeps the client's bundle small: no property names to ship).
const POINTS = 0, IN_ORDER = 1, MISSING = 2, NON_FINITE = 3, OUT_OF_RANGE = 4, DUPLICATES = 5, OUT_OF_ORDER = 6, JUMPS = 7;

/**
 * The streaming form: add points as they come (a few ns a point), read a score at any time.
 * `interval()` starts a new export interval: counts restart, the last point is remembered so gaps
 * and jumps across the boundary still count.
 */
export class QualityAccumulator {
  private readonly c = [0, 0, 0, 0, 0, 0, 0, 0];
  private latest = -Infinity;
  private lastValid = NaN;

  constructor(
    readonly expectedIntervalMs: number,
    private readonly min = -Infinity,
    private readonly max = Infinity,
  ) {}

  add(t: number, v: number): void {
    const c = this.c;
    const interval = this.expectedIntervalMs;
    c[POINTS]!++;
    const latest = this.latest;
    if (t > latest) {
      // A gap of at most one interval misses nothing (round(gap / interval) ≤ 1): no division.
      if (t - latest > interval && latest > -Infinity) c[MISSING]! += Math.round((t - latest) / interval) - 1;
      this.latest = t;
      c[IN_ORDER]!++;
    } else c[t === latest ? DUPLICATES : OUT_OF_ORDER]!++;
    if (v - v !== 0) c[NON_FINITE]!++;
    else if (v < this.min || v > this.max) c[OUT_OF_RANGE]!++;
    else {
      const previous = this.lastValid;
      this.lastValid = v;
      // Only a ratio near 100 or more can be a unit factor: multiplications rule out the rest.
      const a = v < 0 ? -v : v, b = previous < 0 ? -previous : previous;
      if ((a > 97 * b || b > 97 * a) && previous && v) {
        const ratio = Math.abs(v / previous);
        const up = ratio < 1 ? 1 / ratio : ratio;
        if (UNIT_FACTORS.some((f) => Math.abs(up - f) <= 0.02 * f)) c[JUMPS]!++;
      }
    }
  }

  score(now: number): QualityScore {
    const [n, inOrder, missing, nonFinite, outOfRange, duplicates, outOfOrder, jumps] = this.c as [number, number, number, number, number, number, number, number];
    const interval = this.expectedIntervalMs;
    const completeness = inOrder && inOrder / (inOrder + missing);
    const validity = n && (n - nonFinite - outOfRange) / n;
    const consistency = n < 2 ? n : Math.max(0, 1 - (duplicates + outOfOrder + jumps) / (n - 1));
    const lagMs = this.latest > -Infinity ? now - this.latest : null;
    const timeliness = lagMs === null ? 0 : lagMs <= interval ? 1 : interval / lagMs;
    return { score: 25 * (completeness + validity + consistency + timeliness), completeness, validity, consistency, timeliness, points: n, missing, nonFinite, outOfRange, duplicates, outOfOrder, jumps, lagMs };
  }

  /** A new interval: counts restart; the latest time and value carry over. */
  interval(): void {
    this.c.fill(0);
  }
}
