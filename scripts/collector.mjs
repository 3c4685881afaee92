// The collector of `npm start`: the package's own collector (avila-telemetry/collector, from
// dist/) — native JSON and OTLP/HTTP, each id stored once, batch status, forwarding — with a DuckDB
// store under .avila/ or a memory one, and around it what only the playground needs: a live stream
// of what arrives (GET /collect/stream, Server-Sent Events), counters (GET /collect/stats), the
// recent events (GET /collect/events), and fault injection (POST /collect/faults: failRate answers
// 500 without storing, down resets every connection). No API key: it listens on 127.0.0.1 for the
// playground only.
import { createCollector, duckdbStore, memoryStore, nodeRequest, sendNodeResponse } from '../dist/collector-node.mjs';
import { shopEvents } from '../dist/testing.mjs';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'content-type, content-encoding, authorization',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
};

/** Keeps the last `max` keys (insertion order), forgetting the oldest. */
class BoundedSet {
  constructor(max) {
    this.max = max;
    this.set = new Set();
  }
  has(k) {
    return this.set.has(k);
  }
  add(k) {
    this.set.add(k);
    if (this.set.size > this.max) this.set.delete(this.set.values().next().value);
  }
}

/**
 * @param {{ db?: string, maxEvents?: number, forwardOtlp?: string, log?: (m: string) => void }} options
 *   db: a DuckDB file (default: a memory store)
 */
export async function createDevCollector(options = {}) {
  const maxEvents = options.maxEvents ?? 10_000;
  const log = options.log ?? (() => {});
  const store = options.db ? await duckdbStore({ path: options.db }) : memoryStore();
  // What the playground shows: the first arrival of each id and each batch (the store keeps them all).
  const ids = new BoundedSet(200_000);
  const batches = new BoundedSet(50_000);
  const recent = [];
  const view = { byType: {}, byName: {}, drops: {}, otlpRecords: 0, bytesIn: 0, faultRequests: 0, faults: { failed: 0, reset: 0 } };
  const faults = { failRate: 0, down: false };
  const subscribers = new Set();
  let pending = [];

  const handler = createCollector({
    store,
    apiKeys: null,
    log,
    // Short windows, so the Analytics panel shows them within seconds. Latency: the ingest delay of
    // the page's own events (the synthetic shop's are history: left out).
    live: {
      windows: { '5s': { kind: 'tumbling', sizeMs: 5_000 }, '30s': { kind: 'sliding', sizeMs: 30_000, hopMs: 5_000 }, activity: { kind: 'session', gapMs: 10_000, maxMs: 600_000 } },
      latency: (e, at) => (e.app === 'shop' ? null : Math.max(0, at - Date.parse(e.timestamp))),
    },
    ...(options.forwardOtlp ? { forward: { otlpEndpoint: options.forwardOtlp, resource: { serviceName: 'avila-playground' } } } : {}),
    onStored(batch) {
      if (batch.batchId.startsWith('otlp-')) view.otlpRecords += batch.events.length;
      if (!batches.has(batch.batchId)) {
        batches.add(batch.batchId);
        for (const [k, v] of Object.entries(batch.drops ?? {})) view.drops[k] = (view.drops[k] ?? 0) + v;
      }
      for (const e of batch.events) {
        if (ids.has(e.id)) continue;
        ids.add(e.id);
        view.byType[e.type] = (view.byType[e.type] ?? 0) + 1;
        if (e.type === 'track') view.byName[e.name] = (view.byName[e.name] ?? 0) + 1;
        recent.push(e);
        if (recent.length > maxEvents) recent.shift();
        if (pending.length < 500) pending.push({ id: e.id, type: e.type, name: e.name, timestamp: e.timestamp, properties: e.type === 'anomaly' || e.type === 'alert' ? e.properties : undefined });
      }
    },
  });

  const stats = () => {
    const s = handler.stats();
    const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
    return {
      requests: s.requests + view.faultRequests,
      batches: s.batches,
      raw: s.inserted + s.duplicates,
      unique: s.inserted,
      duplicates: s.duplicates,
      bytesIn: view.bytesIn,
      otlpRecords: view.otlpRecords,
      rejected,
      forwarded: s.forward?.forwarded ?? 0,
      forwardErrors: (s.forward?.refused ?? 0) + (s.forward?.overflow ?? 0),
      byType: { ...view.byType },
      byName: { ...view.byName },
      drops: { ...view.drops },
      faults: { ...view.faults },
      store: store.kind,
    };
  };

  const publish = () => {
    const events = pending;
    pending = [];
    const message = `event: update\ndata: ${JSON.stringify({ stats: stats(), events })}\n\n`;
    for (const res of subscribers) res.write(message);
  };
  const timer = setInterval(publish, 250);
  timer.unref?.();

  const readBody = (req) =>
    new Promise((resolve, reject) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const json = (res, status, body) => res.writeHead(status, { ...CORS, 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

  /** Handles the collector's routes; false for any other path. */
  async function handle(req, res, url) {
    const path = url.pathname;
    if (!(path === '/collect' || path.startsWith('/collect/') || path.startsWith('/v1/') || path.startsWith('/analytics/'))) return false;
    if (req.method === 'POST' && path === '/collect/shop') {
      // The Analytics panel's synthetic shop, as app "shop": written to the store in batches of
      // 1,000, and shown to the live windows as it arrives.
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      const visitors = Math.min(20_000, Math.max(1, Math.floor(Number(body.visitors) || 2_000)));
      const seed = Number.isInteger(body.seed) ? body.seed : 1;
      let batch = [];
      let events = 0;
      const send = async () => {
        const stored = { batchId: `shop-${seed}-${visitors}-${events}`, app: 'shop', receivedAt: new Date().toISOString(), events: batch, drops: null };
        const result = await store.write(stored);
        if (result.inserted > 0) handler.live?.push(stored, batch, Date.now());
        events += batch.length;
        batch = [];
      };
      // Twelve weeks up to today (UTC midnight): the retention table's last cohorts are recent.
      const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 83 * 86_400_000;
      for (const e of shopEvents({ visitors, seed, app: 'shop', days: 84, start, churn: 0.25 })) {
        batch.push(e);
        if (batch.length === 1_000) await send();
      }
      if (batch.length) await send();
      return json(res, 200, { app: 'shop', visitors, events }), true;
    }
    if (req.method === 'GET' && path === '/collect/stream') {
      res.writeHead(200, { ...CORS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`event: update\ndata: ${JSON.stringify({ stats: stats(), events: recent.slice(-50).map((e) => ({ id: e.id, type: e.type, name: e.name, timestamp: e.timestamp })) })}\n\n`);
      subscribers.add(res);
      req.on('close', () => subscribers.delete(res));
      return true;
    }
    if (req.method === 'GET' && path === '/collect/stats') return json(res, 200, stats()), true;
    if (req.method === 'GET' && path === '/collect/events') return json(res, 200, recent.slice(-Number(url.searchParams.get('limit') ?? 1000))), true;
    if (path === '/collect/faults' && req.method !== 'OPTIONS') {
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        if (body.failRate !== undefined) faults.failRate = Math.min(1, Math.max(0, Number(body.failRate) || 0));
        if (body.down !== undefined) faults.down = body.down === true;
      }
      return json(res, 200, faults), true;
    }
    // Fault injection, for deliveries and batch-status questions: "down" resets connections,
    // failRate answers 500 without storing anything.
    if (faults.down && req.method !== 'OPTIONS') {
      view.faultRequests++;
      view.faults.reset++;
      req.socket.destroy();
      return true;
    }
    if (req.method === 'POST' && Math.random() < faults.failRate) {
      view.faultRequests++;
      view.faults.failed++;
      await readBody(req);
      return json(res, 500, { error: 'injected failure' }), true;
    }
    if (req.method === 'POST') view.bytesIn += Number(req.headers['content-length'] ?? 0) || 0;
    await sendNodeResponse(res, await handler(nodeRequest(req, `http://${req.headers.host ?? '127.0.0.1'}`)));
    return true;
  }

  return {
    handle,
    stats,
    faults,
    events: () => recent,
    async close() {
      clearInterval(timer);
      for (const res of subscribers) res.end();
      subscribers.clear();
      await handler.close(1_000);
      await store.close();
    },
  };
}
