import type { DetectorMethod } from '../../analysis/detect.js';

export interface WatchOptions {
  /**
   * Default 'context': the best of our detectors on the Numenta Anomaly Benchmark, cross-validated
   * (docs/anomalies.md). It learns the metric's range from its first 300 values (or give `range`)
   * and reports nothing before; for spikes from the first values on, use 'zscore' or 'robust'.
   */
  detector?: DetectorMethod;
  window?: number;
  threshold?: number;
  minSamples?: number;
  /** detector 'context': the metric's value range when known (e.g. [0, 100] for a percentage); absent, it is learned from the first values. */
  range?: [number, number];
  /** detector 'context': context sizes (docs/anomalies.md). */
  maxActive?: number;
  maxLeft?: number;
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

