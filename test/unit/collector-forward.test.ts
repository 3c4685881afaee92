// Forwarding (src/collector/forward.ts): what the collector stores goes on to an OTLP receiver,
// through failures (retried, Retry-After honoured), refusals (dropped, counted, logged) and a
// receiver that is down (a bounded buffer, the oldest dropped and counted).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCollector, memoryStore } from '../../src/collector.js';

interface Receiver {
  url: string;
  /** event.id of every log record received, in order. */
  ids: string[];
  statuses: number[];
  close(): Promise<void>;
}

/** An OTLP/HTTP JSON receiver answering `statuses` in turn (then 200). */
async function receiver(statuses: number[]): Promise<Receiver> {
  const ids: string[] = [];
  const seen: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = statuses.shift() ?? 200;
      seen.push(status);
      if (status === 200) {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { resourceLogs: { scopeLogs: { logRecords: { attributes: { key: string; value: { stringValue?: string } }[] }[] }[] }[] };
        for (const rl of body.resourceLogs) for (const sl of rl.scopeLogs) for (const r of sl.logRecords) ids.push(r.attributes.find((a) => a.key === 'event.id')!.value.stringValue!);
      }
      res.writeHead(status, status === 429 ? { 'retry-after': '0' } : {}).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ids, statuses: seen, close: () => new Promise((r) => server.close(() => r())) };
}

let n = 0;
const batch = (k: number) => ({ batchId: `fw-${++n}`, events: Array.from({ length: k }, () => ({ id: `ev-${++n}`, type: 'track', name: 'checkout', timestamp: '2026-11-28T10:00:00.000Z' })) });
const post = (collect: ReturnType<typeof createCollector>, b: ReturnType<typeof batch>) =>
  collect(new Request('http://collector.test/collect', { method: 'POST', headers: { authorization: 'Bearer k' }, body: JSON.stringify(b) }));

let open: Receiver | null = null;
afterEach(async () => {
  await open?.close();
  open = null;
});

describe('forwarding to an OTLP receiver', () => {
  it('sends every stored event on, through a 503 and a 429, in order, each once', async () => {
    open = await receiver([503, 429]);
    const collect = createCollector({ store: memoryStore(), apiKeys: { k: 'shop' }, forward: { otlpEndpoint: open.url, retry: { baseMs: 5, maxMs: 20 } } });
    const b1 = batch(30), b2 = batch(20);
    expect((await post(collect, b1)).status).toBe(200);
    expect((await post(collect, b2)).status).toBe(200);
    await collect.close();
    expect(open.ids).toEqual([...b1.events, ...b2.events].map((e) => e.id));
    expect(open.statuses.slice(0, 2)).toEqual([503, 429]);
    expect(collect.stats().forward).toMatchObject({ forwarded: 50, buffered: 0, overflow: 0, refused: 0, retries: 2 });
  });

  it('a receiver that refuses (400): the records are dropped, counted and logged, and the next ones go on', async () => {
    open = await receiver([400]);
    const lines: string[] = [];
    const collect = createCollector({ store: memoryStore(), apiKeys: { k: 'shop' }, log: (l) => lines.push(l), forward: { otlpEndpoint: open.url, batchSize: 10 } });
    await post(collect, batch(15));
    await collect.close();
    expect(open.ids).toHaveLength(5);
    expect(collect.stats().forward).toMatchObject({ forwarded: 5, refused: 10 });
    expect(lines).toEqual([`forwarding to ${open.url}/v1/logs refused 10 records (HTTP 400: {}): dropped`]);
  });

  it('a receiver that is down: the buffer stays bounded, the oldest are dropped and counted, the collector answers at once', async () => {
    const lines: string[] = [];
    const collect = createCollector({ store: memoryStore(), apiKeys: { k: 'shop' }, log: (l) => lines.push(l), forward: { otlpEndpoint: 'http://127.0.0.1:9', maxBuffer: 100, retry: { baseMs: 50_000, maxMs: 50_000 } } });
    for (let i = 0; i < 5; i++) expect((await post(collect, batch(50))).status).toBe(200);
    expect(collect.stats().forward).toMatchObject({ buffered: 100, overflow: 150, forwarded: 0 });
    expect(lines.filter((l) => l.startsWith('forwarding is behind'))).toHaveLength(1);
    await collect.close(50);
  });
});
