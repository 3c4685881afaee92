// The edge entry in Node 20: dist/edge.mjs (as published) wrapping a fetch-style handler served by
// node:http through toNodeListener(); kernels.wasm found next to the bundle.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { parsePrometheusText } from '../helpers/prometheus.js';
import { sleep, until } from '../helpers/wait.js';

type Edge = typeof import('../../src/edge.js');
const TOKEN = 'node-admin-token-0123456789';

describe('avila-telemetry/edge in Node (node:http)', () => {
  let edge: Edge;
  let collector: TestCollector;
  let server: Server;
  let base: string;
  let client: import('../../src/edge.js').EdgeClient;
  const upstreamSeen: string[] = [];
  let upstream: Server;
  let upstreamUrl: string;

  beforeAll(async () => {
    edge = (await import(/* @vite-ignore */ new URL('../../dist/edge.mjs', import.meta.url).href)) as Edge;
    collector = await startCollector();
    upstream = createServer((req, res) => {
      upstreamSeen.push(String(req.headers.traceparent ?? ''));
      res.end('up');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    client = edge.createEdgeClient({ endpoint: `${collector.url}/collect`, app: { name: 'node-test' }, delivery: { batch: { intervalMs: 50 } }, metrics: { exportIntervalMs: 500 } });
    const worker = edge.instrument(
      {
        async fetch(request: Request) {
          const url = new URL(request.url);
          if (url.pathname === '/call') return new Response(await (await fetch(`${upstreamUrl}/x`)).text());
          if (url.pathname === '/track') {
            client.track('checkout', { amount: 42 });
            return new Response('tracked');
          }
          await sleep(Number(url.searchParams.get('delay') ?? 0));
          return Response.json({ path: url.pathname });
        },
      },
      { client, routes: ['/items/:id'], admin: { token: TOKEN } },
    );
    server = createServer(edge.toNodeListener(worker));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await new Promise((r) => upstream?.close(r));
    await client?.shutdown();
    await collector?.close();
  });

  it('records every request, flags a latency shift and delivers the anomaly and the events', async () => {
    for (let i = 0; i < 400; i++) {
      const delay = i < 200 ? 1 + (i % 3) : 30 + (i % 3);
      const r = await fetch(`${base}/items/${i}?delay=${delay}`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { path: string }).path).toBe(`/items/${i}`);
    }
    const anomaly = await until(async () => {
      await (await fetch(`${base}/ping`)).text();
      return [...collector.events.values()].find((e) => e.type === 'anomaly' && Number(e.properties.value) >= 30);
    }, 10_000);
    expect(anomaly.properties.metric).toBe('http.server.duration');
    await (await fetch(`${base}/track`)).text();
    await client.flush();
    const tracked = [...collector.events.values()].filter((e) => e.name === 'checkout');
    expect(tracked).toHaveLength(1);
    expect(tracked[0]!.properties.amount).toBe(42);
    const text = await (await fetch(`${base}/__avila/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const requests = parsePrometheusText(text).get('http_server_requests_total')!;
    expect(requests.samples.filter((s) => s.labels.route === '/items/:id').reduce((t, s) => t + s.value, 0)).toBe(400);
  });

  it('continues the incoming trace into outgoing fetch() (AsyncLocalStorage), also for overlapping requests', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => (i + 1).toString(16).padStart(32, 'c'));
    const from = upstreamSeen.length;
    await Promise.all(ids.map(async (id) => (await fetch(`${base}/call`, { headers: { traceparent: `00-${id}-00f067aa0ba902b7-01` } })).text()));
    expect(upstreamSeen.slice(from).map((t) => t.split('-')[1]).sort()).toEqual([...ids].sort());
  });

  it('returns a 500 from toNodeListener when the handler throws, and the server keeps serving', async () => {
    const worker = edge.instrument({ fetch: () => { throw new Error('bad'); } }, { client });
    const s = createServer(edge.toNodeListener(worker));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/x`;
      const r = await fetch(url);
      expect(r.status).toBe(500);
      expect(await r.text()).toBe('internal error\n');
      expect((await fetch(url)).status).toBe(500);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });
});
