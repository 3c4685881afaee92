export interface ClientForecastOptions {
  /** Steps ahead (default 10). */
  horizon?: number;
  /** Interval levels in percent (default [80, 95]). */
  level?: number[];
  /** Seasonal period of the recorded values, if any. */
  period?: number;
  signal?: AbortSignal;
}

export interface ClientForecast {
  metric: string;
  mean: number[];
  lower: number[][];
  upper: number[][];
  level: number[];
  /** The model autoArima chose. */
  order: [number, number, number];
  seasonal: { order: [number, number, number]; period: number };
  aicc: number;
  /** Values the model was fitted on. */
  observations: number;
}

