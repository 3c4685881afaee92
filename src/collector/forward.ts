// Forwarding: everything the collector stores is also sent on, as OTLP/HTTP JSON, to an
// OpenTelemetry Collector (or anything that takes OTLP), in batches, retried with full-jitter
// backoff (at least Retry-After) on 408/429/5xx and network failures. The buffer is bounded: past
// `maxBuffer` events the oldest are dropped and counted. The store is the record; forwarding is a
// copy, at least once (a batch retried to the collector is forwarded again): each record carries
// `event.id` for deduplication downstream.
import { encodeOtlpLogs, encodeOtlpMetrics, encodeOtlpTraces, type OtlpResource } from '../delivery/encode/otlp.js';
import { backoffMs, post } from '../delivery/send.js';
import type { WireEvent } from '../delivery/types.js';
import type { StoredEvent } from './types.js';

export interface ForwardOptions {
  /** OTLP/HTTP base URL: records go to {otlpEndpoint}/v1/logs, /v1/metrics, /v1/traces. */
  otlpEndpoint: string;
  headers?: Record<string, string>;
  /** Events held for forwarding at most; the oldest beyond are dropped and counted. Default 10,000. */
  maxBuffer?: number;
  /** Events per request. Default 500. */
  batchSize?: number;
  retry?: { baseMs?: number; maxMs?: number };
  /** The resource records are sent under when an event has none of its own. Default service.name avila-collector. */
  resource?: OtlpResource;
  fetch?: typeof fetch;
}

export interface ForwardStats {
  forwarded: number;
  buffered: number;
  /** Dropped because the buffer was full. */
  overflow: number;
  /** Dropped because the receiver refused them (4xx other than 408/429). */
  refused: number;
  retries: number;
}

const toWire = (e: StoredEvent): WireEvent =>
  ({ id: e.id, type: e.type, name: e.name, timestamp: e.timestamp, sessionId: e.sessionId ?? undefined, anonymousId: e.anonymousId ?? undefined, userId: e.userId ?? undefined, traceId: e.traceId ?? undefined, spanId: e.spanId ?? undefined, properties: e.properties, ...(e.context ? { context: e.context } : {}) }) as WireEvent;

export class Forwarder {
  private buffer: StoredEvent[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  private attempt = 0;
  private lastOverflowLog = 0;
  private wake: (() => void) | null = null;
  readonly counters: Omit<ForwardStats, 'buffered'> = { forwarded: 0, overflow: 0, refused: 0, retries: 0 };
  private readonly o: Required<Pick<ForwardOptions, 'maxBuffer' | 'batchSize'>> & ForwardOptions;

  constructor(
    options: ForwardOptions,
    private readonly log: (line: string) => void,
  ) {
    if (!options || typeof options.otlpEndpoint !== 'string' || !/^https?:\/\//.test(options.otlpEndpoint)) throw new TypeError('createCollector(): options.forward.otlpEndpoint must be an http(s) URL');
    this.o = { maxBuffer: 10_000, batchSize: 500, ...options };
  }

  /** Queues events for forwarding (never blocks the collector's answer). */
  push(events: StoredEvent[]): void {
    if (this.closed || events.length === 0) return;
    this.buffer.push(...events);
    const over = this.buffer.length - this.o.maxBuffer;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.counters.overflow += over;
      // One line per 10 s of overflow, not one per request.
      if (Date.now() - this.lastOverflowLog >= 10_000) {
        this.lastOverflowLog = Date.now();
        this.log(`forwarding is behind: ${this.counters.overflow} oldest events dropped so far (buffer of ${this.o.maxBuffer})`);
      }
    }
    this.wake?.();
    this.running ??= this.run().finally(() => (this.running = null));
  }

  stats(): ForwardStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** Resolves once everything buffered now was forwarded or dropped, or after `timeoutMs`. */
  async flush(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while ((this.buffer.length || this.running) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      (t as { unref?: () => void }).unref?.();
      this.wake = () => {
        if (this.closed) {
          clearTimeout(t);
          resolve();
        }
      };
    });
  }

  private async run(): Promise<void> {
    const base = this.o.otlpEndpoint.replace(/\/$/, '');
    const resource = this.o.resource ?? { serviceName: 'avila-collector' };
    while (this.buffer.length && !this.closed) {
      const batch = this.buffer.slice(0, this.o.batchSize);
      const wire = batch.map(toWire);
      const bodies: [string, string][] = [];
      const of = (f: (e: WireEvent) => boolean) => wire.filter(f);
      const traces = of((e) => e.type === 'span'), metrics = of((e) => e.type === 'metric'), logs = of((e) => e.type !== 'span' && e.type !== 'metric');
      if (logs.length) bodies.push(['logs', encodeOtlpLogs(logs, resource)]);
      if (metrics.length) bodies.push(['metrics', encodeOtlpMetrics(metrics, resource)]);
      if (traces.length) bodies.push(['traces', encodeOtlpTraces(traces, resource)]);
      let retryIn: number | null = null;
      let refused = 0;
      for (const [signal, body] of bodies) {
        const outcome = await post({ url: `${base}/v1/${signal}`, body, headers: { ...this.o.headers }, gzip: null, fetch: this.o.fetch ?? ((u, i) => fetch(u, i)) });
        if (outcome.kind === 'retry') {
          retryIn = Math.max(outcome.retryAfterMs ?? 0, backoffMs(this.attempt++, this.o.retry?.baseMs ?? 1000, this.o.retry?.maxMs ?? 60_000));
          this.counters.retries++;
          break;
        }
        if (outcome.kind !== 'ok') {
          const n = signal === 'logs' ? logs.length : signal === 'metrics' ? metrics.length : traces.length;
          refused += n;
          this.log(`forwarding to ${base}/v1/${signal} refused ${n} records (${outcome.kind === 'drop' ? outcome.reason : `HTTP ${outcome.status}`}): dropped`);
        }
      }
      if (retryIn !== null) {
        // The whole batch again after the wait (a signal that went through is sent again: at least once).
        await this.sleep(retryIn);
        continue;
      }
      this.attempt = 0;
      // Events pushed meanwhile sit behind these; an overflow may have dropped some of these already.
      const sent = new Set(batch);
      const before = this.buffer.length;
      this.buffer = this.buffer.filter((e) => !sent.has(e));
      this.counters.refused += refused;
      this.counters.forwarded += before - this.buffer.length - refused;
    }
  }
}
