import { encodeJsonBatch } from './encode/json.js';
import { gzip } from './encode/gzip.js';
import { encodeOtlpLogs, encodeOtlpMetrics, encodeOtlpTraces, type OtlpResource } from './encode/otlp.js';
import { uuidv7 } from './ids.js';
import { alwaysLeader, electLeader, type Leadership } from './leader.js';
import { IdbQueue } from './queue/idb.js';
import { MemoryQueue } from './queue/memory.js';
import { byteLength, DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './queue/types.js';
import { backoffMs, post, type SendOutcome } from './send.js';
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
  batch?: Partial<{ maxEvents: number; maxBytes: number; intervalMs: number }>;
  queue?: Partial<QueueLimits>;
  retry?: Partial<{ baseMs: number; maxMs: number }>;
  circuit?: Partial<{ failures: number; cooldownMs: number }>;
  compression?: 'gzip' | false;
  /** Batches in flight at once. Default 2. */
  concurrency?: number;
  storage?: 'auto' | 'indexeddb' | 'memory';
  /** Names the IndexedDB database and the drain lock (default from the endpoint). */
  queueName?: string;
  /** Delay before buffered events are written to the queue. Default 200 ms. */
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
  exitSends: { keepalive: number; beacon: number; plain: number };
}

interface Flight {
  batchId: string;
  entries: QueueEntry[];
  drops: Drops | null;
  attempt: number;
}

/**
 * Bytes an exiting page sends at once. The browser allows 64 KiB of keepalive bodies page-wide
 * (Fetch spec); we use at most a quarter, leaving room for other scripts — and because whatever
 * is sent on exit is also kept in the queue (in case the send fails), where the next load may send
 * it again: the budget bounds those duplicates. The rest simply waits in the queue.
 */
const EXIT_BUDGET = 16 * 1024;
/** Events sent by an exiting page are held back from other tabs and the next load this long. */
const EXIT_HOLD_MS = 10_000;

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
  /** Events not yet written to the queue; serialized only when they are written, off the hot path. */
  private buffer: { event: WireEvent; signal: QueueItem['signal'] }[] = [];
  private persistTimer: ReturnType<typeof setTimeout> | null = null;
  private queue: EventQueue | null = null;
  private readonly queueReady: Promise<EventQueue>;
  private leadership: Leadership = alwaysLeader();
  private readonly flights = new Set<Flight>();
  private readonly inFlightSeqs = new Set<number>();
  private consecutiveFailures = 0;
  private circuitOpenUntil = 0;
  private online = typeof navigator === 'undefined' || navigator.onLine !== false;
  private paused = false;
  private flushWanted = false;
  private closed = false;
  private wakeTimer: ReturnType<typeof setTimeout> | null = null;
  private waker: (() => void) | null = null;
  private gzipWorks = true;
  private keepaliveInFlight = 0;
  private readonly counters = { batchesSent: 0, eventsSent: 0, bytesSent: 0, retries: 0, failures: 0 };
  private readonly exitSends = { keepalive: 0, beacon: 0, plain: 0 };
  private readonly removeListeners: (() => void)[] = [];
  private readonly loop: Promise<void>;

  constructor(options: DeliveryOptions) {
    this.o = { concurrency: 2, persistDelayMs: 200, compression: 'gzip', ...options };
    this.batch = { maxEvents: 100, maxBytes: 64 * 1024, intervalMs: 5000, ...options.batch };
    this.retry = { baseMs: 1000, maxMs: 60_000, ...options.retry };
    this.circuit = { failures: 5, cooldownMs: 30_000, ...options.circuit };
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
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
        q = await IdbQueue.open(this.name, limits);
        this.leadership = electLeader(`${this.name}:drain`);
        this.leadership.onChange(() => this.wake());
      } catch (e) {
        if (this.o.storage === 'indexeddb') this.report(new Error(`avila-telemetry: IndexedDB refused (${(e as Error)?.message}); events are kept in memory`));
        q = new MemoryQueue(limits);
      }
    } else {
      q = new MemoryQueue(limits);
    }
    this.queue = q;
    return q;
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
    try {
      this.o.onError?.(e);
    } catch {}
  }

  // ---- intake ----

  /** Adds an event. O(1): the write to the queue happens a moment later, in bulk. */
  enqueue(event: WireEvent, signal: QueueItem['signal'] = 'logs'): void {
    if (this.closed) return;
    this.buffer.push({ event, signal });
    if (this.buffer.length >= this.batch.maxEvents) this.persistSoon(0);
    else this.persistSoon(this.o.persistDelayMs);
  }

  /** Counts events the client dropped before they reached the queue (consent, sampling, invalid). */
  countDrop(reason: DropReason, n = 1): void {
    void this.queueReady.then((q) => q.addDrops(reason, n)).catch(() => {});
  }

  private persistSoon(delay: number): void {
    if (this.persistTimer !== null) {
      if (delay > 0) return;
      clearTimeout(this.persistTimer);
    }
    this.persistTimer = setTimeout(() => {
      this.persistTimer = null;
      void this.persist();
    }, delay);
  }

  private serialize(buffered: { event: WireEvent; signal: QueueItem['signal'] }[]): QueueItem[] {
    return buffered.map(({ event, signal }) => ({ id: event.id, json: JSON.stringify(event), signal }));
  }

  private async persist(): Promise<void> {
    if (this.buffer.length === 0) return;
    const items = this.serialize(this.buffer);
    this.buffer = [];
    try {
      await (await this.queueReady).append(items);
    } catch (e) {
      this.report(new Error(`avila-telemetry: could not store ${items.length} events: ${(e as Error)?.message}`));
      await this.queue?.addDrops('storage_full', items.length).catch(() => {});
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
    return new Promise((resolve) => {
      this.waker = resolve;
      if (Number.isFinite(ms)) this.wakeTimer = setTimeout(() => this.wake(), Math.max(0, ms));
    });
  }

  private canSend(): boolean {
    return !this.paused && this.online && this.leadership.isLeader && now() >= this.circuitOpenUntil;
  }

  private async drainLoop(): Promise<void> {
    const q = await this.queueReady;
    while (!this.closed) {
      try {
        if (!this.canSend()) {
          await this.sleep(this.circuitOpenUntil > now() ? this.circuitOpenUntil - now() : Infinity);
          continue;
        }
        const stats = await q.stats();
        const waiting = stats.count - this.inFlightSeqs.size;
        const due =
          this.flushWanted ||
          waiting >= this.batch.maxEvents ||
          stats.bytes >= this.batch.maxBytes ||
          (stats.oldestAt !== null && now() - stats.oldestAt >= this.batch.intervalMs);
        if (waiting <= 0 || !due) {
          if (waiting <= 0) this.flushWanted = false;
          await this.sleep(stats.oldestAt !== null && waiting > 0 ? stats.oldestAt + this.batch.intervalMs - now() : Infinity);
          continue;
        }
        if (this.flights.size >= this.o.concurrency) {
          await this.sleep(Infinity);
          continue;
        }
        const entries = await q.take(this.batch.maxEvents, this.batch.maxBytes, this.inFlightSeqs, now());
        if (entries.length === 0) {
          // Everything left is held by an exiting tab or in flight: look again later.
          this.flushWanted = false;
          await this.sleep(this.inFlightSeqs.size > 0 ? Infinity : 1000);
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

  private async fly(q: EventQueue, flight: Flight): Promise<void> {
    try {
      for (;;) {
        if (this.closed) return;
        if (!this.canSend()) {
          await new Promise((r) => setTimeout(r, Math.max(50, this.circuitOpenUntil - now())));
          if (!this.leadership.isLeader) return; // another tab took over: leave the events queued
          continue;
        }
        const outcome = await this.sendFlight(flight);
        if (outcome.kind === 'ok') {
          this.consecutiveFailures = 0;
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
          if (flight.entries.length === 1) {
            await this.dropEntries(q, flight, 'too_large', `an event of ${flight.entries[0]!.bytes} bytes was refused (413)`);
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
      this.flights.delete(flight);
      for (const e of flight.entries) this.inFlightSeqs.delete(e.seq);
      this.wake();
    }
  }

  private async dropEntries(q: EventQueue, flight: Flight, reason: DropReason, message: string): Promise<void> {
    await q.remove(flight.entries.map((e) => e.seq));
    await q.addDrops(reason, flight.entries.length);
    this.report(new Error(`avila-telemetry: ${message}; ${flight.entries.length} events dropped (${reason})`));
  }

  private async sendFlight(flight: Flight): Promise<SendOutcome> {
    const headers = { ...this.o.headers };
    if (this.o.otlpEndpoint) {
      if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
      for (const [signal, body] of this.otlpBodies(flight.entries)) {
        const outcome = await this.postBody(`${this.o.otlpEndpoint.replace(/\/$/, '')}/v1/${signal}`, body, headers, false);
        if (outcome.kind !== 'ok') return outcome;
      }
      return { kind: 'ok', status: 200 };
    }
    const body = encodeJsonBatch(flight.batchId, flight.entries, { apiKey: this.o.apiKey, drops: flight.drops });
    return this.postBody(this.o.endpoint!, body, headers, false);
  }

  private otlpBodies(entries: QueueEntry[]): [string, string][] {
    const resource = this.o.resource ?? { serviceName: 'web' };
    const by = (signal: QueueEntry['signal']) => entries.filter((e) => e.signal === signal).map((e) => JSON.parse(e.json) as WireEvent);
    const out: [string, string][] = [];
    const logs = by('logs'), metrics = by('metrics'), traces = by('traces');
    if (logs.length) out.push(['logs', encodeOtlpLogs(logs, resource)]);
    if (metrics.length) out.push(['metrics', encodeOtlpMetrics(metrics, resource)]);
    if (traces.length) out.push(['traces', encodeOtlpTraces(traces, resource)]);
    return out;
  }

  private async postBody(url: string, body: string, headers: Record<string, string>, keepalive: boolean): Promise<SendOutcome> {
    const compressed = this.o.compression === 'gzip' && this.gzipWorks && !keepalive ? await gzip(body).catch(() => null) : null;
    const outcome = await post({ url, body, headers, gzip: compressed, keepalive, fetch: this.fetchFn });
    if (compressed && outcome.kind === 'drop' && outcome.status === 415) {
      // The collector does not take gzip: send plain from now on.
      this.gzipWorks = false;
      return post({ url, body, headers, gzip: null, keepalive, fetch: this.fetchFn });
    }
    return outcome;
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
    const items = this.serialize(this.buffer);
    this.buffer = [];
    if (items.length === 0) return;
    const holdUntil = now() + EXIT_HOLD_MS;
    if (!this.o.endpoint || this.paused) {
      // OTLP needs headers a beacon cannot carry: the next load (or another tab) sends them.
      void this.queueReady.then((q) => q.append(items)).catch(() => {});
      return;
    }
    let budget = EXIT_BUDGET - this.keepaliveInFlight;
    const sent: QueueItem[] = [];
    for (const chunk of this.exitChunks(items)) {
      const body = encodeJsonBatch(uuidv7(), chunk.map((i, k) => ({ ...i, seq: -k - 1, bytes: 0 })), { apiKey: this.o.apiKey });
      const size = byteLength(body);
      if (size > budget) break; // the rest waits in the queue
      budget -= size;
      sent.push(...chunk);
      if (this.exitSend(body, size, () => void stored.then(() => this.forgetSent(chunk.map((c) => c.id))))) continue;
      break;
    }
    // Only what went out is held back; the rest can be sent by another tab right away.
    const outIds = new Set(sent.map((i) => i.id));
    const stored = this.queueReady
      .then((q) => q.append(items.map((i) => (outIds.has(i.id) ? { ...i, holdUntil } : i))))
      .catch(() => {});
  }

  /** One exit request: fetch keepalive, else sendBeacon, else a plain fetch. False when nothing could be sent. */
  private exitSend(body: string, size: number, confirm: () => void): boolean {
    const url = this.o.endpoint!;
    const headers = { 'content-type': 'text/plain' }; // a simple request: no CORS preflight
    this.keepaliveInFlight += size;
    try {
      const request = this.fetchFn(url, { method: 'POST', body, keepalive: true, credentials: 'omit', headers });
      this.exitSends.keepalive++;
      request.then((r) => r.ok && confirm(), () => {}).finally(() => (this.keepaliveInFlight -= size));
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
      if (chunk.length > 0 && (chunk.length >= this.batch.maxEvents || bytes + i.json.length > 8 * 1024)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(i);
      bytes += i.json.length;
    }
    if (chunk.length) yield chunk;
  }

  private async forgetSent(ids: string[]): Promise<void> {
    const q = await this.queueReady;
    const wanted = new Set(ids);
    // Held entries are the newest; search them among entries whose hold has not expired.
    const held = await q.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Set(), Number.POSITIVE_INFINITY);
    await q.remove(held.filter((e) => wanted.has(e.id)).map((e) => e.seq));
  }

  // ---- control ----

  /** Writes buffered events and sends everything queued now, ignoring the batch interval. */
  async flush(timeoutMs = 10_000): Promise<void> {
    await this.persist();
    this.flushWanted = true;
    this.wake();
    const until = now() + timeoutMs;
    const q = await this.queueReady;
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

  /** Deletes everything buffered and queued (forget / opt-out). */
  async clear(): Promise<void> {
    this.buffer = [];
    await (await this.queueReady).clear();
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
