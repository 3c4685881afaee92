import type { DetectorMethod } from '../../src/analysis/index.js';
import { mad, mean, median, quantileType7, sampleVariance, sortedCopy } from './reference.js';

export interface Scored {
  score: number;
  expected: number;
}

/** Scores by each method's definition, recomputed from scratch for every point (no look-ahead). */
export function detectorReference(method: DetectorMethod, xs: number[], window: number): (Scored | null)[] {
  const out: (Scored | null)[] = [];
  const alpha = 2 / (window + 1);
  const ratio = (d: number, s: number) => (s > 0 ? d / s : d === 0 ? 0 : d > 0 ? Infinity : -Infinity);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const past = xs.slice(Math.max(0, i - window), i);
    if (method === 'ewma') {
      if (i < window) {
        out.push(null);
        continue;
      }
      // By definition, not by the kernel's recursion: the weighted mean and (biased) weighted
      // variance of every earlier point, x₀ weighted (1 − α)^m and xⱼ weighted α(1 − α)^{m−j}
      // (m = i − 1; the weights sum to 1). Finch (2009) shows the incremental update equals it.
      const m = i - 1;
      const w = (j: number) => (j === 0 ? Math.pow(1 - alpha, m) : alpha * Math.pow(1 - alpha, m - j));
      let ewMean = 0;
      for (let j = 0; j <= m; j++) ewMean += w(j) * xs[j]!;
      let ewVar = 0;
      for (let j = 0; j <= m; j++) ewVar += w(j) * (xs[j]! - ewMean) ** 2;
      // Equal points have that mean and no spread (the weights' sum is 1 only up to rounding).
      if (xs.slice(0, i).every((v) => v === xs[0])) [ewMean, ewVar] = [xs[0]!, 0];
      out.push({ score: ratio(x - ewMean, Math.sqrt(ewVar)), expected: ewMean });
      continue;
    }
    if (i < window) {
      out.push(null);
      continue;
    }
    if (method === 'zscore') out.push({ score: ratio(x - mean(past), Math.sqrt(sampleVariance(past))), expected: mean(past) });
    else if (method === 'robust') {
      // The MAD, or where it is 0 the mean absolute deviation around the median × √(π/2).
      // Never below the resolution: the smallest non-zero step between consecutive values before x.
      const m = median(past);
      const steps = xs.slice(1, i).map((v, j) => Math.abs(v - xs[j]!)).filter((v) => v > 0);
      const resolution = steps.length ? Math.min(...steps) : 0;
      const scale = Math.max(mad(past) || Math.sqrt(Math.PI / 2) * mean(past.map((v) => Math.abs(v - m))), resolution);
      out.push({ score: ratio(x - m, scale), expected: m });
    }
    else {
      const s = sortedCopy(past);
      const q1 = quantileType7(s, 0.25), q3 = quantileType7(s, 0.75);
      const score = x > q3 ? ratio(x - q3, q3 - q1) : x < q1 ? ratio(x - q1, q3 - q1) : 0;
      out.push({ score, expected: median(past) });
    }
  }
  return out;
}

