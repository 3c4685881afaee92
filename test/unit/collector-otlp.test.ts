// OTLP/HTTP into the collector: JSON (the OTLP JSON mapping) and protobuf (encoded here by
// protobufjs's reflection from the official .proto files — another code path than the collector's
// generated decoder). The SDK's own OTLP output keeps its event ids, so an event sent as native
// JSON and as OTLP is stored once; other records are deduplicated by content.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCollector, memoryStore } from '../../src/collector.js';
import { encodeOtlpLogs, encodeOtlpTraces } from '../../src/delivery/encode/otlp.js';
import type { WireEvent } from '../../src/delivery/types.js';
import { ROOT } from '../helpers/server.js';

const PROTOS = join(ROOT, 'node_modules/@opentelemetry/otlp-grpc-exporter-base/build/protos');
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => (target.startsWith('/') ? target : join(PROTOS, target));
root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'opentelemetry/proto/collector/logs/v1/logs_service.proto', 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto']);
const encode = (type: string, message: Record<string, unknown>) => {
  const t = root.lookupType(type);
  return t.encode(t.fromObject(message)).finish();
};

const KEYS = { pk_otel: 'svc' };
const post = (signal: string, body: BodyInit, type: string) => new Request(`http://collector.test/v1/${signal}`, { method: 'POST', headers: { 'content-type': type, authorization: 'Bearer pk_otel' }, body });
const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';
const PARENT = 'eee19b7ec3c1b173';
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] };

describe('OTLP/HTTP into the collector', () => {
  it('a span in protobuf and the same span in JSON: one event, with its ids, times, attributes and status', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const span = { traceId: TRACE, spanId: SPAN, parentSpanId: PARENT, name: 'GET /cart', kind: 2, startTimeUnixNano: '1764324000000000000', endTimeUnixNano: '1764324000250000000', attributes: [{ key: 'http.status_code', value: { intValue: '200' } }, { key: 'http.route', value: { stringValue: '/cart' } }], status: { code: 1 }, events: [{ name: 'cache miss', timeUnixNano: '1764324000100000000' }] };
    const json = JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'shop' }, spans: [span] }] }] });
    const pb = encode('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', { resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'shop' }, spans: [{ ...span, traceId: hex(TRACE), spanId: hex(SPAN), parentSpanId: hex(PARENT), startTimeUnixNano: 1764324000000000000, endTimeUnixNano: 1764324000250000000, attributes: [{ key: 'http.status_code', value: { intValue: 200 } }, span.attributes[1]], events: [{ name: 'cache miss', timeUnixNano: 1764324000100000000 }] }] }] }] });
    const r1 = await collect(post('traces', new Uint8Array(pb), 'application/x-protobuf'));
    expect([r1.status, r1.headers.get('content-type'), (await r1.arrayBuffer()).byteLength]).toEqual([200, 'application/x-protobuf', 0]);
    const r2 = await collect(post('traces', json, 'application/json'));
    expect([r2.status, await r2.json()]).toEqual([200, {}]);
    expect(store.events.size).toBe(1);
    const e = [...store.events.values()][0]!;
    expect(e).toMatchObject({ id: `${TRACE}-${SPAN}`, type: 'span', name: 'GET /cart', app: 'svc', traceId: TRACE, spanId: SPAN, timestamp: '2025-11-28T10:00:00.250Z', context: { resource: { 'service.name': 'checkout' } } });
    expect(e.properties).toEqual({ parentSpanId: PARENT, kind: 2, startTime: '2025-11-28T10:00:00.000Z', endTime: '2025-11-28T10:00:00.250Z', attributes: { 'http.status_code': 200, 'http.route': '/cart' }, events: [{ name: 'cache miss', time: '2025-11-28T10:00:00.100Z', attributes: {} }], status: { code: 1 }, scope: 'shop' });
    expect(collect.stats()).toMatchObject({ inserted: 1, duplicates: 1 });
  });

  it('the SDK’s OTLP logs keep its event ids: an event sent as native JSON and as OTLP is stored once, with its properties', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const event: WireEvent = { id: '0190d000-0000-7000-8000-000000000001', type: 'track', name: 'checkout', timestamp: '2026-11-28T10:00:00.000Z', sessionId: '0190d000-0000-7000-8000-000000000002', anonymousId: '0190d000-0000-7000-8000-000000000003', userId: 'u-9', properties: { total: 99.5, items: 3 } };
    const native = new Request('http://collector.test/collect', { method: 'POST', headers: { authorization: 'Bearer pk_otel' }, body: JSON.stringify({ batchId: 'n-1', events: [event] }) });
    expect((await collect(native)).status).toBe(200);
    const otlp = await collect(post('logs', encodeOtlpLogs([event], { serviceName: 'shop' }), 'application/json'));
    expect(otlp.status).toBe(200);
    expect(store.events.size).toBe(1);
    expect(collect.stats()).toMatchObject({ inserted: 1, duplicates: 1 });
    // Sent only as OTLP, it comes back as the native event would be stored.
    const other = { ...event, id: '0190d000-0000-7000-8000-000000000009' };
    await collect(post('logs', encodeOtlpLogs([other], { serviceName: 'shop' }), 'application/json'));
    expect(store.events.get(other.id)).toMatchObject({ type: 'track', name: 'checkout', sessionId: event.sessionId, anonymousId: event.anonymousId, userId: 'u-9', properties: { total: 99.5, items: 3 } });
  });

  it('the SDK’s OTLP spans keep theirs too', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const span: WireEvent = { id: '0190d000-0000-7000-8000-00000000000a', type: 'span', name: 'load', timestamp: '2026-11-28T10:00:01.000Z', traceId: TRACE, spanId: SPAN, sessionId: '0190d000-0000-7000-8000-000000000002', properties: { kind: 1, startTime: '2026-11-28T10:00:00.000Z', endTime: '2026-11-28T10:00:01.000Z', attributes: { page: '/cart' }, events: [], status: { code: 0 } } } as WireEvent;
    expect((await collect(post('traces', encodeOtlpTraces([span], { serviceName: 'shop' }), 'application/json'))).status).toBe(200);
    expect(store.events.get(span.id)).toMatchObject({ type: 'span', traceId: TRACE, spanId: SPAN, sessionId: span.sessionId, properties: { attributes: { page: '/cart' } } });
  });

  it('metrics: each data point one event; a retried request stored once (content ids)', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const request = {
      resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [
        { name: 'http.server.duration', unit: 'ms', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: [{ key: 'route', value: { stringValue: '/cart' } }], startTimeUnixNano: '1764323990000000000', timeUnixNano: '1764324000000000000', count: '4', sum: 40, min: 5, max: 15, explicitBounds: [10], bucketCounts: ['2', '2'] }] } },
        { name: 'queue.size', gauge: { dataPoints: [{ timeUnixNano: '1764324000000000000', asInt: '7' }, { timeUnixNano: '1764324001000000000', asInt: '9' }] } },
      ] }] }],
    };
    for (let i = 0; i < 2; i++) expect((await collect(post('metrics', JSON.stringify(request), 'application/json'))).status).toBe(200);
    expect(store.events.size).toBe(3);
    expect(collect.stats()).toMatchObject({ inserted: 3, duplicates: 3 });
    const byName = [...store.events.values()].map((e) => [e.name, e.properties]);
    expect(byName).toEqual([
      ['http.server.duration', { metric: 'http.server.duration', kind: 'histogram', unit: 'ms', attributes: { route: '/cart' }, startTime: '2025-11-28T09:59:50.000Z', count: 4, sum: 40, min: 5, max: 15, explicitBounds: [10], bucketCounts: [2, 2] }],
      ['queue.size', { metric: 'queue.size', kind: 'gauge', attributes: {}, startTime: null, value: 7 }],
      ['queue.size', { metric: 'queue.size', kind: 'gauge', attributes: {}, startTime: null, value: 9 }],
    ]);
  });

  it('refusals: a bad protobuf body and an unknown content type are 400s naming what is wrong; no key is 401', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS });
    const bad = await collect(post('traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), 'application/x-protobuf'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/^body is not a valid OTLP protobuf traces request/);
    const xml = await collect(post('logs', '<x/>', 'text/xml'));
    expect([xml.status, await xml.json()]).toEqual([400, { error: 'content-type must be application/json or application/x-protobuf for OTLP, got "text/xml"' }]);
    const anon = await collect(new Request('http://collector.test/v1/logs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }));
    expect(anon.status).toBe(401);
  });

  it('property: fuzzed OTLP bodies (random bytes as protobuf, random JSON) never get a 500 or an exception', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('traces', 'logs', 'metrics'),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }).map((b) => [b, 'application/x-protobuf'] as const),
          fc.jsonValue().map((v) => [JSON.stringify(v), 'application/json'] as const),
          fc.jsonValue().map((v) => [JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [v] }] }], resourceLogs: [{ scopeLogs: [{ logRecords: [v] }] }], resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', gauge: { dataPoints: [v] } }] }] }] }), 'application/json'] as const),
        ),
        async (signal, [body, type]) => {
          const r = await collect(post(signal, body, type));
          expect([200, 400, 413]).toContain(r.status);
          if (r.status !== 200) expect(typeof ((await r.json()) as { error?: unknown }).error).toBe('string');
        },
      ),
      { numRuns: 400 },
    );
  });
});
