import Ajv2020 from 'ajv/dist/2020.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../src/client/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { ROOT } from '../helpers/server.js';

// Real batches from the client, captured at fetch, checked against docs/wire-format.schema.json
// and, for OTLP, against the official OTLP protobuf definitions.

interface Captured {
  url: string;
  body: string;
  headers: Record<string, string>;
}

function capture(): { fetch: typeof fetch; requests: Captured[] } {
  const requests: Captured[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const raw = init.body as Uint8Array | string;
    const body = typeof raw === 'string' ? raw : headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : Buffer.from(raw).toString('utf8');
    requests.push({ url: String(url), body, headers });
    return new Response('{}', { status: 200 });
  }) as unknown as typeof fetch;
  return { fetch: fake, requests };
}

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.shutdown();
});

function client(extra: Record<string, unknown>, f: typeof fetch): Client {
  const c = createClient({ app: { name: 'shop', version: '1.2.3', env: 'test' }, wasm: WASM_URL, worker: false, delivery: { fetch: f, storage: 'memory', batch: { intervalMs: 10 } }, ...extra });
  clients.push(c);
  return c;
}

async function exercise(c: Client): Promise<void> {
  await c.ready;
  c.identify('u-42', { plan: 'pro' });
  c.track('checkout', { total: 99.5, items: 3, nested: { a: [1, 2, { b: true }] }, when: new Date(0) });
  c.page({ section: 'cart' });
  c.counter('requests').add(3, { route: '/api' });
  c.gauge('queue_depth').set(7);
  const h = c.histogram('latency', { unit: 'ms' });
  for (let i = 1; i <= 100; i++) h.record(i, { route: '/api' });
  const parent = c.startSpan('load', { attributes: { 'http.method': 'GET' } });
  const child = c.startSpan('parse', { parent });
  child.addEvent('tokens', { n: 12 });
  child.setStatus('ok');
  child.end();
  parent.end();
  await c.flush();
}

describe('native JSON batches', () => {
  it('validate against docs/wire-format.schema.json, with UUIDv7 ids and ISO timestamps', async () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/wire-format.schema.json'), 'utf8'));
    const validate = new Ajv2020({ validateFormats: false, strict: false }).compile(schema);
    const { fetch, requests } = capture();
    await exercise(client({ endpoint: 'https://collector.test/collect', apiKey: 'pk_1' }, fetch));
    expect(requests.length).toBeGreaterThan(0);
    const types = new Set<string>();
    for (const r of requests) {
      const batch = JSON.parse(r.body);
      expect(validate(batch), JSON.stringify(validate.errors)).toBe(true);
      expect(r.headers['content-encoding']).toBe('gzip');
      expect(batch.apiKey).toBe('pk_1');
      for (const e of batch.events) {
        types.add(e.type);
        expect(new Date(e.timestamp).toISOString()).toBe(e.timestamp);
      }
      // The shared context travels once, at batch level.
      expect(batch.context.app).toEqual({ name: 'shop', version: '1.2.3', env: 'test' });
    }
    expect([...types].sort()).toEqual(['identify', 'metric', 'page', 'session_start', 'span', 'track']);
    const metric = requests.flatMap((r) => JSON.parse(r.body).events).find((e: { name: string }) => e.name === 'latency');
    expect(metric.properties).toMatchObject({ kind: 'histogram', count: 100, sum: 5050, min: 1, max: 100, unit: 'ms', attributes: { route: '/api' } });
    // DDSketch quantiles within 1% of the exact lower quantiles of 1..100.
    expect(Math.abs(metric.properties.quantiles['0.99'] - 99) / 99).toBeLessThanOrEqual(0.01);
    expect(Math.abs(metric.properties.quantiles['0.5'] - 50) / 50).toBeLessThanOrEqual(0.01);
  });
});

describe('OTLP/HTTP JSON', () => {
  const protoRoot = join(ROOT, 'node_modules/@opentelemetry/otlp-grpc-exporter-base/build/protos');
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoRoot, target);
  root.loadSync([
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  ]);
  const types: Record<string, protobuf.Type> = {
    logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    metrics: root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  };

  /** OTLP JSON writes trace and span ids as hex; protobuf's JSON mapping expects base64. */
  const hexIdsToBase64 = (v: unknown, key = ''): unknown => {
    if (typeof v === 'string' && /^(traceId|spanId|parentSpanId)$/.test(key)) return Buffer.from(v, 'hex').toString('base64');
    if (Array.isArray(v)) return v.map((x) => hexIdsToBase64(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexIdsToBase64(x, k)]));
    return v;
  };

  /** Empty repeated fields are the default in protobuf and vanish on the round trip. */
  const dropEmpty = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(dropEmpty);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x.length === 0)).map(([k, x]) => [k, dropEmpty(x)]));
    return v;
  };

  it('decodes losslessly against the official OTLP protobuf messages for logs, metrics and traces', async () => {
    const { fetch, requests } = capture();
    await exercise(client({ otlpEndpoint: 'https://otel.test:4318' }, fetch));
    const signals = new Set<string>();
    for (const r of requests) {
      const signal = /\/v1\/(logs|metrics|traces)$/.exec(r.url)![1]!;
      signals.add(signal);
      const json = dropEmpty(hexIdsToBase64(JSON.parse(r.body))) as Record<string, unknown>;
      const type = types[signal]!;
      expect(type.verify(type.fromObject(json))).toBeNull();
      // Every field we sent is a field of the message: a misspelt one would not survive the trip.
      const back = type.toObject(type.decode(type.encode(type.fromObject(json)).finish()), { longs: String, enums: Number, bytes: String, defaults: false });
      expect(back).toEqual(json);
    }
    expect([...signals].sort()).toEqual(['logs', 'metrics', 'traces']);
    const traces = requests.filter((r) => r.url.endsWith('/v1/traces')).flatMap((r) => JSON.parse(r.body).resourceSpans[0].scopeSpans[0].spans);
    const parse = traces.find((s: { name: string }) => s.name === 'parse');
    const load = traces.find((s: { name: string }) => s.name === 'load');
    expect(parse.parentSpanId).toBe(load.spanId);
    expect(parse.traceId).toBe(load.traceId);
    expect(parse.status).toEqual({ code: 1 });
  });
});

describe('docs/wire-format.md', () => {
  it('its JSON example validates against the schema it documents', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'docs/wire-format.schema.json'), 'utf8'));
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, 'docs/wire-format.md'), 'utf8'))![1]!);
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const valid = ajv.validate(schema, example);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
});
