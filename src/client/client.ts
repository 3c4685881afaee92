import { Delivery, type DeliveryOptions, type DeliveryStats } from '../delivery/delivery.js';
import { uuidv7 } from '../delivery/ids.js';
import type { EventContext, WireEvent } from '../delivery/types.js';
import type { KernelSource } from '../kernels/index.js';
import { createRuntime, type Health, type Runtime, type RuntimeMetrics, type RuntimeOptions, type WorkerBackend } from '../runtime/index.js';
import { buildContext, clock, isoTime, type AppInfo } from './context.js';
import { Emitter } from './emitter.js';
import { Metrics, type Instrument, type MetricKind, type MetricOptions, type MetricSnapshot } from './metrics.js';
import { DEFAULT_SANITIZE, sanitizeName, sanitizeProperties, type SanitizeLimits, type SanitizeReport } from './sanitize.js';
import { installAutocapture, type AutocaptureOptions } from './autocapture.js';
import { forecastMetric, History, type ClientForecast, type ClientForecastOptions } from './forecast.js';
import { scrubProperties } from './scrub.js';
import { Sessions } from './session.js';
import { createSpan, GuardedSpan, type Span, type SpanOptions } from './spans.js';
import { noopSpan } from './noop.js';
import type { SpanRecord } from '../delivery/encode/otlp.js';
import { browserStore, type KeyValueStore } from './storage.js';
import { AlertRule, Slo, Watcher, type AlertEvent, type AlertOptions, type AnomalyEvent, type SloOptions, type SloStatus, type WatchOptions } from './watch.js';

const NOOP_SPAN = noopSpan();

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
  metrics?: { exportIntervalMs?: number; maxSeriesPerMetric?: number; historySize?: number };
  limits?: Partial<SanitizeLimits>;
  delivery?: Omit<DeliveryOptions, 'endpoint' | 'otlpEndpoint' | 'apiKey' | 'onError' | 'onFlush' | 'resource'>;
  /** Worker runtime options (see docs/runtime.md). */
  runtime?: Omit<RuntimeOptions, 'wasm' | 'worker'>;
  wasm?: KernelSource;
  /** kernels.wasm URL (alias of `wasm`). */
  wasmUrl?: string;
  worker?: 'auto' | false | string | URL;
  /** Opt-in automatic capture (see docs/client.md): page views, errors, fetch/XHR, Web Vitals. */
  autocapture?: AutocaptureOptions;
  /** Key prefix in localStorage. Default 'avila'. */
  storageKey?: string;
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
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Resolves when the kernels and workers are up (watch, histogram quantiles). */
  readonly ready: Promise<void>;
  readonly anonymousId: string;
  readonly sessionId: string | null;
}

/** What the client needs of its delivery stage (the browser's queue-backed one, or the edge's). */
export type DeliveryPort = Pick<Delivery, 'enqueue' | 'countDrop' | 'setPaused' | 'clear' | 'flush' | 'shutdown' | 'stats'>;

/** Where a client runs: browsers take the defaults; the edge entry swaps in its own parts. */
export interface ClientHost {
  store?: KeyValueStore;
  delivery?: (options: DeliveryOptions) => DeliveryPort;
  /**
   * false: no background timers (workerd cancels timers with the request that set them); the
   * owner calls `tick()` instead, e.g. at the end of each request. Default true.
   */
  timers?: boolean;
  /** false: events carry no session (servers). Default true. */
  sessions?: boolean;
}

/** A client with the controls its host drives. */
export interface HostedClient {
  client: Client;
  /** Exports metrics and evaluates alerts when due (what the timers do where there are timers). */
  tick(): void;
  delivery: DeliveryPort;
}

/**
 * Creates a client. Never throws into the host page: every public method is guarded, failures go
 * to `on('error')` and to `diagnostics()`.
 */
export function createClient(config: ClientConfig, workers: WorkerBackend | null): Client {
  return hostClient(config, workers, {}).client;
}

/** createClient() for a given host (see ClientHost). */
export function hostClient(config: ClientConfig, workers: WorkerBackend | null, host: ClientHost): HostedClient {
  const store: KeyValueStore = host.store ?? browserStore();
  const prefix = config.storageKey ?? 'avila';
  const now = clock();
  const limits: SanitizeLimits = { ...DEFAULT_SANITIZE, ...config.limits };
  const report: SanitizeReport = { changed: 0 };
  const diag: ClientDiagnostics = { errors: 0, sanitized: 0, invalid: 0, sampled: 0, noConsent: 0 };
  const emitter = new Emitter<ClientEvents>(() => diag.errors++);
  const fail = (e: unknown) => {
    diag.errors++;
    emitter.emit('error', e instanceof Error ? e : new Error(String(e)));
  };
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => R, fallback: R) =>
    (...args: A): R => {
      try {
        return fn(...args);
      } catch (e) {
        fail(e);
        return fallback;
      }
    };
  const guardAsync =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> => {
      try {
        return fn(...args).catch(fail);
      } catch (e) {
        fail(e);
        return Promise.resolve();
      }
    };

  const dnt =
    config.respectDoNotTrack === true &&
    typeof navigator !== 'undefined' &&
    ((navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true || navigator.doNotTrack === '1');
  let optedOut = store.get(`${prefix}:optout`) === '1' || dnt;
  const consentKey = `${prefix}:consent`;
  let consented = !config.requireConsent || store.get(consentKey) === '1';
  /** Consent explicitly refused (as opposed to not given yet, when events wait in the queue). */
  let consentDenied = store.get(consentKey) === '0';

  let anonymousId = store.get(`${prefix}:anonymous_id`) ?? '';
  if (!anonymousId) {
    anonymousId = uuidv7();
    store.set(`${prefix}:anonymous_id`, anonymousId);
  }
  let userId: string | null = store.get(`${prefix}:user_id`);
  let superProperties: Record<string, unknown> = {};
  try {
    superProperties = JSON.parse(store.get(`${prefix}:super`) ?? '{}');
  } catch {}

  const scrubUrls = config.scrub?.urls !== false;
  let context: EventContext = buildContext(config.app ?? {}, scrubUrls);
  const sessions = new Sessions(store, `${prefix}:session`, { timeoutMs: config.session?.timeoutMs ?? 30 * 60_000, maxLengthMs: config.session?.maxLengthMs ?? 24 * 3_600_000 });

  if (!config.endpoint && !config.otlpEndpoint) throw new TypeError('init() needs endpoint (native JSON) or otlpEndpoint (OTLP/HTTP)');
  const delivery: DeliveryPort = (host.delivery ?? ((o: DeliveryOptions) => new Delivery(o)))({
    ...config.delivery,
    endpoint: config.endpoint,
    otlpEndpoint: config.otlpEndpoint,
    apiKey: config.apiKey,
    resource: { serviceName: config.app?.name ?? 'web', serviceVersion: config.app?.version, environment: config.app?.env },
    onError: fail,
    onFlush: (info) => emitter.emit('flush', info),
  });
  delivery.setPaused(!consented || optedOut);

  // ---- events ----

  const emitEvent = (event: WireEvent, signal: 'logs' | 'metrics' | 'traces' = 'logs') => {
    if (optedOut) return;
    if (consentDenied) {
      // Consent refused: nothing is kept; the count is reported once consent is given.
      diag.noConsent++;
      delivery.countDrop('no_consent');
      return;
    }
    let e: WireEvent | null = event;
    if (config.beforeSend) {
      try {
        e = config.beforeSend(event);
      } catch (err) {
        fail(err);
      }
      if (!e) {
        diag.sampled++;
        delivery.countDrop('sampled');
        return;
      }
    }
    delivery.enqueue(e, signal);
  };

  const makeEvent = (type: string, name: string, properties: Record<string, unknown>, t: number): WireEvent => {
    if (host.sessions === false) return baseEvent(type, name, properties, t, undefined);
    const change = sessions.touch(t);
    if (change) {
      if (change.ended) {
        emitEvent(baseEvent('session_end', 'session_end', { duration_ms: change.ended.lastActivity - change.ended.startedAt }, change.ended.lastActivity, change.ended.id));
      }
      emitEvent(baseEvent('session_start', 'session_start', {}, t, change.started.id));
    }
    return baseEvent(type, name, properties, t, sessions.current?.id);
  };

  const baseEvent = (type: string, name: string, properties: Record<string, unknown>, t: number, sessionId: string | undefined): WireEvent => ({
    id: uuidv7(t),
    type,
    name,
    timestamp: isoTime(t),
    ...(sessionId ? { sessionId } : {}),
    anonymousId,
    userId,
    properties,
    context,
  });

  const properties = (input: unknown): Record<string, unknown> => {
    const before = report.changed;
    const p = sanitizeProperties(input, limits, report);
    if (report.changed !== before) diag.sanitized++;
    return config.scrub?.properties ? scrubProperties(p) : p;
  };

  const sampledOut = (): boolean => {
    const r = config.eventSampleRate;
    if (r === undefined || r >= 1 || Math.random() < r) return false;
    diag.sampled++;
    delivery.countDrop('sampled');
    return true;
  };

  const track = guard((name: string, props?: Record<string, unknown>) => {
    if (optedOut) return;
    const n = sanitizeName(name, limits, report);
    if (n === null) {
      diag.invalid++;
      delivery.countDrop('invalid');
      return;
    }
    if (sampledOut()) return;
    const p = Object.keys(superProperties).length ? { ...superProperties, ...properties(props) } : properties(props);
    emitEvent(makeEvent('track', n, p, now()));
  }, undefined);

  const page = guard((props?: Record<string, unknown>) => {
    if (optedOut) return;
    context = buildContext(config.app ?? {}, scrubUrls);
    if (sampledOut()) return;
    emitEvent(makeEvent('page', context.page?.path ?? 'page', { ...superProperties, ...properties(props) }, now()));
  }, undefined);

  const identify = guard((id: string, traits?: Record<string, unknown>) => {
    if (optedOut) return;
    const u = sanitizeName(id, limits, report);
    if (u === null) {
      diag.invalid++;
      return;
    }
    userId = u;
    store.set(`${prefix}:user_id`, u);
    emitEvent(makeEvent('identify', 'identify', properties(traits), now()));
  }, undefined);

  const register = guard((props: Record<string, unknown>) => {
    superProperties = { ...superProperties, ...properties(props) };
    store.set(`${prefix}:super`, JSON.stringify(superProperties));
  }, undefined);

  const reset = guard(() => {
    const ended = sessions.end();
    if (ended && !optedOut) emitEvent(baseEvent('session_end', 'session_end', { duration_ms: ended.lastActivity - ended.startedAt }, now(), ended.id));
    userId = null;
    superProperties = {};
    anonymousId = uuidv7();
    store.remove(`${prefix}:user_id`);
    store.remove(`${prefix}:super`);
    store.set(`${prefix}:anonymous_id`, anonymousId);
  }, undefined);

  // ---- runtime, metrics, watching ----

  const watchers = new Map<string, Set<Watcher>>();
  const alerts = new Map<string, AlertRule>();
  const slos = new Map<string, { slo: Slo; metric: string }>();
  const recent = new History(Math.max(20, Math.min(100_000, Math.floor(Number(config.metrics?.historySize) || 1000))), 50);
  const metrics = new Metrics({ maxSeriesPerMetric: config.metrics?.maxSeriesPerMetric ?? 100, maxPending: 65_536 }, now, (metric, v) => {
    const t = now();
    recent.push(metric, v);
    const ws = watchers.get(metric);
    if (ws) for (const w of ws) w.push(v, t);
    for (const a of alerts.values()) if (a.options.metric === metric) a.push(v, t);
    for (const s of slos.values()) {
      if (s.metric !== metric) continue;
      let good = false;
      try {
        good = Boolean(s.slo.options.good(v));
      } catch (e) {
        fail(e);
      }
      s.slo.push(v, t, good);
    }
  });

  let runtime: Runtime | null = null;
  const wasm = config.wasm ?? config.wasmUrl;
  const ready = createRuntime({ ...config.runtime, ...(wasm !== undefined ? { wasm } : {}), ...(config.worker !== undefined ? { worker: config.worker } : {}) }, workers).then(
    (rt) => {
      runtime = rt;
      metrics.attach(rt.kernels);
    },
    (e: unknown) => fail(e),
  );

  const exportMetrics = () => {
    const t = now();
    for (const point of metrics.collect()) {
      emitEvent(baseEvent('metric', point.metric, point as unknown as Record<string, unknown>, t, sessions.current?.id), 'metrics');
    }
  };
  const exportIntervalMs = config.metrics?.exportIntervalMs ?? 10_000;
  const evaluateAlerts = () => {
    const t = now();
    for (const a of alerts.values()) {
      const transition = a.evaluate(t);
      if (!transition) continue;
      emitter.emit('alert', transition);
      emitEvent(makeEvent('alert', a.name, { ...transition }, t));
    }
  };
  const timers = host.timers === false ? [] : [setInterval(guard(exportMetrics, undefined), exportIntervalMs), setInterval(guard(evaluateAlerts, undefined), 1000)];
  for (const t of timers) (t as { unref?: () => void }).unref?.();
  let lastExport = now();
  let lastAlerts = lastExport;
  const tick = guard(() => {
    const t = now();
    if (t - lastAlerts >= 1000) {
      lastAlerts = t;
      evaluateAlerts();
    }
    if (t - lastExport >= exportIntervalMs) {
      lastExport = t;
      exportMetrics();
    }
  }, undefined);

  const finite = (v: unknown, what: string): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    diag.invalid++;
    delivery.countDrop('invalid');
    fail(new TypeError(`${what} must be a finite number, got ${String(v)}`));
    return null;
  };

  /**
   * One recording function for an instrument: validates the name once, then each value; a bad
   * name gives an instrument that does nothing (counted and reported).
   */
  const instrument = (kind: MetricKind, verb: string, name: unknown, options: MetricOptions | undefined, write: (metric: string, inst: Instrument, v: number, attrs?: Record<string, unknown>) => void) => {
    const metric = sanitizeName(name, limits, report);
    if (metric === null) {
      diag.invalid++;
      fail(new TypeError(`${kind}(name): name must be a non-empty string, got a ${typeof name}`));
      return () => {};
    }
    const inst = metrics.instrument(metric, kind, options);
    return guard((value: unknown, attrs?: Record<string, unknown>) => {
      const v = finite(value, `${kind}('${metric}').${verb}()`);
      if (v !== null) write(metric, inst, v, attrs);
    }, undefined);
  };
  const counter = guard(
    (name: string, options?: MetricOptions): Counter => {
      const add = instrument('counter', 'add', name, options, (m, i, v, a) => metrics.add(m, i, v, a));
      return { add: (n: number = 1, attrs?: Record<string, unknown>) => add(n, attrs) };
    },
    { add() {} },
  );
  const gauge = guard((name: string, options?: MetricOptions): Gauge => ({ set: instrument('gauge', 'set', name, options, (m, i, v, a) => metrics.set(m, i, v, a)) }), { set() {} });
  const histogram = guard((name: string, options?: MetricOptions): Histogram => ({ record: instrument('histogram', 'record', name, options, (m, i, v, a) => metrics.record(m, i, v, a)) }), { record() {} });

  const timer = <T>(name: string, fn: () => T): T => {
    const h = histogram(name, { unit: 'ms' });
    const t0 = typeof performance !== 'undefined' ? performance.now() : Date.now();
    const done = () => h.record((typeof performance !== 'undefined' ? performance.now() : Date.now()) - t0);
    const out = fn(); // the host's function: its exceptions are its own
    if (out && typeof (out as { then?: unknown }).then === 'function') {
      (out as unknown as Promise<unknown>).then(done, done);
    } else done();
    return out;
  };

  // ---- spans ----

  const openSpans: Span[] = [];
  const startSpan = guard((name: string, options: SpanOptions = {}): Span => {
    const span = createSpan(sanitizeName(name, limits, report) ?? 'span', options && typeof options === 'object' ? options : {}, config.tracesSampleRate ?? 1, now, (s, record, endMs) => {
      const i = openSpans.indexOf(s);
      if (i >= 0) openSpans.splice(i, 1);
      if (!s.sampled) {
        diag.sampled++;
        delivery.countDrop('sampled');
        return;
      }
      // Only what user code could set needs sanitizing; the rest of the record is ours.
      const clean: SpanRecord = {
        ...record,
        attributes: properties(record.attributes),
        events: record.events.length ? (properties({ events: record.events }).events as SpanRecord['events']) : record.events,
        status: record.status.message === undefined ? record.status : (properties({ status: record.status }).status as SpanRecord['status']),
      };
      const e = baseEvent('span', s.name, clean as unknown as Record<string, unknown>, endMs, sessions.current?.id);
      e.traceId = s.traceId;
      e.spanId = s.spanId;
      emitEvent(e, 'traces');
    });
    openSpans.push(span);
    if (openSpans.length > 1000) openSpans.shift(); // spans never ended must not pile up
    // The span's methods are public API too: guarded like every other.
    return new GuardedSpan(span, fail);
  }, NOOP_SPAN);

  const injectTraceHeaders = <H extends Headers | Record<string, string>>(headers: H, span?: Span): H => {
    try {
      const s = span ?? openSpans[openSpans.length - 1];
      if (!s) return headers;
      if (typeof Headers !== 'undefined' && headers instanceof Headers) headers.set('traceparent', s.traceparent());
      else (headers as Record<string, string>).traceparent = s.traceparent();
    } catch (e) {
      fail(e);
    }
    return headers;
  };

  const watch = guard((metric: string, options: WatchOptions = {}): (() => void) => {
    let watcher: Watcher | null = null;
    let stopped = false;
    const name = String(metric);
    const o: WatchOptions = options && typeof options === 'object' ? options : {};
    ready
      .then(() => {
        if (stopped || !runtime) return;
        watcher = new Watcher(name, o, runtime, (a) => {
          emitter.emit('anomaly', a);
          emitEvent(makeEvent('anomaly', 'anomaly', { ...a, timestamp: new Date(a.timestamp).toISOString() }, now()));
        }, fail);
        let set = watchers.get(name);
        if (!set) watchers.set(name, (set = new Set()));
        set.add(watcher);
      })
      .catch(fail); // bad options are reported, never an unhandled rejection in the host page
    return () => {
      stopped = true;
      if (watcher) {
        watchers.get(name)?.delete(watcher);
        watcher.dispose();
      }
    };
  }, () => {});

  const alert = guard((name: string, options: AlertOptions): (() => void) => {
    const rule = new AlertRule(String(name), options, (values, q) => {
      if (!runtime) return NaN;
      return runtime.kernels.quantilesSorted(values, [q])[0]!;
    });
    alerts.set(rule.name, rule);
    return () => alerts.delete(rule.name);
  }, () => {});

  const slo = guard((name: string, options: SloOptions): (() => SloStatus) => {
    const s = new Slo(String(name), options);
    slos.set(s.name, { slo: s, metric: options.metric });
    return () => s.status(now());
  }, () => ({ name: '', objective: 0, sli: 1, total: 0, good: 0, errorBudgetRemaining: 1, burnRate: 0 }));

  const forecast = (metric: string, options: ClientForecastOptions = {}): Promise<ClientForecast | null> => {
    try {
      const name = String(metric);
      const values = recent.values(name);
      const o = options && typeof options === 'object' ? options : {};
      return ready
        .then(() => {
          if (!runtime) throw new Error('forecast(): the kernels are not available');
          return forecastMetric(name, values, runtime, o);
        })
        .catch((e: unknown) => {
          fail(e);
          return null;
        });
    } catch (e) {
      fail(e);
      return Promise.resolve(null);
    }
  };

  // ---- autocapture ----

  const cleanups: (() => void)[] = installAutocapture(config.autocapture ?? {}, {
    page,
    track,
    record: (metric, unit, value, attrs) => histogram(metric, { unit }).record(value, attrs),
    count: (metric, attrs) => counter(metric).add(1, attrs),
    ownEndpoints: [config.endpoint ?? '', config.otlpEndpoint ?? ''].map((e) => {
      try {
        return e && typeof location !== 'undefined' ? new URL(e, location.href).href : e;
      } catch {
        return e;
      }
    }),
  });

  // ---- privacy, lifecycle ----

  const consent = guard((granted: boolean) => {
    consented = granted === true;
    consentDenied = !consented;
    store.set(consentKey, consented ? '1' : '0');
    delivery.setPaused(!consented || optedOut);
    if (!consented) {
      void delivery
        .clear()
        .then((n) => {
          diag.noConsent += n;
          delivery.countDrop('no_consent', n);
        })
        .catch(fail);
    }
  }, undefined);

  const optOut = guard(() => {
    optedOut = true;
    store.set(`${prefix}:optout`, '1');
    delivery.setPaused(true);
    void delivery.clear().catch(fail);
  }, undefined);

  const forget = guardAsync(async () => {
    consentDenied = false;
    sessions.end();
    for (const k of ['anonymous_id', 'user_id', 'super', 'consent', 'optout']) store.remove(`${prefix}:${k}`);
    userId = null;
    superProperties = {};
    anonymousId = uuidv7();
    store.set(`${prefix}:anonymous_id`, anonymousId);
    await delivery.clear();
  });

  const flush = guardAsync(async () => {
    exportMetrics();
    await delivery.flush();
  });

  const shutdown = guardAsync(async () => {
    for (const t of timers) clearInterval(t);
    for (const c of cleanups.splice(0)) c();
    exportMetrics();
    await delivery.shutdown();
    for (const set of watchers.values()) for (const w of set) w.dispose();
    watchers.clear();
    await ready;
    metrics.dispose();
    (runtime as Runtime | null)?.close();
  });

  const client: Client = {
    track,
    page,
    identify,
    register,
    reset,
    counter,
    gauge,
    histogram,
    timer,
    startSpan,
    injectTraceHeaders,
    watch,
    alert,
    slo,
    forecast,
    on: (type, listener) => {
      try {
        return emitter.on(type, listener);
      } catch {
        return () => {};
      }
    },
    metricsText: guard(() => {
      const extra = runtime ? runtime.metricsText() : '';
      return metrics.text() + extra;
    }, ''),
    metricsSnapshot: guard(() => metrics.snapshot(), []),
    health: guard(() => (runtime as Runtime | null)?.health() ?? null, null),
    runtimeMetrics: guard(() => (runtime as Runtime | null)?.metrics() ?? null, null),
    deliveryStats: () => delivery.stats(),
    diagnostics: () => ({ ...diag }),
    consent,
    optOut,
    forget,
    flush,
    shutdown,
    ready,
    get anonymousId() {
      return anonymousId;
    },
    get sessionId() {
      return sessions.current?.id ?? null;
    },
  };
  return { client, tick, delivery };
}
