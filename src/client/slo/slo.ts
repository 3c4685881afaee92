import { parseDuration } from '../duration.js';
import type { SloOptions, SloStatus } from './types.js';

/** Good/total counts in time buckets (a sixtieth of the window each) over a rolling window. */
export class Slo {
  private readonly bucketMs: number;
  private readonly windowMs: number;
  private readonly buckets = new Map<number, { good: number; total: number }>();

  constructor(
    readonly name: string,
    readonly options: SloOptions,
  ) {
    if (typeof options.objective !== 'number' || !(options.objective > 0 && options.objective < 1)) {
      throw new RangeError(`options.objective must be a number in (0, 1), got ${String(options.objective)}`);
    }
    if (typeof options.good !== 'function') throw new TypeError('options.good must be a function (value) => boolean');
    this.windowMs = parseDuration(options.window, 'options.window', 30 * 86_400_000);
    this.bucketMs = Math.max(1000, Math.min(3_600_000, this.windowMs / 60));
  }

  push(v: number, t: number, isGood: boolean): void {
    const key = Math.floor(t / this.bucketMs);
    let b = this.buckets.get(key);
    if (!b) {
      this.buckets.set(key, (b = { good: 0, total: 0 }));
      for (const k of this.buckets.keys()) if (k < key - Math.ceil(this.windowMs / this.bucketMs)) this.buckets.delete(k);
    }
    b.total++;
    if (isGood) b.good++;
    void v;
  }

  status(now: number): SloStatus {
    let good = 0, total = 0, recentGood = 0, recentTotal = 0;
    const from = Math.floor((now - this.windowMs) / this.bucketMs);
    const recentFrom = Math.floor((now - Math.min(3_600_000, this.windowMs)) / this.bucketMs);
    for (const [k, b] of this.buckets) {
      if (k < from) continue;
      good += b.good;
      total += b.total;
      if (k >= recentFrom) {
        recentGood += b.good;
        recentTotal += b.total;
      }
    }
    const allowed = 1 - this.options.objective;
    const sli = total ? good / total : 1;
    return {
      name: this.name,
      objective: this.options.objective,
      sli,
      total,
      good,
      errorBudgetRemaining: 1 - (1 - sli) / allowed,
      burnRate: recentTotal ? (1 - recentGood / recentTotal) / allowed : 0,
    };
  }
}
