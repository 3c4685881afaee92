// A collector for tests: Node http on 127.0.0.1, accepts native JSON batches (and OTLP/HTTP JSON
// on /v1/*), records every delivery, deduplicates by event id, and injects faults on request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface Faults {
  /** Fraction of requests answered 500 without recording. */
  failRate: number;
  /** Fraction answered 429 with Retry-After (seconds) without recording. */
  rate429: number;
  retryAfterSeconds: number;
  /** Fraction whose connection is reset before recording. */
  resetRate: number;
  /** Fraction recorded, then answered with a truncated response (the client sees a failure). */
  truncateRate: number;
  /** Delay before answering, ms. */
  delayMs: number;
  /** Every request's connection is reset: the collector is down. */
  down: boolean;
  /** Statuses to answer (without recording) for the next requests, in order. */
  nextStatuses: number[];
  /**
   * `GET …/batches/:id`: answered truthfully (default), absent (404, as a collector without the
   * route), or truthfully after `statusDelayMs`.
   */
  statusRoute?: 'truthful' | 'absent' | 'slow';
  statusDelayMs?: number;
}

export const NO_FAULTS: Faults = { failRate: 0, rate429: 0, retryAfterSeconds: 1, resetRate: 0, truncateRate: 0, delayMs: 0, down: false, nextStatuses: [] };

export interface Delivered {
  id: string;
  name: string;
  type: string;
  properties: Record<string, unknown>;
  [key: string]: unknown;
}

export interface CollectorStats {
  requests: number;
  batches: number;
  /** Events received, counting duplicates. */
  raw: number;
  unique: number;
  duplicates: number;
  /** Batch ids that arrived again with another set of events (must stay 0: a batchId names one set). */
  batchIdConflicts: number;
  /** Drop counts from client reports, summed once per batch id. */
  drops: Record<string, number>;
  /** Request body bytes as received (compressed when the client compressed). */
  bytesIn: number;
  /** Events received in other SDKs' formats (PostHog, Segment), for benchmarks. */
  peerEvents: number;
  faults: Record<'failed' | 'throttled' | 'reset' | 'truncated' | 'status', number>;
}

export interface TestCollector {
  url: string;
  faults: Faults;
  events: Map<string, Delivered>;
  /** OTLP bodies received, by signal. */
  otlp: { logs: unknown[]; metrics: unknown[]; traces: unknown[] };
  stats(): CollectorStats;
  reset(): void;
  close(): Promise<void>;
}

/** Events in a PostHog or Segment request body: a JSON array, {batch: [...]}, or one event. */
function countPeerEvents(text: string): number {
  try {
    let body: { batch?: unknown[]; event?: unknown; type?: unknown } | unknown[];
    if (text.startsWith('data=')) {
      const raw = Buffer.from(decodeURIComponent(text.slice(5).split('&')[0]!), 'base64');
      body = JSON.parse((raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8'));
    } else body = JSON.parse(text);
    if (Array.isArray(body)) return body.length;
    if (Array.isArray(body?.batch)) return body.batch.length;
    return body && typeof body === 'object' && ('event' in body || 'type' in body) ? 1 : 0;
  } catch {
    return 0;
  }
}

export async function startCollector(random: () => number = Math.random): Promise<TestCollector> {
  const events = new Map<string, Delivered>();
  const otlp = { logs: [] as unknown[], metrics: [] as unknown[], traces: [] as unknown[] };
  const seenBatches = new Set<string>();
  /** The events of each batch id, as sorted ids: the same id must always carry the same set. */
  const batchContents = new Map<string, string>();
  let batchIdConflicts = 0;
  const drops: Record<string, number> = {};
  const counters = { requests: 0, batches: 0, raw: 0, bytesIn: 0, peerEvents: 0 };
  const faultCounts = { failed: 0, throttled: 0, reset: 0, truncated: 0, status: 0 };
  const faults: Faults = { ...NO_FAULTS, nextStatuses: [] };
  const sockets = new Set<Socket>();

  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'content-type, content-encoding, authorization',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-max-age': '600',
  };

  const readBody = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const record = (text: string, path: string): boolean => {
    if (path.startsWith('/v1/')) {
      const signal = path.slice(4) as 'logs' | 'metrics' | 'traces';
      if (!(signal in otlp)) return false;
      otlp[signal].push(JSON.parse(text));
      return true;
    }
    const batch = JSON.parse(text) as { batchId: string; events: Delivered[]; clientReport?: { drops: Record<string, number> } };
    if (typeof batch.batchId !== 'string' || !Array.isArray(batch.events)) return false;
    counters.batches++;
    if (batch.clientReport && !seenBatches.has(batch.batchId)) {
      for (const [k, v] of Object.entries(batch.clientReport.drops)) drops[k] = (drops[k] ?? 0) + v;
    }
    seenBatches.add(batch.batchId);
    const content = batch.events.map((e) => e.id).sort().join(',');
    const before = batchContents.get(batch.batchId);
    if (before === undefined) batchContents.set(batch.batchId, content);
    else if (before !== content) batchIdConflicts++;
    for (const e of batch.events) {
      counters.raw++;
      if (!events.has(e.id)) events.set(e.id, e);
    }
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors).end();
      return;
    }
    const asked = /\/batches\/([^/]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    if (req.method === 'GET' && asked) {
      if (faults.down) {
        req.socket.destroy();
        return;
      }
      if (faults.statusRoute === 'absent') {
        res.writeHead(404, cors).end('no such route');
        return;
      }
      if (faults.statusRoute === 'slow') await new Promise((r) => setTimeout(r, faults.statusDelayMs ?? 3000));
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ received: seenBatches.has(decodeURIComponent(asked[1]!)) }));
      return;
    }
    if (req.method === 'GET') {
      // /__stats lets a page under test read what arrived (benchmarks); other GETs (PostHog's
      // flags) get an empty answer.
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(path === '/__stats' ? JSON.stringify(stats()) : '{}');
      return;
    }
    counters.requests++;
    if (faults.down) {
      faultCounts.reset++;
      req.socket.destroy();
      return;
    }
    if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
    const status = faults.nextStatuses.shift();
    if (status !== undefined) {
      faultCounts.status++;
      await readBody(req);
      res.writeHead(status, { ...cors, 'content-type': 'text/plain' }).end(`injected ${status}`);
      return;
    }
    const roll = random();
    if (roll < faults.resetRate) {
      faultCounts.reset++;
      req.socket.destroy();
      return;
    }
    if (roll < faults.resetRate + faults.failRate) {
      faultCounts.failed++;
      await readBody(req);
      res.writeHead(500, cors).end('injected failure');
      return;
    }
    if (roll < faults.resetRate + faults.failRate + faults.rate429) {
      faultCounts.throttled++;
      await readBody(req);
      res.writeHead(429, { ...cors, 'retry-after': String(faults.retryAfterSeconds) }).end('slow down');
      return;
    }
    let body = await readBody(req);
    counters.bytesIn += body.length;
    const url = new URL(req.url ?? '/', 'http://x');
    // gzip by its magic bytes: PostHog says compression=gzip-js in the URL, we say Content-Encoding.
    if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
    if (!url.pathname.startsWith('/collect') && !url.pathname.startsWith('/v1/')) {
      // Another SDK's request (PostHog: /e/, /batch/, /i/v0/e/; Segment: /batch, /t).
      counters.peerEvents += countPeerEvents(body.toString('utf8'));
      res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{"status":1}');
      return;
    }
    let ok = false;
    try {
      ok = record(body.toString('utf8'), new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      ok = false;
    }
    if (!ok) {
      res.writeHead(400, cors).end('not a batch');
      return;
    }
    if (random() < faults.truncateRate) {
      faultCounts.truncated++;
      res.writeHead(200, { ...cors, 'content-length': '100' });
      res.write('partial');
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{"ok":true}');
  };

  function stats(): CollectorStats {
    return {
      requests: counters.requests,
      batches: counters.batches,
      raw: counters.raw,
      unique: events.size,
      duplicates: counters.raw - events.size,
      batchIdConflicts,
      drops: { ...drops },
      bytesIn: counters.bytesIn,
      peerEvents: counters.peerEvents,
      faults: { ...faultCounts },
    };
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    events,
    otlp,
    stats,
    reset() {
      events.clear();
      seenBatches.clear();
      batchContents.clear();
      batchIdConflicts = 0;
      for (const k of Object.keys(drops)) delete drops[k];
      counters.requests = counters.batches = counters.raw = counters.bytesIn = counters.peerEvents = 0;
      Object.assign(faults, NO_FAULTS, { nextStatuses: [] });
    },
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
