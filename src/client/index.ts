export { createClient } from './client.js';
export type { Client, ClientConfig, ClientDiagnostics, ClientEvents, Counter, Gauge, Histogram } from './client.js';
export type { Span, SpanOptions, SpanStatus } from './spans.js';
export type { AlertEvent, AlertOptions, AnomalyEvent, SloOptions, SloStatus, WatchOptions } from './watch.js';
export type { MetricSnapshot } from './metrics.js';
export type { AutocaptureOptions } from './autocapture.js';
export type { ClientForecast, ClientForecastOptions } from './forecast.js';
