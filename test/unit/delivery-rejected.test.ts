// An endpoint that refuses everything (404) is not hammered: the refused batch's drop report is
// dropped with it, not resent in empty batches, and each refusal in a row doubles the wait.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import * as sending from '../../src/delivery/sending.js';
import { wireEvent as event } from '../helpers/wire.js';

describe('a collector path that answers 404', () => {
  let d: Delivery | null = null;
  afterEach(async () => {
    vi.useRealTimers();
    await d?.shutdown(10);
  });

  it('gets a few requests a minute at most, and nothing is resent in empty drop-report batches', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const posts: { at: number; events: number; drops: Record<string, number> | undefined }[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body));
      posts.push({ at: Date.now(), events: body.events.length, drops: body.clientReport?.drops });
      // A real request takes a turn of the event loop (a loop of microtasks would starve the test).
      await new Promise((r) => setImmediate(r));
      return new Response('not found', { status: 404 });
    }) as unknown as typeof globalThis.fetch;
    const errors: string[] = [];
    d = new Delivery({ endpoint: 'https://c.test/wrong-path', fetch, storage: 'memory', compression: false, exitFlush: false, batch: { maxEvents: 10, intervalMs: 100 }, onError: (e) => errors.push(e.message),
      // Under fake timers the sending side's module load (real I/O) would race the clock: given loaded.
      loadSending: async () => sending });
    const start = Date.now();
    for (let i = 0; i < 30; i++) d.enqueue(event(i));
    for (let s = 0; s < 120; s++) await vi.advanceTimersByTimeAsync(1000);
    const firstMinute = posts.filter((p) => p.at - start < 60_000).length;
    const secondMinute = posts.filter((p) => p.at - start >= 60_000).length;
    console.log(`requests to a 404 endpoint: ${firstMinute} in the first minute, ${secondMinute} in the second`);
    // Three batches of ten, then drop reports that are themselves refused: 1, 2, 4, … s apart.
    expect(firstMinute).toBeLessThanOrEqual(10);
    expect(secondMinute).toBeLessThanOrEqual(3);
    expect(posts.filter((p) => p.events > 0).length).toBe(3);
    // Every event is accounted for as dropped (rejected_4xx), reported in the errors.
    expect(errors.filter((m) => /events dropped \(rejected_4xx\)/.test(m)).length).toBeGreaterThanOrEqual(3);
  });
});
