// The sending side of delivery (sending.ts) loads a moment after the stage starts. Until it is
// there events wait in the queue; if it cannot load, that is said once, the load is tried again
// after a back-off, and the events go out once it arrives.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import * as sending from '../../src/delivery/sending.js';
import { wireEvent as event } from '../helpers/wire.js';

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
    expect(errors[0]).toMatch(/could not load its sending code \(Failed to fetch dynamically imported module: https:\/\/cdn\.example\/dist\/sending\.mjs\)\. Events are kept in the queue until it loads/);
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
});
