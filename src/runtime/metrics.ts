import type { Kernels } from '../kernels/index.js';

export type Status = 'healthy' | 'degraded' | 'unhealthy';

export interface HealthCheck {
  name: string;
  status: Status;
  detail: string;
  /** Age of the observation the check is based on, in ms. */
  ageMs: number;
}

export interface Health {
  status: Status;
  checks: HealthCheck[];
}

export interface RuntimeMetrics {
  mode: 'workers' | 'inline';
  tasks: {
    /** Tasks submitted. */
    spawned: number;
    completed: number;
    failed: number;
    timedOut: number;
    cancelled: number;
    /** Retries after a worker crash. */
    retried: number;
    /** Refused because the queue was full. */
    rejected: number;
  };
  queue: { length: number; max: number; limit: number };
  workers: { active: number; idle: number; starting: number; spawned: number; replaced: number; min: number; max: number };
  /** Execution time in a worker (or inline), ms. */
  executionMs: { count: number; mean: number; p50: number; p95: number; p99: number };
  /** Time from submission to start, ms. */
  waitMs: { p50: number; p99: number };
  /** Completed tasks per second over the last 10 s. */
  throughput: number;
}

/** Latency distribution kept in a DDSketch on the calling thread's kernels (1% relative error). */
export class LatencyRecorder {
  private readonly ptr: number;
  private sum = 0;
  private n = 0;

  constructor(private readonly kernels: Kernels) {
    this.ptr = kernels.sketchCreate(0.01, 2048);
  }

  record(ms: number): void {
    const v = Math.max(ms, 0);
    this.kernels.sketchAdd(this.ptr, v);
    this.sum += v;
    this.n++;
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n ? this.sum / this.n : 0;
  }

  quantiles(qs: number[]): number[] {
    if (this.n === 0) return qs.map(() => 0);
    return Array.from(this.kernels.sketchQuantiles(this.ptr, qs));
  }

  dispose(): void {
    this.kernels.sketchFree(this.ptr);
  }
}

/** Events per second over a sliding window of one-second buckets. */
export class RateMeter {
  private readonly buckets: number[];
  private second = 0;

  constructor(private readonly seconds = 10) {
    this.buckets = new Array<number>(seconds).fill(0);
  }

  private advance(now: number): void {
    const s = Math.floor(now / 1000);
    if (s - this.second >= this.seconds) this.buckets.fill(0);
    else for (let t = this.second + 1; t <= s; t++) this.buckets[t % this.seconds] = 0;
    this.second = Math.max(this.second, s);
  }

  mark(now: number): void {
    this.advance(now);
    this.buckets[this.second % this.seconds]!++;
  }

  rate(now: number): number {
    this.advance(now);
    return this.buckets.reduce((a, b) => a + b, 0) / this.seconds;
  }
}

export function worst(statuses: Status[]): Status {
  return statuses.includes('unhealthy') ? 'unhealthy' : statuses.includes('degraded') ? 'degraded' : 'healthy';
}
