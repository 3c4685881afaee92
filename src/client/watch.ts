import type { Runtime } from '../runtime/index.js';
import type { DetectorMethod } from '../analysis/detect.js';
import { resolveDetectorOptions } from '../analysis/detect.js';

export interface WatchOptions {
  /** Default 'auto': the best of our detectors on the Numenta Anomaly Benchmark (docs/anomalies.md). */
  detector?: DetectorMethod;
  window?: number;
  threshold?: number;
  minSamples?: number;
  /** After an anomaly, further ones of this metric are not reported for this long. Default 0. */
  cooldownMs?: number;
}

export interface AnomalyEvent {
  metric: string;
  value: number;
  score: number;
  expected: number;
  method: DetectorMethod;
  threshold: number;
  /** When the value was recorded (ms since epoch). */
  timestamp: number;
}

/**
 * Feeds every value of one metric to a streaming detector pinned in a worker. Values recorded in
 * one task are sent together as soon as it ends, so an anomaly is reported within a message round
 * trip of its value being recorded. Where the runtime is inline (Workers, Node, no Web Workers)
 * the detector lives on this thread and each value is scored as it is recorded (one WASM call,
 * no promise).
 */
export class Watcher {
  private values: number[] = [];
  private times: number[] = [];
  private scheduled = false;
  private lastReported = -Infinity;
  private readonly objectId: number;
  /** The detector in this thread's kernels (inline runtimes), or 0. */
  private ptr = 0;
  readonly method: DetectorMethod;
  readonly threshold: number;

  constructor(
    readonly metric: string,
    options: WatchOptions,
    private readonly runtime: Runtime,
    private readonly onAnomaly: (a: AnomalyEvent) => void,
    private readonly onError: (e: unknown) => void,
  ) {
    const o = resolveDetectorOptions({ method: options.detector ?? 'auto', window: options.window, threshold: options.threshold, minSamples: options.minSamples }, 'options');
    this.method = o.method;
    this.threshold = o.threshold;
    this.cooldownMs = Math.max(0, Number(options.cooldownMs) || 0);
    if (runtime.mode === 'inline') {
      this.ptr = runtime.kernels.detectorCreate(o.code, o.window, o.threshold, o.minSamples);
      this.objectId = -1;
    } else {
      this.objectId = runtime.pin({ kind: 'detector', config: { method: o.code, window: o.window, threshold: o.threshold, minSamples: o.minSamples } });
    }
  }

  private report(value: number, score: number, expected: number, timestamp: number): void {
    if (timestamp - this.lastReported < this.cooldownMs) return;
    this.lastReported = timestamp;
    this.onAnomaly({ metric: this.metric, value, score, expected, method: this.method, threshold: this.threshold, timestamp });
  }

  private readonly cooldownMs: number;

  push(value: number, time: number): void {
    if (!Number.isFinite(value)) return;
    if (this.ptr !== 0) {
      try {
        const r = this.runtime.kernels.detectorPush(this.ptr, value);
        if (r.flag === 1) this.report(value, r.score, r.expected, time);
      } catch (e) {
        this.onError(e);
      }
      return;
    }
    this.values.push(value);
    this.times.push(time);
    if (!this.scheduled) {
      // Values recorded in the same task go together, right after it (a timer would add the
      // browser's 4 ms clamp to every anomaly's latency).
      this.scheduled = true;
      queueMicrotask(() => this.send());
    }
  }

  private send(): void {
    this.scheduled = false;
    if (this.values.length === 0) return;
    const values = Float64Array.from(this.values);
    const times = this.times;
    this.values = [];
    this.times = [];
    this.runtime.callObject(this.objectId, { op: 'object.push', id: this.objectId, values }).then(
      (r) => {
        if (!r) return;
        for (let i = 0; i < r.index.length; i++) {
          const at = r.index[i]!;
          this.report(values[at]!, r.score[i]!, r.expected[i]!, times[at]!);
        }
      },
      (e: unknown) => this.onError(e),
    );
  }

  dispose(): void {
    if (this.ptr !== 0) {
      this.runtime.kernels.detectorFree(this.ptr);
      this.ptr = 0;
    } else this.runtime.unpin(this.objectId);
  }
}

export interface AlertOptions {
  metric: string;
  /** `<stat> <op> <number>`: stat one of count, sum, mean, min, max, p50, p90, p95, p99, last; op one of > >= < <= == !=. */
  when: string;
  /** How long the condition must hold before the alert fires ('30s', '1m', '5m', or ms). Default 0. */
  for?: string | number;
  /** Values the statistic looks back over. Default 1m. */
  window?: string | number;
}

export interface AlertEvent {
  name: string;
  metric: string;
  when: string;
  state: 'firing' | 'resolved';
  value: number;
  timestamp: number;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '30s', '1m', '30d' or a number of ms. */
export function parseDuration(v: string | number | undefined, argument: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number' && v >= 0 && Number.isFinite(v)) return v;
  const m = typeof v === 'string' ? DURATION.exec(v.trim()) : null;
  if (!m) throw new RangeError(`${argument} must be a duration like '30s', '1m', '30d' or ms, got ${JSON.stringify(v)}`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

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

/** One alert rule: evaluated on the metric's recent values, fires after holding for `for`. */
export class AlertRule {
  private readonly values: { t: number; v: number }[] = [];
  private pendingSince: number | null = null;
  private firing = false;
  private readonly condition: ReturnType<typeof parseCondition>;
  private readonly forMs: number;
  private readonly windowMs: number;

  constructor(
    readonly name: string,
    readonly options: AlertOptions,
    private readonly quantile: (values: Float64Array, q: number) => number,
  ) {
    this.condition = parseCondition(options.when);
    this.forMs = parseDuration(options.for, 'options.for', 0);
    this.windowMs = parseDuration(options.window, 'options.window', 60_000);
  }

  push(v: number, t: number): void {
    this.values.push({ t, v });
    if (this.values.length > 100_000) this.values.shift();
  }

  private stat(now: number): number {
    while (this.values.length && this.values[0]!.t < now - this.windowMs) this.values.shift();
    const xs = this.values.map((x) => x.v);
    if (xs.length === 0) return NaN;
    switch (this.condition.stat) {
      case 'count':
        return xs.length;
      case 'sum':
        return xs.reduce((a, b) => a + b, 0);
      case 'mean':
        return xs.reduce((a, b) => a + b, 0) / xs.length;
      case 'min':
        return Math.min(...xs);
      case 'max':
        return Math.max(...xs);
      case 'last':
        return xs[xs.length - 1]!;
      default:
        return this.quantile(Float64Array.from(xs), Number(this.condition.stat.slice(1)) / 100);
    }
  }

  /** Returns a transition (firing or resolved), or null. */
  evaluate(now: number): AlertEvent | null {
    const value = this.stat(now);
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

export interface SloOptions {
  metric: string;
  /** Fraction of good events promised, e.g. 0.999. */
  objective: number;
  /** Rolling window, e.g. '30d'. */
  window: string | number;
  /** Whether one value is good. */
  good: (value: number) => boolean;
}

export interface SloStatus {
  name: string;
  objective: number;
  /** Good / total over the window (1 when empty). */
  sli: number;
  total: number;
  good: number;
  /** 1 − (bad fraction / allowed bad fraction): 1 untouched, 0 spent, negative overspent. */
  errorBudgetRemaining: number;
  /** Bad fraction over the last hour divided by the allowed bad fraction: 1 spends the budget exactly over the window. */
  burnRate: number;
}

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
