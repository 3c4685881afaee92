import type { Summary } from '../kernels/index.js';
import type { RunOptions } from '../runtime/index.js';
import { runtime } from './runtime.js';
import { taskOptions } from './task-options.js';
import { probabilities, toFloat64 } from './validate.js';

export type { Summary };

/** Per-call options of the bulk analysis functions. */
export interface TaskOptions extends RunOptions {}

/**
 * Exact quantiles with linear interpolation between order statistics — numpy.quantile's
 * default and R's quantile(type = 7): for probability p over n sorted values x₀…xₙ₋₁,
 * h = (n − 1)·p and the result is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋).
 * Runs by selection (Floyd–Rivest) in O(n) per probability on a copy: `values` is not modified.
 * Results are in the order of `probs`.
 * `options.signal` cancels, `options.timeoutMs` bounds the run (TimeoutError).
 * @throws TypeError when values or probs hold non-numbers; RangeError when values is empty or
 *   holds NaN/±Infinity, or a probability is outside [0, 1].
 */
export async function quantiles(values: ArrayLike<number>, probs: number[], options?: TaskOptions): Promise<number[]> {
  const data = toFloat64(values, 'values');
  const ps = probabilities(probs, 'probs');
  const order = ps.map((_, i) => i).sort((a, b) => ps[a]! - ps[b]!);
  const sorted = Float64Array.from(order, (i) => ps[i]!);
  const rt = await runtime();
  const result = await rt.run((owned) => ({ op: 'quantiles', values: owned ? data.slice() : data, probs: sorted }), taskOptions(options));
  const out = new Array<number>(ps.length);
  order.forEach((original, k) => (out[original] = result[k]!));
  return out;
}

/**
 * Count, sum, mean, sample variance (n − 1), std, min and max — as numpy's sum/mean/var(ddof=1)
 * and R's var(). Sum by Neumaier compensated summation, variance by the corrected two-pass
 * algorithm, both accurate to a few ulps on data without catastrophic cancellation.
 * variance and std are NaN for a single value.
 * @throws TypeError for non-numbers; RangeError for empty input or NaN/±Infinity.
 */
export async function summary(values: ArrayLike<number>, options?: TaskOptions): Promise<Summary> {
  const data = toFloat64(values, 'values');
  const rt = await runtime();
  return rt.run((owned) => ({ op: 'summary', values: owned ? data.slice() : data }), taskOptions(options));
}
