import type { Counter, Gauge, Histogram } from '../client/types.js';
import type { Span } from '../client/spans.js';
import type { WatchOptions } from '../client/watch/types.js';
import { AdminRoutes, type AdminOptions } from './admin.js';
import { createEdgeClient, edgeInternals, originalFetch, type EdgeClient, type EdgeClientConfig, type WaitUntil } from './client.js';
import { builtinModule } from '../kernels/load.js';
import { RouteNormalizer, type RouteOptions } from './routes.js';

/** The parts of a Workers module instrument() wraps; others pass through untouched. */
export interface WorkerModule<Env = unknown> {
  fetch?(request: Request, env: Env, ctx: WaitUntil): Response | Promise<Response>;
  scheduled?(controller: { cron?: string; scheduledTime?: number }, env: Env, ctx: WaitUntil): void | Promise<void>;
  queue?(batch: { queue?: string; messages?: readonly unknown[] }, env: Env, ctx: WaitUntil): void | Promise<void>;
  [key: string]: unknown;
}

export interface InstrumentOptions extends EdgeClientConfig {
  /** An existing client (createEdgeClient) to record into; the other client options are then ignored. */
  client?: EdgeClient;
  /** Route templates (`/users/:id`, `/assets/*`) or route options; unmatched paths are normalised (see docs/cloudflare.md). */
  routes?: string[] | RouteOptions;
  /** Fraction of requests whose server span is recorded when no sampled traceparent comes in (metrics always count every request). Default 1. */
  sampleRate?: number;
  /** Streaming anomaly detection on request latency; false turns it off. Default { detector: 'zscore', window: 120, threshold: 4 }. */
  anomaly?: WatchOptions | false;
  /** `/__avila/metrics`, `/__avila/health`, `/__avila/forecast`: off unless a bearer token is given. */
  admin?: AdminOptions;
  /** Continue the trace in outgoing fetch() calls made while handling a request (child span + traceparent). Default true. */
  traceFetch?: boolean;
  /**
   * A request not finished after this long stops counting as in flight (the active-requests
   * gauge, and choosing the span of an outgoing fetch where there is no AsyncLocalStorage): the
   * runtime may cancel a request whose handler never settles. Default 60,000 ms.
   */
  requestTimeoutMs?: number;
}

/** Metric names (OpenTelemetry HTTP semantic conventions, durations in ms like the browser client's http.client.duration). */
export const EDGE_METRICS = {
  duration: 'http.server.duration',
  requests: 'http.server.requests',
  errors: 'http.server.errors',
  active: 'http.server.active_requests',
  clientDuration: 'http.client.duration',
  scheduled: 'worker.scheduled.duration',
  queue: 'worker.queue.duration',
} as const;

const DEFAULT_ANOMALY: WatchOptions = { detector: 'zscore', window: 120, threshold: 4 };

const clockMs: () => number = typeof performance !== 'undefined' && typeof performance.now === 'function' ? () => performance.now() : () => Date.now();

interface AsyncStore {
  run<R>(store: Span, fn: () => R): R;
  getStore(): Span | undefined;
}

/** AsyncLocalStorage where the runtime has it (Node; workerd with the nodejs_compat flag). */
const als: AsyncStore | null = (() => {
  const m = builtinModule<{ AsyncLocalStorage: new () => AsyncStore }>('node:async_hooks');
  try {
    return m ? new m.AsyncLocalStorage() : null;
  } catch {
    return null;
  }
})();

interface InFlight {
  span: Span;
  client: EdgeClient;
  /** A request that never settles (cancelled by the runtime, a promise never resolved) stops counting then. */
  expiresAt: number;
}

/** Requests being handled in this isolate, for the span of an outgoing fetch when there is no AsyncLocalStorage. */
const inFlight = new Set<InFlight>();
/** Hard bound, whatever the timeouts: the oldest go first. */
const MAX_IN_FLIGHT = 10_000;

/** Forgets requests past their timeout (oldest first: a Set iterates in insertion order). */
function pruneInFlight(): void {
  const t = clockMs();
  for (const r of inFlight) {
    if (r.expiresAt > t && inFlight.size <= MAX_IN_FLIGHT) break;
    inFlight.delete(r);
  }
}

function enter(record: InFlight): void {
  pruneInFlight();
  inFlight.add(record);
}

const activeSpan = (): { span: Span; client: EdgeClient } | undefined => {
  pruneInFlight();
  const span = als?.getStore();
  if (span) {
    for (const r of inFlight) if (r.span === span) return r;
    return undefined;
  }
  // Without async context, the only request in flight is unambiguous; with several, none is.
  return inFlight.size === 1 ? inFlight.values().next().value : undefined;
};

let fetchPatched = false;
/** Wraps globalThis.fetch once per isolate: a client span per outgoing request, its traceparent injected. */
function patchFetch(): void {
  if (fetchPatched || typeof globalThis.fetch !== 'function' || !originalFetch) return;
  fetchPatched = true;
  const send = originalFetch;
  globalThis.fetch = function avilaFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const current = activeSpan();
    if (!current) return send(input, init);
    let request: Request;
    try {
      request = new Request(input, init);
      if (request.headers.has('traceparent')) return send(request);
    } catch {
      return send(input, init);
    }
    const { client } = current;
    let host = '';
    try {
      host = new URL(request.url).host;
    } catch {}
    const span = client.startSpan(`${request.method} ${host}`, { parent: current.span, kind: 3, attributes: { 'http.request.method': request.method, 'server.address': host } });
    request.headers.set('traceparent', span.traceparent());
    const t0 = clockMs();
    const done = (status: number) => {
      const attributes = { method: request.method, host, status_class: status === 0 ? 'error' : `${Math.floor(status / 100)}xx` };
      client.histogram(EDGE_METRICS.clientDuration, { unit: 'ms' }).record(clockMs() - t0, attributes);
      span.setAttribute('http.response.status_code', status);
      if (status === 0 || status >= 500) span.setStatus('error');
      span.end();
    };
    return send(request).then(
      (response) => {
        done(response.status);
        return response;
      },
      (e: unknown) => {
        done(0);
        throw e;
      },
    );
  } as typeof fetch;
}

interface IsolateState {
  client: EdgeClient;
  /** Frozen attribute sets by route, method and status class (the metrics cache their keys). */
  attributeSets: Map<string, Readonly<Record<string, string>>>;
  routes: RouteNormalizer;
  duration: Histogram;
  requests: Counter;
  errors: Counter;
  active: Gauge;
  admin: AdminRoutes | null;
  requestTimeoutMs: number;
}

/**
 * The path of an absolute URL, by string search: `new URL()` costs 10–30 µs per fresh request in
 * workerd (bench/edge.bench.ts), this well under one. Not decoded: route names keep the raw path.
 */
export function pathOf(url: string): string {
  const scheme = url.indexOf('://');
  const start = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
  if (start < 0) return '/';
  let end = url.length;
  const q = url.indexOf('?', start);
  if (q >= 0) end = q;
  const h = url.indexOf('#', start);
  if (h >= 0 && h < end) end = h;
  return url.slice(start, end) || '/';
}

const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

function attributeSet(s: IsolateState, route: string, method: string, status_class: string): Readonly<Record<string, string>> {
  const key = `${route} ${method} ${status_class}`;
  let a = s.attributeSets.get(key);
  if (!a) {
    if (s.attributeSets.size >= 4096) s.attributeSets.clear();
    s.attributeSets.set(key, (a = Object.freeze({ route, method, status_class })));
  }
  return a;
}

/**
 * Wraps a Workers module (or any `{ fetch(request, env, ctx) }` handler, Node included): every
 * request's latency, status, route, errors and the requests in flight become metrics (the four
 * golden signals), latency is scored for anomalies in this isolate with the streaming detector,
 * the incoming W3C traceparent is continued in a server span and into outgoing fetch() calls, and
 * batches leave through `ctx.waitUntil` — the response is never held back by telemetry. A handler's
 * exception is recorded and rethrown unchanged. See docs/cloudflare.md.
 */
export function instrument<Env = unknown, M extends WorkerModule<Env> = WorkerModule<Env>>(handler: M, options: InstrumentOptions | ((env: Env) => InstrumentOptions)): M {
  if (!handler || typeof handler !== 'object') throw new TypeError('instrument(handler): handler must be a Workers module object ({ fetch, scheduled?, queue? })');
  if (typeof options !== 'function' && (!options || typeof options !== 'object')) throw new TypeError('instrument(handler, options): options must be an object or a function of env');
  if (typeof options === 'object') AdminRoutes.check(options.admin);

  let state: IsolateState | null = null;
  let failed: unknown = null;
  const setup = (env: Env): IsolateState => {
    if (state) return state;
    if (failed !== null) throw failed; // reported once; later requests are served untouched quietly
    try {
      return (state = build(env));
    } catch (e) {
      failed = e ?? new Error('setup failed');
      if (typeof console !== 'undefined') console.error('avila-telemetry: instrument() could not start, requests are served untouched:', e);
      throw failed;
    }
  };
  const build = (env: Env): IsolateState => {
    const o = typeof options === 'function' ? options(env) : options;
    if (typeof options === 'function') AdminRoutes.check(o?.admin);
    const { client: given, routes, sampleRate, anomaly, admin, traceFetch, requestTimeoutMs, ...clientConfig } = o;
    const client = given ?? createEdgeClient({ ...clientConfig, ...(sampleRate !== undefined ? { tracesSampleRate: sampleRate } : {}) });
    const internals = edgeInternals(client);
    internals?.bindEnv(env);
    if (internals) internals.spanProvider = () => activeSpan()?.span;
    if (traceFetch !== false) patchFetch();
    if (anomaly !== false) client.watch(EDGE_METRICS.duration, { ...DEFAULT_ANOMALY, ...(anomaly ?? {}) });
    const s: IsolateState = {
      client,
      attributeSets: new Map(),
      routes: new RouteNormalizer(Array.isArray(routes) ? { patterns: routes } : (routes ?? {})),
      duration: client.histogram(EDGE_METRICS.duration, { unit: 'ms', description: 'Time to the response, by route, method and status class' }),
      requests: client.counter(EDGE_METRICS.requests, { description: 'Requests served' }),
      errors: client.counter(EDGE_METRICS.errors, { description: 'Requests answered 5xx or that threw' }),
      active: client.gauge(EDGE_METRICS.active, { description: 'Requests in flight in this isolate' }),
      admin: admin ? new AdminRoutes(admin, client, () => s.routes.overflow) : null,
      requestTimeoutMs: typeof requestTimeoutMs === 'number' && requestTimeoutMs > 0 ? requestTimeoutMs : 60_000,
    };
    return s;
  };

  const wrapped: WorkerModule<Env> = { ...handler };

  if (typeof handler.fetch === 'function') {
    const inner = handler.fetch.bind(handler);
    wrapped.fetch = (request: Request, env: Env, ctx: WaitUntil): Response | Promise<Response> => {
      let s: IsolateState;
      try {
        s = setup(env);
      } catch {
        return inner(request, env, ctx);
      }
      const path = pathOf(request.url);
      if (s.admin?.handles(path)) return s.admin.serve(request, path);
      return handle(s, request, env, ctx, path);
    };
  }

  const handle = (s: IsolateState, request: Request, env: Env, ctx: WaitUntil, path: string): Promise<Response> => {
    const t0 = clockMs();
    const method = request.method;
    let route = '';
    let record: InFlight;
    try {
      route = s.routes.normalize(path);
      const traceparent = request.headers.get('traceparent') ?? undefined;
      const span = s.client.startSpan(`${method} ${route}`, {
        kind: 2,
        ...(traceparent ? { parent: traceparent } : {}),
        attributes: { 'http.request.method': method, 'http.route': route, 'url.path': path },
      });
      record = { span, client: s.client, expiresAt: t0 + s.requestTimeoutMs };
      enter(record);
      s.active.set(inFlight.size);
    } catch {
      return Promise.resolve(handler.fetch!(request, env, ctx));
    }
    const finish = (status: number, error: unknown) => {
      try {
        inFlight.delete(record);
        const ms = clockMs() - t0;
        const attributes = attributeSet(s, route, method, error ? '5xx' : statusClass(status));
        s.duration.record(ms, attributes);
        s.requests.add(1, attributes);
        s.active.set(inFlight.size);
        const span = record.span;
        span.setAttribute('http.response.status_code', error ? 500 : status);
        if (error || status >= 500) s.errors.add(1, attributes);
        if (error) recordException(s, span, error, { route, method });
        else if (status >= 500) span.setStatus('error', `HTTP ${status}`);
        span.end();
        s.client.pump(ctx);
      } catch {}
    };
    const run = () => handler.fetch!(request, env, ctx);
    let out: Response | Promise<Response>;
    try {
      out = als ? als.run(record.span, run) : run();
    } catch (e) {
      finish(500, e);
      throw e;
    }
    return Promise.resolve(out).then(
      (response) => {
        finish(response?.status ?? 0, null);
        return response;
      },
      (e: unknown) => {
        finish(500, e);
        throw e;
      },
    );
  };

  if (typeof handler.scheduled === 'function') {
    const inner = handler.scheduled.bind(handler);
    wrapped.scheduled = (controller, env, ctx) => background(setupOrNull(setup, env), `scheduled ${controller?.cron ?? ''}`.trim(), EDGE_METRICS.scheduled, { cron: String(controller?.cron ?? '') }, ctx, () => inner(controller, env, ctx));
  }
  if (typeof handler.queue === 'function') {
    const inner = handler.queue.bind(handler);
    wrapped.queue = (batch, env, ctx) => background(setupOrNull(setup, env), `queue ${batch?.queue ?? ''}`.trim(), EDGE_METRICS.queue, { queue: String(batch?.queue ?? '') }, ctx, () => inner(batch, env, ctx));
  }
  return wrapped as M;
}

/** A thrown error: the span's status, and a `$exception` event with where it happened. */
function recordException(s: IsolateState, span: Span, error: unknown, where: Record<string, string>): void {
  const message = String((error as Error)?.message ?? error);
  span.setStatus('error', message);
  s.client.track('$exception', { message, stack: (error as Error)?.stack, ...where });
}

function setupOrNull<Env>(setup: (env: Env) => IsolateState, env: Env): IsolateState | null {
  try {
    return setup(env);
  } catch {
    return null;
  }
}

/** Cron and queue invocations: a span, a duration histogram, the error recorded and rethrown. */
function background(s: IsolateState | null, name: string, metric: string, attributes: Record<string, string>, ctx: WaitUntil, run: () => void | Promise<void>): Promise<void> {
  if (!s) return Promise.resolve(run());
  const t0 = clockMs();
  const span = s.client.startSpan(name, { kind: 5, attributes });
  const record = { span, client: s.client, expiresAt: t0 + s.requestTimeoutMs };
  enter(record);
  const done = (error: unknown) => {
    try {
      inFlight.delete(record);
      s.client.histogram(metric, { unit: 'ms' }).record(clockMs() - t0, { ...attributes, outcome: error ? 'error' : 'ok' });
      if (error) recordException(s, span, error, { invocation: name });
      span.end();
      s.client.pump(ctx);
    } catch {}
  };
  let out: void | Promise<void>;
  try {
    out = als ? als.run(span, run) : run();
  } catch (e) {
    done(e);
    throw e;
  }
  return Promise.resolve(out).then(
    () => done(null),
    (e: unknown) => {
      done(e);
      throw e;
    },
  );
}
