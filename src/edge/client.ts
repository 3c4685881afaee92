import { hostClient } from '../client/client.js';
import * as deferred from '../client/deferred.js';
import * as onDemand from '../client/on-demand.js';
import type { Client, ClientConfig, HostedClient } from '../client/types.js';
import type { Span } from '../client/spans.js';
import { noopClient } from '../client/noop.js';
import { EdgeDelivery } from '../delivery/edge-delivery.js';
import type { KeyValueStore } from '../client/storage.js';

/** createEdgeClient() options: the browser client's, without what has no meaning on a server. */
export type EdgeClientConfig = Omit<ClientConfig, 'autocapture' | 'worker' | 'requireConsent' | 'respectDoNotTrack' | 'session' | 'storageKey'>;

/** What a ctx.waitUntil takes: the Workers ExecutionContext, or nothing (Node). */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

export interface EdgeClient extends Client {
  /**
   * Sends what is due (metrics export, alert checks, batches) without holding anything back: pass
   * the request's ctx and the work goes to `ctx.waitUntil`. instrument() calls it after every
   * request; call it yourself at the end of handlers you do not wrap.
   */
  pump(ctx?: WaitUntil): void;
  /** The span of the request being handled (see instrument()), if any. */
  activeSpan(): Span | undefined;
}

function memoryStore(): KeyValueStore {
  const m = new Map<string, string>();
  return { persistent: false, get: (k) => m.get(k) ?? null, set: (k, v) => void m.set(k, v), remove: (k) => void m.delete(k) };
}

/** The fetch the SDK sends with, captured before instrument() wraps the global one. */
export const originalFetch: typeof fetch | undefined = typeof fetch === 'function' ? fetch.bind(globalThis) : undefined;

/** Work handed to the runtime or, without a ctx (Node), tracked here so shutdown() can wait for it. */
const detached = new Set<Promise<unknown>>();
function background(p: Promise<unknown>, ctx?: WaitUntil): void {
  if (ctx && typeof ctx.waitUntil === 'function') {
    ctx.waitUntil(p);
    return;
  }
  detached.add(p);
  void p.finally(() => detached.delete(p));
}

export interface EdgeInternals {
  /** Sets the span provider instrument() installs (AsyncLocalStorage or the only request in flight). */
  spanProvider: () => Span | undefined;
  /** The Worker's env, for a config given as a function of it (before the client is built). */
  bindEnv(env: unknown): void;
}

const internals = new WeakMap<EdgeClient, EdgeInternals>();
export const edgeInternals = (c: EdgeClient): EdgeInternals | undefined => internals.get(c);

/**
 * A client for code running in Cloudflare Workers or Node: the browser client's API (track,
 * counter/gauge/histogram, spans, watch, alerts, forecast), with kernels run inline, events kept in
 * a bounded in-memory buffer and no timers — batches go out from `pump()`, which instrument() calls
 * at the end of each request through `ctx.waitUntil`.
 *
 * Workers forbid random numbers and timers at global scope, so the client is built on first use
 * (inside a request); creating it at module scope is fine. `config` may be a function of the
 * Worker's `env` (secrets): instrument() passes env on the first request.
 */
export function createEdgeClient<Env = unknown>(config: EdgeClientConfig | ((env: Env) => EdgeClientConfig)): EdgeClient {
  let hosted: HostedClient | null = null;
  let broken: Client | null = null;
  let env: unknown;
  const state: EdgeInternals = {
    spanProvider: () => undefined,
    bindEnv: (e) => {
      if (!hosted && !broken) env = e;
    },
  };

  const get = (): Client => {
    if (hosted) return hosted.client;
    if (broken) return broken;
    try {
      const c = typeof config === 'function' ? config(env as Env) : config;
      if (!c || typeof c !== 'object') throw new TypeError('createEdgeClient(config): config must be an object (or a function of env returning one)');
      const delivery = c.delivery ?? {};
      hosted = hostClient(
        { ...c, worker: false, delivery: { ...delivery, ...(delivery.fetch || !originalFetch ? {} : { fetch: originalFetch }) } },
        // Workers have no Web Workers and no chunks to fetch: the on-demand code is bundled in.
        { store: memoryStore(), delivery: (o) => new EdgeDelivery(o), timers: false, sessions: false, workers: false, parts: () => Promise.resolve(onDemand), deferred },
      );
      return hosted.client;
    } catch (e) {
      if (typeof console !== 'undefined') console.error('avila-telemetry: createEdgeClient() failed, telemetry is off:', e);
      return (broken = noopClient());
    }
  };

  // Every method resolves the real client on call, so the facade can be created at global scope.
  const lazy = {} as Record<string, unknown>;
  const c0 = noopClient();
  for (const key of Object.keys(c0) as (keyof Client)[]) {
    if (key === 'ready' || key === 'anonymousId' || key === 'sessionId') continue;
    lazy[key] = (...args: unknown[]) => (get()[key] as (...a: unknown[]) => unknown)(...args);
  }
  const client = Object.defineProperties(lazy, {
    ready: { get: () => get().ready },
    anonymousId: { get: () => get().anonymousId },
    sessionId: { get: () => null },
  }) as unknown as EdgeClient;
  client.pump = (ctx?: WaitUntil) => {
    get();
    if (!hosted) return;
    const h = hosted;
    try {
      h.tick();
      const d = h.delivery as EdgeDelivery;
      if (d.due()) background(d.pump(), ctx);
    } catch {}
  };
  client.activeSpan = () => {
    try {
      return state.spanProvider();
    } catch {
      return undefined;
    }
  };
  // Outside a request the host keeps nothing running: shutdown also waits for detached sends.
  const shutdown = client.shutdown;
  client.shutdown = async () => {
    await shutdown();
    await Promise.allSettled([...detached]);
  };
  internals.set(client, state);
  return client;
}
