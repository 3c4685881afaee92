import { parseDuration } from '../duration.js';
import type { AlertEvent, AlertOptions } from './types.js';

const STATS = ['count', 'sum', 'mean', 'min', 'max', 'p50', 'p90', 'p95', 'p99', 'last'] as const;
type Stat = (typeof STATS)[number];
const OPS: Record<string, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export function parseCondition(when: string): { stat: Stat; op: (a: number, b: number) => boolean; threshold: number } {
  const m = /^\s*([a-z0-9]+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*$/i.exec(String(when));
  if (!m || !STATS.includes(m[1]!.toLowerCase() as Stat)) {
    throw new RangeError(`options.when must look like 'p99 > 500' with a stat among ${STATS.join(', ')}, got ${JSON.stringify(when)}`);
  }
  return { stat: m[1]!.toLowerCase() as Stat, op: OPS[m[2]!]!, threshold: Number(m[3]) };
}

/** Values an alert rule keeps per window at most; beyond this the oldest go first (counted). */
export const MAX_ALERT_VALUES = 100_000;

/**
 * One alert rule: evaluated on the metric's values of the last `window`, fires after holding for
 * `for`. Values sit in a ring buffer, so `push()` is O(1) at any history size; an evaluation
 * (once a second) scans the window once — O(window), at most MAX_ALERT_VALUES values.
 */
export class AlertRule {
  private times: Float64Array;
  private values: Float64Array;
  private head = 0;
  private size = 0;
  /** Values dropped because the window held MAX_ALERT_VALUES already. */
  overflowed = 0;
  private pendingSince: number | null = null;
  private firing = false;
  private readonly condition: ReturnType<typeof parseCondition>;
  private readonly forMs: number;
  private readonly windowMs: number;

  constructor(
    readonly name: string,
    readonly options: AlertOptions,
    private readonly quantile: (values: Float64Array, q: number) => number,
    private readonly capacity = MAX_ALERT_VALUES,
  ) {
    this.condition = parseCondition(options.when);
    this.forMs = parseDuration(options.for, 'options.for', 0);
    this.windowMs = parseDuration(options.window, 'options.window', 60_000);
    const n = Math.max(1, Math.min(256, capacity));
    this.times = new Float64Array(n);
    this.values = new Float64Array(n);
  }

  push(v: number, t: number): void {
    let n = this.values.length;
    if (this.size === n) {
      if (n < this.capacity) n = this.grow();
      else {
        this.head = (this.head + 1) % n;
        this.size--;
        this.overflowed++;
      }
    }
    const at = (this.head + this.size) % n;
    this.values[at] = v;
    this.times[at] = t;
    this.size++;
  }

  private grow(): number {
    const n = Math.min(this.capacity, this.values.length * 2);
    const values = new Float64Array(n), times = new Float64Array(n);
    for (let i = 0; i < this.size; i++) {
      const j = (this.head + i) % this.values.length;
      values[i] = this.values[j]!;
      times[i] = this.times[j]!;
    }
    this.values = values;
    this.times = times;
    this.head = 0;
    return n;
  }

  /** Values in the window now (older ones are let go). */
  get length(): number {
    return this.size;
  }

  /** The rule's statistic over the window ending at `now` (NaN when it is empty). */
  value(now: number): number {
    const n = this.values.length;
    const from = now - this.windowMs;
    while (this.size > 0 && this.times[this.head]! < from) {
      this.head = (this.head + 1) % n;
      this.size--;
    }
    if (this.size === 0) return NaN;
    const stat = this.condition.stat;
    if (stat === 'count') return this.size;
    if (stat === 'last') return this.values[(this.head + this.size - 1) % n]!;
    if (stat[0] === 'p') {
      const xs = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) xs[i] = this.values[(this.head + i) % n]!;
      return this.quantile(xs, Number(stat.slice(1)) / 100);
    }
    let sum = 0, min = Infinity, max = -Infinity;
    for (let i = 0; i < this.size; i++) {
      const x = this.values[(this.head + i) % n]!;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    return stat === 'sum' ? sum : stat === 'mean' ? sum / this.size : stat === 'min' ? min : max;
  }

  /** Returns a transition (firing or resolved), or null. */
  evaluate(now: number): AlertEvent | null {
    const value = this.value(now);
    const holds = Number.isFinite(value) && this.condition.op(value, this.condition.threshold);
    if (!holds) {
      this.pendingSince = null;
      if (!this.firing) return null;
      this.firing = false;
      return { name: this.name, metric: this.options.metric, when: this.options.when, state: 'resolved', value, timestamp: now };
    }
    this.pendingSince ??= now;
    if (this.firing || now - this.pendingSince < this.forMs) return null;
    this.firing = true;
    return { name: this.name, metric: this.options.metric, when: this.options.when, state: 'firing', value, timestamp: now };
  }
}
