// The collector: a Fetch-API handler, `(Request) => Promise<Response>`, the same code in Node (see
// node.ts) and in Cloudflare Workers. It keeps the collector's side of the SDK's protocol
// (docs/wire-format.md): events deduplicated by id, a batch acknowledged only once its write is
// durable, `GET …/batches/:id` for the exit journal, drop reports stored once per batch.
import { AnalyticsInputError, type Analytics } from './analytics/query.js';
import { LiveWindows, type LiveOptions, type WindowResult } from './analytics/live.js';
import { Forwarder, type ForwardOptions, type ForwardStats } from './forward.js';
import { decodeOtlp, otlpEvents, type OtlpSignal } from './otlp/map.js';
import type { CollectorStore, StoredBatch, WriteResult } from './types.js';
import { InvalidBatch, readBatch } from './validate.js';

export interface CollectorLimits {
  /** Request body bytes as sent (compressed or not). Default 1 MiB. */
  maxBodyBytes: number;
  /** Body bytes after gunzip (a small gzip body can expand a thousandfold). Default 16 MiB. */
  maxDecodedBytes: number;
  /** Events per batch. Default 1,000 (the SDK sends at most 500). */
  maxEvents: number;
  /** Events accepted but not yet durable before new batches get 429. Default 100,000. */
  maxBacklog: number;
}

export interface CollectorOptions {
  store: CollectorStore;
  /**
   * API key → app name. The key comes in `Authorization: Bearer …`, `x-api-key`, or the batch's
   * `apiKey` field (the SDK's page-exit requests cannot set headers). `null` accepts every request
   * as app `default`: for local development only.
   */
  apiKeys: Record<string, string> | null;
  limits?: Partial<CollectorLimits>;
  /**
   * Secret keys for the `/analytics/*` endpoints: key → the app it reads, or `'*'` for every app
   * (the query names one in `app`). Ingest keys are public — they ship in pages — and never read.
   * Without it the endpoints answer 403, except with `apiKeys: null` (local development), where
   * they are open too.
   */
  analyticsKeys?: Record<string, string>;
  /** Origins allowed by CORS: `'*'` (default) or a list. */
  origins?: '*' | string[];
  /** One line per event worth logging (rejections, store failures). Default: none. */
  log?: (line: string) => void;
  /** The clock (ms since epoch), for tests. */
  now?: () => number;
  /** Also send everything stored on, as OTLP/HTTP, to an OpenTelemetry Collector (forward.ts). */
  forward?: ForwardOptions;
  /** Live windows over accepted events (GET /analytics/live, `handler.live`); `false` turns them off. Default: DEFAULT_WINDOWS. */
  live?: LiveOptions | false;
  /** Called with each batch once it is durable (live views, the playground's stream). Must not throw. */
  onStored?: (batch: StoredBatch, result: WriteResult) => void;
}

export interface CollectorStats {
  requests: number;
  batches: number;
  inserted: number;
  duplicates: number;
  /** Requests refused, by reason. */
  rejected: { unauthorized: number; invalid: number; tooLarge: number; throttled: number; unsupported: number; notFound: number };
  storeErrors: number;
  /** Forwarding's counters, or null without `forward`. */
  forward: ForwardStats | null;
}

export type CollectorHandler = ((request: Request) => Promise<Response>) & {
  stats(): CollectorStats;
  /** The live windows (subscribe() to each as it closes), or null with `live: false`. */
  live: LiveWindows | null;
  /** Forwards what is buffered (up to `timeoutMs`), then stops forwarding. The store is closed by its owner. */
  close(timeoutMs?: number): Promise<void>;
};

export const DEFAULT_LIMITS: CollectorLimits = { maxBodyBytes: 1 << 20, maxDecodedBytes: 16 << 20, maxEvents: 1000, maxBacklog: 100_000 };

/** An answer the handler gives instead of going on. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: keyof CollectorStats['rejected'] | null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Reads a body stream, refusing it past `max` bytes (413) without reading further. */
async function readLimited(stream: ReadableStream<Uint8Array> | null, max: number, what: string): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      throw new Refusal(413, `${what} is larger than ${max} bytes`, 'tooLarge');
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

async function gunzip(bytes: Uint8Array, max: number): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return await readLimited(stream, max, 'the decompressed body');
  } catch (e) {
    if (e instanceof Refusal) throw e;
    throw new Refusal(400, 'the body is not valid gzip', 'invalid');
  }
}

export function createCollector(options: CollectorOptions): CollectorHandler {
  if (!options || typeof options !== 'object') throw new TypeError('createCollector(options): options must be an object with store and apiKeys');
  const { store } = options;
  if (!store || typeof store.write !== 'function' || typeof store.hasBatch !== 'function') throw new TypeError('createCollector(): options.store must be a store (memoryStore(), duckdbStore(), d1Store())');
  if (options.apiKeys === undefined) throw new TypeError('createCollector(): options.apiKeys is required: { [apiKey]: appName }, or null to accept every request (local development only)');
  if (options.apiKeys !== null && (typeof options.apiKeys !== 'object' || Object.keys(options.apiKeys).length === 0)) throw new TypeError('createCollector(): options.apiKeys must map at least one API key to an app name, or be null');
  const keys = options.apiKeys === null ? null : new Map(Object.entries(options.apiKeys));
  if (options.analyticsKeys !== undefined && (typeof options.analyticsKeys !== 'object' || options.analyticsKeys === null || Object.keys(options.analyticsKeys).length === 0))
    throw new TypeError("createCollector(): options.analyticsKeys must map at least one secret key to an app name (or '*')");
  const analyticsKeys = options.analyticsKeys ? new Map(Object.entries(options.analyticsKeys)) : null;
  if (analyticsKeys && keys) for (const k of analyticsKeys.keys()) if (keys.has(k)) throw new TypeError('createCollector(): an analytics key is also an ingest key — ingest keys ship in pages, so analytics needs keys of its own');
  const limits: CollectorLimits = { ...DEFAULT_LIMITS, ...options.limits };
  for (const [k, v] of Object.entries(limits)) if (!Number.isInteger(v) || v <= 0) throw new TypeError(`createCollector(): options.limits.${k} must be a positive integer, got ${String(v)}`);
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const stats: Omit<CollectorStats, 'forward'> = { requests: 0, batches: 0, inserted: 0, duplicates: 0, rejected: { unauthorized: 0, invalid: 0, tooLarge: 0, throttled: 0, unsupported: 0, notFound: 0 }, storeErrors: 0 };
  const forwarder = options.forward ? new Forwarder(options.forward, log) : null;
  const live = options.live === false ? null : new LiveWindows(options.live ?? {});
  // Ids live windows have counted lately (a ring of the last 50,000): a retried batch's events are not counted twice.
  const counted = new Set<string>();
  const countedRing: (string | undefined)[] = new Array(50_000);
  let ringAt = 0;
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let timer: ReturnType<typeof setInterval> | null = null;
  let beats = 0;
  const encoder = new TextEncoder();
  /** Closes due windows every second while anyone listens; a comment every 15 s keeps proxies from closing the stream. */
  const listen = () => {
    if (timer || !live) return;
    timer = setInterval(() => {
      live.tick(now());
      if (++beats % 15 === 0)
        for (const c of streams) {
          try {
            c.enqueue(encoder.encode(': ping\n\n'));
          } catch {
            streams.delete(c); // closed under us
          }
        }
    }, 1000);
    (timer as { unref?: () => void }).unref?.();
  };
  const unlisten = () => {
    if (timer && streams.size === 0) {
      clearInterval(timer);
      timer = null;
    }
  };

  const cors = (request: Request): Record<string, string> => {
    const origin = request.headers.get('origin');
    const allowed = options.origins === undefined || options.origins === '*' ? '*' : origin && options.origins.includes(origin) ? origin : null;
    if (!allowed) return {};
    return {
      'access-control-allow-origin': allowed,
      'access-control-allow-headers': 'content-type, content-encoding, authorization, x-api-key',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-max-age': '600',
      ...(allowed !== '*' ? { vary: 'origin' } : {}),
    };
  };
  const json = (request: Request, status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...cors(request), ...headers } });

  /** The app a key belongs to; a Refusal (401) without a known key. */
  const appOf = (request: Request, bodyKey: unknown): string => {
    if (!keys) return 'default';
    const auth = request.headers.get('authorization');
    const key = (auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : null) ?? request.headers.get('x-api-key') ?? (typeof bodyKey === 'string' ? bodyKey : null);
    if (!key) throw new Refusal(401, 'an API key is required (Authorization: Bearer <key>, x-api-key, or the batch\'s apiKey)', 'unauthorized');
    const app = keys.get(key);
    if (app === undefined) throw new Refusal(401, 'unknown API key', 'unauthorized');
    return app;
  };

  /** The request body within the limits, gunzipped when it is gzip. */
  async function readBody(request: Request): Promise<Uint8Array> {
    if (store.backlog() >= limits.maxBacklog) throw new Refusal(429, 'the store is behind: retry later', 'throttled', { 'retry-after': '1' });
    const declared = Number(request.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBodyBytes) throw new Refusal(413, `the body is larger than ${limits.maxBodyBytes} bytes`, 'tooLarge');
    const bytes = await readLimited(request.body, limits.maxBodyBytes, 'the body');
    const encoding = (request.headers.get('content-encoding') ?? '').trim().toLowerCase();
    if (encoding === 'gzip' || (bytes[0] === 0x1f && bytes[1] === 0x8b)) return gunzip(bytes, limits.maxDecodedBytes);
    if (encoding !== '' && encoding !== 'identity') throw new Refusal(415, `content-encoding ${encoding} is not supported (gzip or none)`, 'unsupported');
    if (bytes.byteLength > limits.maxDecodedBytes) throw new Refusal(413, `the body is larger than ${limits.maxDecodedBytes} bytes`, 'tooLarge');
    return bytes;
  }

  /** Writes a batch; 200 with the counts once durable, 503 when the store fails. */
  async function persist(request: Request, batch: StoredBatch, ok: (result: { inserted: number; duplicates: number }) => Response): Promise<Response> {
    let result;
    try {
      result = await store.write(batch);
    } catch (e) {
      stats.storeErrors++;
      log(`store write failed (${batch.events.length} events of batch ${batch.batchId}, app ${batch.app}): ${(e as Error)?.message ?? e}; answered 503`);
      return json(request, 503, { error: 'the store could not write this batch: retry later' }, { 'retry-after': '1' });
    }
    stats.batches++;
    stats.inserted += result.inserted;
    stats.duplicates += result.duplicates;
    forwarder?.push(batch.events);
    // Live windows are kept while someone listens (an SSE stream or live.subscribe()): ingest pays nothing otherwise.
    if (live && live.subscribers > 0 && result.inserted > 0) {
      const fresh = batch.events.filter((e) => !counted.has(e.id));
      for (const e of fresh) {
        const old = countedRing[ringAt];
        if (old !== undefined) counted.delete(old);
        countedRing[ringAt] = e.id;
        ringAt = (ringAt + 1) % countedRing.length;
        counted.add(e.id);
      }
      live.push(batch, fresh, now());
    }
    try {
      options.onStored?.(batch, result);
    } catch (e) {
      log(`onStored threw: ${(e as Error)?.message ?? e}`);
    }
    return ok(result);
  }

  async function collect(request: Request): Promise<Response> {
    const bytes = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (e) {
      throw new Refusal(400, `the body is not JSON (${(e as Error).message})`, 'invalid');
    }
    const app = appOf(request, (body as { apiKey?: unknown } | null)?.apiKey);
    const count = (body as { events?: unknown } | null)?.events;
    if (Array.isArray(count) && count.length > limits.maxEvents) throw new Refusal(413, `a batch may hold at most ${limits.maxEvents} events, this one has ${count.length}: send smaller batches`, 'tooLarge');
    const batch = readBatch(body, app, new Date(now()).toISOString(), limits);
    return persist(request, batch, (result) => json(request, 200, { ok: true, ...result }));
  }

  /** OTLP/HTTP: the request's records as events; the answer an empty export response, in its encoding. */
  async function otlp(request: Request, signal: OtlpSignal): Promise<Response> {
    const app = appOf(request, undefined);
    const bytes = await readBody(request);
    const contentType = request.headers.get('content-type') ?? 'application/json';
    const decoded = decodeOtlp(signal, bytes, contentType);
    const receivedAt = new Date(now()).toISOString();
    // A retried request is the same bytes: the same batch id.
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
    const batchId = `otlp-${signal}-${Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    const events = await otlpEvents(signal, decoded, app, receivedAt, batchId);
    if (events.length > limits.maxEvents) throw new Refusal(413, `a request may hold at most ${limits.maxEvents} records, this one has ${events.length}: export smaller batches`, 'tooLarge');
    const protobuf = /protobuf/.test(contentType);
    return persist(request, { batchId, app, receivedAt, events, drops: null }, () =>
      protobuf ? new Response(new Uint8Array(0), { status: 200, headers: { 'content-type': 'application/x-protobuf', ...cors(request) } }) : json(request, 200, {}),
    );
  }

  /** The app an analytics request may read (null: any, named by the query), or a Refusal. */
  const analyticsApp = (request: Request, queryKey: string | null = null): string | null => {
    if (!analyticsKeys) {
      if (keys === null) return null;
      throw new Refusal(403, 'analytics is not enabled: give the collector analyticsKeys (secret keys, never the ingest keys pages carry)', 'unauthorized');
    }
    const auth = request.headers.get('authorization');
    const key = (auth?.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : null) ?? request.headers.get('x-api-key') ?? queryKey;
    if (!key) throw new Refusal(401, 'an analytics key is required (Authorization: Bearer <key>)', 'unauthorized');
    const app = analyticsKeys.get(key);
    if (app === undefined) throw new Refusal(401, 'unknown analytics key', 'unauthorized');
    return app === '*' ? null : app;
  };

  async function analyticsQuery(request: Request, kind: keyof Analytics): Promise<Response> {
    if (request.method !== 'POST') throw new Refusal(405, `POST a ${kind} query here (JSON)`, 'notFound', { allow: 'POST, OPTIONS' });
    const keyApp = analyticsApp(request);
    if (!store.analytics) throw new Refusal(501, `the ${store.kind} store has no analytics`, null);
    const bytes = await readLimited(request.body, 64 << 10, 'the query');
    let body: unknown;
    try {
      body = bytes.byteLength === 0 ? {} : JSON.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      return json(request, 400, { error: `body is not JSON (${(e as Error).message})`, parameter: 'body' });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return json(request, 400, { error: 'body must be a JSON object (the query)', parameter: 'body' });
    const asked = (body as { app?: unknown }).app;
    if (keyApp !== null && asked !== undefined && asked !== keyApp) return json(request, 403, { error: `this key reads app ${JSON.stringify(keyApp)} only`, parameter: 'app' });
    const app = keyApp ?? (asked === undefined && keys === null ? 'default' : asked);
    try {
      return json(request, 200, await store.analytics[kind]({ ...(body as object), app } as never));
    } catch (e) {
      if (e instanceof AnalyticsInputError) return json(request, 400, { error: e.message, parameter: e.parameter });
      log(`analytics ${kind} failed: ${(e as Error)?.message ?? e}`);
      return json(request, 500, { error: `the ${kind} query failed in the store: ${(e as Error)?.message ?? e}` });
    }
  }

  /** GET /analytics/live: each window as it closes, as Server-Sent Events (`event: window`). */
  function liveStream(request: Request, url: URL): Response {
    if (request.method !== 'GET') throw new Refusal(405, 'GET the live windows here (text/event-stream)', 'notFound', { allow: 'GET, OPTIONS' });
    // A browser's EventSource cannot set headers: the live stream also takes ?key=.
    const keyApp = analyticsApp(request, url.searchParams.get('key'));
    if (!live) throw new Refusal(404, 'live windows are off (createCollector({ live: false }))', 'notFound');
    const asked = url.searchParams.get('app');
    if (keyApp !== null && asked !== null && asked !== keyApp) return json(request, 403, { error: `this key reads app ${JSON.stringify(keyApp)} only`, parameter: 'app' });
    const app = keyApp ?? asked;
    const window = url.searchParams.get('window');
    if (window !== null && !(window in live.windows)) return json(request, 400, { error: `window ${JSON.stringify(window)} is not one of ${Object.keys(live.windows).join(', ')}`, parameter: 'window' });
    let unsubscribe = () => {};
    let mine: ReadableStreamDefaultController<Uint8Array> | null = null;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        mine = controller;
        streams.add(controller);
        controller.enqueue(encoder.encode(`retry: 3000\n: windows ${Object.keys(live.windows).join(', ')}\n\n`));
        unsubscribe = live.subscribe((r: WindowResult) => {
          if ((app === null || r.app === app) && (window === null || r.window === window)) controller.enqueue(encoder.encode(`event: window\ndata: ${JSON.stringify(r)}\n\n`));
        });
        listen();
      },
      cancel() {
        unsubscribe();
        if (mine) streams.delete(mine);
        unlisten();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store', ...cors(request) } });
  }

  const handler = async (request: Request): Promise<Response> => {
    stats.requests++;
    try {
      const url = new URL(request.url);
      const path = url.pathname.replace(/\/+$/, '');
      if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors(request) });
      const status = /\/collect\/batches\/([^/]+)$/.exec(path);
      if (status && request.method === 'GET') {
        // No key needed: it answers only whether an unguessable id (a UUIDv7) arrived.
        return json(request, 200, { received: await store.hasBatch(decodeURIComponent(status[1]!)) });
      }
      if (path.endsWith('/collect') || path === '/collect') {
        if (request.method !== 'POST') throw new Refusal(405, 'POST a batch here', 'notFound', { allow: 'POST, OPTIONS' });
        return await collect(request);
      }
      const signal = /\/v1\/(traces|logs|metrics)$/.exec(path)?.[1] as OtlpSignal | undefined;
      if (signal) {
        if (request.method !== 'POST') throw new Refusal(405, 'POST an OTLP export request here', 'notFound', { allow: 'POST, OPTIONS' });
        return await otlp(request, signal);
      }
      const analytics = /\/analytics\/(funnel|retention|sessions|attribution|experiment|rfm|segments|clv|quality)$/.exec(path)?.[1] as keyof Analytics | undefined;
      if (analytics) return await analyticsQuery(request, analytics);
      if (/\/analytics\/live$/.test(path)) return liveStream(request, url);
      if (path === '/health' && request.method === 'GET') return json(request, 200, { status: 'ok', store: store.kind, backlog: store.backlog() });
      throw new Refusal(404, `no route ${request.method} ${path || '/'}`, 'notFound');
    } catch (e) {
      const refusal =
        e instanceof Refusal ? e : e instanceof InvalidBatch ? new Refusal(400, e.message, 'invalid') : new Refusal(400, `the request could not be read (${(e as Error)?.message ?? e})`, 'invalid');
      if (refusal.reason) stats.rejected[refusal.reason]++;
      if (refusal.status !== 404 && refusal.status !== 429) log(`${request.method} ${new URL(request.url).pathname} → ${refusal.status}: ${refusal.message}`);
      return json(request, refusal.status, { error: refusal.message }, refusal.headers);
    }
  };
  return Object.assign(handler, {
    stats: (): CollectorStats => ({ ...structuredClone(stats), forward: forwarder?.stats() ?? null }),
    live,
    close: async (timeoutMs = 5_000) => {
      for (const c of streams) {
        try {
          c.close();
        } catch {
          // Already closed by its reader.
        }
      }
      streams.clear();
      unlisten();
      await forwarder?.flush(timeoutMs);
      forwarder?.close();
    },
  });
}
