// avila-telemetry/testing (Node): the collector with a memory store and fault injection, for
// testing an app's telemetry — or the SDK itself — against the real receiving side of the protocol.
//
//   const collector = await startTestCollector({ faults: { failRate: 0.2 } });
//   const client = init({ endpoint: collector.endpoint, apiKey: collector.apiKey, delivery: { storage: 'memory' } });
//   …
//   await client.flush();
//   expect(collector.events.filter((e) => e.name === 'checkout')).toHaveLength(1);
//   await collector.close();
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createCollector, type CollectorHandler, type CollectorStats } from './collector/handler.js';
import { memoryStore, type MemoryStore } from './collector/memory.js';
import { send, toRequest } from './collector/node.js';
import type { StoredEvent } from './collector/types.js';

/** A clock for `init({ clock })` that moves only when told: `advance(ms)`, `set(ms)`. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function testClock(startMs = Date.UTC(2026, 0, 1)): TestClock {
  if (!Number.isFinite(startMs)) throw new TypeError(`testClock(startMs): startMs must be a finite number of ms since the epoch, got ${String(startMs)}`);
  let t = startMs;
  return {
    now: () => t,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms): ms must be a finite number ≥ 0, got ${String(ms)}`);
      t += ms;
    },
    set(ms: number) {
      if (!Number.isFinite(ms)) throw new TypeError(`set(ms): ms must be a finite number, got ${String(ms)}`);
      t = ms;
    },
  };
}

export { seededRandom } from './random.js';

export interface TestFaults {
  /** Fraction of requests answered 500 (nothing stored). */
  failRate: number;
  /** Fraction answered 429 with Retry-After (nothing stored). */
  rate429: number;
  retryAfterSeconds: number;
  /** Fraction whose connection is reset before anything is stored. */
  resetRate: number;
  /** Every connection is reset: the collector is unreachable. */
  offline: boolean;
  /** Delay before each answer, ms. */
  delayMs: number;
}

export const NO_FAULTS: TestFaults = { failRate: 0, rate429: 0, retryAfterSeconds: 1, resetRate: 0, offline: false, delayMs: 0 };

export interface TestCollector {
  /** The server, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Where the SDK sends: `${url}/collect`. */
  endpoint: string;
  /** The API key it accepts (app `test`). */
  apiKey: string;
  /** The faults injected from now on: change them at any time. */
  faults: TestFaults;
  store: MemoryStore;
  /** Every stored event, in arrival order (each id once). */
  readonly events: StoredEvent[];
  stats(): CollectorStats & { faults: { failed: number; throttled: number; reset: number } };
  close(): Promise<void>;
}

export async function startTestCollector(options: { faults?: Partial<TestFaults>; apiKey?: string; random?: () => number } = {}): Promise<TestCollector> {
  const store = memoryStore();
  const apiKey = options.apiKey ?? 'test-key';
  const handler: CollectorHandler = createCollector({ store, apiKeys: { [apiKey]: 'test' } });
  const faults: TestFaults = { ...NO_FAULTS, ...options.faults };
  const random = options.random ?? Math.random;
  const counts = { failed: 0, throttled: 0, reset: 0 };
  const sockets = new Set<Socket>();
  let base = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      // Preflights and batch-status questions are never faulted: they are not deliveries.
      const delivery = req.method === 'POST';
      if (faults.offline || (delivery && faults.resetRate > 0 && random() < faults.resetRate)) {
        counts.reset++;
        req.socket.destroy();
        return;
      }
      if (faults.delayMs) await new Promise((r) => setTimeout(r, faults.delayMs));
      const roll = delivery ? random() : 1;
      if (roll < faults.failRate) {
        counts.failed++;
        req.resume();
        res.writeHead(500, { 'access-control-allow-origin': '*' }).end('injected failure');
        return;
      }
      if (roll < faults.failRate + faults.rate429) {
        counts.throttled++;
        req.resume();
        res.writeHead(429, { 'access-control-allow-origin': '*', 'retry-after': String(faults.retryAfterSeconds) }).end('injected 429');
        return;
      }
      await send(res, await handler(toRequest(req, base)));
    })().catch(() => req.socket.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    endpoint: `${base}/collect`,
    apiKey,
    faults,
    store,
    get events() {
      return [...store.events.values()];
    },
    stats: () => ({ ...handler.stats(), faults: { ...counts } }),
    close: () =>
      new Promise<void>((ok) => {
        for (const s of sockets) s.destroy();
        server.close(() => ok());
      }),
  };
}

export { shopEvents, syntheticShop, type ShopOptions } from './collector/analytics/shop.js';
