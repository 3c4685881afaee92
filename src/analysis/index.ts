export { ready, runtimeHealth, runtimeMetrics, runtimeMetricsText } from './runtime.js';
export type { ReadyOptions } from './runtime.js';
export { quantiles, summary } from './stats.js';
export type { Summary, TaskOptions } from './stats.js';
export { QuantileSketch } from './sketch.js';
export type { QuantileSketchOptions } from './sketch.js';
export { detectAnomalies, createDetector } from './detect.js';
export type { Anomaly, DetectorMethod, DetectorOptions, StreamingDetector } from './detect.js';
export { KernelLoadError } from '../kernels/index.js';
export { QueueFullError, TimeoutError, WorkerCrashedError } from '../runtime/index.js';
export type { Health, HealthCheck, RuntimeMetrics } from '../runtime/index.js';
export { kmeans, predict, silhouette, elbow, MiniBatchKMeans } from './kmeans.js';
export type {
  Points, KMeansOptions, KMeansResult, SilhouetteOptions, ElbowOptions, ElbowPoint, MiniBatchKMeansOptions,
  MiniBatchKMeansState,
} from './kmeans.js';
export { arima, normalQuantile } from './arima.js';
export type { ArimaOptions, ArimaModel, ArimaCoefficients, Forecast, ForecastOptions, Order } from './arima.js';
export { autoArima, kpssStatistic, ndiffs, seasonalStrength } from './auto-arima.js';
export { boxCox, invBoxCox, boxCoxLambda } from './boxcox.js';
export type { AutoArimaOptions, AutoArimaModel } from './auto-arima.js';
export { quality, QualityAccumulator } from './quality.js';
export type { QualityOptions, QualityScore } from './quality.js';
