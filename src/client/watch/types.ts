import type { DetectorMethod } from '../../analysis/detect.js';

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

