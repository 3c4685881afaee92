import { encodeJsonBatch } from './encode/json.js';
import type { OtlpResource } from './encode/otlp.js';
import { uuidv7 } from './ids.js';
import { exitRecords, forgetExit, recordExit, spill, takeSpills } from './exit-journal.js';
import { alwaysLeader, electLeader, type Leadership } from './leader.js';
import { IdbQueue } from './queue/idb.js';
import { MemoryQueue } from './queue/memory.js';
import { byteLength, DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './queue/types.js';
import { backoffMs, type SendOutcome } from './send.js';
import { BatchSender, EventSerializer, notify, type SenderOptions } from './sender.js';
import type { DropReason, Drops, WireEvent } from './types.js';

export interface DeliveryOptions {
  /** Native JSON batches are POSTed here. */
  endpoint?: string | undefined;
  /** OTLP/HTTP base URL: events go to {otlpEndpoint}/v1/logs, metrics to /v1/metrics, spans to /v1/traces. */
  otlpEndpoint?: string | undefined;
  apiKey?: string | undefined;
  /** Extra request headers (not sent by sendBeacon). */
  headers?: Record<string, string>;
  resource?: OtlpResource;
  /** Loads the OTLP encoders (needed with otlpEndpoint); see SenderOptions.otlp. */
  otlp?: SenderOptions['otlp'];
  batch?: Partial<{ maxEvents: number; maxBytes: number; intervalMs: number }>;
  queue?: Partial<QueueLimits>;
  retry?: Partial<{ baseMs: number; maxMs: number }>;
  circuit?: Partial<{ failures: number; cooldownMs: number }>;
  compression?: 'gzip' | false;
  /** Batches in flight at once. Default 2. */
  concurrency?: number;
  storage?: 'auto' | 'indexeddb' | 'memory';
  /** How long opening IndexedDB may take before the memory queue takes over. Default 5000 ms. */
  storageTimeoutMs?: number;
  /** Names the IndexedDB database and the drain lock (default from the endpoint). */
  queueName?: string;
  /** Delay before buffered events are written to the queue. Default 50 ms. */
  persistDelayMs?: number;
  fetch?: typeof fetch;
  /** Whether the page exit flush is installed (browsers). Default true where `window` exists. */
  exitFlush?: boolean;
  onError?: (error: Error) => void;
  onFlush?: (info: { batchId: string; events: number; bytes: number; status: number }) => void;
}

export interface DeliveryStats {
  buffered: number;
  queued: number;
  queuedBytes: number;
  inFlight: number;
  batchesSent: number;
  eventsSent: number;
  bytesSent: number;
  retries: number;
  failures: number;
  drops: Drops;
  circuit: 'closed' | 'open';
  online: boolean;
  paused: boolean;
  leader: boolean;
  storage: 'indexeddb' | 'memory' | 'pending';
  /** Why events are kept in memory although IndexedDB was wanted (it never opened, or refused), or null. */
  storageProblem: string | null;
  exitSends: { keepalive: number; beacon: number; plain: number };
}

interface Flight {
  batchId: string;
  entries: QueueEntry[];
  drops: Drops | null;
  attempt: number;
}

/**
 * Bytes an exiting page may send: the browser allows 64 KiB of keepalive bodies page-wide (Fetch
 * spec, shared with sendBeacon); we leave 8 KiB for other scripts.
 */
const EXIT_BUDGET = 56 * 1024;
/** Events an exiting page sent are held back from other senders this long, so its requests can land first. */
const EXIT_HOLD_MS = 10_000;

/** Buffered events that trigger an immediate write to the queue. */
const PERSIST_EVENTS = 500;

const now = () => Date.now();

/**
 * The delivery stage: buffer → bounded persistent queue → batches → HTTP with retries.
 * `enqueue()` is O(1) and never throws; everything else is asynchronous.
 */
export class Delivery {
  private readonly o: Required<Pick<DeliveryOptions, 'concurrency' | 'persistDelayMs' | 'compression'>> & DeliveryOptions;
  private readonly batch: { maxEvents: number; maxBytes: number; intervalMs: number };
  private readonly retry: { baseMs: number; maxMs: number };
  private readonly circuit: { failures: number; cooldownMs: number };
  private readonly fetchFn: typeof fetch;
  private readonly sender: BatchSender;
  /** Events not yet written to the queue; serialized only when they are written, off the hot path. */
  private buffer: { event: WireEvent; signal: QueueItem['signal'] }[] = [];
  /** Events handed to the queue whose transaction has not committed yet (lost if the page dies now). */
  private readonly uncommitted = new Map<string, QueueItem>();
  /** Events already sent by this page's exit flush (pagehide and visibilitychange both call it). */
  private readonly exitSent = new Set<string>();
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private queue: EventQueue | null = null;
  private readonly queueReady: Promise<EventQueue>;
  private leadership: Leadership = alwaysLeader();
  private readonly flights = new Set<Flight>();
  private readonly inFlightSeqs = new Set<number>();
  private consecutiveFailures = 0;
  private circuitOpenUntil = 0;
  /** Batches refused in a row (4xx): the next send waits longer each time, so a wrong endpoint is not hammered. */
  private rejections = 0;
  private rejectedUntil = 0;
  private online = typeof navigator === 'undefined' || navigator.onLine !== false;
  private paused = false;
  private flushWanted = false;
  /** When to look for batches a dead page left in flight or sent on exit. */
  private settleAt = 0;
  /** Queue entries named in another page's exit record, not to be sent before it is settled. */
  private readonly exitHeldSeqs = new Set<number>();
  private closed = false;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private waker: (() => void) | null = null;
  private keepaliveInFlight = 0;
  private readonly counters = { batchesSent: 0, eventsSent: 0, bytesSent: 0, retries: 0, failures: 0 };
  private readonly exitSends = { keepalive: 0, beacon: 0, plain: 0 };
  private readonly removeListeners: (() => void)[] = [];
  private readonly loop: Promise<void>;
  /** Why events are kept in memory although IndexedDB was asked for, or null. */
  storageProblem: string | null = null;

  constructor(options: DeliveryOptions) {
    this.o = { concurrency: 2, persistDelayMs: 50, compression: 'gzip', ...options };
    this.batch = { maxEvents: 100, maxBytes: 64 * 1024, intervalMs: 5000, ...options.batch };
    this.retry = { baseMs: 1000, maxMs: 60_000, ...options.retry };
    this.circuit = { failures: 5, cooldownMs: 30_000, ...options.circuit };
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.sender = new BatchSender({ ...options, compression: this.o.compression, fetch: this.fetchFn });
    this.queueReady = this.openQueue();
    this.installListeners();
    this.loop = this.drainLoop();
  }

  private get name(): string {
    return this.o.queueName ?? `avila-telemetry:${this.o.endpoint ?? this.o.otlpEndpoint ?? 'default'}`;
  }

  private async openQueue(): Promise<EventQueue> {
    const limits: QueueLimits = { ...DEFAULT_QUEUE_LIMITS, ...this.o.queue };
    let q: EventQueue;
    if (this.o.storage !== 'memory' && typeof indexedDB !== 'undefined') {
      try {
        q = await this.openIdb(limits);
        this.leadership = electLeader(`${this.name}:drain`);
        this.leadership.onChange(() => this.wake());
      } catch (e) {
        // Reported once, counted in stats().storageProblem; events stay in a bounded memory queue.
        this.storageProblem = `IndexedDB unusable (${(e as Error)?.message}); events are kept in memory`;
        this.report(new Error(`avila-telemetry: ${this.storageProblem}`));
        q = new MemoryQueue(limits);
      }
    } else {
      q = new MemoryQueue(limits);
    }
    this.queue = q;
    return q;
  }

  /** IdbQueue.open, bounded: a blocked upgrade or a hung open must not hold every event forever. */
  private openIdb(limits: QueueLimits): Promise<EventQueue> {
    const ms = this.o.storageTimeoutMs ?? 5000;
    return new Promise((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new Error(`no answer within ${ms} ms`));
      }, ms);
      IdbQueue.open(this.name, limits).then(
        (q) => {
          clearTimeout(timer);
          if (late) q.close(); // opened after we gave up: the memory queue has taken over
          else resolve(q);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private installListeners(): void {
    if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return;
    const on = (target: EventTarget, type: string, fn: () => void) => {
      target.addEventListener(type, fn);
      this.removeListeners.push(() => target.removeEventListener(type, fn));
    };
    on(window, 'online', () => {
      this.online = true;
      this.wake();
    });
    on(window, 'offline', () => (this.online = false));
    // Another tab of this origin sent events on its way out: check on them after the hold.
    const onStorage = (e: StorageEvent) => {
      if (!(e.key?.startsWith(`${this.name}:exit:`) || e.key?.startsWith(`${this.name}:spill:`)) || !e.newValue) return;
      this.settleAt = Math.min(this.settleAt, e.key.includes(':spill:') ? now() : now() + EXIT_HOLD_MS);
      this.wake();
    };
    window.addEventListener('storage', onStorage);
    this.removeListeners.push(() => window.removeEventListener('storage', onStorage));
    if (this.o.exitFlush !== false) {
      on(window, 'pagehide', () => this.flushOnExit());
      if (typeof document !== 'undefined') {
        on(document, 'visibilitychange', () => {
          if (document.visibilityState === 'hidden') this.flushOnExit();
        });
      }
    }
  }

  private report(e: Error): void {
    notify(this.o.onError, e);
  }

  // ---- intake ----

  /** Adds an event. O(1): the write to the queue happens a moment later, in bulk. */
  enqueue(event: WireEvent, signal: QueueItem['signal'] = 'logs'): void {
    if (this.closed) return;
    this.buffer.push({ event, signal });
    // Writes are batched: IndexedDB costs milliseconds per transaction, microseconds per event.
    if (this.buffer.length >= PERSIST_EVENTS) this.persistSoon(0);
    else this.persistSoon(this.o.persistDelayMs);
  }

  /** Counts events the client dropped before they reached the queue (consent, sampling, invalid). */
  countDrop(reason: DropReason, n = 1): void {
    void this.queueReady.then((q) => q.addDrops(reason, n)).catch(() => {});
  }

  private persistSoon(delay: number): void {
    if (this.persistTimer !== null) {
      // Already due at least this soon: nothing to do (re-arming per event costs more than track()).
      if (delay > 0 || this.persistImmediate) return;
      clearTimeout(this.persistTimer);
    }
    this.persistImmediate = delay === 0;
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      this.persistImmediate = false;
      void this.persist();
    }, delay);
  }

  private persistImmediate = false;

  private readonly serializer = new EventSerializer((e) => {
    this.countDrop('invalid');
    this.report(e);
  });
  private serialize(buffered: { event: WireEvent; signal: QueueItem['signal'] }[]): QueueItem[] {
    return this.serializer.serialize(buffered);
  }

  private async persist(): Promise<void> {
    if (this.buffer.length === 0) return;
    const items = this.serialize(this.buffer);
    this.buffer = [];
    for (const i of items) this.uncommitted.set(i.id, i);
    try {
      await (await this.queueReady).append(items);
    } catch (e) {
      this.report(new Error(`avila-telemetry: could not store ${items.length} events: ${(e as Error)?.message}`));
      await this.queue?.addDrops('storage_full', items.length).catch(() => {});
    } finally {
      for (const i of items) this.uncommitted.delete(i.id);
    }
    this.wake();
  }

  // ---- draining ----

  private wake(): void {
    const w = this.waker;
    this.waker = null;
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    // After shutdown() nothing wakes the loop again: it must not start a new sleep.
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.waker = resolve;
      if (Number.isFinite(ms)) this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  private canSend(): boolean {
    return !this.paused && this.online && this.leadership.isLeader && now() >= this.blockedUntil();
  }

  /** Until when sending waits: an open circuit, or the back-off after refused batches. */
  private blockedUntil(): number {
    return Math.max(this.circuitOpenUntil, this.rejectedUntil);
  }

  private async drainLoop(): Promise<void> {
    const q = await this.queueReady;
    while (!this.closed) {
      try {
        if (!this.canSend()) {
          await this.sleep(this.blockedUntil() > now() ? this.blockedUntil() - now() : Infinity);
          continue;
        }
        if (now() >= this.settleAt) {
          if (!(await this.settleLeftBehind(q))) {
            this.settleAt = now() + backoffMs(1, this.retry.baseMs, this.retry.maxMs);
            await this.sleep(this.settleAt - now());
            continue;
          }
          const pending = exitRecords(this.name);
          this.settleAt = pending.length ? Math.min(...pending.map((r) => r.at)) + EXIT_HOLD_MS : Infinity;
        }
        const stats = await q.stats();
        const waiting = stats.count - this.inFlightSeqs.size;
        const due =
          this.flushWanted ||
          waiting >= this.batch.maxEvents ||
          stats.bytes >= this.batch.maxBytes ||
          (stats.oldestAt !== null && now() - stats.oldestAt >= this.batch.intervalMs);
        if (waiting <= 0 && this.o.endpoint && ![...this.flights].some((f) => f.drops)) {
          // Nothing left to send, but drops not yet reported: they go in a batch of their own.
          const drops = await q.drops();
          if (Object.keys(drops).length) {
            const flight: Flight = { batchId: uuidv7(), entries: [], drops, attempt: 0 };
            this.flights.add(flight);
            void this.fly(q, flight);
            continue;
          }
        }
        if (waiting <= 0 || !due) {
          if (waiting <= 0) this.flushWanted = false;
          const due = stats.oldestAt !== null && waiting > 0 ? stats.oldestAt + this.batch.intervalMs : Infinity;
          // Other tabs write to the same IndexedDB queue without waking this one: while draining
          // for them (leader), look again every batch interval even when this tab saw nothing.
          const poll = q.kind === 'indexeddb' ? now() + this.batch.intervalMs : Infinity;
          await this.sleep(Math.min(due, this.settleAt, poll) - now());
          continue;
        }
        if (this.flights.size >= this.o.concurrency) {
          await this.sleep(Infinity);
          continue;
        }
        // Events an exiting page already sent wait until the collector was asked about them.
        const exiting = new Set(exitRecords(this.name).flatMap((r) => r.ids));
        const exclude = this.exitHeldSeqs.size ? new Set([...this.inFlightSeqs, ...this.exitHeldSeqs]) : this.inFlightSeqs;
        const entries = (await q.take(this.batch.maxEvents, this.batch.maxBytes, exclude, now())).filter((e) => {
          if (!exiting.has(e.id)) return true;
          this.exitHeldSeqs.add(e.seq);
          return false;
        });
        if (entries.length === 0) {
          // Everything left is held by an exiting tab or in flight: look again later.
          this.flushWanted = false;
          await this.sleep(Math.min(this.inFlightSeqs.size > 0 ? Infinity : 1000, this.settleAt - now()));
          continue;
        }
        for (const e of entries) this.inFlightSeqs.add(e.seq);
        // One batch at a time carries the drop report, so counts are never reported twice.
        const drops = [...this.flights].some((f) => f.drops) ? {} : await q.drops();
        const flight: Flight = { batchId: uuidv7(), entries, drops: Object.keys(drops).length ? drops : null, attempt: 0 };
        this.flights.add(flight);
        void this.fly(q, flight);
      } catch (e) {
        this.report(e as Error);
        await this.sleep(1000);
      }
    }
  }

  /**
   * Batches a previous page left in flight (it died before the answer): asks the collector whether
   * each arrived — `GET {endpoint}/batches/{batchId}` answering `{"received": true|false}` — and
   * removes those that did, so they are not sent twice. Collectors without that route, and OTLP,
   * get the events again (with the same ids, for deduplication). False while the collector
   * cannot be asked.
   */
  private async settleLeftBehind(q: EventQueue): Promise<boolean> {
    const spilled = takeSpills<QueueItem>(this.name);
    if (spilled.length) {
      // Some of them may have been committed after all: add only the missing ones.
      const stored = await q.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Set(), Number.POSITIVE_INFINITY);
      const have = new Set(stored.map((e) => e.id));
      const seen = new Set<string>();
      await q.append(spilled.filter((i) => !have.has(i.id) && !seen.has(i.id) && seen.add(i.id)));
    }
    const left = await q.flightsLeftBehind();
    for (const f of left) {
      const received = await this.askReceived(f.batchId);
      if (received === null) return false;
      if (received) await q.remove(f.seqs);
      await q.clearInFlight(f.batchId);
    }
    return this.settleExits(q);
  }

  /** The same question for batches exiting pages sent (once their hold has passed). */
  private async settleExits(q: EventQueue): Promise<boolean> {
    const records = exitRecords(this.name).filter((r) => now() - r.at >= EXIT_HOLD_MS);
    for (const r of records) {
      const received = await this.askReceived(r.batchId);
      if (received === null) return false;
      if (received) {
        const ids = new Set(r.ids);
        const stored = await q.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Set(), Number.POSITIVE_INFINITY);
        await q.remove(stored.filter((e) => ids.has(e.id)).map((e) => e.seq));
      }
      forgetExit(this.name, r.batchId);
    }
    if (records.length) this.exitHeldSeqs.clear();
    return true;
  }

  /** true/false from the collector; false when it has no such route (OTLP too); null when unreachable. */
  private async askReceived(batchId: string): Promise<boolean | null> {
    if (!this.o.endpoint) return false;
    try {
      const url = new URL(this.o.endpoint, typeof location !== 'undefined' ? location.href : undefined);
      url.pathname = `${url.pathname.replace(/\/$/, '')}/batches/${encodeURIComponent(batchId)}`;
      const r = await this.fetchFn(url.toString(), { credentials: 'omit', headers: this.o.headers ?? {} });
      if (r.ok) return ((await r.json()) as { received?: unknown }).received === true;
      return r.status >= 500 || r.status === 429 ? null : false;
    } catch {
      return null;
    }
  }

  private async fly(q: EventQueue, flight: Flight): Promise<void> {
    let journaled = '';
    try {
      for (;;) {
        if (journaled !== flight.batchId) {
          if (journaled) await q.clearInFlight(journaled);
          await q.markInFlight(flight.batchId, flight.entries.map((e) => e.seq));
          journaled = flight.batchId;
        }
        if (this.closed) return;
        if (!this.canSend()) {
          await new Promise((r) => setTimeout(r, Math.max(50, this.blockedUntil() - now())));
          if (!this.leadership.isLeader) return; // another tab took over: leave the events queued
          continue;
        }
        const outcome = await this.sendFlight(flight);
        if (outcome.kind === 'ok') {
          this.consecutiveFailures = 0;
          this.rejections = 0;
          await q.remove(flight.entries.map((e) => e.seq));
          if (flight.drops) await q.settleDrops(flight.drops);
          this.counters.batchesSent++;
          this.counters.eventsSent += flight.entries.length;
          const bytes = flight.entries.reduce((t, e) => t + e.bytes, 0);
          this.counters.bytesSent += bytes;
          try {
            this.o.onFlush?.({ batchId: flight.batchId, events: flight.entries.length, bytes, status: outcome.status });
          } catch {}
          return;
        }
        if (outcome.kind === 'too_large') {
          if (flight.entries.length <= 1) {
            await this.dropEntries(q, flight, 'too_large', `a batch of ${flight.entries.length} event(s) was refused (413)`);
            return;
          }
          // Split: the second half goes back to the queue, this flight keeps the first.
          const half = flight.entries.splice(Math.ceil(flight.entries.length / 2));
          for (const e of half) this.inFlightSeqs.delete(e.seq);
          flight.batchId = uuidv7();
          continue;
        }
        if (outcome.kind === 'drop') {
          await this.dropEntries(q, flight, 'rejected_4xx', `batch ${flight.batchId} rejected: ${outcome.reason}`);
          return;
        }
        // Retry: same batch id and events; wait with full jitter, at least Retry-After.
        this.counters.retries++;
        this.counters.failures++;
        if (++this.consecutiveFailures >= this.circuit.failures) {
          this.circuitOpenUntil = now() + this.circuit.cooldownMs;
          this.consecutiveFailures = 0;
        }
        if (outcome.status === 0 && typeof navigator !== 'undefined' && navigator.onLine === false) this.online = false;
        const delay = Math.max(outcome.retryAfterMs ?? 0, backoffMs(flight.attempt++, this.retry.baseMs, this.retry.maxMs));
        await new Promise((r) => setTimeout(r, delay));
        // Events trimmed from the queue meanwhile were counted as dropped: do not send them.
        const present = await q.present(flight.entries.map((e) => e.seq));
        if (present.size < flight.entries.length) {
          for (const e of flight.entries) if (!present.has(e.seq)) this.inFlightSeqs.delete(e.seq);
          flight.entries = flight.entries.filter((e) => present.has(e.seq));
          flight.batchId = uuidv7();
          if (flight.entries.length === 0) return;
        }
      }
    } catch (e) {
      this.report(e as Error);
    } finally {
      if (journaled) await q.clearInFlight(journaled).catch(() => {});
      this.flights.delete(flight);
      for (const e of flight.entries) this.inFlightSeqs.delete(e.seq);
      this.wake();
    }
  }

  private async dropEntries(q: EventQueue, flight: Flight, reason: DropReason, message: string): Promise<void> {
    await q.remove(flight.entries.map((e) => e.seq));
    // The drop report this batch carried was refused with it: it is dropped too, never resent
    // (a collector that refuses batches would refuse the report again, and again).
    if (flight.drops) await q.settleDrops(flight.drops);
    if (flight.entries.length) await q.addDrops(reason, flight.entries.length);
    // Each refusal in a row doubles the wait before the next send (half-jittered, up to retry.maxMs).
    const wait = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** Math.min(this.rejections++, 30));
    this.rejectedUntil = now() + wait / 2 + (Math.random() * wait) / 2;
    this.report(new Error(`avila-telemetry: ${message}; ${flight.entries.length} events dropped (${reason})`));
  }

  private sendFlight(flight: Flight): Promise<SendOutcome> {
    return this.sender.send(flight.batchId, flight.entries, flight.drops);
  }

  // ---- page exit ----

  /**
   * On pagehide / hidden: sends what is still in memory at once, with fetch keepalive inside the
   * page's keepalive budget, then sendBeacon, then a plain request. Those events are also written
   * to the queue, held from other tabs for a minute, and removed when the send is confirmed — so
   * whatever does not get through goes on the next load.
   */
  flushOnExit(): void {
    if (this.closed) return;
    if (this.persistTimer !== null) clearTimeout(this.persistTimer);
    this.persistTimer = null;
    // Newest first: the latest writes are the ones still open when the page goes.
    const fresh = this.serialize(this.buffer);
    this.buffer = [];
    for (const i of fresh) this.uncommitted.set(i.id, i);
    const items = [...this.uncommitted.values()].filter((i) => !this.exitSent.has(i.id)).reverse();
    // Ids sent by an earlier exit whose write has committed since are never looked at again.
    for (const id of this.exitSent) if (!this.uncommitted.has(id)) this.exitSent.delete(id);
    if (items.length === 0) return;
    // IndexedDB writes still open at unload are aborted, and a queue not open yet holds nothing:
    // every event not known to be committed is also copied to localStorage (synchronous), which
    // the next load adds back to its queue (settleLeftBehind) — unless memory was asked for.
    const keep = () => {
      if (this.o.storage !== 'memory' && this.queue?.kind !== 'memory') spill(this.name, items);
    };
    if (!this.o.endpoint || this.paused) {
      // OTLP needs headers a beacon cannot carry, and a paused client (no consent yet) may not
      // send: the next load (or another tab) sends them.
      this.commitNow(items);
      keep();
      return;
    }
    const holdUntil = now() + EXIT_HOLD_MS;
    let budget = EXIT_BUDGET - this.keepaliveInFlight;
    const sent = new Set<string>();
    for (const chunk of this.exitChunks(items)) {
      const batchId = uuidv7();
      const body = encodeJsonBatch(batchId, chunk.map((i, k) => ({ ...i, seq: -k - 1, bytes: 0 })), { apiKey: this.o.apiKey });
      const size = byteLength(body);
      if (size > budget) break; // the rest waits in the queue, if its write commits
      budget -= size;
      recordExit(this.name, { batchId, ids: chunk.map((c) => c.id), at: now() });
      if (!this.exitSend(body, size, () => forgetExit(this.name, batchId))) break;
      for (const c of chunk) {
        sent.add(c.id);
        this.exitSent.add(c.id);
      }
    }
    // Buffered events are written now; those already on their way are kept too (held), in case
    // their send fails — the next sender asks the collector before sending them again. Writes
    // still open at unload are aborted by the browser, so every event not known to be committed
    // is also copied to localStorage, whose writes are synchronous.
    this.commitNow(fresh.map((i) => (sent.has(i.id) ? { ...i, holdUntil } : i)));
    keep();
  }

  /** The exit's synchronous write; once it commits its events are no longer "uncommitted". */
  private commitNow(items: QueueItem[]): void {
    this.queue?.appendNow(items).then(
      () => {
        for (const i of items) this.uncommitted.delete(i.id);
      },
      () => {},
    );
  }

  /** One exit request: fetch keepalive, else sendBeacon, else a plain fetch. False when nothing could be sent. */
  private exitSend(body: string, size: number, confirm: () => void): boolean {
    const url = this.o.endpoint!;
    const headers = { 'content-type': 'text/plain' }; // a simple request: no CORS preflight
    this.keepaliveInFlight += size;
    try {
      const request = this.fetchFn(url, { method: 'POST', body, keepalive: true, credentials: 'omit', headers });
      this.exitSends.keepalive++;
      request.then((r) => void (r.ok && confirm()), () => {}).finally(() => (this.keepaliveInFlight -= size));
      return true;
    } catch {
      // Over the browser's keepalive quota: fetch throws a TypeError synchronously.
      this.keepaliveInFlight -= size;
    }
    try {
      if (typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }))) {
        this.exitSends.beacon++;
        return true;
      }
    } catch {}
    try {
      this.exitSends.plain++;
      this.fetchFn(url, { method: 'POST', body, credentials: 'omit', headers }).then((r) => r.ok && confirm(), () => {});
      return true;
    } catch {
      return false;
    }
  }

  private *exitChunks(items: QueueItem[]): Generator<QueueItem[]> {
    let chunk: QueueItem[] = [];
    let bytes = 0;
    for (const i of items) {
      if (chunk.length > 0 && (chunk.length >= this.batch.maxEvents || bytes + i.json.length > 16 * 1024)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(i);
      bytes += i.json.length;
    }
    if (chunk.length) yield chunk;
  }

  // ---- control ----

  /** Writes buffered events and sends everything queued now, ignoring the batch interval. */
  async flush(timeoutMs = 10_000): Promise<void> {
    await this.persist();
    this.flushWanted = true;
    this.wake();
    const until = now() + timeoutMs;
    const q = await this.queueReady;
    // A pending Web Lock election is not "another tab leads": wait for its outcome first.
    await Promise.race([this.leadership.settled, new Promise((r) => setTimeout(r, Math.max(0, until - now())))]);
    while (now() < until && !this.closed) {
      const s = await q.stats();
      if (s.count === 0 || !this.canSend()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops or resumes sending (consent). Events keep being queued while paused. */
  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.wake();
  }

  /**
   * Deletes everything buffered and queued (consent withdrawn, opt-out, forget); resolves to how
   * many events that was. The deletion is ordered before any event added after this call.
   */
  clear(): Promise<number> {
    const buffered = this.buffer.length + this.uncommitted.size;
    this.buffer = [];
    const cleared = this.queue ? this.queue.clear() : this.queueReady.then((q) => q.clear());
    return cleared.then((n) => n + buffered);
  }

  async stats(): Promise<DeliveryStats> {
    const q = this.queue;
    const s = q ? await q.stats() : { count: 0, bytes: 0 };
    return {
      buffered: this.buffer.length,
      queued: s.count,
      queuedBytes: s.bytes,
      inFlight: this.inFlightSeqs.size,
      ...this.counters,
      drops: q ? await q.drops() : {},
      circuit: now() < this.circuitOpenUntil ? 'open' : 'closed',
      online: this.online,
      paused: this.paused,
      leader: this.leadership.isLeader,
      storage: q ? q.kind : 'pending',
      storageProblem: this.storageProblem,
      exitSends: { ...this.exitSends },
    };
  }

  /** Flushes, then stops: no timers, listeners or lock left behind. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs).catch(() => {});
    this.closed = true;
    for (const off of this.removeListeners.splice(0)) off();
    this.leadership.release();
    this.wake();
    await this.loop.catch(() => {});
    this.queue?.close();
  }
}

export { mergeDrops };
