// The part of the client that can wait, set up when the deferred chunk arrives (deferred.ts): the
// checks and aggregation of metric values (instruments/writers.ts, metrics.ts) and their export
// timer, the rules fed by each value (watch, alerts, SLOs) and the alert timer, forecasts,
// autocapture, the records of ended spans, and the link to the on-demand code and the page's one
// runtime, with its health. The page's first script (client.ts) holds the calls made before the
// chunk arrives, in order with the values recorded around them (later.ts), and answers the
// synchronous ones (health, runtimeMetrics, metricsSnapshot, an SLO's status) without it until then.
import type { SpanRecord } from '../delivery/encode/otlp.js';
import type { WireEvent } from '../delivery/types.js';
import type { Health, RuntimeOptions } from '../runtime/index.js';
import { installAutocapture, type AutocaptureOptions } from './autocapture/autocapture.js';
import type { Emitter } from './emitter.js';
import type { EventPipeline } from './events.js';
import type { ClientForecast, ClientForecastOptions } from './forecast/types.js';
import { Metrics } from './instruments/metrics.js';
import { metricWriters, type MetricWriter } from './instruments/writers.js';
import type { OnDemandParts } from './on-demand.js';
import { lazily } from '../chunks.js';
import { PartsLink } from './parts.js';
import { Rules } from './rules.js';
import type { SloOptions, SloStatus } from './slo/types.js';
import { spanRecord } from './span-record.js';
import type { EndedSpan, Span, SpanOp } from './spans.js';
import type { ClientConfig, ClientDiagnostics, ClientEvents, ClientHost } from './types.js';
import type { AlertOptions } from './alerts/types.js';
import type { WatchOptions } from './watch/types.js';

/** What the client's first script hands to its deferred part. */
export interface ClientCore {
  config: ClientConfig;
  host: ClientHost;
  emitter: Emitter<ClientEvents>;
  events: EventPipeline;
  /** Counts events (here: metric values) dropped before the queue, reported to the collector. */
  countDrop: (reason: 'invalid') => void;
  diag: ClientDiagnostics;
  now: () => number;
  fail: (e: unknown) => void;
  /** `fn` that reports what it throws (to on('error')) and returns `fallback` instead: the client's own guard. */
  guard: <A extends unknown[], R>(fn: (...args: A) => R, fallback: R) => (...args: A) => R;
  /** How the on-demand chunk is loaded. */
  loadParts: () => Promise<OnDemandParts>;
  track: (name: string, props?: Record<string, unknown>) => void;
  page: (props?: Record<string, unknown>) => void;
  /** The SDK's own endpoints (their requests are not the page's traffic). */
  endpoints: (string | undefined)[];
}

export type ClientExtras = ReturnType<typeof clientExtras>;

/** The runtime options: `runtime`, with the top-level shorthands `wasm`/`wasmUrl` and `worker`. */
function runtimeOptionsOf(config: ClientConfig): RuntimeOptions {
  const options: RuntimeOptions = { ...config.runtime };
  const wasm = config.wasm ?? config.wasmUrl;
  if (wasm !== undefined) options.wasm = wasm;
  if (config.worker !== undefined) options.worker = config.worker;
  return options;
}

export function clientExtras(c: ClientCore) {
  const { config, events, emitter, now, fail } = c;
  const reported = new Set<string>();
  /** Reports an error once per distinct message (a missing file fails every call that needs it). */
  const reportOnce = (e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    if (!reported.has(error.message)) {
      reported.add(error.message);
      fail(error);
    }
  };
  /** The on-demand chunk (loaded once; a failure reported once, retried after a back-off). */
  const parts = lazily(c.loadParts, 'on-demand code (watch, forecasts, analysis)', reportOnce);
  const link = new PartsLink(parts, runtimeOptionsOf(config), c.host.workers !== false, reportOnce);
  const historySize = Math.max(20, Math.min(100_000, Math.floor(Number(config.metrics?.historySize) || 1000)));
  const rules = new Rules(
    { link, fail, maxPending: Math.max(1, Math.floor(Number(config.maxPendingValues) || 10_000)), onPendingDrop: () => void c.diag.pendingDropped++ },
    historySize,
    () => link.current?.kernels ?? null,
  );
  /** Metric values, aggregated per interval and attribute set (sketches once the kernels are here). */
  const maxMetrics = config.metrics?.maxMetrics ?? 1000;
  const agg = new Metrics({ maxSeriesPerMetric: config.metrics?.maxSeriesPerMetric ?? 100, maxMetrics, maxPending: 65_536 }, now);
  let kernelsWanted = false;
  /** Stops every watcher on close: their detectors live in the page's runtime, which may outlive this client. */
  const watching = new Set<() => void>();
  const cleanups: (() => void)[] = [];
  let closed = false;
  const { guard } = c;
  /** Exports the metrics of the interval that ends now, as events (the 'metrics' signal). */
  const exportMetrics = () => {
    const t = now();
    for (const point of agg.collect()) events.emit(events.base('metric', point.metric, point as unknown as Record<string, unknown>, t, events.sessionId), 'metrics');
  };
  /** Evaluates the alert rules: each transition goes to on('alert') and out as an event. */
  const evaluateAlerts = () => {
    const t = now();
    for (const transition of rules.evaluate(t)) {
      emitter.emit('alert', transition);
      events.emit(events.make('alert', transition.name, { ...transition }, t));
    }
  };
  const exportIntervalMs = config.metrics?.exportIntervalMs ?? 10_000;
  // Where there are no timers (the edge), the host calls tick() instead.
  const timers = c.host.timers === false ? [] : [setInterval(guard(exportMetrics, undefined), exportIntervalMs), setInterval(guard(evaluateAlerts, undefined), 1000)];
  for (const t of timers) (t as { unref?: () => void }).unref?.();
  let lastExport = now();
  let lastAlerts = lastExport;

  const x = {
    rules,
    link,
    /** The writer of a metric's values (instruments.ts hands each over with its time). */
    writer: metricWriters({
      agg,
      maxMetrics,
      diag: c.diag,
      fail,
      invalid: () => c.countDrop('invalid'),
      onValue: (metric, v, t) => rules.push(metric, v, t),
      onHistogram: () => x.wantKernels(),
    }),
    snapshot: () => agg.snapshot(),
    metricsText: () => agg.text() + (link.current?.metricsText() ?? ''),
    get unsketched(): number {
      return agg.unsketched;
    },
    /** Starts the page's runtime (once); histograms fold into sketches when its kernels arrive. */
    wantKernels(): void {
      if (kernelsWanted) return;
      kernelsWanted = true;
      link.whenRuntime((rt) => agg.attach(rt.kernels));
    },
    ready(): Promise<void> {
      x.wantKernels();
      return link.runtime().then(
        () => {},
        () => {},
      );
    },
    watch(metric: unknown, options: WatchOptions | undefined): () => void {
      x.wantKernels();
      const stop = rules.watch(String(metric), options && typeof options === 'object' ? options : {}, (a) => {
        emitter.emit('anomaly', a);
        events.emit(events.make('anomaly', 'anomaly', { ...a, timestamp: new Date(a.timestamp).toISOString() }, now()));
      });
      const unwatch = () => {
        watching.delete(unwatch);
        stop();
      };
      watching.add(unwatch);
      return unwatch;
    },
    alert: (name: unknown, options: AlertOptions) => rules.alert(String(name), options),
    slo: (name: unknown, options: SloOptions): (() => SloStatus) => rules.slo(String(name), options, now),
    exportMetrics,
    /** Exports metrics and evaluates alerts when due (what the timers do where there are timers). */
    tick(): void {
      const t = now();
      if (t - lastAlerts >= 1000) {
        lastAlerts = t;
        evaluateAlerts();
      }
      if (t - lastExport >= exportIntervalMs) {
        lastExport = t;
        exportMetrics();
      }
    },
    forecast(metric: unknown, options: ClientForecastOptions | undefined): Promise<ClientForecast | null> {
      x.wantKernels();
      const name = String(metric);
      const values = rules.values(name);
      return Promise.all([link.runtime(), link.parts()]).then(([, p]) => p.forecastMetric(name, values, options && typeof options === 'object' ? options : {}));
    },
    otlpBodies: () => parts().then((p) => p.otlpBodies),
    health: (): Health | null => link.current?.health() ?? null,
    runtimeMetrics: () => link.current?.metrics() ?? null,
    /** Installs autocapture with the errors the page raised before this code arrived. */
    autocapture(options: AutocaptureOptions, early: Event[]): void {
      if (closed) return;
      const ownEndpoints = c.endpoints.map((e) => {
        try {
          return e && typeof location !== 'undefined' ? new URL(e, location.href).href : (e ?? '');
        } catch {
          return e ?? '';
        }
      });
      const { track } = c;
      // Autocapture's own metrics (names and units are ours): straight to their writers.
      const writers = new Map<string, MetricWriter>();
      const write = guard((kind: 'histogram' | 'counter', metric: string, unit: string | undefined, value: number, attrs: Record<string, string>) => {
        let w = writers.get(metric);
        if (!w) writers.set(metric, (w = x.writer(kind, kind === 'counter' ? 'add' : 'record', metric, unit ? { unit } : undefined)));
        w(value, attrs, now());
      }, undefined);
      const record = (metric: string, unit: string, value: number, attrs: Record<string, string>) => write('histogram', metric, unit, value, attrs);
      const count = (metric: string, attrs: Record<string, string>) => write('counter', metric, undefined, 1, attrs);
      const webVitals = () => void link.parts().then((p) => p.observeWebVitals({ track, record }), () => {});
      cleanups.push(...installAutocapture(options, { page: c.page, track, record, count, webVitals, ownEndpoints }, early));
    },
    /** Sends an ended span's record (`e`: its event, as of its end). */
    spanEnded(e: WireEvent, span: Span & EndedSpan, ops: SpanOp[], endMs: number): void {
      e.traceId = span.traceId;
      e.spanId = span.spanId;
      const record = spanRecord(span, ops, endMs, fail);
      // Only what user code could set needs sanitizing; the rest of the record is ours.
      const clean: SpanRecord = {
        ...record,
        attributes: events.properties(record.attributes),
        events: record.events.length ? (events.properties({ events: record.events }).events as SpanRecord['events']) : record.events,
        status: record.status.message === undefined ? record.status : (events.properties({ status: record.status }).status as SpanRecord['status']),
      };
      e.properties = clean as unknown as Record<string, unknown>;
      events.emit(e, 'traces');
    },
    /** Stops the timers and undoes autocapture (code arriving later installs nothing). */
    stop(): void {
      closed = true;
      for (const t of timers) clearInterval(t);
      for (const f of cleanups.splice(0)) f();
    },
    /** Stops the watchers, frees the sketches and gives back this client's lease on the runtime. */
    close(): void {
      x.stop();
      for (const unwatch of [...watching]) unwatch();
      agg.dispose();
      link.close();
    },
  };
  return x;
}
