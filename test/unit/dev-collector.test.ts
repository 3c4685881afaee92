// The collector `npm start` embeds: the package's collector (dist/collector-node.mjs) behind
// scripts/collector.mjs and scripts/dev-server.mjs.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error — plain ESM script without types
import { startDevServer } from '../../scripts/dev-server.mjs';
import { until } from '../helpers/wait.js';

interface Dev {
  url: string;
  close(): Promise<void>;
  collector: { stats(): { unique: number; duplicates: number; otlpRecords: number; forwarded: number; batches: number; drops: Record<string, number>; byName: Record<string, number> }; faults: { failRate: number; down: boolean } };
}

const event = (id: string, name = 'e', type = 'track') => ({ id, type, name, timestamp: '2026-11-22T00:00:00.000Z', properties: { a: 1 } });
const batch = (batchId: string, events: object[], extra: object = {}) => JSON.stringify({ batchId, sentAt: '2026-11-22T00:00:00.000Z', sdk: { name: 'avila-telemetry', version: 'x' }, events, ...extra });

describe('the embedded collector of npm start', () => {
  let otel: Server;
  const forwarded: { path: string; body: string }[] = [];
  let dev: Dev;

  beforeAll(async () => {
    otel = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        forwarded.push({ path: req.url ?? '', body });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => otel.listen(0, '127.0.0.1', r));
    dev = await startDevServer({ port: 0, forwardOtlp: `http://127.0.0.1:${(otel.address() as AddressInfo).port}` });
  });
  afterAll(async () => {
    await dev?.close();
    await new Promise((r) => otel?.close(r));
  });

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) => fetch(`${dev.url}${path}`, { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/json', ...headers } });

  it('keeps native events once each (gzip or plain), counts duplicates and client drop reports once per batch', async () => {
    const before = dev.collector.stats();
    expect((await post('/collect', batch('b1', [event('1'), event('2')], { clientReport: { drops: { sampled: 3 } } }))).status).toBe(200);
    expect((await post('/collect', gzipSync(batch('b1', [event('1'), event('2')], { clientReport: { drops: { sampled: 3 } } })), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post('/collect', batch('b2', [event('2'), event('3', 'checkout')]))).status).toBe(200);
    const s = dev.collector.stats();
    expect(s.unique - before.unique).toBe(3);
    expect(s.duplicates - before.duplicates).toBe(3);
    expect(s.drops.sampled).toBe(3);
    expect(s.byName.checkout).toBe(1);
    expect(await (await fetch(`${dev.url}/collect/batches/b1`)).json()).toEqual({ received: true });
    expect(await (await fetch(`${dev.url}/collect/batches/nope`)).json()).toEqual({ received: false });
  });

  it('refuses what is not a batch, naming what it expects', async () => {
    const r = await post('/collect', '{"events": 3}');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/batchId/);
    expect((await post('/collect', 'not json')).status).toBe(400);
  });

  it('accepts OTLP/HTTP JSON and forwards it, and forwards native events as OTLP (FORWARD_OTLP)', async () => {
    const logs = JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1', body: { stringValue: 'x' } }] }] }] });
    expect((await post('/v1/logs', logs)).status).toBe(200);
    expect(dev.collector.stats().otlpRecords).toBeGreaterThanOrEqual(1);
    // Forwarded as the collector stored it: the record, re-encoded (its body is the event's name).
    await until(() => forwarded.some((f) => f.path === '/v1/logs' && f.body.includes('"body":{"stringValue":"x"}')), 5000);
    await post('/collect', batch('b3', [event('fw-1', 'forward.me')]));
    const converted = await until(() => forwarded.find((f) => f.path === '/v1/logs' && f.body.includes('fw-1')), 5000);
    expect(JSON.parse(converted.body).resourceLogs[0].resource.attributes.some((a: { key: string; value: { stringValue?: string } }) => a.key === 'service.name' && a.value.stringValue === 'avila-playground')).toBe(true);
  });

  it('streams updates to pages as Server-Sent Events', async () => {
    const controller = new AbortController();
    const r = await fetch(`${dev.url}/collect/stream`, { signal: controller.signal });
    expect(r.headers.get('content-type')).toBe('text/event-stream');
    const reader = r.body!.getReader();
    await post('/collect', batch('b4', [event('sse-1', 'streamed')]));
    let text = '';
    while (!text.includes('sse-1')) text += new TextDecoder().decode((await reader.read()).value);
    const update = text.split('\n\n').map((m) => m.split('\n').find((l) => l.startsWith('data: '))).filter(Boolean).map((l) => JSON.parse(l!.slice(6))).find((u) => u.events.some((e: { id: string }) => e.id === 'sse-1'));
    expect(update.stats.byName.streamed).toBe(1);
    controller.abort();
  });

  it('injects faults on request: failures answer 500 and keep nothing, offline resets the connection', async () => {
    await post('/collect/faults', JSON.stringify({ failRate: 1 }));
    const before = dev.collector.stats().unique;
    expect((await post('/collect', batch('b5', [event('f-1')]))).status).toBe(500);
    expect(dev.collector.stats().unique).toBe(before);
    await post('/collect/faults', JSON.stringify({ failRate: 0, down: true }));
    await expect(post('/collect', batch('b6', [event('f-2')]))).rejects.toThrow();
    await post('/collect/faults', JSON.stringify({ down: false }));
    expect((await post('/collect', batch('b6', [event('f-2')]))).status).toBe(200);
    expect(dev.collector.stats().unique).toBe(before + 1);
  });
});
