// The embedded collector of `npm start`: native JSON batches (POST /collect, gzip or plain) and
// OTLP/HTTP JSON (POST /v1/logs|metrics|traces), deduplicated by event id, kept in memory within
// bounds, streamed to pages as Server-Sent Events (GET /collect/stream), with fault injection for
// the playground (POST /collect/faults) and, with FORWARD_OTLP, a copy of everything sent on to an
// OpenTelemetry Collector.
import { gunzipSync } from 'node:zlib';

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
 * @param {{ maxEvents?: number, forwardOtlp?: string, toOtlp?: (events: object[]) => Record<string, string>, log?: (m: string) => void }} options
 */
export function createCollector(options = {}) {
  const maxEvents = options.maxEvents ?? 10_000;
  const log = options.log ?? (() => {});
  const ids = new BoundedSet(200_000);
  const batches = new BoundedSet(50_000);
  /** The last `maxEvents` unique events, oldest first. */
  const recent = [];
  const stats = { requests: 0, batches: 0, raw: 0, unique: 0, duplicates: 0, bytesIn: 0, otlpRecords: 0, rejected: 0, forwarded: 0, forwardErrors: 0, byType: {}, byName: {}, drops: {}, faults: { failed: 0, reset: 0 } };
  const faults = { failRate: 0, down: false };
  const subscribers = new Set();
  let pending = [];

  const publish = () => {
    const batch = pending;
    pending = [];
    const message = `event: update\ndata: ${JSON.stringify({ stats, events: batch })}\n\n`;
    for (const res of subscribers) res.write(message);
  };
  const timer = setInterval(publish, 250);
  timer.unref?.();

  const forward = (signal, body) => {
    if (!options.forwardOtlp) return;
    fetch(`${options.forwardOtlp.replace(/\/$/, '')}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then((r) => {
        if (r.ok) stats.forwarded++;
        else {
          stats.forwardErrors++;
          log(`FORWARD_OTLP: ${signal} answered ${r.status}`);
        }
      })
      .catch((e) => {
        stats.forwardErrors++;
        log(`FORWARD_OTLP: ${signal} failed: ${e.message}`);
      });
  };

  const keep = (e) => {
    stats.raw++;
    if (typeof e?.id !== 'string' || ids.has(e.id)) {
      stats.duplicates++;
      return false;
    }
    ids.add(e.id);
    stats.unique++;
    stats.byType[e.type] = (stats.byType[e.type] ?? 0) + 1;
    if (e.type === 'track') stats.byName[e.name] = (stats.byName[e.name] ?? 0) + 1;
    recent.push(e);
    if (recent.length > maxEvents) recent.shift();
    if (pending.length < 500) pending.push({ id: e.id, type: e.type, name: e.name, timestamp: e.timestamp, properties: e.type === 'anomaly' || e.type === 'alert' ? e.properties : undefined });
    return true;
  };

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
    if (!(path === '/collect' || path.startsWith('/collect/') || path.startsWith('/v1/'))) return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return true;
    }
    if (req.method === 'GET' && path === '/collect/stream') {
      res.writeHead(200, { ...CORS, 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write(`event: update\ndata: ${JSON.stringify({ stats, events: recent.slice(-50) })}\n\n`);
      subscribers.add(res);
      req.on('close', () => subscribers.delete(res));
      return true;
    }
    if (req.method === 'GET' && path === '/collect/stats') return json(res, 200, stats), true;
    if (req.method === 'GET' && path === '/collect/events') return json(res, 200, recent.slice(-Number(url.searchParams.get('limit') ?? 1000))), true;
    if (path === '/collect/faults') {
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}');
        if (body.failRate !== undefined) faults.failRate = Math.min(1, Math.max(0, Number(body.failRate) || 0));
        if (body.down !== undefined) faults.down = body.down === true;
      }
      return json(res, 200, faults), true;
    }
    const asked = /^\/collect\/batches\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && asked) {
      if (faults.down) return req.socket.destroy(), true;
      return json(res, 200, { received: batches.has(decodeURIComponent(asked[1])) }), true;
    }
    if (req.method !== 'POST') return json(res, 405, { error: 'POST a batch' }), true;
    stats.requests++;
    // Fault injection: "offline" resets connections, failRate answers 500 without keeping anything.
    if (faults.down) {
      stats.faults.reset++;
      req.socket.destroy();
      return true;
    }
    let body = await readBody(req);
    if (Math.random() < faults.failRate) {
      stats.faults.failed++;
      return json(res, 500, { error: 'injected failure' }), true;
    }
    stats.bytesIn += body.length;
    if (body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
    let parsed;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      stats.rejected++;
      return json(res, 400, { error: 'body is not JSON (OTLP/HTTP protobuf is not accepted here: use JSON)' }), true;
    }
    if (path.startsWith('/v1/')) {
      const signal = path.slice(4);
      if (!['logs', 'metrics', 'traces'].includes(signal)) return json(res, 404, { error: 'unknown signal' }), true;
      const records = JSON.stringify(parsed).match(/"(timeUnixNano|startTimeUnixNano)"/g)?.length ?? 0;
      stats.otlpRecords += records;
      forward(signal, body.toString('utf8'));
      return json(res, 200, {}), true;
    }
    if (typeof parsed?.batchId !== 'string' || !Array.isArray(parsed.events)) {
      stats.rejected++;
      return json(res, 400, { error: 'not a batch: { batchId, events: [...] } expected' }), true;
    }
    stats.batches++;
    if (parsed.clientReport?.drops && !batches.has(parsed.batchId)) {
      for (const [k, v] of Object.entries(parsed.clientReport.drops)) stats.drops[k] = (stats.drops[k] ?? 0) + v;
    }
    batches.add(parsed.batchId);
    const fresh = [];
    for (const e of parsed.events) {
      const full = e.context || !parsed.context ? e : { ...e, context: parsed.context };
      if (keep(full)) fresh.push(full);
    }
    if (fresh.length && options.forwardOtlp && options.toOtlp) {
      for (const [signal, otlpBody] of Object.entries(options.toOtlp(fresh))) forward(signal, otlpBody);
    }
    return json(res, 200, { ok: true }), true;
  }

  return {
    handle,
    stats: () => structuredClone(stats),
    faults,
    events: () => recent,
    close() {
      clearInterval(timer);
      for (const res of subscribers) res.end();
      subscribers.clear();
    },
  };
}
