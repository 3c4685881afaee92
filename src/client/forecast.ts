// forecast(metric): autoArima on the metric's recent values, kept in a bounded ring per metric.
import { autoArima } from '../analysis/auto-arima.js';
import { shareRuntime } from '../analysis/runtime.js';
import type { Runtime } from '../runtime/index.js';

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

/** Recent values of each metric, oldest first; at most `capacity` values and `maxMetrics` metrics. */
export class History {
  private readonly rings = new Map<string, { values: Float64Array; next: number; size: number }>();

  constructor(
    private readonly capacity: number,
    private readonly maxMetrics: number,
  ) {}

  push(metric: string, value: number): void {
    let ring = this.rings.get(metric);
    if (!ring) {
      if (this.rings.size >= this.maxMetrics) return;
      this.rings.set(metric, (ring = { values: new Float64Array(this.capacity), next: 0, size: 0 }));
    }
    ring.values[ring.next] = value;
    ring.next = (ring.next + 1) % this.capacity;
    ring.size = Math.min(ring.size + 1, this.capacity);
  }

  values(metric: string): Float64Array {
    const ring = this.rings.get(metric);
    if (!ring) return new Float64Array(0);
    const out = new Float64Array(ring.size);
    const start = ring.size < this.capacity ? 0 : ring.next;
    for (let i = 0; i < ring.size; i++) out[i] = ring.values[(start + i) % this.capacity]!;
    return out;
  }
}

export const MIN_FORECAST_VALUES = 20;

export async function forecastMetric(metric: string, values: Float64Array, runtime: Runtime, options: ClientForecastOptions): Promise<ClientForecast> {
  if (values.length < MIN_FORECAST_VALUES) {
    throw new RangeError(`forecast('${metric}'): ${values.length} recorded values; at least ${MIN_FORECAST_VALUES} are needed`);
  }
  shareRuntime(runtime);
  const model = await autoArima(values, { ...(options.period ? { period: options.period } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const f = await model.forecast(options.horizon ?? 10, { ...(options.level ? { level: options.level } : {}) });
  return {
    metric,
    mean: f.mean,
    lower: f.lower,
    upper: f.upper,
    level: f.level,
    order: model.order,
    seasonal: model.seasonal,
    aicc: model.aicc,
    observations: values.length,
  };
}
