// The collector's protocol (src/collector/handler.ts) against its specification, docs/collector.md:
// each status code, gzip, CORS, API keys, limits, backpressure, field-named 400s, and fuzzed bodies.
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createCollector, memoryStore, type CollectorStore } from '../../src/collector.js';

const KEYS = { pk_shop: 'shop', pk_blog: 'blog' };
let n = 0;
const uuid = () => `0190a000-0000-7000-8000-${String(++n).padStart(12, '0')}`;
const event = (over: Record<string, unknown> = {}) => ({ id: uuid(), type: 'track', name: 'checkout', timestamp: '2026-11-28T10:00:00.000Z', sessionId: uuid(), anonymousId: uuid(), properties: { total: 9.5 }, ...over });
const batch = (events: unknown[], over: Record<string, unknown> = {}) => ({ batchId: uuid(), sentAt: '2026-11-28T10:00:01.000Z', events, ...over });
const post = (body: unknown, headers: Record<string, string> = {}, path = '/collect') =>
  new Request(`http://collector.test${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer pk_shop', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body) });
const answer = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> });

describe('collector protocol', () => {
  it('stores a batch once: 200 with the counts, the app from the key, duplicates skipped on a retry', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const b = batch([event(), event(), event()], { clientReport: { drops: { queue_overflow: 4 } } });
    expect(await answer(await collect(post(b)))).toEqual({ status: 200, body: { ok: true, inserted: 3, duplicates: 0 } });
    expect(await answer(await collect(post(b)))).toEqual({ status: 200, body: { ok: true, inserted: 0, duplicates: 3 } });
    expect(store.events.size).toBe(3);
    expect([...store.events.values()].map((e) => e.app)).toEqual(['shop', 'shop', 'shop']);
    // The drop report of a retried batch counts once.
    expect(store.drops).toEqual({ shop: { queue_overflow: 4 } });
    expect(collect.stats()).toMatchObject({ batches: 2, inserted: 3, duplicates: 3 });
  });

  it('answers GET …/collect/batches/:id truthfully, without a key', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS });
    const b = batch([event()]);
    const ask = () => collect(new Request(`http://collector.test/collect/batches/${b.batchId}`)).then(answer);
    expect(await ask()).toEqual({ status: 200, body: { received: false } });
    await collect(post(b));
    expect(await ask()).toEqual({ status: 200, body: { received: true } });
  });

  it('reads gzip by Content-Encoding and by its magic bytes (a page-exit beacon sets no header)', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const zipped = (b: unknown) => new Uint8Array(gzipSync(JSON.stringify(b)));
    expect((await collect(post(zipped(batch([event()])), { 'content-encoding': 'gzip' }))).status).toBe(200);
    expect((await collect(post(zipped(batch([event()])), { 'content-type': 'text/plain' }))).status).toBe(200);
    expect(store.events.size).toBe(2);
    const br = await answer(await collect(post('{}', { 'content-encoding': 'br' })));
    expect(br).toEqual({ status: 415, body: { error: 'content-encoding br is not supported (gzip or none)' } });
    const bad = await answer(await collect(post(new Uint8Array([0x1f, 0x8b, 1, 2, 3]), { 'content-encoding': 'gzip' })));
    expect(bad).toEqual({ status: 400, body: { error: 'the body is not valid gzip' } });
  });

  it('API keys: 401 without one or with an unknown one; Bearer, x-api-key or the batch’s apiKey', async () => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const none = await answer(await collect(post(batch([event()]), { authorization: '' })));
    expect(none.status).toBe(401);
    expect(none.body.error).toMatch(/an API key is required/);
    expect(await answer(await collect(post(batch([event()]), { authorization: 'Bearer nope' })))).toEqual({ status: 401, body: { error: 'unknown API key' } });
    expect((await collect(post(batch([event()]), { authorization: '', 'x-api-key': 'pk_blog' }))).status).toBe(200);
    expect((await collect(post(batch([event()], { apiKey: 'pk_blog' }), { authorization: '' }))).status).toBe(200);
    expect([...store.events.values()].map((e) => e.app)).toEqual(['blog', 'blog']);
    expect(collect.stats().rejected.unauthorized).toBe(2);
    expect(() => createCollector({ store, apiKeys: undefined as never })).toThrow(/options\.apiKeys is required/);
    expect(() => createCollector({ store, apiKeys: {} })).toThrow(/options\.apiKeys must map at least one API key/);
  });

  it('CORS: preflight 204 with the allowed headers; an origin list echoes allowed origins only', async () => {
    const open = createCollector({ store: memoryStore(), apiKeys: KEYS });
    const pre = await open(new Request('http://collector.test/collect', { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type, content-encoding, authorization, x-api-key');
    const listed = createCollector({ store: memoryStore(), apiKeys: KEYS, origins: ['https://shop.example'] });
    const ok = await listed(post(batch([event()]), { origin: 'https://shop.example' }));
    expect([ok.status, ok.headers.get('access-control-allow-origin'), ok.headers.get('vary')]).toEqual([200, 'https://shop.example', 'origin']);
    const other = await listed(post(batch([event()]), { origin: 'https://evil.example' }));
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits: 413 for a body, a decompressed body or a batch over its limit', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS, limits: { maxBodyBytes: 2000, maxDecodedBytes: 50_000, maxEvents: 5 } });
    const big = JSON.stringify(batch([event({ properties: { pad: 'x'.repeat(3000) } })]));
    expect((await collect(post(big))).status).toBe(413);
    // Streamed without a Content-Length: refused once 2,000 bytes have arrived.
    const stream = new ReadableStream<Uint8Array>({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
    const streamed = new Request('http://collector.test/collect', { method: 'POST', headers: { authorization: 'Bearer pk_shop' }, body: stream, duplex: 'half' } as RequestInit);
    expect(await answer(await collect(streamed))).toEqual({ status: 413, body: { error: 'the body is larger than 2000 bytes' } });
    // A gzip bomb: 1 MB of spaces is ~1 KB compressed.
    const bomb = new Uint8Array(gzipSync(' '.repeat(1 << 20)));
    expect(bomb.byteLength).toBeLessThan(2000);
    expect(await answer(await collect(post(bomb, { 'content-encoding': 'gzip' })))).toEqual({ status: 413, body: { error: 'the decompressed body is larger than 50000 bytes' } });
    const six = await answer(await collect(post(batch(Array.from({ length: 6 }, () => event())))));
    expect(six).toEqual({ status: 413, body: { error: 'a batch may hold at most 5 events, this one has 6: send smaller batches' } });
    expect(collect.stats().rejected.tooLarge).toBe(4);
  });

  it('backpressure: 429 with Retry-After while the store’s backlog is at its limit, never buffering more', async () => {
    const inner = memoryStore();
    let backlog = 0;
    const store: CollectorStore = { ...inner, backlog: () => backlog };
    const collect = createCollector({ store, apiKeys: KEYS, limits: { maxBacklog: 100 } });
    backlog = 100;
    const r = await collect(post(batch([event()])));
    expect([r.status, r.headers.get('retry-after')]).toEqual([429, '1']);
    expect(inner.events.size).toBe(0);
    backlog = 99;
    expect((await collect(post(batch([event()])))).status).toBe(200);
  });

  it('a store that fails: 503 with Retry-After (the SDK retries the same batch), logged in one line', async () => {
    const lines: string[] = [];
    const store: CollectorStore = { ...memoryStore(), write: () => Promise.reject(new Error('disk full')) };
    const collect = createCollector({ store, apiKeys: KEYS, log: (l) => lines.push(l) });
    const b = batch([event(), event()]);
    const r = await collect(post(b));
    expect([r.status, r.headers.get('retry-after')]).toEqual([503, '1']);
    expect(lines).toEqual([`store write failed (2 events of batch ${b.batchId}, app shop): disk full; answered 503`]);
  });

  it.each([
    ['not JSON', '{"batchId":', /^the body is not JSON/],
    ['an array', '[]', /^body must be an object, got an array$/],
    ['no batchId', { events: [] }, /^batchId must be a non-empty string, got undefined$/],
    ['events not an array', { batchId: 'b1', events: {} }, /^events must be an array, got an object$/],
    ['an event without id', { batchId: 'b1', events: [{ type: 'track', name: 'x', timestamp: '2026-11-28T10:00:00Z' }] }, /^events\[0\]\.id must be a non-empty string, got undefined$/],
    ['a bad timestamp', { batchId: 'b1', events: [{ id: 'e1', type: 'track', name: 'x', timestamp: 1700000000 }] }, /^events\[0\]\.timestamp must be an RFC 3339 date-time string \(as toISOString\(\) writes\), got 1700000000$/],
    ['properties not an object', { batchId: 'b1', events: [{ id: 'e1', type: 'track', name: 'x', timestamp: '2026-11-28T10:00:00Z', properties: 'x' }] }, /^events\[0\]\.properties must be an object, got "x"$/],
    ['a bad traceId', { batchId: 'b1', events: [{ id: 'e1', type: 'span', name: 'x', timestamp: '2026-11-28T10:00:00Z', traceId: 'xyz' }] }, /^events\[0\]\.traceId is not valid: "xyz"$/],
    ['a negative drop count', { batchId: 'b1', events: [], clientReport: { drops: { sampled: -1 } } }, /^clientReport\.drops\.sampled must be a non-negative integer, got -1$/],
  ])('400 naming the field: %s', async (_label, body, message) => {
    const store = memoryStore();
    const collect = createCollector({ store, apiKeys: KEYS });
    const r = await answer(await collect(post(typeof body === 'string' ? body : JSON.stringify(body))));
    expect(r.status).toBe(400);
    expect(String(r.body.error)).toMatch(message);
    expect(collect.stats().rejected.invalid).toBe(1);
    expect(store.events.size).toBe(0);
  });

  it('routes: 404 elsewhere, 405 for GET /collect, /health', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS });
    expect((await collect(new Request('http://collector.test/elsewhere'))).status).toBe(404);
    expect((await collect(new Request('http://collector.test/collect'))).status).toBe(405);
    expect(await answer(await collect(new Request('http://collector.test/health')))).toEqual({ status: 200, body: { status: 'ok', store: 'memory', backlog: 0 } });
  });

  it('property: fuzzed bodies and headers never get a 500 or an exception, and every refusal is JSON with an error', async () => {
    const collect = createCollector({ store: memoryStore(), apiKeys: KEYS, limits: { maxBodyBytes: 20_000 } });
    const valid = batch([event(), event()]);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.string({ maxLength: 300 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // A valid batch with one field replaced by anything.
      fc.tuple(fc.constantFrom('batchId', 'events', 'clientReport', 'context', 'apiKey'), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...valid, [k]: v })),
      fc.tuple(fc.constantFrom('id', 'type', 'name', 'timestamp', 'properties', 'context', 'sessionId', 'userId', 'traceId', 'spanId'), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...valid, batchId: uuid(), events: [{ ...event(), [k]: v }] })),
      fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array([0x1f, 0x8b, ...b])),
    );
    const headers = fc.record({ 'content-encoding': fc.constantFrom('', 'gzip', 'identity', 'br', 'GZIP '), authorization: fc.constantFrom('Bearer pk_shop', '', 'Bearer x', 'bearer pk_blog') }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(body, headers, async (b, h) => {
        const r = await collect(post(b, h as Record<string, string>));
        expect([200, 400, 401, 413, 415]).toContain(r.status);
        const json = (await r.json()) as { error?: unknown; ok?: unknown };
        if (r.status !== 200) expect(typeof json.error).toBe('string');
        else expect(json.ok).toBe(true);
      }),
      { numRuns: 600 },
    );
  });
});
