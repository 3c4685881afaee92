// flush() waits for a pending Web Lock election (WebKit grants the lock late: 9 of 14 runs
// resolved flush() with nothing sent), and returns early only when another tab leads.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Delivery } from '../../src/delivery/delivery.js';
import { electLeader } from '../../src/delivery/leader.js';
import type { WireEvent } from '../../src/delivery/types.js';

/** navigator.locks whose grants arrive `delayMs` late; `heldElsewhere` simulates another tab. */
function slowLocks(delayMs: number, heldElsewhere: boolean) {
  return {
    request(_name: string, optionsOrFn: unknown, maybeFn?: (lock: unknown) => unknown) {
      const fn = (typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn) as (lock: unknown) => unknown;
      const ifAvailable = typeof optionsOrFn === 'object' && (optionsOrFn as { ifAvailable?: boolean }).ifAvailable;
      return new Promise((resolve) =>
        setTimeout(() => {
          if (heldElsewhere) {
            // Another tab holds it: ifAvailable gets null; a waiting request is never granted here.
            if (ifAvailable) resolve(fn(null));
            return;
          }
          resolve(fn({ name: _name }));
        }, delayMs),
      );
    },
  };
}

const event = (i: number): WireEvent => ({ id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'track', name: `e${i}`, timestamp: new Date().toISOString(), properties: {} });

describe('flush() and the drain election', () => {
  let d: Delivery | null = null;
  afterEach(async () => {
    await d?.shutdown(100);
    vi.unstubAllGlobals();
  });

  it('waits for a late Web Lock grant and sends everything before resolving', async () => {
    vi.stubGlobal('navigator', { locks: slowLocks(300, false), onLine: true });
    const sent: string[] = [];
    const fetch = (async (_u: string, init: RequestInit) => {
      sent.push(...JSON.parse(String(init.body)).events.map((e: { name: string }) => e.name));
      return new Response('{}');
    }) as unknown as typeof globalThis.fetch;
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch, storage: 'indexeddb', queueName: `election-${Math.random()}`, compression: false, exitFlush: false });
    for (let i = 0; i < 5; i++) d.enqueue(event(i));
    await d.flush(5000);
    expect(sent).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
  });

  it('returns once it knows another tab leads (that tab sends), without waiting out the timeout', { timeout: 20_000 }, async () => {
    vi.stubGlobal('navigator', { locks: slowLocks(50, true), onLine: true });
    const fetch = (async () => new Response('{}')) as unknown as typeof globalThis.fetch;
    d = new Delivery({ endpoint: 'https://c.test/collect', fetch, storage: 'indexeddb', queueName: `election-${Math.random()}`, compression: false, exitFlush: false });
    d.enqueue(event(1));
    // A flush that waited out its timeout would outlive this test's own (20 s): it must return
    // as soon as the election says another tab leads.
    await d.flush(10 * 60_000);
    expect((await d.stats()).leader).toBe(false);
  });

  it('the localStorage lease (no Web Locks) survives storage that throws, in its timer too', async () => {
    let writes = 0;
    vi.stubGlobal('navigator', {});
    vi.stubGlobal('localStorage', {
      getItem: () => null,
      setItem: () => {
        writes++;
        throw new DOMException('quota', 'QuotaExceededError');
      },
      removeItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    });
    vi.useFakeTimers();
    try {
      const l = electLeader('lease-test');
      expect(l.isLeader).toBe(true); // it keeps draining rather than never
      vi.advanceTimersByTime(3500); // three renewals, each throwing inside setInterval
      expect(writes).toBe(4);
      l.release();
    } finally {
      vi.useRealTimers();
    }
  });
});
