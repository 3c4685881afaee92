// Every accepted event survives a page close: sent, in storage, or copied to localStorage for the
// next load — also for OTLP-only and consent-pending clients, and before the queue has opened.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import { takeSpills } from '../../src/delivery/exit-journal.js';
import type { QueueItem } from '../../src/delivery/queue/types.js';
import type { WireEvent } from '../../src/delivery/types.js';

const event = (i: number): WireEvent => ({ id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'track', name: `e${i}`, timestamp: new Date().toISOString(), properties: {} });

function memoryLocalStorage() {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    key: (i: number) => [...m.keys()][i] ?? null,
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

describe('page exit', () => {
  let d: Delivery | null = null;
  afterEach(async () => {
    await d?.shutdown(10).catch(() => {});
    vi.unstubAllGlobals();
  });

  const exitWith = async (options: ConstructorParameters<typeof Delivery>[0], paused = false) => {
    vi.stubGlobal('localStorage', memoryLocalStorage());
    const name = `exit-${Math.random()}`;
    d = new Delivery({ fetch: (async () => new Response('{}')) as unknown as typeof fetch, compression: false, exitFlush: false, queueName: name, ...options });
    d.setPaused(paused);
    for (let i = 0; i < 5; i++) d.enqueue(event(i));
    d.flushOnExit(); // the page goes now, before the 50 ms write
    return takeSpills<QueueItem>(name).map((i) => JSON.parse(i.json).name);
  };

  it('an OTLP-only client copies its unsent events for the next load', async () => {
    expect(await exitWith({ otlpEndpoint: 'https://otel.test' })).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
  });

  it('a consent-pending (paused) client copies them too', async () => {
    expect(await exitWith({ endpoint: 'https://c.test/collect' }, true)).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
  });

  it('before the queue has opened, the events are copied rather than lost', async () => {
    const silent = () => {
      const request = Object.create(IDBOpenDBRequest.prototype);
      for (const k of ['addEventListener', 'removeEventListener']) Object.defineProperty(request, k, { value() {} });
      return request;
    };
    vi.stubGlobal('indexedDB', { open: silent });
    expect(await exitWith({ otlpEndpoint: 'https://otel.test', storageTimeoutMs: 300 })).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
  });

  it('a page hidden and shown again many times keeps nothing of earlier exits in memory', async () => {
    vi.stubGlobal('localStorage', memoryLocalStorage());
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch: (async () => new Response('{}')) as unknown as typeof fetch, compression: false, exitFlush: false, storage: 'memory' });
    const internals = d as unknown as { uncommitted: Map<string, unknown>; exit: { sent: Set<string> } };
    for (let round = 0; round < 100; round++) {
      for (let i = 0; i < 10; i++) d.enqueue(event(round * 10 + i));
      d.flushOnExit(); // visibilitychange → hidden
      await new Promise((r) => setTimeout(r, 0)); // the write commits; the page comes back
    }
    d.flushOnExit();
    expect(internals.uncommitted.size).toBe(0);
    expect(internals.exit.sent.size).toBe(0);
  });
});
