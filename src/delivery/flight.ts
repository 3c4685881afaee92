// One batch from the queue to the collector: journaled as in flight (so a page that dies mid-send
// leaves a record for reconcile.ts), sent, and then removed, split (413), dropped (refused) or
// retried with the same id and events after a backoff (send-policy.ts).
import { uuidv7 } from './ids.js';
import type { Leadership } from './leader.js';
import type { Drops } from './types.js';
import type { EventQueue, QueueEntry } from './queue/types.js';
import type { BatchSender } from './sender.js';
import type { SendPolicy } from './send-policy.js';

export interface Flight {
  batchId: string;
  entries: QueueEntry[];
  drops: Drops | null;
  attempt: number;
}

export interface FlightCounters {
  batchesSent: number;
  eventsSent: number;
  bytesSent: number;
  retries: number;
  failures: number;
}

export interface FlightContext {
  sender: BatchSender;
  policy: SendPolicy;
  leadership: Leadership;
  counters: FlightCounters;
  /** Queue entries in some flight (not to be taken again). */
  inFlightSeqs: Set<number>;
  canSend(): boolean;
  closed(): boolean;
  /** A send failed with the browser saying it is offline. */
  wentOffline(): void;
  report(e: Error): void;
  onFlush: ((info: { batchId: string; events: number; bytes: number; status: number }) => void) | undefined;
  /** The flight ended (whatever became of it): let the drain loop look again. */
  landed(flight: Flight): void;
}

export async function fly(c: FlightContext, q: EventQueue, flight: Flight): Promise<void> {
  let journaled = '';
  try {
    for (;;) {
      if (journaled !== flight.batchId) {
        if (journaled) await q.clearInFlight(journaled);
        await q.markInFlight(flight.batchId, flight.entries.map((e) => e.seq));
        journaled = flight.batchId;
      }
      if (c.closed()) return;
      if (!c.canSend()) {
        await new Promise((r) => setTimeout(r, Math.max(50, c.policy.blockedUntil - Date.now())));
        if (!c.leadership.isLeader) return; // another tab took over: leave the events queued
        continue;
      }
      const outcome = await c.sender.send(flight.batchId, flight.entries, flight.drops);
      const decision = c.policy.decide(outcome, flight.batchId, flight.entries.length, flight.attempt);
      if (decision.kind === 'sent') {
        await q.remove(flight.entries.map((e) => e.seq));
        if (flight.drops) await q.settleDrops(flight.drops);
        c.counters.batchesSent++;
        c.counters.eventsSent += flight.entries.length;
        const bytes = flight.entries.reduce((t, e) => t + e.bytes, 0);
        c.counters.bytesSent += bytes;
        try {
          c.onFlush?.({ batchId: flight.batchId, events: flight.entries.length, bytes, status: outcome.status });
        } catch {}
        return;
      }
      if (decision.kind === 'split') {
        // The second half goes back to the queue, this flight keeps the first.
        const half = flight.entries.splice(Math.ceil(flight.entries.length / 2));
        for (const e of half) c.inFlightSeqs.delete(e.seq);
        flight.batchId = uuidv7();
        continue;
      }
      if (decision.kind === 'drop') {
        await q.remove(flight.entries.map((e) => e.seq));
        // The drop report this batch carried was refused with it: it is dropped too, never resent
        // (a collector that refuses batches would refuse the report again, and again).
        if (flight.drops) await q.settleDrops(flight.drops);
        if (flight.entries.length) await q.addDrops(decision.reason, flight.entries.length);
        c.report(new Error(`avila-telemetry: ${decision.message}; ${flight.entries.length} events dropped (${decision.reason})`));
        return;
      }
      // Retry: same batch id and events; wait with full jitter, at least Retry-After.
      c.counters.retries++;
      c.counters.failures++;
      if (outcome.status === 0 && typeof navigator !== 'undefined' && navigator.onLine === false) c.wentOffline();
      flight.attempt++;
      await new Promise((r) => setTimeout(r, decision.delayMs));
      // Events trimmed from the queue meanwhile were counted as dropped: do not send them.
      const present = await q.present(flight.entries.map((e) => e.seq));
      if (present.size < flight.entries.length) {
        for (const e of flight.entries) if (!present.has(e.seq)) c.inFlightSeqs.delete(e.seq);
        flight.entries = flight.entries.filter((e) => present.has(e.seq));
        flight.batchId = uuidv7();
        if (flight.entries.length === 0) return;
      }
    }
  } catch (e) {
    c.report(e as Error);
  } finally {
    if (journaled) await q.clearInFlight(journaled).catch(() => {});
    for (const e of flight.entries) c.inFlightSeqs.delete(e.seq);
    c.landed(flight);
  }
}
