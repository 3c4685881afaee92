// The sending side of the delivery stage, loaded a moment after the client starts (a chunk of
// its own: dist/sending.mjs): the drain loop, batches in flight, the send policy (retries,
// Retry-After, circuit breaker), the election of the one tab that drains a shared queue, and the
// settling of what a previous page left behind. Until it arrives, events are kept exactly as
// before — written to the queue, and sent by the page-exit flush if the page goes first — so
// nothing waits on it but the first request (whose batch interval is 5 s by default).
import { Drainer, type DrainHost, type DrainOptions } from './drain.js';
import type { FlightCounters } from './flight.js';
import { alwaysLeader, electLeader, type Leadership } from './leader.js';
import { IdbQueue } from './queue/idb.js';
import type { IdbWriter } from './queue/idb-writer.js';
import type { EventQueue, QueueLimits, QueueStore } from './queue/types.js';
import { SendPolicy } from './send-policy.js';
import { BatchSender, type SenderOptions } from './sender.js';

export interface SendingOptions extends DrainOptions {
  sender: SenderOptions;
  circuit: { failures: number; cooldownMs: number };
}

/** What the delivery stage reads of its host, less the leadership (owned here). */
export type SendingHost = Omit<DrainHost, 'leadership'>;

export interface Sending {
  readonly drain: Drainer;
  readonly policy: SendPolicy;
  /** Whether this tab drains the queue (IndexedDB queues are shared by the origin's tabs). */
  readonly leadership: Leadership;
  /** The queue, complete: IndexedDB's write side (the delivery stage's) with the read side added. */
  readonly queue: Promise<EventQueue>;
}

/** A leadership not decided yet: nobody leads until the queue is open. */
function pending(until: Promise<unknown>): Leadership {
  return { isLeader: false, settled: until.then(() => {}, () => {}), onChange() {}, release() {} };
}

export function startSending(host: SendingHost, store: Promise<QueueStore>, limits: QueueLimits, o: SendingOptions, counters: FlightCounters): Sending {
  // The memory queue is complete as it is.
  const queue = store.then((s) => (s.kind === 'indexeddb' ? new IdbQueue(s as IdbWriter, limits) : (s as EventQueue)));
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
  return {
    drain,
    policy,
    queue,
    get leadership() {
      return leadership;
    },
  };
}
