// The client's first script: identity and consent, the event pipeline, instruments and spans over
// one delivery stage. What every page needs at once is here; the rest (the rules fed by
// metric values, forecasts, autocapture, the page's runtime) is deferred code (extras.ts), set up
// when its chunk arrives, and the calls made before then wait for it in order.
import { Delivery, emptyDeliveryStats, type DeliveryOptions } from '../delivery/delivery.js';
import type { Health } from '../runtime/index.js';
import { clock } from './context.js';
import { Emitter } from './emitter.js';
import { EventPipeline } from './events.js';
import type { ClientExtras } from './extras.js';
import { noDiagnostics } from './noop.js';
import type { ClientForecast, ClientForecastOptions } from './forecast/types.js';
import { Identity } from './identity.js';
import { createInstruments } from './instruments/instruments.js';
import { Later } from './later.js';
import { lazily } from '../chunks.js';
import { loadDeferred } from './load-deferred.js';
import { loadParts } from './load-parts.js';
import { DEFAULT_SANITIZE, sanitizeName, type SanitizeLimits } from './sanitize.js';
import { Sessions } from './session.js';
import { emptyStatus } from './slo/status.js';
import type { SloStatus } from './slo/types.js';
import { noopSpan } from './spans.js';
import { createTracing } from './tracing.js';
import { browserStore } from './storage.js';
import { idSource, sharedIds } from '../delivery/ids.js';
import type { Client, ClientConfig, ClientDiagnostics, ClientEvents, ClientHost, DeliveryPort, HostedClient } from './types.js';
import type { WatchOptions } from './watch/types.js';

export type * from './types.js';

const NOOP_SPAN = noopSpan();

/** init()'s endpoint check: an absolute http(s) URL, or a path on this page's origin. */
function endpointUrl(value: unknown, option: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = typeof value === 'string' || value instanceof URL ? String(value) : null;
  if (text === null || !/^(https?:\/\/|\/)/i.test(text)) {
    throw new TypeError(`init(): ${option} must be an absolute http(s) URL or a path starting with '/', got ${text === null ? `a ${typeof value}` : `'${text}'`}`);
  }
  return text;
}

/**
 * Creates a client. Never throws into the host page: every public method is guarded, failures go
 * to `on('error')` and to `diagnostics()`.
 */
export function createClient(config: ClientConfig): Client {
  return hostClient(config, {}).client;
}

/** createClient() for a given host (see ClientHost). */
export function hostClient(config: ClientConfig, host: ClientHost): HostedClient {
  if (config === undefined || config === null || typeof config !== 'object') {
    throw new TypeError('init() needs a config object: init({ endpoint: \'https://collector.example.com/collect\' })');
  }
  const endpoint = endpointUrl(config.endpoint, 'endpoint');
  const otlpEndpoint = endpointUrl(config.otlpEndpoint, 'otlpEndpoint');
  if (!endpoint && !otlpEndpoint) throw new TypeError('init() needs endpoint (native JSON) or otlpEndpoint (OTLP/HTTP)');

  const store = host.store ?? browserStore();
  // A test's clock and random source (ClientConfig.clock, .random), else the page's.
  const now = typeof config.clock === 'function' ? config.clock : clock();
  const random = typeof config.random === 'function' ? config.random : Math.random;
  const ids = typeof config.random === 'function' ? idSource(config.random) : sharedIds;
  const limits: SanitizeLimits = { ...DEFAULT_SANITIZE, ...config.limits };
  const diag: ClientDiagnostics = noDiagnostics();
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

  const identity = new Identity(store, { prefix: config.storageKey ?? 'avila', requireConsent: config.requireConsent === true, respectDoNotTrack: config.respectDoNotTrack === true, ids, now });
  const sessions =
    host.sessions === false
      ? null
      : new Sessions(store, `${config.storageKey ?? 'avila'}:session`, { timeoutMs: config.session?.timeoutMs ?? 30 * 60_000, maxLengthMs: config.session?.maxLengthMs ?? 24 * 3_600_000, ids });

  const delivery: DeliveryPort = (host.delivery ?? ((o: DeliveryOptions) => new Delivery(o)))({
    ...config.delivery,
    endpoint,
    otlpEndpoint,
    // OTLP encoding is on-demand code, reached through the deferred code (or its load error).
    otlp: () => later.load().then(deferred).then(() => x!.otlpBodies()),
    apiKey: config.apiKey,
    resource: { serviceName: config.app?.name ?? 'web', serviceVersion: config.app?.version, environment: config.app?.env },
    onError: fail,
    onFlush: (info) => emitter.emit('flush', info),
  });
  delivery.setPaused(identity.paused);
  const events = new EventPipeline({ config, identity, sessions, delivery, diag, limits, fail, ids, random });

  // ---- track, page, identify ----

  const track = guard((name: string, props?: Record<string, unknown>) => {
    if (identity.optedOut) return;
    const n = sanitizeName(name, limits, events.report);
    if (n === null) {
      diag.invalid++;
      delivery.countDrop('invalid');
      return;
    }
    if (events.sampledOut()) return;
    const sp = identity.superProperties;
    const p = Object.keys(sp).length ? { ...sp, ...events.properties(props) } : events.properties(props);
    events.emit(events.make('track', n, p, now()));
  }, undefined);

  const page = guard((props?: Record<string, unknown>) => {
    if (identity.optedOut) return;
    const context = events.refreshContext();
    if (events.sampledOut()) return;
    events.emit(events.make('page', context.page?.path ?? 'page', { ...identity.superProperties, ...events.properties(props) }, now()));
  }, undefined);

  const identify = guard((id: string, traits?: Record<string, unknown>) => {
    if (identity.optedOut) return;
    const u = sanitizeName(id, limits, events.report);
    if (u === null) {
      diag.invalid++;
      return;
    }
    identity.identify(u);
    events.emit(events.make('identify', 'identify', events.properties(traits), now()));
  }, undefined);

  const register = guard((props: Record<string, unknown>) => identity.register(events.properties(props)), undefined);

  const reset = guard(() => {
    const ended = sessions?.end();
    if (ended && !identity.optedOut) events.emit(events.sessionEnd(ended, now()));
    identity.reset();
  }, undefined);

  // ---- metrics, and the deferred code they bring ----

  /** The deferred code's part of the client (extras.ts), once its chunk arrived. */
  let x: ClientExtras | null = null;
  /** The deferred chunk (metric aggregation, rules, autocapture, span records), loaded on first use. */
  const deferred = lazily(loadDeferred, 'on-demand code (metrics, watch, alerts, SLOs, autocapture)', fail);
  /** Calls waiting for the deferred code: metric values, rules, ended spans (65,536 at most). */
  const later = new Later(
    65_536,
    deferred,
    (m) => {
      x = m.clientExtras({ config, host, emitter, events, countDrop: (r) => delivery.countDrop(r), diag, now, fail, guard, loadParts: host.parts ?? loadParts, track, page, endpoints: [endpoint, otlpEndpoint] });
    },
    fail,
    host.deferred,
  );
  /** Runs `f` with the deferred code once it is there: now, or in order with the values recorded meanwhile. */
  const run = (f: (x: ClientExtras) => void, bounded?: boolean) => later.run(() => f(x!), bounded);
  const instruments = createInstruments({ limits, report: events.report, diag, now, fail, writer: () => x?.writer ?? null, later: (f) => later.run(f, true) });

  /** Adds a rule once the deferred code is there (in order with the values recorded meanwhile); the function that removes it. */
  const rule = (add: (x: ClientExtras) => () => void): (() => void) => {
    let remove: (() => void) | null = null;
    let removed = false;
    run((x) => {
      if (!removed) remove = add(x);
    });
    return () => {
      removed = true;
      remove?.();
    };
  };

  /** A forecast of the values recorded so far (in the rules' history once the deferred code holds them). */
  const forecast = (metric: string, options?: ClientForecastOptions): Promise<ClientForecast | null> =>
    later
      .settled(10_000, true)
      .then(() => x?.forecast(metric, options) ?? null)
      .catch((e: unknown) => {
        fail(e);
        return null;
      });

  // ---- spans ----

  const tracing = createTracing({
    events,
    limits,
    sampleRate: config.tracesSampleRate ?? 1,
    now,
    ids,
    fail,
    sampledOut: () => {
      diag.sampled++;
      delivery.countDrop('sampled');
    },
    later: (f) => run(f, true),
    dropped: () => void diag.droppedSpans++,
  });

  // ---- autocapture: its code is deferred; errors the page raises meanwhile are kept for it (at most 100) ----

  const ac = config.autocapture ?? {};
  let stopKeeping = () => {};
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function' && (ac.pageviews || ac.errors || ac.network || ac.webVitals)) {
    const early: Event[] = [];
    const keep = (e: Event) => void (early.length < 100 && early.push(e));
    const types = ac.errors ? ['error', 'unhandledrejection'] : [];
    for (const t of types) window.addEventListener(t, keep);
    stopKeeping = () => types.forEach((t) => window.removeEventListener(t, keep));
    run((x) => {
      stopKeeping();
      x.autocapture(ac, early);
    });
  }

  // ---- privacy, lifecycle ----

  const consent = guard((granted: boolean) => {
    identity.consent(granted === true);
    delivery.setPaused(identity.paused);
    if (!identity.consented) {
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
    identity.optOut();
    delivery.setPaused(true);
    void delivery.clear().catch(fail);
  }, undefined);

  const forget = guardAsync(async () => {
    sessions?.end();
    identity.forget();
    await delivery.clear();
    delivery.setPaused(identity.paused);
  });

  const flush = guardAsync(async (timeoutMs?: number) => {
    const until = Date.now() + (typeof timeoutMs === 'number' && timeoutMs >= 0 ? timeoutMs : 10_000);
    // Values recorded before the aggregation arrived are exported with it (within the same time).
    await later.settled(until - Date.now());
    x?.exportMetrics();
    await delivery.flush(Math.max(0, until - Date.now()));
  });

  const shutdown = guardAsync(async () => {
    stopKeeping();
    x?.stop();
    await later.settled(5000);
    x?.exportMetrics();
    await delivery.shutdown();
    x?.close();
    later.dispose();
  });

  const client: Client = {
    track,
    page,
    identify,
    register,
    reset,
    counter: guard(instruments.counter, { add() {} }),
    gauge: guard(instruments.gauge, { set() {} }),
    histogram: guard(instruments.histogram, { record() {} }),
    timer: instruments.timer,
    startSpan: guard(tracing.startSpan, NOOP_SPAN),
    injectTraceHeaders: tracing.injectTraceHeaders,
    watch: guard((metric: string, options: WatchOptions = {}) => {
      return rule((x) => x.watch(metric, options));
    }, () => {}),
    alert: guard((name: string, options: AlertOptionsArg) => rule((x) => x.alert(name, options)), () => {}),
    slo: guard((name: string, options: SloOptionsArg) => {
      let status: (() => SloStatus) | null = null;
      rule((x) => ((status = x.slo(name, options)), () => {}));
      return () => status?.() ?? emptyStatus(String(name), Number(options?.objective) || 0);
    }, () => emptyStatus('', 0)),
    forecast,
    on: (type, listener) => emitter.on(type, listener), // Map and Set operations only: never throws
    metricsText: guard(() => x?.metricsText() ?? '', ''),
    metricsSnapshot: guard(() => x?.snapshot() ?? [], []),
    health: guard((): Health | null => {
      const h = x?.health() ?? null;
      const problem = (delivery as { storageProblem?: string | null }).storageProblem;
      if (!problem) return h;
      // Events kept in memory (IndexedDB never opened): degraded, said once here and in on('error').
      const storage = { name: 'storage', status: 'degraded' as const, detail: problem, ageMs: 0 };
      return { status: h?.status === 'unhealthy' ? 'unhealthy' : 'degraded', checks: [...(h?.checks ?? []), storage] };
    }, null),
    runtimeMetrics: guard(() => x?.runtimeMetrics() ?? null, null),
    // Never rejects (after shutdown, or with storage gone): reported, and an empty answer.
    deliveryStats: () =>
      Promise.resolve()
        .then(() => delivery.stats())
        .catch((e: unknown) => (fail(e), emptyDeliveryStats())),
    diagnostics: () => ({ ...diag, unsketched: x?.unsketched ?? 0 }),
    consent,
    optOut,
    forget,
    flush,
    shutdown,
    get ready() {
      return later.settled(30_000, true).then(() => x?.ready());
    },
    get anonymousId() {
      return identity.anonymousId;
    },
    get sessionId() {
      return sessions?.current?.id ?? null;
    },
  };
  return { client, tick: guard(() => x?.tick(), undefined), delivery };
}

type AlertOptionsArg = Parameters<Client['alert']>[1];
type SloOptionsArg = Parameters<Client['slo']>[1];
