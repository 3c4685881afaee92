// Spans in the page's first script: ids, sampling and W3C trace context are decided at once (they
// go into headers), and what a span records is logged until it ends (span-record.ts turns the log
// into the OTLP record, in the deferred code).
import { sharedIds, type IdSource } from '../delivery/ids.js';

export type SpanStatus = 'unset' | 'ok' | 'error';

export interface SpanOptions {
  /** A parent span, or an incoming W3C `traceparent` header value. */
  parent?: Span | string;
  attributes?: Record<string, unknown>;
  /** OTLP span kind: 1 internal (default), 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: 1 | 2 | 3 | 4 | 5;
}

export interface Span {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  /** Whether the span is recorded and shipped (head sampling). */
  readonly sampled: boolean;
  setAttribute(key: string, value: unknown): Span;
  addEvent(name: string, attributes?: Record<string, unknown>): Span;
  setStatus(status: SpanStatus, message?: string): Span;
  /** Ends the span (once); it is shipped if sampled. */
  end(endTime?: number): void;
  /** The W3C traceparent header for requests made within this span. */
  traceparent(): string;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a W3C traceparent (version 00); null when invalid (all-zero ids are invalid). */
export function parseTraceparent(value: string): { traceId: string; spanId: string; sampled: boolean } | null {
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}

/** Head sampling that every service agrees on: the decision is a function of the trace id. */
export function sampledByRatio(traceId: string, ratio: number): boolean {
  if (ratio >= 1) return true;
  if (ratio <= 0) return false;
  return parseInt(traceId.slice(-8), 16) / 0x100000000 < ratio;
}

const KINDS = [1, 2, 3, 4, 5];

/**
 * What a span's methods did, in order: the record is built from it when the span ends, by the
 * deferred code (span-record.ts), so the page's first script carries only this log.
 */
export type SpanOp =
  | [op: 0, key: string, value: unknown] // setAttribute
  | [op: 1, name: unknown, attributes: Record<string, unknown> | undefined, time: number] // addEvent
  | [op: 2, status: SpanStatus, message: unknown]; // setStatus

/** What the record of an ended span is built from, besides its log: the span's own fields. */
export interface EndedSpan {
  readonly kind: number;
  readonly parentSpanId: string | undefined;
  readonly start: number;
  readonly attributes: Record<string, unknown>;
}

/**
 * A span as recorded: plain fields and prototype methods (spans are made on every request at the
 * edge). It is handed to user code, so its methods never throw: they only log what they were
 * given; what user values make fail (a throwing toString) is found when the record is built.
 */
class LoggedSpan implements Span, EndedSpan {
  #ops: SpanOp[] | null = [];
  readonly start: number;
  /** A span that is not recorded keeps nothing: only its ids matter (for propagation). */
  readonly attributes: Record<string, unknown>;

  readonly #now: () => number;
  readonly #onEnd: (span: LoggedSpan, ops: SpanOp[], endMs: number) => void;
  readonly #fail: (e: unknown) => void;

  constructor(
    readonly name: string,
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly sampled: boolean,
    readonly kind: number,
    attributes: Record<string, unknown> | undefined,
    now: () => number,
    onEnd: (span: LoggedSpan, ops: SpanOp[], endMs: number) => void,
    fail: (e: unknown) => void,
  ) {
    this.#now = now;
    this.#onEnd = onEnd;
    this.#fail = fail;
    this.start = now();
    this.attributes = sampled && attributes && typeof attributes === 'object' ? { ...attributes } : {};
  }

  setAttribute(key: string, value: unknown): Span {
    if (this.sampled && typeof key === 'string') this.#ops?.push([0, key, value]);
    return this;
  }

  addEvent(eventName: string, attrs?: Record<string, unknown>): Span {
    try {
      if (this.sampled) this.#ops?.push([1, eventName, attrs, this.#now()]);
    } catch (e) {
      this.#fail(e); // a test clock that throws
    }
    return this;
  }

  setStatus(status: SpanStatus, message?: string): Span {
    if (this.sampled) this.#ops?.push([2, status, message]);
    return this;
  }

  end(endTime?: number): void {
    const ops = this.#ops;
    if (!ops) return;
    this.#ops = null;
    try {
      const start = this.start;
      // Only a plausible wall-clock time in ms is taken; anything else means now.
      const end = typeof endTime === 'number' && endTime > start - 86_400_000 && endTime < start + 365 * 86_400_000 ? endTime : this.#now();
      this.#onEnd(this, ops, Math.max(end, start));
    } catch (e) {
      this.#fail(e);
    }
  }

  traceparent(): string {
    return `00-${this.traceId}-${this.spanId}-${this.sampled ? '01' : '00'}`;
  }
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

export function createSpan(
  name: string,
  options: SpanOptions,
  sampleRatio: number,
  now: () => number,
  onEnd: (span: Span & EndedSpan, ops: SpanOp[], endMs: number) => void,
  fail: (e: unknown) => void,
  ids: IdSource = sharedIds,
): Span & EndedSpan {
  let traceId: string;
  let parentSpanId: string | undefined;
  let sampled: boolean;
  const parent = options.parent;
  const incoming = typeof parent === 'string' ? parseTraceparent(parent) : null;
  if (parent && typeof parent === 'object' && HEX32.test(String(parent.traceId)) && HEX16.test(String(parent.spanId))) {
    traceId = parent.traceId;
    parentSpanId = parent.spanId;
    sampled = parent.sampled === true;
  } else if (incoming) {
    traceId = incoming.traceId;
    parentSpanId = incoming.spanId;
    sampled = incoming.sampled;
  } else {
    traceId = ids.randomHex(16);
    sampled = sampledByRatio(traceId, sampleRatio);
  }
  const kind = KINDS.includes(options.kind as number) ? options.kind! : 1;
  return new LoggedSpan(name, traceId, ids.randomHex(8), parentSpanId, sampled, kind, options.attributes, now, onEnd, fail);
}

/** A span that records nothing (unsampled, all-zero ids: from a client that could not start). */
export function noopSpan(): Span {
  const none = () => {};
  return new LoggedSpan('', '0'.repeat(32), '0'.repeat(16), undefined, false, 1, undefined, () => 0, none, none);
}
