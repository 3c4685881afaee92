// The sending side of the delivery stage, loaded a moment after the client starts (a chunk of
// its own: dist/sending.mjs): the drain loop, batches in flight, the send policy (retries,
// Retry-After, circuit breaker), the election of the one tab that drains a shared queue, and the
// settling of what a previous page left behind. Until it arrives, events are kept exactly as
// before — written to the queue, and sent by the page-exit flush if the page goes first — so
// nothing waits on it but the first request (whose batch interval is 5 s by default).
import type { DeliveryOptions } from './delivery.js';
import { Drainer, type DrainHost, type DrainOptions } from './drain.js';
import type { FlightCounters } from './flight.js';
import { alwaysLeader, electLeader, type Leadership } from './leader.js';
import { IdbQueue } from './queue/idb.js';
import type { IdbWriter } from './queue/idb-writer.js';
import type { MemoryStore } from './queue/memory.js';
import { memoryQueue } from './queue/memory-read.js';
import type { EventQueue, QueueLimits, QueueStore } from './queue/types.js';
import { SendPolicy } from './send-policy.js';
import { BatchSender, type SenderOptions } from './sender.js';
import { within } from './within.js';

export interface SendingOptions extends DrainOptions {
  sender: SenderOptions;
  circuit: { failures: number; cooldownMs: number };
}

/** What the delivery stage reads of its host, less the leadership (owned here). */
export type SendingHost = Omit<DrainHost, 'leadership'>;

/** What the sending side reads of the delivery stage's options (the defaults are applied here). */
export interface SendingConfig extends DeliveryOptions {
  name: string;
  fetch: typeof fetch;
}

export interface Sending {
  readonly drain: Drainer;
  /** The queue, complete: IndexedDB's write side (the delivery stage's) with the read side added. */
  readonly queue: Promise<EventQueue>;
  /** Sends everything queued now, ignoring the batch interval; returns when the queue is empty, nothing can be sent, or at `until`. */
  flush(until: number): Promise<void>;
  /** For stats(): batches in flight, the circuit breaker, whether this tab drains the queue (IndexedDB queues are shared by the origin's tabs). */
  state(): { inFlight: number; circuit: 'closed' | 'open'; leader: boolean };
  /** Gives up the drain (its lock too) and waits for the loop to end. */
  stop(): Promise<void>;
}

/** A leadership not decided yet: nobody leads until the queue is open. */
function pending(until: Promise<unknown>): Leadership {
  return { isLeader: false, settled: until.then(() => {}, () => {}), onChange() {}, release() {} };
}

export function startSending(host: SendingHost, store: Promise<QueueStore>, limits: QueueLimits, c: SendingConfig, counters: FlightCounters): Sending {
  const queue = store.then((s) => (s.kind === 'indexeddb' ? new IdbQueue(s as IdbWriter, limits) : memoryQueue(s as MemoryStore)));
  const o: SendingOptions = {
    name: c.name,
    endpoint: c.endpoint,
    headers: c.headers,
    fetch: c.fetch,
    concurrency: c.concurrency ?? 2,
    batch: { maxEvents: 100, maxBytes: 64 * 1024, intervalMs: 5000, ...c.batch },
    retry: { baseMs: 1000, maxMs: 60_000, ...c.retry },
    onFlush: c.onFlush,
    circuit: { failures: 5, cooldownMs: 30_000, ...c.circuit },
    sender: { ...c, compression: c.compression ?? 'gzip' },
  };
  let leadership = pending(queue);
  const policy = new SendPolicy(o.retry, o.circuit);
  const drainHost: DrainHost = Object.create(host, { leadership: { get: () => leadership } });
  // Registered before the drain awaits the queue, so the drain sees the elected leadership.
  void queue.then(
    (q) => {
      leadership = q.kind === 'indexeddb' && !host.closed ? electLeader(`${o.name}:drain`) : alwaysLeader();
      leadership.onChange(() => drain.wake());
    },
    () => {},
  );
  const drain = new Drainer(drainHost, queue, o, new BatchSender(o.sender), policy, counters);
  // Another tab of this origin sent events on its way out: check on them after the hold.
  const onStorage = (e: StorageEvent) => {
    if (!(e.key?.startsWith(`${o.name}:exit:`) || e.key?.startsWith(`${o.name}:spill:`)) || !e.newValue) return;
    drain.otherTabExited(e.key.includes(':spill:'));
  };
  const win = typeof window !== 'undefined' && typeof window.addEventListener === 'function' ? window : null;
  win?.addEventListener('storage', onStorage);
  return {
    drain,
    queue,
    async flush(until) {
      drain.flushWanted = true;
      drain.wake();
      const q = await queue;
      // A pending Web Lock election is not "another tab leads": wait for its outcome first.
      await within(leadership.settled, until);
      while (Date.now() < until && !host.closed) {
        const s = await q.stats();
        if (s.count === 0 || !drain.canSend()) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    state: () => ({ inFlight: drain.flight.inFlightSeqs.size, circuit: policy.circuitState, leader: leadership.isLeader }),
    async stop() {
      win?.removeEventListener('storage', onStorage);
      leadership.release();
      drain.wake();
      await drain.loop.catch(() => {});
    },
  };
}
