// The delivery stage: intake (an O(1) buffer written to the queue in bulk), the page-exit flush
// (exit-flush.ts) and the controls (flush, pause, clear, stats, shutdown). The sending side — the
// drain loop (drain.ts), a batch's journey (flight.ts), what to do with its outcome
// (send-policy.ts), the drain election (leader.ts) and what a previous page left behind
// (reconcile.ts) — is sending.ts, loaded as the stage starts (load-sending.ts): the script tag
// and an app's entry chunk carry only what must run at once.
import type { OtlpResource } from './encode/otlp.js';
import { chunkError, RETRY_FIRST_MS, RETRY_MAX_MS } from '../chunks.js';
import { ExitFlush } from './exit-flush.js';
import type { DrainHost } from './drain.js';
import { loadSending } from './load-sending.js';
import { IdbWriter } from './queue/idb-writer.js';
import { MemoryStore } from './queue/memory.js';
import { DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueItem, type QueueLimits, type QueueStore } from './queue/types.js';
import type { SenderOptions } from './sender.js';
import type { Sending } from './sending.js';
import { EventSerializer, notify } from './serializer.js';
import { within } from './within.js';
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
  /** How the sending side (sending.ts) is loaded; tests give it directly. */
  loadSending?: typeof loadSending;
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

/** Delivery stats of a client that has nothing (a no-op client, or one whose stats failed). */
export function emptyDeliveryStats(): DeliveryStats {
  return { buffered: 0, queued: 0, queuedBytes: 0, inFlight: 0, batchesSent: 0, eventsSent: 0, bytesSent: 0, retries: 0, failures: 0, drops: {}, circuit: 'closed', online: true, paused: true, leader: false, storage: 'memory', storageProblem: null, exitSends: { keepalive: 0, beacon: 0, plain: 0 } };
}

/** Buffered events that trigger an immediate write to the queue. */
const PERSIST_EVENTS = 500;

const now = () => Date.now();

/**
 * The delivery stage: buffer → bounded persistent queue → batches → HTTP with retries.
 * `enqueue()` is O(1) and never throws; everything else is asynchronous.
 */
export class Delivery {
  readonly #o: DeliveryOptions;
  readonly #fetchFn: typeof fetch;
  /** Events not yet written to the queue; serialized only when they are written, off the hot path. */
  #buffer: { event: WireEvent; signal: QueueItem['signal'] }[] = [];
  /** Events handed to the queue whose transaction has not committed yet (lost if the page dies now). */
  private readonly uncommitted = new Map<string, QueueItem>();
  #persistTimer: ReturnType<typeof setTimeout> | null = null;
  /** The queue once open: its write side until the sending code completes it (`full`). */
  #queue: QueueStore | null = null;
  readonly #queueReady: Promise<QueueStore>;
  private full: EventQueue | null = null;
  readonly #limits: QueueLimits;
  private readonly exit: ExitFlush;
  /** The sending side once loaded (sending.ts); until then events wait in the queue. */
  #sending: Sending | null = null;
  #sendingReady: Promise<Sending | null>;
  #loadDelay = 0;
  #online = typeof navigator === 'undefined' || navigator.onLine !== false;
  #paused = false;
  #closed = false;
  readonly #counters = { batchesSent: 0, eventsSent: 0, bytesSent: 0, retries: 0, failures: 0 };
  readonly #removeListeners: (() => void)[] = [];
  /** Why events are kept in memory although IndexedDB was asked for, or null. */
  storageProblem: string | null = null;

  constructor(options: DeliveryOptions) {
    this.#o = options;
    this.#fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.exit = new ExitFlush({ name: this.#name, endpoint: options.endpoint, apiKey: options.apiKey, fetch: this.#fetchFn, maxEvents: options.batch?.maxEvents ?? 100, persistent: options.storage !== 'memory' });
    this.#limits = { ...DEFAULT_QUEUE_LIMITS, ...options.queue };
    this.#queueReady = this.#openQueue();
    this.#sendingReady = this.#startSending();
    this.#installListeners();
  }

  /** Loads the sending side and starts it; a failed load is reported once and tried again later. */
  #startSending(): Promise<Sending | null> {
    const self = this;
    const host: Omit<DrainHost, 'leadership'> = {
      get paused() {
        return self.#paused;
      },
      get online() {
        return self.#online;
      },
      get closed() {
        return self.#closed;
      },
      wentOffline: () => (this.#online = false),
      report: (e) => this.#report(e),
    };
    return (this.#o.loadSending ?? loadSending)().then(
      (m) => {
        if (this.#closed) return null;
        this.#sending = m.startSending(host, this.#queueReady, this.#limits, { ...this.#o, name: this.#name, fetch: this.#fetchFn }, this.#counters);
        void this.#sending.queue.then((q) => (this.full = q), () => {});
        return this.#sending;
      },
      (cause: unknown) => {
        if (this.#loadDelay === 0) {
          this.#report(chunkError('sending code', cause, 'Events are kept in the queue until it loads, on this page or a later one.'));
        }
        // Tried again after the chunks' back-off (chunks.ts): 5 s, doubling up to 5 minutes.
        this.#loadDelay = this.#loadDelay ? Math.min(RETRY_MAX_MS, this.#loadDelay * 2) : RETRY_FIRST_MS;
        const retry = setTimeout(() => {
          if (!this.#closed) this.#sendingReady = this.#startSending();
        }, this.#loadDelay);
        (retry as { unref?: () => void }).unref?.();
        return null;
      },
    );
  }

  get #name(): string {
    return this.#o.queueName ?? `avila-telemetry:${this.#o.endpoint ?? this.#o.otlpEndpoint ?? 'default'}`;
  }

  async #openQueue(): Promise<QueueStore> {
    let q: QueueStore | null = null;
    if (this.#o.storage !== 'memory' && typeof indexedDB !== 'undefined') {
      // Bounded: a blocked upgrade or a hung open must not hold every event forever.
      const ms = this.#o.storageTimeoutMs ?? 5000;
      const opening = IdbWriter.open(this.#name);
      try {
        q = await within(opening, Date.now() + ms);
        if (!q) {
          // Opened after we gave up: the memory queue has taken over.
          void opening.then((late) => late.close(), () => {});
          throw new Error(`no answer within ${ms} ms`);
        }
      } catch (e) {
        // Reported once, counted in stats().storageProblem; events stay in a bounded memory queue.
        this.storageProblem = `IndexedDB unusable (${(e as Error)?.message}); events are kept in memory`;
        this.#report(new Error(`avila-telemetry: ${this.storageProblem}`));
      }
    }
    return (this.#queue = q ?? new MemoryStore(this.#limits));
  }

  #installListeners(): void {
    if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return;
    const on = (target: EventTarget, type: string, fn: () => void) => {
      target.addEventListener(type, fn);
      this.#removeListeners.push(() => target.removeEventListener(type, fn));
    };
    on(window, 'online', () => {
      this.#online = true;
      this.#sending?.drain.wake();
    });
    on(window, 'offline', () => (this.#online = false));
    if (this.#o.exitFlush !== false) {
      on(window, 'pagehide', () => this.flushOnExit());
      if (typeof document !== 'undefined') {
        on(document, 'visibilitychange', () => {
          if (document.visibilityState === 'hidden') this.flushOnExit();
        });
      }
    }
  }

  #report(e: Error): void {
    notify(this.#o.onError, e);
  }

  // ---- intake ----

  /** Adds an event. O(1): the write to the queue happens a moment later, in bulk. */
  enqueue(event: WireEvent, signal: QueueItem['signal'] = 'logs'): void {
    if (this.#closed) return;
    this.#buffer.push({ event, signal });
    // Writes are batched: IndexedDB costs milliseconds per transaction, microseconds per event.
    if (this.#buffer.length >= PERSIST_EVENTS) this.#persistSoon(0);
    else this.#persistSoon(this.#o.persistDelayMs ?? 50);
  }

  /** Counts events the client dropped before they reached the queue (consent, sampling, invalid). */
  countDrop(reason: DropReason, n = 1): void {
    void this.#queueReady.then((q) => q.addDrops(reason, n)).catch(() => {});
  }

  #persistSoon(delay: number): void {
    if (this.#persistTimer !== null) {
      // Already due at least this soon: nothing to do (re-arming per event costs more than track()).
      if (delay > 0 || this.#persistImmediate) return;
      clearTimeout(this.#persistTimer);
    }
    this.#persistImmediate = delay === 0;
    this.#persistTimer = setTimeout(() => {
      this.#persistTimer = null;
      this.#persistImmediate = false;
      void this.#persist();
    }, delay);
  }

  #persistImmediate = false;

  readonly #serializer = new EventSerializer((e) => {
    this.countDrop('invalid');
    this.#report(e);
  });
  #serialize(buffered: { event: WireEvent; signal: QueueItem['signal'] }[]): QueueItem[] {
    return this.#serializer.serialize(buffered);
  }

  async #persist(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const items = this.#serialize(this.#buffer);
    this.#buffer = [];
    for (const i of items) this.uncommitted.set(i.id, i);
    try {
      await (this.full ?? (await this.#queueReady)).append(items);
    } catch (e) {
      this.#report(new Error(`avila-telemetry: could not store ${items.length} events: ${(e as Error)?.message}`));
      await this.#queue?.addDrops('storage_full', items.length).catch(() => {});
    } finally {
      for (const i of items) this.uncommitted.delete(i.id);
    }
    this.#sending?.drain.wake();
  }

  // ---- page exit ----

  /** On pagehide / hidden (see exit-flush.ts). */
  flushOnExit(): void {
    if (this.#closed) return;
    if (this.#persistTimer !== null) clearTimeout(this.#persistTimer);
    this.#persistTimer = null;
    const fresh = this.#serialize(this.#buffer);
    this.#buffer = [];
    for (const i of fresh) this.uncommitted.set(i.id, i);
    this.exit.run(this.#queue, fresh, this.uncommitted, this.#paused);
  }

  // ---- control ----

  /** Writes buffered events and sends everything queued now, ignoring the batch interval. */
  async flush(timeoutMs = 10_000): Promise<void> {
    const until = now() + timeoutMs;
    await this.#persist();
    // The sending side may still be loading (the client's first moments): wait for it, in time.
    const sending = await within(this.#sendingReady, until);
    if (sending) await sending.flush(until);
  }

  /** Stops or resumes sending (consent). Events keep being queued while paused. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused) this.#sending?.drain.wake();
  }

  /**
   * Deletes everything buffered and queued (consent withdrawn, opt-out, forget); resolves to how
   * many events that was. The deletion is ordered before any event added after this call.
   */
  clear(): Promise<number> {
    const buffered = this.#buffer.length + this.uncommitted.size;
    this.#buffer = [];
    const cleared = this.#queue ? this.#queue.clear() : this.#queueReady.then((q) => q.clear());
    return cleared.then((n) => n + buffered);
  }

  async stats(): Promise<DeliveryStats> {
    const q = this.#queue;
    const s = q ? await q.stats() : { count: 0, bytes: 0 };
    return {
      ...emptyDeliveryStats(), // nothing in flight, no circuit open, no leadership, until the sending side says
      buffered: this.#buffer.length,
      queued: s.count,
      queuedBytes: s.bytes,
      ...this.#sending?.state(),
      ...this.#counters,
      drops: q ? await q.drops() : {},
      online: this.#online,
      paused: this.#paused,
      storage: q ? q.kind : 'pending',
      storageProblem: this.storageProblem,
      exitSends: { ...this.exit.sends },
    };
  }

  /** Flushes, then stops: no timers, listeners or lock left behind. */
  async shutdown(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs).catch(() => {});
    this.#closed = true;
    for (const off of this.#removeListeners.splice(0)) off();
    await this.#sending?.stop();
    this.#queue?.close();
  }
}

export { mergeDrops };
