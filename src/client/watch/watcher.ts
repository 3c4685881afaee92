import type { Runtime } from '../../runtime/index.js';
import type { DetectorMethod } from '../../analysis/detect.js';
import { DEFAULT_WATCH_DETECTOR, detectorConfig, resolveDetectorOptions } from '../../analysis/detect.js';
import type { AnomalyEvent, WatchOptions } from './types.js';

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
    const o = resolveDetectorOptions({ method: options.detector ?? DEFAULT_WATCH_DETECTOR, window: options.window, threshold: options.threshold, minSamples: options.minSamples, range: options.range, maxActive: options.maxActive, maxLeft: options.maxLeft }, 'options');
    this.method = o.method;
    this.threshold = o.threshold;
    this.cooldownMs = Math.max(0, Number(options.cooldownMs) || 0);
    if (runtime.mode === 'inline') {
      this.ptr = runtime.kernels.detectorOpen(detectorConfig(o));
      this.objectId = -1;
    } else {
      this.objectId = runtime.pin({ kind: 'detector', config: detectorConfig(o) });
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

