// The collector the SDK's tests deliver to: the package's own collector (src/collector, a memory
// store, no API key) behind node:http on 127.0.0.1, with what delivery tests need around it —
// faults (failures, 429s, resets, truncated answers, scripted statuses, a slow or absent batch-status
// route), counts of raw deliveries and of batch ids that came back with other events, and the
// events other SDKs send (PostHog, Segment) counted for the benchmarks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createCollector, memoryStore, type StoredEvent } from '../../src/collector.js';
import { send, toRequest } from '../../src/collector/node.js';

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
  /** Every stored event by id (each id once), as the collector's store holds it. */
  events: ReadonlyMap<string, Delivered>;
  stats(): CollectorStats;
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
  const store = memoryStore();
  /** The events of each batch id, as sorted ids: the same id must always carry the same set. */
  const batchContents = new Map<string, string>();
  let batchIdConflicts = 0;
  const handler = createCollector({
    store,
    apiKeys: null,
    onStored(batch) {
      const content = batch.events.map((e) => e.id).sort().join(',');
      const before = batchContents.get(batch.batchId);
      if (before === undefined) batchContents.set(batch.batchId, content);
      else if (before !== content) batchIdConflicts++;
    },
  });
  const counters = { requests: 0, bytesIn: 0, peerEvents: 0 };
  const faultCounts = { failed: 0, throttled: 0, reset: 0, truncated: 0, status: 0 };
  const faults: Faults = { ...NO_FAULTS, nextStatuses: [] };
  const sockets = new Set<Socket>();
  const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type, content-encoding, authorization', 'access-control-allow-methods': 'POST, OPTIONS' };
  let base = '';

  const readBody = (req: import('node:http').IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const ours = path.startsWith('/collect') || path.startsWith('/v1/');
      if (req.method === 'GET' && /\/batches\/[^/]+$/.test(path)) {
        if (faults.down) return void req.socket.destroy();
        if (faults.statusRoute === 'absent') return void res.writeHead(404, cors).end('no such route');
        if (faults.statusRoute === 'slow') await new Promise((r) => setTimeout(r, faults.statusDelayMs ?? 3000));
      }
      if (req.method === 'GET' && !/\/batches\/[^/]+$/.test(path)) {
        // /__stats lets a page under test read what arrived (benchmarks); other GETs (PostHog's flags) get an empty answer.
        return void res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(path === '/__stats' ? JSON.stringify(stats()) : '{}');
      }
      if (req.method === 'POST') {
        counters.requests++;
        if (faults.down) {
          faultCounts.reset++;
          return void req.socket.destroy();
        }
        if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
        const status = faults.nextStatuses.shift();
        if (status !== undefined) {
          faultCounts.status++;
          await readBody(req);
          return void res.writeHead(status, { ...cors, 'content-type': 'text/plain' }).end(`injected ${status}`);
        }
        const roll = random();
        if (roll < faults.resetRate) {
          faultCounts.reset++;
          return void req.socket.destroy();
        }
        if (roll < faults.resetRate + faults.failRate) {
          faultCounts.failed++;
          await readBody(req);
          return void res.writeHead(500, cors).end('injected failure');
        }
        if (roll < faults.resetRate + faults.failRate + faults.rate429) {
          faultCounts.throttled++;
          await readBody(req);
          return void res.writeHead(429, { ...cors, 'retry-after': String(faults.retryAfterSeconds) }).end('slow down');
        }
        if (!ours) {
          // Another SDK's request (PostHog: /e/, /batch/, /i/v0/e/; Segment: /segment/batch, /t).
          let body = await readBody(req);
          counters.bytesIn += body.length;
          if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
          counters.peerEvents += countPeerEvents(body.toString('utf8'));
          return void res.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{"status":1}');
        }
        counters.bytesIn += Number(req.headers['content-length'] ?? 0) || 0;
      }
      const response = await handler(toRequest(req, base));
      if (req.method === 'POST' && response.ok && random() < faults.truncateRate) {
        // Stored, then the answer is cut off: the client sees a failure and sends the batch again.
        faultCounts.truncated++;
        res.writeHead(200, { ...cors, 'content-length': '100' });
        res.write('partial');
        return void req.socket.destroy();
      }
      await send(res, response);
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function stats(): CollectorStats {
    const h = handler.stats();
    return {
      requests: counters.requests,
      batches: h.batches,
      raw: h.inserted + h.duplicates,
      unique: store.events.size,
      duplicates: h.duplicates,
      batchIdConflicts,
      drops: { ...(store.drops.default ?? {}) },
      bytesIn: counters.bytesIn,
      peerEvents: counters.peerEvents,
      faults: { ...faultCounts },
    };
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    faults,
    events: store.events as ReadonlyMap<string, StoredEvent & Delivered>,
    stats,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}
