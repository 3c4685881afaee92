// The DuckDB store and the collector served over HTTP: exactly once at rest, drop reports once per
// batch, the documented views, persistence across a restart, the SDK delivering through it, and
// a collector killed with SIGKILL mid-load losing nothing it acknowledged.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector, duckdbStore, serveCollector } from '../../src/collector-node.js';
import { init } from '../../src/index.js';
import type { StoredBatch } from '../../src/collector/types.js';

const dir = mkdtempSync(join(tmpdir(), 'avila-duckdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
const id = () => `0190a000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const stored = (events: { id: string; type?: string; properties?: Record<string, unknown> }[], drops: Record<string, number> | null = null, batchId = id()): StoredBatch => ({
  batchId,
  app: 'shop',
  receivedAt: '2026-11-28T10:00:01.000Z',
  drops,
  events: events.map((e) => ({ id: e.id, app: 'shop', type: e.type ?? 'track', name: 'x', timestamp: '2026-11-28T10:00:00.000Z', receivedAt: '2026-11-28T10:00:01.000Z', batchId, sessionId: null, anonymousId: 'a', userId: null, traceId: null, spanId: null, properties: e.properties ?? {}, context: null })),
});

describe('DuckDB store', () => {
  it('stores each id once (also within one group commit), counts a drop report once per batch, and survives a reopen', async () => {
    const path = join(dir, 'once.duckdb');
    let store = await duckdbStore({ path });
    const ids = Array.from({ length: 5 }, () => ({ id: id() }));
    const b = stored(ids, { queue_overflow: 3 });
    // The same batch twice at once: both land in one group; the first carries the events.
    const [first, second] = await Promise.all([store.write(b), store.write(b)]);
    expect([first, second]).toEqual([{ inserted: 5, duplicates: 0 }, { inserted: 0, duplicates: 5 }]);
    expect(await store.write(stored([ids[0]!, { id: id() }]))).toEqual({ inserted: 1, duplicates: 1 });
    expect(await store.hasBatch(b.batchId)).toBe(true);
    expect(await store.hasBatch('never')).toBe(false);
    await store.close();
    store = await duckdbStore({ path });
    expect(await store.query('SELECT count(*)::INTEGER AS n FROM events')).toEqual([{ n: 6 }]);
    expect(await store.query('SELECT reason, count::INTEGER AS count FROM drop_reports')).toEqual([{ reason: 'queue_overflow', count: 3 }]);
    expect(await store.hasBatch(b.batchId)).toBe(true);
    await store.close();
  });

  it('the metric_points, spans and anomalies views read the wire format’s fields', async () => {
    const store = await duckdbStore({ path: ':memory:' });
    await store.write(
      stored([
        { id: id(), type: 'metric', properties: { metric: 'api.latency', kind: 'histogram', unit: 'ms', attributes: { route: '/a' }, startTime: '2026-11-28T09:59:50.000Z', count: 4, sum: 40, min: 5, max: 15, quantiles: { '0.5': 9.9, '0.95': 14.8, '0.99': 15 }, sketch: 'AQID' } },
        { id: id(), type: 'span', properties: { parentSpanId: 'b7ad6b7169203331', kind: 2, startTime: '2026-11-28T09:59:59.000Z', endTime: '2026-11-28T10:00:00.000Z', attributes: { 'http.route': '/a' }, events: [], status: { code: 1 } } },
        { id: id(), type: 'anomaly', properties: { metric: 'api.latency', value: 880, score: 0.97, expected: 100, method: 'auto', threshold: 0.872 } },
      ]),
    );
    expect(await store.query('SELECT metric, kind, unit, count::INTEGER AS count, sum, p95, sketch FROM metric_points')).toEqual([{ metric: 'api.latency', kind: 'histogram', unit: 'ms', count: 4, sum: 40, p95: 14.8, sketch: 'AQID' }]);
    expect(await store.query('SELECT parent_span_id, kind, (epoch_ms(end_time) - epoch_ms(start_time))::INTEGER AS ms FROM spans')).toEqual([{ parent_span_id: 'b7ad6b7169203331', kind: 2, ms: 1000 }]);
    expect(await store.query('SELECT metric, value, score, method FROM anomalies')).toEqual([{ metric: 'api.latency', value: 880, score: 0.97, method: 'auto' }]);
    await store.close();
  });
});

describe('the collector over HTTP', () => {
  it('the SDK (Node) delivers through it: every event stored once, the session start included', async () => {
    const store = await duckdbStore({ path: ':memory:' });
    const running = await serveCollector(createCollector({ store, apiKeys: { pk_test: 'shop' } }), { port: 0 });
    try {
      const client = init({ endpoint: `${running.url}/collect`, apiKey: 'pk_test', delivery: { storage: 'memory' } });
      for (let i = 0; i < 250; i++) client.track('checkout', { i });
      await client.flush();
      await client.shutdown();
      const rows = await store.query("SELECT count(*)::INTEGER AS n, count(DISTINCT properties->>'i')::INTEGER AS distinct_i FROM events WHERE name = 'checkout'");
      expect(rows).toEqual([{ n: 250, distinct_i: 250 }]);
      expect(await store.query("SELECT count(*)::INTEGER AS n FROM events WHERE type = 'session_start'")).toEqual([{ n: 1 }]);
    } finally {
      await running.close();
      await store.close();
    }
  });

  it('SIGKILL mid-load, then a restart: every acknowledged event is there, and resending everything stores each once', async () => {
    const path = join(dir, 'kill.duckdb');
    const script = join(dir, 'serve.mjs');
    const { writeFileSync } = await import('node:fs');
    // The collector in a child process, from the built package (dist/), as users run it.
    writeFileSync(
      script,
      `import { createCollector, duckdbStore, serveCollector } from ${JSON.stringify(new URL('../../dist/collector-node.mjs', import.meta.url).href)};
const store = await duckdbStore({ path: ${JSON.stringify(path)} });
const running = await serveCollector(createCollector({ store, apiKeys: { k: 'shop' } }), { port: 0 });
console.log(running.url);`,
    );
    const start = () =>
      new Promise<{ url: string; kill: () => Promise<void> }>((resolve, reject) => {
        const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
        child.once('error', reject);
        child.stdout.once('data', (d: Buffer) => resolve({ url: d.toString().trim(), kill: () => new Promise((r) => (child.once('exit', () => r()), child.kill('SIGKILL'))) }));
      });
    const batches = Array.from({ length: 400 }, () => ({ batchId: id(), events: Array.from({ length: 50 }, () => ({ id: id(), type: 'track', name: 'load', timestamp: '2026-11-28T10:00:00.000Z' })) }));
    const send = (url: string, b: (typeof batches)[number]) => fetch(`${url}/collect`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify(b) });
    let collector = await start();
    const acked = new Set<string>();
    let sent = 0;
    let killed = false;
    // Sixteen senders at once; the collector is killed after 120 acknowledgements, mid-load.
    await Promise.all(
      Array.from({ length: 16 }, async (_, w) => {
        for (let i = w; i < batches.length; i += 16) {
          if (killed) return;
          sent++;
          const r = await send(collector.url, batches[i]!).catch(() => null);
          if (r?.ok) acked.add(batches[i]!.batchId);
          if (acked.size >= 120 && !killed) {
            killed = true;
            await collector.kill();
          }
        }
      }),
    );
    expect(acked.size).toBeGreaterThanOrEqual(120);
    collector = await start();
    // Every acknowledged batch's events are there after the restart.
    for (const b of batches.filter((x) => acked.has(x.batchId))) {
      expect(await (await fetch(`${collector.url}/collect/batches/${b.batchId}`)).json()).toEqual({ received: true });
    }
    // The SDK resends everything it has no acknowledgement for (here: everything): each event once.
    for (const b of batches) expect((await send(collector.url, b)).status).toBe(200);
    await collector.kill();
    const store = await duckdbStore({ path });
    const [counts] = await store.query('SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS d FROM events');
    await store.close();
    expect(counts).toEqual({ n: 400 * 50, d: 400 * 50 });
    console.log(`SIGKILL after ${acked.size} acknowledged batches (${sent} sent): 0 lost, 0 stored twice after resending all ${batches.length}`);
  }, 120_000);
});
