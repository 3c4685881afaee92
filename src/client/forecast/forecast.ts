// forecast(metric): autoArima on the metric's recent values, on the page's one runtime.
import { autoArima } from '../../analysis/auto-arima.js';
import { MIN_FORECAST_VALUES } from './history.js';
import type { ClientForecast, ClientForecastOptions } from './types.js';

export async function forecastMetric(metric: string, values: Float64Array, options: ClientForecastOptions): Promise<ClientForecast> {
  if (values.length < MIN_FORECAST_VALUES) {
    throw new RangeError(`forecast('${metric}'): ${values.length} recorded values; at least ${MIN_FORECAST_VALUES} are needed`);
  }
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
