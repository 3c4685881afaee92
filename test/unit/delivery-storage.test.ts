// IndexedDB that never opens (a blocked upgrade, a hung open): after storageTimeoutMs the memory
// queue takes over, events are sent, the problem is reported once and shown in health().
import 'fake-indexeddb/auto'; // IDBRequest and friends, which idb checks requests against
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient, type Client } from '../../src/client/index.js';

describe('IndexedDB that never answers', () => {
  let c: Client | null = null;
  afterEach(async () => {
    await c?.shutdown();
    vi.unstubAllGlobals();
  });

  it('falls back to memory after the timeout: every event is delivered, one error, health degraded', async () => {
    let opens = 0;
    // open() returns a request whose events never fire, as a blocked upgrade leaves it.
    const silent = () => {
      opens++;
      const request = Object.create(IDBOpenDBRequest.prototype);
      for (const k of ['addEventListener', 'removeEventListener']) Object.defineProperty(request, k, { value() {} });
      return request;
    };
    vi.stubGlobal('indexedDB', { open: silent });
    const sent: string[] = [];
    const fetch = (async (_u: string, init: RequestInit) => {
      sent.push(...JSON.parse(String(init.body)).events.map((e: { name: string }) => e.name));
      return new Response('{}');
    }) as unknown as typeof globalThis.fetch;
    const errors: string[] = [];
    c = createClient({ endpoint: 'https://c.test/collect', delivery: { fetch, compression: false, storageTimeoutMs: 200, batch: { intervalMs: 10 } } });
    c.on('error', (e) => errors.push(e.message));
    for (let i = 0; i < 50; i++) c.track(`e${i}`);
    await c.flush();
    expect(opens).toBe(1);
    expect(sent.filter((n) => n.startsWith('e'))).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
    expect(errors).toEqual(['avila-telemetry: IndexedDB unusable (no answer within 200 ms); events are kept in memory']);
    const stats = await c.deliveryStats();
    expect(stats.storage).toBe('memory');
    expect(c.health()!.checks.find((x) => x.name === 'storage')).toMatchObject({ status: 'degraded' });
  }, 20_000);
});
