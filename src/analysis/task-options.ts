import type { RunOptions } from '../runtime/index.js';
import { options as objectArg } from './validate.js';

/** Checks the per-call options: `signal` an AbortSignal, `timeoutMs` a positive number. */
export function taskOptions(value: unknown, argument = 'options'): RunOptions {
  const o = objectArg(value, argument);
  const out: RunOptions = {};
  if (o.signal !== undefined) {
    if (typeof AbortSignal === 'undefined' || !(o.signal instanceof AbortSignal)) throw new TypeError(`${argument}.signal must be an AbortSignal`);
    out.signal = o.signal;
  }
  if (o.timeoutMs !== undefined) {
    if (typeof o.timeoutMs !== 'number' || !(o.timeoutMs > 0)) throw new RangeError(`${argument}.timeoutMs must be a number > 0, got ${String(o.timeoutMs)}`);
    out.timeoutMs = o.timeoutMs;
  }
  return out;
}
