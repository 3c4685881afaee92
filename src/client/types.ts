// The client's public types, shared by the client, the no-op client and the edge client.
import type { Delivery, DeliveryOptions, DeliveryStats } from '../delivery/delivery.js';
import type { WireEvent } from '../delivery/types.js';
import type { KernelSource } from '../kernels/load.js';
import type { OnDemandParts } from './on-demand.js';
import type { Health, RuntimeMetrics, RuntimeOptions } from '../runtime/index.js';
import type { AppInfo } from './context.js';
import type { MetricOptions, MetricSnapshot } from './instruments/metrics.js';
import type { DeferredModule } from './load-deferred.js';
import type { SanitizeLimits } from './sanitize.js';
import type { AutocaptureOptions } from './autocapture/autocapture.js';
import type { ClientForecast, ClientForecastOptions } from './forecast/types.js';
import type { Span, SpanOptions } from './spans.js';
import type { KeyValueStore } from './storage.js';
import type { AlertEvent, AlertOptions } from './alerts/types.js';
import type { SloOptions, SloStatus } from './slo/types.js';
import type { AnomalyEvent, WatchOptions } from './watch/types.js';

export interface ClientConfig {
  /** Collector URL for native JSON batches. */
  endpoint?: string;
  /** OTLP/HTTP base URL (an OpenTelemetry Collector's otlphttp receiver). */
  otlpEndpoint?: string;
  apiKey?: string;
  app?: AppInfo;
  /** Nothing is sent before `consent(true)`. Default false. */
  requireConsent?: boolean;
  /** Honour Do-Not-Track and Global Privacy Control by not tracking. Default false. */
  respectDoNotTrack?: boolean;
  /** Scrubbing: URLs on by default; property values (e-mails, cards, IPs) opt-in. */
  scrub?: { urls?: boolean; properties?: boolean };
  /** May edit the event or return null to drop it. */
  beforeSend?: (event: WireEvent) => WireEvent | null;
  session?: { timeoutMs?: number; maxLengthMs?: number };
  /** Head sampling of traces, 0…1. Default 1. */
  tracesSampleRate?: number;
  /** Sampling of track/page events, 0…1. Default 1. Dropped events are counted as `sampled`. */
  eventSampleRate?: number;
  /** historySize: recent values kept per metric for forecast() (default 1000, at most 50 metrics). */
  /** maxMetrics: metric names kept (default 1000); values of further names are counted in diagnostics().droppedMetricValues. */
  metrics?: { exportIntervalMs?: number; maxSeriesPerMetric?: number; maxMetrics?: number; historySize?: number };
  limits?: Partial<SanitizeLimits>;
  delivery?: Omit<DeliveryOptions, 'endpoint' | 'otlpEndpoint' | 'apiKey' | 'onError' | 'onFlush' | 'resource'>;
  /**
   * The page's kernel runtime (docs/runtime.md): pool limits, `wasm`, `worker`, `simd`. It is
   * shared with `avila-telemetry/analysis`; these apply when the client is the first to start it.
   */
  runtime?: RuntimeOptions;
  /** Shorthand for `runtime.wasm`: kernels.wasm as a URL, bytes or a compiled Module. */
  wasm?: KernelSource;
  /** kernels.wasm URL (alias of `wasm`). */
  wasmUrl?: string;
  /** Shorthand for `runtime.worker`: 'auto', false (kernels on the page's thread), or the worker script's URL. */
  worker?: 'auto' | false | string | URL;
  /**
   * Values recorded for watch(), alert() and slo() before their detector code has loaded, kept in
   * order per rule; beyond this the oldest are dropped and counted (`diagnostics().pendingDropped`).
   * Default 10,000.
   */
  maxPendingValues?: number;
  /** Opt-in automatic capture (see docs/client.md): page views, errors, fetch/XHR, Web Vitals. */
  autocapture?: AutocaptureOptions;
  /** Key prefix in localStorage. Default 'avila'. */
  storageKey?: string;
  /**
   * For tests: the clock (ms since the epoch) that stamps events, spans, sessions and metrics.
   * Default: the page's monotonic timeline. `testClock()` in avila-telemetry/testing makes one.
   */
  clock?: () => number;
  /**
   * For tests: the random source ([0, 1)) of ids (anonymous, session, event, trace and span) and
   * sampling. With the same clock and seed, a client makes the same ids. Default: crypto.
   */
  random?: () => number;
}

export interface ClientEvents {
  anomaly: AnomalyEvent;
  alert: AlertEvent;
  error: Error;
  flush: { batchId: string; events: number; bytes: number; status: number };
  [key: string]: unknown;
}

export interface Counter {
  add(n?: number, attributes?: Record<string, unknown>): void;
}
export interface Gauge {
  set(value: number, attributes?: Record<string, unknown>): void;
}
export interface Histogram {
  record(value: number, attributes?: Record<string, unknown>): void;
}

/** Counts of what the client handled without bothering the host page. */
export interface ClientDiagnostics {
  errors: number;
  sanitized: number;
  invalid: number;
  sampled: number;
  noConsent: number;
  /** Values dropped from a watch/alert/SLO rule's buffer while its code was loading (see maxPendingValues). */
  pendingDropped: number;
  /** Metric names refused beyond metrics.maxMetrics, and the values recorded to them. */
  refusedMetrics: number;
  droppedMetricValues: number;
  /** Sampled spans that ended while 65,536 values and spans already waited for the deferred code (it did not load): not sent. */
  droppedSpans: number;
  /** Histogram values kept out of the quantile sketch because the kernels were not loaded (count, sum, min and max stay exact). */
  unsketched: number;
}

export interface Client {
  track(name: string, properties?: Record<string, unknown>): void;
  page(properties?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
  register(superProperties: Record<string, unknown>): void;
  reset(): void;
  counter(name: string, options?: MetricOptions): Counter;
  gauge(name: string, options?: MetricOptions): Gauge;
  histogram(name: string, options?: MetricOptions): Histogram;
  timer<T>(name: string, fn: () => T): T;
  startSpan(name: string, options?: SpanOptions): Span;
  injectTraceHeaders<H extends Headers | Record<string, string>>(headers: H, span?: Span): H;
  watch(metric: string, options?: WatchOptions): () => void;
  alert(name: string, options: AlertOptions): () => void;
  slo(name: string, options: SloOptions): () => SloStatus;
  /**
   * Fits autoArima on the metric's recent values and forecasts `horizon` steps with intervals.
   * Resolves null (and reports on('error')) when it cannot: too few values, cancelled, no kernels.
   */
  forecast(metric: string, options?: ClientForecastOptions): Promise<ClientForecast | null>;
  on<K extends keyof ClientEvents>(type: K, listener: (payload: ClientEvents[K]) => void): () => void;
  metricsText(): string;
  metricsSnapshot(): MetricSnapshot[];
  health(): Health | null;
  runtimeMetrics(): RuntimeMetrics | null;
  deliveryStats(): Promise<DeliveryStats>;
  diagnostics(): ClientDiagnostics;
  consent(granted: boolean): void;
  optOut(): void;
  forget(): Promise<void>;
  /** Writes buffered events and sends everything queued; waits at most `timeoutMs` (default 10 s). */
  flush(timeoutMs?: number): Promise<void>;
  shutdown(): Promise<void>;
  /**
   * Resolves when the kernels and workers are up (watch, histogram quantiles), the values
   * recorded so far are aggregated (metricsSnapshot(), metricsText(): the aggregation loads on
   * the first value, and values recorded before it arrives are in them from then on) and
   * autocapture, if asked for, is installed (its code loads as the client starts).
   */
  readonly ready: Promise<void>;
  readonly anonymousId: string;
  readonly sessionId: string | null;
}

/** What the client needs of its delivery stage (the browser's queue-backed one, or the edge's). */
export type DeliveryPort = Pick<Delivery, 'enqueue' | 'countDrop' | 'setPaused' | 'clear' | 'flush' | 'shutdown' | 'stats'>;

/** Where a client runs: browsers take the defaults; the edge entry swaps in its own parts. */
export interface ClientHost {
  store?: KeyValueStore;
  /** The on-demand parts (worker runtime, detectors, forecasts): loaded by import() unless given. */
  parts?: () => Promise<OnDemandParts>;
  /** Whether kernels may run in Web Workers here. Default true (the edge passes false). */
  workers?: boolean;
  delivery?: (options: DeliveryOptions) => DeliveryPort;
  /**
   * false: no background timers (workerd cancels timers with the request that set them); the
   * owner calls `tick()` instead, e.g. at the end of each request. Default true.
   */
  timers?: boolean;
  /** false: events carry no session (servers). Default true. */
  sessions?: boolean;
  /** The deferred code (metric aggregation) at hand, instead of loading it on the first value. */
  deferred?: DeferredModule;
}

/** A client with the controls its host drives. */
export interface HostedClient {
  client: Client;
  /** Exports metrics and evaluates alerts when due (what the timers do where there are timers). */
  tick(): void;
  delivery: DeliveryPort;
}

