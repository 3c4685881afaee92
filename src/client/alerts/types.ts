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

