// The drain loop: while this tab may send (consent, online, leader, circuit), it settles what a
// dead page left behind (reconcile.ts), takes batches from the queue when one is due (full, old
// enough, or flush() asked) and puts them in flight (flight.ts), at most `concurrency` at a time.
// It sleeps in between and is woken by new events, a landed flight, the network and other tabs.
import { EXIT_HOLD_MS, exitRecords } from './exit-journal.js';
import { fly, type Flight, type FlightContext } from './flight.js';
import { uuidv7 } from './ids.js';
import type { Leadership } from './leader.js';
import type { EventQueue } from './queue/types.js';
import { settleLeftBehind, type ReconcileContext } from './reconcile.js';
import { backoffMs } from './send.js';
import type { SendPolicy } from './send-policy.js';
import type { BatchSender } from './sender.js';
import type { FlightCounters } from './flight.js';

const now = () => Date.now();

/** What the drain loop reads of its delivery stage. */
export interface DrainHost {
  readonly paused: boolean;
  readonly online: boolean;
  readonly closed: boolean;
  readonly leadership: Leadership;
  wentOffline(): void;
  report(e: Error): void;
}

export interface DrainOptions {
  /** The queue's name (exit journal and spill keys). */
  name: string;
  endpoint: string | undefined;
  headers: Record<string, string> | undefined;
  fetch: typeof fetch;
  concurrency: number;
  batch: { maxEvents: number; maxBytes: number; intervalMs: number };
  retry: { baseMs: number; maxMs: number };
  onFlush: FlightContext['onFlush'];
}

export class Drainer {
  readonly flight: FlightContext;
  private readonly reconcile: ReconcileContext;
  private readonly flights = new Set<Flight>();
  /** flush() asked for everything now, ignoring the batch interval. */
  flushWanted = false;
  /** When to look for batches a dead page left in flight or sent on exit. */
  private settleAt = 0;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private waker: (() => void) | null = null;
  readonly loop: Promise<void>;

  constructor(
    private readonly host: DrainHost,
    queue: Promise<EventQueue>,
    private readonly o: DrainOptions,
    sender: BatchSender,
    readonly policy: SendPolicy,
    counters: FlightCounters,
  ) {
    const self = this;
    this.flight = {
      sender,
      policy,
      get leadership() {
        return host.leadership;
      },
      counters,
      inFlightSeqs: new Set(),
      canSend: () => this.canSend(),
      closed: () => host.closed,
      wentOffline: () => host.wentOffline(),
      report: (e) => host.report(e),
      onFlush: o.onFlush,
      landed(f) {
        self.flights.delete(f);
        self.wake();
      },
    };
    this.reconcile = { name: o.name, endpoint: o.endpoint, headers: o.headers, fetch: o.fetch, exitHeldSeqs: new Set() };
    this.loop = this.run(queue);
  }

  /** Another tab wrote an exit record or a spill: settle it after the hold (spills at once). */
  otherTabExited(spill: boolean): void {
    this.settleAt = Math.min(this.settleAt, spill ? now() : now() + EXIT_HOLD_MS);
    this.wake();
  }

  wake(): void {
    const w = this.waker;
    this.waker = null;
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    // After shutdown() nothing wakes the loop again: it must not start a new sleep.
    if (this.host.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waker = resolve;
      if (Number.isFinite(ms)) this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  canSend(): boolean {
    const h = this.host;
    return !h.paused && h.online && h.leadership.isLeader && now() >= this.policy.blockedUntil;
  }

  private async run(queue: Promise<EventQueue>): Promise<void> {
    const q = await queue;
    while (!this.host.closed) {
      try {
        if (!this.canSend()) {
          await this.sleep(this.policy.blockedUntil > now() ? this.policy.blockedUntil - now() : Infinity);
          continue;
        }
        if (now() >= this.settleAt) {
          if (!(await settleLeftBehind(this.reconcile, q))) {
            this.settleAt = now() + backoffMs(1, this.o.retry.baseMs, this.o.retry.maxMs);
            await this.sleep(this.settleAt - now());
            continue;
          }
          const pending = exitRecords(this.o.name);
          this.settleAt = pending.length ? Math.min(...pending.map((r) => r.at)) + EXIT_HOLD_MS : Infinity;
        }
        const stats = await q.stats();
        const waiting = stats.count - this.flight.inFlightSeqs.size;
        const due =
          this.flushWanted ||
          waiting >= this.o.batch.maxEvents ||
          stats.bytes >= this.o.batch.maxBytes ||
          (stats.oldestAt !== null && now() - stats.oldestAt >= this.o.batch.intervalMs);
        if (waiting <= 0 && this.o.endpoint && ![...this.flights].some((f) => f.drops)) {
          // Nothing left to send, but drops not yet reported: they go in a batch of their own.
          const drops = await q.drops();
          if (Object.keys(drops).length) {
            const flight: Flight = { batchId: uuidv7(), entries: [], drops, attempt: 0 };
            this.flights.add(flight);
            void fly(this.flight, q, flight);
            continue;
          }
        }
        if (waiting <= 0 || !due) {
          if (waiting <= 0) this.flushWanted = false;
          const due = stats.oldestAt !== null && waiting > 0 ? stats.oldestAt + this.o.batch.intervalMs : Infinity;
          // Other tabs write to the same IndexedDB queue without waking this one: while draining
          // for them (leader), look again every batch interval even when this tab saw nothing.
          const poll = q.kind === 'indexeddb' ? now() + this.o.batch.intervalMs : Infinity;
          await this.sleep(Math.min(due, this.settleAt, poll) - now());
          continue;
        }
        if (this.flights.size >= this.o.concurrency) {
          await this.sleep(Infinity);
          continue;
        }
        // Events an exiting page already sent wait until the collector was asked about them.
        const exiting = new Set(exitRecords(this.o.name).flatMap((r) => r.ids));
        const held = this.reconcile.exitHeldSeqs;
        const inFlight = this.flight.inFlightSeqs;
        const exclude = held.size ? new Set([...inFlight, ...held]) : inFlight;
        const entries = (await q.take(this.o.batch.maxEvents, this.o.batch.maxBytes, exclude, now())).filter((e) => {
          if (!exiting.has(e.id)) return true;
          held.add(e.seq);
          return false;
        });
        if (entries.length === 0) {
          // Everything left is held by an exiting tab or in flight: look again later.
          this.flushWanted = false;
          await this.sleep(Math.min(inFlight.size > 0 ? Infinity : 1000, this.settleAt - now()));
          continue;
        }
        for (const e of entries) inFlight.add(e.seq);
        // One batch at a time carries the drop report, so counts are never reported twice.
        const drops = [...this.flights].some((f) => f.drops) ? {} : await q.drops();
        const flight: Flight = { batchId: uuidv7(), entries, drops: Object.keys(drops).length ? drops : null, attempt: 0 };
        this.flights.add(flight);
        void fly(this.flight, q, flight);
      } catch (e) {
        this.host.report(e as Error);
        await this.sleep(1000);
      }
    }
  }
}
