// The collector in the real workerd runtime (miniflare) with a D1 database: dist/collector.mjs as a
// user's Worker imports it. Each id stored once (within a batch and across retries), the batch
// status, drop reports once per batch, refusals, and the SDK's edge client delivering to it.
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import { parseRfm } from '../../src/collector/analytics/customers.js';
import { parseAttribution, parseExperiment, parseFunnel, parseRetention, parseSessions } from '../../src/collector/analytics/query.js';
import { ready } from '../../src/analysis/index.js';
import { memoryStore } from '../../src/collector.js';
import type { StoredEvent } from '../../src/collector/types.js';
import { init } from '../../src/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { attributionArb, creditMaps, customerEventsArb, eventsArb, experimentArb, funnelArb, retentionArb, round } from '../helpers/analytics-arbitrary.js';
import { referenceRfm } from '../helpers/customers-reference.js';
import { referenceAttribution, referenceExperiment, referenceFunnel, referenceRetention, referenceSessions } from '../helpers/analytics-reference.js';
import { ROOT } from '../helpers/server.js';

let mf: Miniflare;
let url: URL;
beforeAll(async () => {
  await ready({ wasm: WASM_URL, worker: false });
  mf = new Miniflare({
    scriptPath: resolve(ROOT, 'test/workerd/collector-worker.mjs'),
    modules: true,
    modulesRoot: ROOT,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2026-04-01',
    d1Databases: ['DB'],
    bindings: { API_KEY: 'pk_edge', ANALYTICS_KEY: 'sk_edge' },
  });
  url = await mf.ready;
});
afterAll(() => mf?.dispose());

let n = 0;
const id = () => `0190b000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const post = (body: unknown, headers: Record<string, string> = {}) =>
  mf.dispatchFetch('http://collector.test/collect', { method: 'POST', headers: { authorization: 'Bearer pk_edge', 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
const rows = async (sql: string) => ((await (await mf.getD1Database('DB')).prepare(sql).all()).results ?? []) as Record<string, unknown>[];

describe('the collector in workerd with D1', () => {
  it('stores each id once — within a batch, across a retry — with the drop report once, and answers the batch status', async () => {
    const e = (i: string) => ({ id: i, type: 'track', name: 'checkout', timestamp: '2026-11-28T10:00:00.000Z', properties: { total: 9.5 }, userId: 'u-1' });
    const [a, b] = [id(), id()];
    const batch = { batchId: id(), events: [e(a), e(b), e(a)], clientReport: { drops: { queue_overflow: 2, sampled: 1 } }, context: { page: { path: '/cart' } } };
    const first = await post(gzipSync(JSON.stringify(batch)), { 'content-encoding': 'gzip' });
    expect([first.status, await first.json()]).toEqual([200, { ok: true, inserted: 2, duplicates: 1 }]);
    const retry = await post(batch);
    expect([retry.status, await retry.json()]).toEqual([200, { ok: true, inserted: 0, duplicates: 3 }]);
    const status = await mf.dispatchFetch(`http://collector.test/collect/batches/${batch.batchId}`);
    expect(await status.json()).toEqual({ received: true });
    expect(await (await mf.dispatchFetch('http://collector.test/collect/batches/nope')).json()).toEqual({ received: false });
    const stored = await rows(`SELECT id, app, user_id, json_extract(properties, '$.total') AS total, json_extract(context, '$.page.path') AS path FROM events WHERE batch_id = '${batch.batchId}' ORDER BY id`);
    expect(stored).toEqual([a, b].map((i) => ({ id: i, app: 'shop', user_id: 'u-1', total: 9.5, path: '/cart' })));
    expect(await rows(`SELECT reason, count FROM drop_reports WHERE batch_id = '${batch.batchId}' ORDER BY reason`)).toEqual([{ reason: 'queue_overflow', count: 2 }, { reason: 'sampled', count: 1 }]);
  });

  it('refuses an unknown key (401) and an invalid event (400 naming the field), storing nothing', async () => {
    const before = await rows('SELECT count(*) AS n FROM events');
    const r401 = await post({ batchId: id(), events: [] }, { authorization: 'Bearer nope' });
    expect([r401.status, await r401.json()]).toEqual([401, { error: 'unknown API key' }]);
    const r400 = await post({ batchId: id(), events: [{ id: id(), type: 'track', name: 'x', timestamp: 'yesterday' }] });
    expect(r400.status).toBe(400);
    expect(((await r400.json()) as { error: string }).error).toMatch(/^events\[0\]\.timestamp must be an RFC 3339 date-time string/);
    expect(await rows('SELECT count(*) AS n FROM events')).toEqual(before);
  });

  it('the SDK delivers through it over HTTP: every event once', async () => {
    const client = init({ endpoint: new URL('/collect', url).href, apiKey: 'pk_edge', delivery: { storage: 'memory' } });
    for (let i = 0; i < 120; i++) client.track('d1-delivery', { i });
    await client.flush();
    await client.shutdown();
    expect(await rows("SELECT count(*) AS n, count(DISTINCT json_extract(properties, '$.i')) AS d FROM events WHERE name = 'd1-delivery'")).toEqual([{ n: 120, d: 120 }]);
  });

  it('OTLP/HTTP protobuf (what OpenTelemetry SDKs send by default) decodes in workerd: no eval, a span stored', async () => {
    // ExportTraceServiceRequest { resource_spans { scope_spans { spans { trace_id, span_id, name, start, end } } } },
    // written out byte by byte from the protobuf encoding rules.
    const traceId = [...Array(16).keys()].map((i) => i + 1);
    const spanId = [...Array(8).keys()].map((i) => i + 0x21);
    const fixed64 = (n: bigint) => Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
    const span = [0x0a, 16, ...traceId, 0x12, 8, ...spanId, 0x2a, 4, ...new TextEncoder().encode('edge'), 0x39, ...fixed64(1764324000000000000n), 0x41, ...fixed64(1764324000500000000n)];
    const scopeSpans = [0x12, span.length, ...span];
    const resourceSpans = [0x12, scopeSpans.length, ...scopeSpans];
    const body = new Uint8Array([0x0a, resourceSpans.length, ...resourceSpans]);
    const r = await mf.dispatchFetch('http://collector.test/v1/traces', { method: 'POST', headers: { authorization: 'Bearer pk_edge', 'content-type': 'application/x-protobuf' }, body });
    expect(r.status).toBe(200);
    const hex = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join('');
    expect(await rows(`SELECT id, name, ts FROM events WHERE type = 'span'`)).toEqual([{ id: `${hex(traceId)}-${hex(spanId)}`, name: 'edge', ts: '2025-11-28T10:00:00.500Z' }]);
  });

  it('answers /analytics/* from D1 as the reference does over the same rows', async () => {
    // Random events (as in test/unit/analytics.test.ts) posted as the app's events, then every query over HTTP.
    const raw = fc.sample(eventsArb, { seed: 7, numRuns: 12 }).flat().map((e, i) => ({ ...e, sessionId: e.sessionId && `${e.sessionId}-${i % 5}` }));
    const events = raw.filter((e) => e.app === 'a').map((e) => ({ id: id(), type: e.type, name: e.name, timestamp: new Date(e.ts).toISOString(), sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, properties: e.properties, context: e.context }));
    expect((await post({ batchId: id(), events })).status).toBe(200);
    const stored: AnalyticsEvent[] = (await rows(`SELECT * FROM events WHERE app = 'shop'`)).map((r) => ({
      id: r.id as string, app: 'shop', type: r.type as string, name: r.name as string, ts: Date.parse(r.ts as string), sessionId: (r.session_id as string | null) ?? null,
      anonymousId: (r.anonymous_id as string | null) ?? null, userId: (r.user_id as string | null) ?? null, properties: JSON.parse(r.properties as string), context: r.context ? JSON.parse(r.context as string) : null,
    }));
    const ask = async (kind: string, q: object) => {
      const res = await mf.dispatchFetch(`http://collector.test/analytics/${kind}`, { method: 'POST', headers: { authorization: 'Bearer sk_edge' }, body: JSON.stringify(q) });
      expect({ kind, status: res.status }).toEqual({ kind, status: 200 });
      return res.json() as Promise<never>;
    };
    for (const seed of [1, 2, 3]) {
      const [f] = fc.sample(funnelArb, { seed, numRuns: 1 }) as { app?: string }[];
      const { app: _f, ...funnel } = f!;
      expect(round(await ask('funnel', funnel))).toEqual(round(referenceFunnel(stored, 'shop', parseFunnel(funnel))));
      const [r] = fc.sample(retentionArb, { seed, numRuns: 1 }) as { app?: string }[];
      const { app: _r, ...retention } = r!;
      expect(await ask('retention', retention)).toEqual(referenceRetention(stored, 'shop', parseRetention(retention)));
      const [a] = fc.sample(attributionArb, { seed, numRuns: 1 }) as { app?: string }[];
      const { app: _a, ...attribution } = a!;
      expect(round(creditMaps(await ask('attribution', attribution)))).toEqual(round(referenceAttribution(stored, 'shop', parseAttribution(attribution))));
      const [x] = fc.sample(experimentArb, { seed, numRuns: 1 }) as { app?: string }[];
      const { app: _x, ...experiment } = x!;
      const got = (await ask('experiment', experiment)) as { variants: { variant: string; exposures: number; conversions: number }[] };
      expect(Object.fromEntries(got.variants.map((v) => [v.variant, { exposures: v.exposures, conversions: v.conversions }]))).toEqual(referenceExperiment(stored, 'shop', parseExperiment(experiment)).variants);
    }
    const sessions = (await ask('sessions', {})) as { rows: { sessions: number }[] };
    expect(sessions.rows.map((r) => r.sessions)).toEqual(referenceSessions(stored, 'shop', parseSessions({})).map((r) => r.sessions));
  });

  it('answers the customer queries from D1: RFM as the reference, segments and CLV as the memory engine over the same rows', async () => {
    const raw = fc.sample(customerEventsArb, { seed: 11, numRuns: 6 }).flat().map((e, i) => ({ ...e, anonymousId: `${e.anonymousId}-${i % 4}` }));
    const events = raw.map((e) => ({ id: id(), type: e.type, name: e.name, timestamp: new Date(e.ts).toISOString(), sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, properties: e.properties }));
    expect((await post({ batchId: id(), events })).status).toBe(200);
    const all = await rows(`SELECT * FROM events WHERE app = 'shop'`);
    const stored: AnalyticsEvent[] = all.map((r) => ({
      id: r.id as string, app: 'shop', type: r.type as string, name: r.name as string, ts: Date.parse(r.ts as string), sessionId: (r.session_id as string | null) ?? null,
      anonymousId: (r.anonymous_id as string | null) ?? null, userId: (r.user_id as string | null) ?? null, properties: JSON.parse(r.properties as string), context: r.context ? JSON.parse(r.context as string) : null,
    }));
    const memory = memoryStore();
    await memory.write({ batchId: 'm', app: 'shop', receivedAt: new Date().toISOString(), events: all.map((r) => ({ ...(r as never as StoredEvent), timestamp: r.ts as string, receivedAt: r.received_at as string, batchId: 'm', sessionId: (r.session_id as string | null) ?? null, anonymousId: (r.anonymous_id as string | null) ?? null, userId: (r.user_id as string | null) ?? null, traceId: null, spanId: null, properties: JSON.parse(r.properties as string), context: r.context ? JSON.parse(r.context as string) : null })), drops: null });
    const ask = async (kind: string, q: object) => {
      const res = await mf.dispatchFetch(`http://collector.test/analytics/${kind}`, { method: 'POST', headers: { authorization: 'Bearer sk_edge' }, body: JSON.stringify(q) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const rfmQuery = { purchase: 'buy', amount: 'amount' };
    const rfm = await ask('rfm', rfmQuery);
    expect(rfm.status).toBe(200);
    expect(rfm.body.people).toEqual(referenceRfm(stored, 'shop', parseRfm({ ...rfmQuery, app: 'shop' })).people);
    expect((rfm.body.people as unknown[]).length).toBeGreaterThan(5);
    const segmentsQuery = { features: ['frequency', 'monetary', { count: 'view' }], kRange: [2, 4], purchase: 'buy', amount: 'amount' };
    const segments = await ask('segments', segmentsQuery);
    expect(segments.status).toBe(200);
    expect(segments.body).toEqual(JSON.parse(JSON.stringify(await memory.analytics.segments({ ...segmentsQuery, app: 'shop' } as never))));
    const clvQuery = { purchase: 'buy', amount: 'amount', unit: 'day' };
    const clv = await ask('clv', clvQuery);
    expect(clv.status).toBe(200);
    // To 12 significant digits: workerd's V8 and Node's may differ in the last bit of exp and log.
    expect(round(clv.body)).toEqual(round(JSON.parse(JSON.stringify(await memory.analytics.clv({ ...clvQuery, app: 'shop' } as never)))));
  });
});
