// The adaptive detectors (seasonal, cusum, likelihood, auto) by their definitions, written the
// plain way: every window statistic recomputed from a slice of the series with exact sums, the
// autocorrelation from its textbook formula. No running sums, rings or saved state, so a test
// comparing the kernel with this compares it with the definition (assembly/adaptive.ts's header).
import { mean, sampleVariance } from './reference.js';

export type AdaptiveMethod = 'seasonal' | 'cusum' | 'likelihood' | 'auto';

/** Inputs that decide the period (assembly/adaptive.ts WARM), the longest lag and the suppression span. */
const WARM = 600;
const MAX_LAG = 300;
const SUPPRESS = 200;
const SHORT = 10;

export interface AdaptivePoint {
  /** The method's raw score (a z, ≥ 0) before suppression and the z/(1+z) mapping. */
  raw: number;
  /** The largest raw score of the previous SUPPRESS points (−Infinity for the first point). */
  previousMax: number;
  /** The reported score: NaN before minSamples, raw/(1+raw) when raw beats previousMax, else 0. */
  score: number;
  /** What the method expected at this point; NaN before minSamples. */
  expected: number;
}

const sd = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(Math.max(0, sampleVariance(xs))));
/** |x − mean| / sd of the window; 0 for fewer than 2 values; with no spread 0 if x equals the mean, else 50. */
function absZ(x: number, window: number[]): number {
  if (window.length < 2) return 0;
  const m = mean(window);
  const s = sd(window);
  if (s > 0) return Math.abs(x - m) / s;
  return x === m ? 0 : 50;
}

/** Sample autocorrelation r(k) = Σ_{i≥k} (xᵢ − x̄)(xᵢ₋ₖ − x̄) / Σ (xᵢ − x̄)² (Box & Jenkins). */
export function acf(xs: number[], lag: number): number {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  let c0 = 0;
  for (const x of xs) c0 += (x - m) * (x - m);
  let c = 0;
  for (let i = lag; i < xs.length; i++) c += (xs[i]! - m) * (xs[i - lag]! - m);
  return c / c0;
}

/**
 * The season: the lag L in 3…299 with the highest autocorrelation of the first WARM points among
 * local maxima (r(L−1) < r(L) ≥ r(L+1)) above 0.3, the smallest on ties; 0 when there is none.
 */
export function seasonOf(first: number[]): number {
  const m = first.reduce((a, b) => a + b, 0) / first.length;
  if (first.every((x) => x === m) || first.reduce((a, x) => a + (x - m) * (x - m), 0) <= 0) return 0;
  let best = 0;
  let bestValue = 0.3;
  for (let lag = 3; lag < Math.min(MAX_LAG + 1, WARM >> 1); lag++) {
    const r = acf(first, lag);
    if (r > acf(first, lag - 1) && r >= acf(first, lag + 1) && r > bestValue) [best, bestValue] = [lag, r];
  }
  return best;
}

export function adaptiveReference(method: AdaptiveMethod, xs: number[], window: number, minSamples: number): AdaptivePoint[] {
  const period = xs.length > WARM ? seasonOf(xs.slice(0, WARM)) : -1;
  /** The lag of the seasonal-naive forecast used at time t: 1 (differences) until the season is known. */
  const lagAt = (t: number) => (t >= WARM && period > 1 ? period : 1);
  // |x − mean| / sd of the `window` points before t (computed once per t: the likelihood reads each w times).
  const levelZs = xs.map((x, t) => absZ(x, xs.slice(Math.max(0, t - window), t)));
  const levelZ = (t: number) => levelZs[t]!;
  const out: AdaptivePoint[] = [];
  const raws: number[] = [];
  let sp = 0;
  let sn = 0;
  for (let t = 0; t < xs.length; t++) {
    const x = xs[t]!;
    const past = xs.slice(Math.max(0, t - window), t);
    let raw = 0;
    let expected = past.length ? mean(past) : 0;
    if (method === 'seasonal' || method === 'auto') {
      const p = lagAt(t);
      let resZ = 0;
      if (t >= p) {
        // The residuals of the same forecast over the `window` points before t.
        const residuals: number[] = [];
        for (let i = Math.max(p, t - window); i < t; i++) residuals.push(xs[i]! - xs[i - p]!);
        resZ = absZ(x - xs[t - p]!, residuals);
        if (method === 'seasonal') expected = xs[t - p]! + (residuals.length ? mean(residuals) : 0);
      }
      raw = method === 'auto' ? Math.max(levelZ(t), resZ) : resZ;
    } else if (method === 'cusum') {
      // Page's two-sided CUSUM of the level z (clamped to ±10), reference value k = 1, decision h = 10.
      const s = sd(past);
      const z = Math.min(10, Math.max(-10, s > 0 ? (x - mean(past)) / s : 0));
      sp = Math.max(0, sp + z - 1);
      sn = Math.max(0, sn - z - 1);
      raw = Math.max(sp, sn) / 5;
      if (sp > 10 || sn > 10) sp = sn = 0;
    } else {
      // The mean of the last SHORT |level z| (this one included) against the `window` before this one.
      const recent: number[] = [];
      for (let i = Math.max(0, t - SHORT + 1); i <= t; i++) recent.push(levelZ(i));
      const history: number[] = [];
      for (let i = Math.max(0, t - window); i < t; i++) history.push(levelZ(i));
      if (history.length >= 20) {
        const m = mean(history);
        const s = Math.max(sd(history), 1e-3 * Math.abs(m) + 1e-9);
        raw = Math.max(0, (mean(recent) - m) / s);
      }
    }
    const previousMax = Math.max(-Infinity, ...raws.slice(Math.max(0, raws.length - SUPPRESS)));
    raws.push(raw);
    const score = t < minSamples ? NaN : raw > previousMax ? raw / (1 + raw) : 0;
    out.push({ raw, previousMax, score, expected: t < minSamples ? NaN : expected });
  }
  return out;
}
