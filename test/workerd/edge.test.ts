// avila-telemetry/edge in the real workerd runtime (miniflare): dist/edge.mjs and dist/kernels.wasm
// imported as a user's Worker bundle would, a test collector and an upstream on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Delivered, type TestCollector } from '../collector/collector.js';
import { ROOT } from '../helpers/server.js';
import { parsePrometheusText } from '../helpers/prometheus.js';
import { sleep, until } from '../helpers/wait.js';

const TOKEN = 'test-admin-token-0123456789';

async function startUpstream(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(String(req.headers.traceparent ?? ''));
    res.end('upstream');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

function worker(collector: TestCollector, upstream: string, compatibilityFlags: string[] = []): Miniflare {
  return new Miniflare({
    scriptPath: resolve(ROOT, 'test/workerd/worker.mjs'),
    modules: true,
    modulesRoot: ROOT,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags,
    bindings: { COLLECTOR: `${collector.url}/collect`, UPSTREAM: upstream, ADMIN_TOKEN: TOKEN },
  });
}

const byType = (c: TestCollector, type: string): Delivered[] => [...c.events.values()].filter((e) => e.type === type);
const spans = (c: TestCollector): (Delivered & { traceId?: string; spanId?: string })[] => byType(c, 'span');

describe('instrument() in workerd', () => {
  let collector: TestCollector;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let mf: Miniflare;
  let served = 0;
  const get = async (path: string, init?: { headers?: Record<string, string> }) => {
    const r = await mf.dispatchFetch(`http://edge.test${path}`, init);
    if (!path.startsWith('/__avila')) served++;
    return r;
  };
  const admin = (path: string) => mf.dispatchFetch(`http://edge.test/__avila${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

  beforeAll(async () => {
    collector = await startCollector();
    upstream = await startUpstream();
    mf = worker(collector, upstream.url);
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
    await upstream?.close();
    await collector?.close();
  });

  it('serves 2,000 requests; a latency shift half-way is flagged and reaches the collector as an anomaly event', async () => {
    const statuses: number[] = [];
    const run = async (from: number, to: number, delay: (i: number) => number) => {
      for (let i = from; i < to; i += 10) {
        // Each body is read as soon as its response arrives (miniflare wants bodies consumed at once).
        const rs = await Promise.all(
          Array.from({ length: 10 }, async (_, k) => {
            const r = await get(`/users/${i + k}?delay=${delay(i + k)}`);
            await r.arrayBuffer();
            return r.status;
          }),
        );
        statuses.push(...rs);
      }
    };
    await run(0, 1000, (i) => 2 + (i % 4));
    await run(1000, 2000, (i) => 60 + (i % 4));
    expect(statuses).toHaveLength(2000);
    expect(statuses.every((s) => s === 200)).toBe(true);
    // Batches leave at the end of requests: keep a trickle going until the anomaly has arrived.
    const anomaly = await until(async () => {
      await (await get('/ping')).arrayBuffer();
      return byType(collector, 'anomaly').find((e) => e.properties.metric === 'http.server.duration' && Number(e.properties.value) >= 60);
    }, 20_000);
    expect(anomaly.properties.method).toBe('zscore');
    expect(Number(anomaly.properties.score)).toBeGreaterThan(4);
    // The baseline it expected is the first phase's level, far below the shifted value (an order,
    // not a duration: both are wall-clock latencies of this machine).
    expect(Number(anomaly.properties.expected)).toBeLessThan(Number(anomaly.properties.value) / 2);
    // Every request also left a server span with its normalised route.
    await until(async () => {
      await (await get('/ping')).arrayBuffer();
      return spans(collector).filter((s) => s.name === 'GET /users/:id').length >= 2000;
    }, 20_000);
    expect(spans(collector).filter((s) => s.name === 'GET /users/:id')).toHaveLength(2000);
  });

  it('serves /__avila/metrics as Prometheus text with the golden signals, only with the bearer token', async () => {
    expect((await mf.dispatchFetch('http://edge.test/__avila/metrics')).status).toBe(401);
    expect((await mf.dispatchFetch('http://edge.test/__avila/metrics', { headers: { authorization: 'Bearer wrong-token-0123456789ab' } })).status).toBe(401);
    await (await get('/missing')).arrayBuffer();
    const r = await admin('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(await r.text());
    const requests = families.get('http_server_requests_total')!;
    expect(requests.type).toBe('counter');
    const total = requests.samples.reduce((t, s) => t + s.value, 0);
    expect(total).toBe(served);
    expect(requests.samples.find((s) => s.labels.route === '/missing' && s.labels.status_class === '4xx')?.value).toBe(1);
    // Recorded in ms, exposed in seconds (Prometheus base units).
    const duration = families.get('http_server_duration_seconds')!;
    expect(duration.type).toBe('summary');
    const users = duration.samples.filter((s) => s.labels.route === '/users/:id');
    const p50 = users.find((s) => s.labels.quantile === '0.5')!.value;
    const p99 = users.find((s) => s.labels.quantile === '0.99')!.value;
    expect(p50).toBeGreaterThanOrEqual(0.002);
    expect(p99).toBeGreaterThanOrEqual(0.06);
    expect(families.get('http_server_active_requests')!.type).toBe('gauge');
    const health = (await (await admin('/health')).json()) as { status: string; runtime: { status: string } };
    expect(['healthy', 'degraded']).toContain(health.status);
    expect((await admin('/nothing')).status).toBe(404);
  });

  it('forecasts a metric on /__avila/forecast and rejects a bad horizon by name', async () => {
    const bad = await admin('/forecast?metric=http.server.duration&horizon=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^horizon/);
    const r = await admin('/forecast?metric=http.server.duration&horizon=5');
    expect(r.status).toBe(200);
    const f = (await r.json()) as { mean: number[]; lower: number[][]; upper: number[][]; level: number[] };
    expect(f.mean).toHaveLength(5);
    expect(f.level).toEqual([80, 95]);
    for (let h = 0; h < 5; h++) {
      expect(f.lower[1]![h]!).toBeLessThanOrEqual(f.lower[0]![h]!);
      expect(f.lower[0]![h]!).toBeLessThanOrEqual(f.mean[h]!);
      expect(f.mean[h]!).toBeLessThanOrEqual(f.upper[0]![h]!);
    }
  });

  it('continues an incoming traceparent in the server span and into outgoing fetch()', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = await get('/upstream', { headers: { traceparent: `00-${traceId}-${parent}-01` } });
    expect(await r.text()).toBe('upstream');
    const sent = upstream.seen[upstream.seen.length - 1]!;
    expect(sent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const server = await until(async () => {
      await (await get('/ping')).arrayBuffer();
      return spans(collector).find((s) => s.traceId === traceId && s.name === 'GET /upstream');
    }, 10_000);
    expect(server.properties.parentSpanId).toBe(parent);
    expect(server.properties.kind).toBe(2);
    const client = await until(() => spans(collector).find((s) => s.traceId === traceId && s.properties.kind === 3), 10_000);
    // The outgoing request's traceparent names the client span, a child of the server span.
    expect(sent.split('-')[2]).toBe(client.spanId);
    expect(client.properties.parentSpanId).toBe(server.spanId);
  });

  it('a request that never settles stops counting after requestTimeoutMs: later requests still continue their trace (no AsyncLocalStorage)', async () => {
    const abort = new AbortController();
    const hanging = mf.dispatchFetch('http://edge.test/hang', { signal: abort.signal }).catch(() => null);
    await sleep(100);
    abort.abort();
    await hanging;
    await sleep(700); // past the worker's requestTimeoutMs (500)
    const traceId = 'c'.repeat(32);
    const r = await get('/upstream', { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(await r.text()).toBe('upstream');
    expect(upstream.seen[upstream.seen.length - 1]).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('with nodejs_compat (AsyncLocalStorage) concurrent requests each continue their own trace in outgoing fetch()', async () => {
    const compat = worker(collector, upstream.url, ['nodejs_compat']);
    try {
      const ids = Array.from({ length: 12 }, (_, i) => (i + 1).toString(16).padStart(32, 'a'));
      const from = upstream.seen.length;
      const texts = await Promise.all(ids.map(async (id) => (await compat.dispatchFetch('http://edge.test/upstream', { headers: { traceparent: `00-${id}-00f067aa0ba902b7-01` } })).text()));
      for (const t of texts) expect(t).toBe('upstream');
      const seen = upstream.seen.slice(from).map((t) => t.split('-')[1]);
      expect(seen.sort()).toEqual([...ids].sort());
    } finally {
      await compat.dispose();
    }
  });

  it('without async context, concurrent requests inject no traceparent rather than a wrong one', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => (i + 1).toString(16).padStart(32, 'b'));
    const from = upstream.seen.length;
    const texts = await Promise.all(ids.map(async (id) => (await get('/upstream', { headers: { traceparent: `00-${id}-00f067aa0ba902b7-01` } })).text()));
    for (const t of texts) expect(t).toBe('upstream');
    const seen = upstream.seen.slice(from);
    expect(seen).toHaveLength(8);
    // A header may only name the trace of the request that made the call (here: none while 8 overlap).
    for (const t of seen) if (t) expect(ids).toContain(t.split('-')[1]);
  });

  it('records a handler exception (500, error counter, $exception event) and rethrows it unchanged', async () => {
    const r = await get('/boom');
    expect(r.status).toBe(500);
    await r.arrayBuffer();
    const e = await until(async () => {
      await (await get('/ping')).arrayBuffer();
      return byType(collector, 'track').find((x) => x.name === '$exception' && x.properties.route === '/boom');
    }, 10_000);
    expect(e.properties.message).toBe('handler failed');
    const families = parsePrometheusText(await (await admin('/metrics')).text());
    expect(families.get('http_server_errors_total')!.samples.find((s) => s.labels.route === '/boom')?.value).toBe(1);
  });

  it('with the collector down every request still succeeds; nothing is lost once it is back', async () => {
    collector.faults.down = true;
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await get(`/down/${i}`);
      statuses.push(r.status);
      await r.arrayBuffer();
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const during = (await (await admin('/health')).json()) as { delivery: { retries: number; queued: number } };
    expect(during.delivery.retries).toBeGreaterThan(0);
    expect(during.delivery.queued).toBeGreaterThan(0);
    collector.faults.down = false;
    await until(async () => {
      await (await get('/ping')).arrayBuffer();
      return spans(collector).filter((s) => String(s.properties.attributes && (s.properties.attributes as Record<string, unknown>)['url.path']).startsWith('/down/')).length >= 200;
    }, 30_000);
    const paths = spans(collector).map((s) => String((s.properties.attributes as Record<string, unknown>)['url.path'])).filter((p) => p.startsWith('/down/'));
    expect(new Set(paths).size).toBe(200);
    expect(collector.stats().drops).toEqual({});
  });
});
