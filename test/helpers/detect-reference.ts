import type { DetectorMethod } from '../../src/analysis/index.js';
import { mad, mean, median, quantileType7, sampleVariance, sortedCopy } from './reference.js';

export interface Scored {
  score: number;
  expected: number;
}

/** Scores by each method's definition, recomputed from scratch for every point (no look-ahead). */
export function detectorReference(method: DetectorMethod, xs: number[], window: number): (Scored | null)[] {
  const out: (Scored | null)[] = [];
  let ewMean = 0, ewVar = 0;
  const alpha = 2 / (window + 1);
  const ratio = (d: number, s: number) => (s > 0 ? d / s : d === 0 ? 0 : d > 0 ? Infinity : -Infinity);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const past = xs.slice(Math.max(0, i - window), i);
    if (method === 'ewma') {
      out.push(i >= window ? { score: ratio(x - ewMean, Math.sqrt(ewVar)), expected: ewMean } : null);
      if (i === 0) ewMean = x;
      else {
        const d = x - ewMean;
        ewMean += alpha * d;
        ewVar = (1 - alpha) * (ewVar + d * alpha * d);
      }
      continue;
    }
    if (i < window) {
      out.push(null);
      continue;
    }
    if (method === 'zscore') out.push({ score: ratio(x - mean(past), Math.sqrt(sampleVariance(past))), expected: mean(past) });
    else if (method === 'robust') out.push({ score: ratio(x - median(past), mad(past)), expected: median(past) });
    else {
      const s = sortedCopy(past);
      const q1 = quantileType7(s, 0.25), q3 = quantileType7(s, 0.75);
      const score = x > q3 ? ratio(x - q3, q3 - q1) : x < q1 ? ratio(x - q1, q3 - q1) : 0;
      out.push({ score, expected: median(past) });
    }
  }
  return out;
}

