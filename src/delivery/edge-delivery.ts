import type { DeliveryOptions, DeliveryStats } from './delivery.js';
import { uuidv7 } from './ids.js';
import { byteLength, type QueueEntry, type QueueItem } from './queue/types.js';
import { SendPolicy } from './send-policy.js';
import { BatchSender } from './sender.js';
import { EventSerializer, notify } from './serializer.js';
import type { DropReason, Drops, WireEvent } from './types.js';

export type EdgeDeliveryOptions = Omit<DeliveryOptions, 'storage' | 'queueName' | 'persistDelayMs' | 'exitFlush'>;

interface EdgeBatch {
  batchId: string;
  entries: QueueEntry[];
  drops: Drops | null;
  attempt: number;
  /** Not to be sent again before (retry backoff). */
  notBefore: number;
  /** When its current send started (a send cut off with its request is retried after FLIGHT_LOST_MS). */
  startedAt: number;
}

/** A send that has not settled after this long is taken as lost with its request (Workers stop waitUntil work after 30 s). */
const FLIGHT_LOST_MS = 60_000;

/**
 * Delivery for Cloudflare Workers and servers: no IndexedDB, no page lifecycle, and no timer or
 * promise that outlives a request — workerd cancels those with the request that created them. The
 * owner calls `pump()` at the end of each request and hands the promise to `ctx.waitUntil`, so
 * telemetry never holds a response back. Events wait in a bounded in-memory buffer (the oldest are
 * dropped and counted past `queue.maxEvents`/`queue.maxBytes`); a batch that fails keeps its id and
 * events and is sent again by a later request after its backoff, so the collector can deduplicate.
 */
export class EdgeDelivery {
  private readonly batch: { maxEvents: number; maxBytes: number; intervalMs: number };
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly policy: SendPolicy;
  private readonly limits: { maxEvents: number; maxBytes: number };
  private readonly concurrency: number;
  private readonly sender: BatchSender;
  private readonly serializer: EventSerializer;
  private incoming: { event: WireEvent; signal: QueueItem['signal'] }[] = [];
  /** Serialized events not yet in a batch, oldest first. */
  private waiting: QueueEntry[] = [];
  private waitingBytes = 0;
  /** Batches that failed and wait for their retry, oldest first. */
  private parked: EdgeBatch[] = [];
  private readonly flights = new Set<EdgeBatch>();
  private drops: Drops = {};
  private seq = 0;
  private oldestAt: number | null = null;
  private paused = false;
  private closed = false;
  private readonly counters = { batchesSent: 0, eventsSent: 0, bytesSent: 0, retries: 0, failures: 0 };

  constructor(private readonly o: EdgeDeliveryOptions) {
    this.batch = { maxEvents: 100, maxBytes: 64 * 1024, intervalMs: 1000, ...o.batch };
    this.retry = { baseMs: 1000, maxMs: 60_000, ...o.retry };
    this.policy = new SendPolicy(this.retry, { failures: 5, cooldownMs: 30_000, ...o.circuit });
    this.limits = { maxEvents: 10_000, maxBytes: 5 * 1024 * 1024, ...o.queue };
    this.concurrency = Math.max(1, o.concurrency ?? 2);
    const fetchFn = o.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
    this.sender = new BatchSender({ ...o, compression: o.compression ?? false, fetch: fetchFn });
    this.serializer = new EventSerializer((e) => {
      this.countDrop('invalid');
      this.report(e);
    });
  }

  private report(e: Error): void {
    notify(this.o.onError, e);
  }

  /** O(1): serialization happens when a batch is cut. */
  enqueue(event: WireEvent, signal: QueueItem['signal'] = 'logs'): void {
    if (this.closed) return;
    this.incoming.push({ event, signal });
    this.oldestAt ??= Date.now();
    if (this.incoming.length + this.waiting.length > this.limits.maxEvents) {
      // Full: the oldest event goes (counted); serialized ones first, they are older.
      if (this.waiting.length) this.waitingBytes -= this.waiting.shift()!.bytes;
      else this.incoming.shift();
      this.countDrop('queue_overflow');
    }
  }

  countDrop(reason: DropReason, n = 1): void {
    if (n > 0) this.drops[reason] = (this.drops[reason] ?? 0) + n;
  }

  /** Serializes what came in and enforces the bounds (the oldest events go first, counted). */
  private settleIncoming(): void {
    if (this.incoming.length) {
      for (const item of this.serializer.serialize(this.incoming)) {
        const bytes = byteLength(item.json) + (item.ctx ? byteLength(item.ctx) : 0);
        this.waiting.push({ ...item, seq: this.seq++, bytes });
        this.waitingBytes += bytes;
      }
      this.incoming = [];
    }
    let over = 0;
    while (this.waiting.length > 0 && (this.waiting.length > this.limits.maxEvents || this.waitingBytes > this.limits.maxBytes)) {
      this.waitingBytes -= this.waiting.shift()!.bytes;
      over++;
    }
    if (over) this.countDrop('queue_overflow', over);
    if (this.waiting.length === 0) this.oldestAt = null;
  }

  private pendingCount(): number {
    return this.incoming.length + this.waiting.length;
  }

  /** Whether a call to pump() now would send something. */
  due(now = Date.now()): boolean {
    // With every send slot taken, nothing can go now: the request that ends a flight pumps again.
    if (this.paused || this.closed || now < this.policy.blockedUntil || this.flights.size >= this.concurrency) return false;
    if (this.parked.some((b) => b.notBefore <= now)) return true;
    const n = this.pendingCount();
    return n >= this.batch.maxEvents || (n > 0 && this.oldestAt !== null && now - this.oldestAt >= this.batch.intervalMs);
  }

  /**
   * Sends what is due (everything waiting when `force`): parked retries first, then new batches,
   * at most `concurrency` at a time. Never rejects; meant for `ctx.waitUntil`.
   */
  async pump(force = false): Promise<void> {
    try {
      this.reclaimLost();
      const sends: Promise<void>[] = [];
      for (;;) {
        const now = Date.now();
        if (this.flights.size >= this.concurrency || this.paused || now < this.policy.blockedUntil) break;
        const b = this.nextBatch(force, now);
        if (!b) break;
        sends.push(this.fly(b));
      }
      await Promise.all(sends);
    } catch (e) {
      this.report(e as Error);
    }
  }

  private nextBatch(force: boolean, now: number): EdgeBatch | null {
    const i = this.parked.findIndex((b) => b.notBefore <= now || (force && b.attempt === 0));
    if (i >= 0) return this.parked.splice(i, 1)[0]!;
    if (!force && !this.due(now)) return null;
    this.settleIncoming();
    if (this.waiting.length === 0) {
      if (!this.o.endpoint || Object.keys(this.drops).length === 0 || this.carriesDrops()) return null;
    }
    const entries: QueueEntry[] = [];
    let bytes = 0;
    while (this.waiting.length && entries.length < this.batch.maxEvents && (entries.length === 0 || bytes + this.waiting[0]!.bytes <= this.batch.maxBytes)) {
      const e = this.waiting.shift()!;
      bytes += e.bytes;
      entries.push(e);
    }
    this.waitingBytes -= bytes;
    this.oldestAt = this.waiting.length || this.incoming.length ? now : null;
    // One batch at a time carries the drop report, so counts are never reported twice.
    const drops = this.carriesDrops() || Object.keys(this.drops).length === 0 ? null : this.drops;
    if (drops) this.drops = {};
    return { batchId: uuidv7(), entries, drops, attempt: 0, notBefore: 0, startedAt: now };
  }

  private carriesDrops(): boolean {
    for (const b of this.flights) if (b.drops) return true;
    return this.parked.some((b) => b.drops);
  }

  /** Batches whose request was cut off mid-send: sent again (same id) rather than lost. */
  private reclaimLost(): void {
    const now = Date.now();
    for (const b of this.flights) {
      if (now - b.startedAt < FLIGHT_LOST_MS) continue;
      this.flights.delete(b);
      this.parked.push({ ...b, notBefore: now });
    }
  }

  private async fly(b: EdgeBatch): Promise<void> {
    b.startedAt = Date.now();
    this.flights.add(b);
    try {
      const outcome = await this.sender.send(b.batchId, b.entries, b.drops);
      if (!this.flights.has(b)) return; // taken as lost meanwhile and parked again
      const decision = this.policy.decide(outcome, b.batchId, b.entries.length, b.attempt);
      if (decision.kind === 'sent') {
        this.counters.batchesSent++;
        this.counters.eventsSent += b.entries.length;
        this.counters.bytesSent += b.entries.reduce((t, e) => t + e.bytes, 0);
        try {
          this.o.onFlush?.({ batchId: b.batchId, events: b.entries.length, bytes: b.entries.reduce((t, e) => t + e.bytes, 0), status: outcome.status });
        } catch {}
        return;
      }
      if (decision.kind === 'split') {
        const half = b.entries.splice(Math.ceil(b.entries.length / 2));
        this.parked.unshift({ batchId: uuidv7(), entries: half, drops: null, attempt: 0, notBefore: 0, startedAt: 0 });
        this.parked.unshift({ ...b, batchId: uuidv7(), attempt: 0, notBefore: 0 });
        return;
      }
      if (decision.kind === 'drop') {
        // The drop report it carried is dropped with it (never resent to a collector that refuses).
        this.countDrop(decision.reason, b.entries.length);
        this.report(new Error(`avila-telemetry: ${decision.message}; ${b.entries.length} events dropped (${decision.reason})`));
        return;
      }
      // Retry later, from another request: same id and events; at least Retry-After.
      this.counters.retries++;
      this.counters.failures++;
      this.parked.push({ ...b, attempt: b.attempt + 1, notBefore: Date.now() + decision.delayMs });
    } catch (e) {
      this.report(e as Error);
      this.parked.push({ ...b, attempt: b.attempt + 1, notBefore: Date.now() + this.retry.baseMs });
    } finally {
      this.flights.delete(b);
    }
  }

  /** Sends everything waiting now, ignoring the batch interval (not the backoff of failed batches). */
  async flush(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !this.paused && Date.now() >= this.policy.blockedUntil) {
      const before = this.counters.batchesSent + this.counters.failures;
      await this.pump(true);
      const progressed = this.counters.batchesSent + this.counters.failures !== before;
      if (this.pendingCount() === 0 && this.flights.size === 0 && !this.parked.some((b) => b.attempt === 0)) return;
      if (!progressed) return;
      if (this.counters.failures && this.parked.every((b) => b.notBefore > Date.now())) return;
    }
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  clear(): Promise<number> {
    const n = this.pendingCount() + this.parked.reduce((t, b) => t + b.entries.length, 0);
    this.incoming = [];
    this.waiting = [];
    this.waitingBytes = 0;
    this.parked = [];
    this.oldestAt = null;
    return Promise.resolve(n);
  }

  stats(): Promise<DeliveryStats> {
    const parkedEvents = this.parked.reduce((t, b) => t + b.entries.length, 0);
    const inFlight = [...this.flights].reduce((t, b) => t + b.entries.length, 0);
    return Promise.resolve({
      buffered: this.incoming.length,
      queued: this.waiting.length + parkedEvents + inFlight,
      queuedBytes: this.waitingBytes + this.parked.reduce((t, b) => t + b.entries.reduce((s, e) => s + e.bytes, 0), 0),
      inFlight,
      ...this.counters,
      drops: { ...this.drops },
      circuit: this.policy.circuitState,
      online: true,
      paused: this.paused,
      leader: true,
      storage: 'memory',
      storageProblem: null,
      exitSends: { keepalive: 0, beacon: 0, plain: 0 },
    });
  }

  async shutdown(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs).catch(() => {});
    this.closed = true;
  }
}
