// The sending side of delivery (sending.ts) loads a moment after the stage starts. Until it is
// there events wait in the queue; if it cannot load, that is said once, the load is tried again
// after a back-off, and the events go out once it arrives.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import * as sending from '../../src/delivery/sending.js';
import { wireEvent as event } from '../helpers/wire.js';
import 'fake-indexeddb/auto';

describe('the sending side of delivery', () => {
  let d: Delivery | null = null;
  afterEach(async () => {
    vi.useRealTimers();
    await d?.shutdown(10);
    d = null;
  });

  it('failing to load: one error naming the fix, no request, a retry after 5 s, then every event sent once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const sent: string[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      sent.push(...JSON.parse(String(init.body)).events.map((e: { id: string }) => e.id));
      return new Response('{}', { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    let loads = 0;
    const loadSending = async () => {
      loads++;
      if (loads === 1) throw new TypeError('Failed to fetch dynamically imported module: https://cdn.example/dist/sending.mjs');
      return sending;
    };
    const errors: string[] = [];
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch, storage: 'memory', compression: false, exitFlush: false, batch: { intervalMs: 100 }, loadSending, onError: (e) => errors.push(e.message) });
    for (let i = 0; i < 25; i++) d.enqueue(event(i));
    await vi.advanceTimersByTimeAsync(4000);
    expect({ loads, sent: sent.length, queued: (await d.stats()).queued }).toEqual({ loads: 1, sent: 0, queued: 25 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not load its sending code: Failed to fetch dynamically imported module: https:\/\/cdn\.example\/dist\/sending\.mjs\. .* Events are kept in the queue until it loads/);
    expect(errors[0]).toMatch(/dist\/ folder next to the script/);
    await vi.advanceTimersByTimeAsync(2000);
    expect(loads).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(new Set(sent).size).toBe(25);
    expect(sent).toHaveLength(25);
    expect(errors).toHaveLength(1);
  });

  it('flush() right after the stage starts waits for the sending side and sends everything', async () => {
    const sent: string[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      sent.push(...JSON.parse(String(init.body)).events.map((e: { id: string }) => e.id));
      return new Response('{}', { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    // A slow chunk: 200 ms to arrive.
    const loadSending = () => new Promise<typeof sending>((r) => setTimeout(() => r(sending), 200));
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch, storage: 'memory', compression: false, exitFlush: false, loadSending });
    for (let i = 0; i < 7; i++) d.enqueue(event(i));
    await d.flush();
    expect(sent).toHaveLength(7);
    expect((await d.stats()).queued).toBe(0);
  });

  it('flush() and shutdown() leave no timer behind (a pending one kept a Node process alive ~10 s after shutdown)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const fetch = (async () => new Response('{}', { status: 200 })) as unknown as typeof globalThis.fetch;
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch, storage: 'memory', compression: false, exitFlush: false, loadSending: async () => sending });
    for (let i = 0; i < 5; i++) d.enqueue(event(i));
    const flushed = d.flush();
    await vi.advanceTimersByTimeAsync(100);
    await flushed;
    const stopped = d.shutdown();
    await vi.advanceTimersByTimeAsync(100);
    await stopped;
    d = null;
    expect(vi.getTimerCount()).toBe(0);
  });

  it('IndexedDB before the sending code arrives: events are stored, counted, cleared on request; the bounds hold from its first append on', async () => {
    const sent: string[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      sent.push(...JSON.parse(String(init.body)).events.map((e: { id: string }) => e.id));
      return new Response('{}', { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    let arrive: (m: typeof sending) => void = () => {};
    const loadSending = () => new Promise<typeof sending>((r) => (arrive = r));
    const queueName = `early-${Math.random()}`;
    const opts = { endpoint: 'https://c.test/collect', fetch, storage: 'indexeddb' as const, queueName, compression: false as const, exitFlush: false, persistDelayMs: 0, queue: { maxEvents: 30 } };
    d = new Delivery({ ...opts, loadSending });
    // Written by the page's first script alone: 50 events (over the bound of 30, enforced once the read side is there).
    for (let i = 0; i < 50; i++) d.enqueue(event(i));
    d.countDrop('sampled', 2);
    await until(async () => (await d!.stats()).queued === 50);
    const early = await d.stats();
    expect({ storage: early.storage, queued: early.queued, drops: early.drops }).toEqual({ storage: 'indexeddb', queued: 50, drops: { sampled: 2 } });
    // Consent withdrawn before the sending code came: everything stored is deleted and counted.
    expect(await d.clear()).toBe(50);
    expect((await d.stats()).queued).toBe(0);
    for (let i = 50; i < 90; i++) d.enqueue(event(i));
    await until(async () => (await d!.stats()).queued === 40);
    expect(sent).toEqual([]);
    // The sending code arrives: the next append trims to the bound, counting the oldest as overflow.
    arrive(sending);
    await until(async () => d!['full'] !== null);
    d.setPaused(true);
    d.enqueue(event(90));
    await until(async () => (await d!.stats()).drops.queue_overflow === 11);
    expect((await d.stats()).queued).toBe(30);
    d.setPaused(false);
    await d.flush();
    expect(sent).toEqual(Array.from({ length: 30 }, (_, k) => event(61 + k).id));
  });
});

async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
