export { createClient } from './client.js';
export type { Client, ClientConfig, ClientDiagnostics, ClientEvents, Counter, Gauge, Histogram } from './types.js';
export type { Span, SpanOptions, SpanStatus } from './spans.js';
export type { WatchOptions, AnomalyEvent } from './watch/types.js';
export type { AlertEvent, AlertOptions } from './alerts/types.js';
export type { SloOptions, SloStatus } from './slo/types.js';
export type { MetricSnapshot } from './instruments/metrics.js';
export type { AutocaptureOptions } from './autocapture/autocapture.js';
export type { ClientForecast, ClientForecastOptions } from './forecast/types.js';
