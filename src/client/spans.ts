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
 * What a span's method was called with (and an event, when): 0 setAttribute, 1 addEvent, 2 setStatus. The
 * record is built from this log when the span ends, by the deferred code (span-record.ts), so the
 * page's first script carries only the log.
 */
export type SpanOp = [op: 0 | 1 | 2, args: unknown[], time: number];

/** What the record of an ended span is built from, besides its log: the span's own fields. */
export interface EndedSpan {
  readonly kind: number;
  readonly parentSpanId: string | undefined;
  readonly start: number;
  readonly attributes: Record<string, unknown>;
}

/**
 * A span as recorded. It is handed to user code, so its methods never throw: they only log what
 * they were given (SpanOp), and what user values make fail (a throwing toString) is found when the
 * record is built. A span that is not sampled keeps nothing: only its ids matter (propagation).
 */
export function createSpan(
  name: string,
  options: SpanOptions,
  sampleRatio: number,
  now: () => number,
  onEnd: (span: Span & EndedSpan, ops: SpanOp[], endMs: number) => void,
  fail: (e: unknown) => void,
  ids: Pick<IdSource, 'randomHex'> = sharedIds,
): Span & EndedSpan {
  const p = options.parent;
  // The parent: an incoming traceparent header, or a span (its ids checked the same way).
  const parent = p ? parseTraceparent(typeof p === 'string' ? p : `00-${p.traceId}-${p.spanId}-0${p.sampled === true ? 1 : 0}`) : null;
  const traceId = parent?.traceId ?? ids.randomHex(16);
  const sampled = parent ? parent.sampled : sampledByRatio(traceId, sampleRatio);
  const spanId = ids.randomHex(8);
  const start = now();
  let ops: SpanOp[] | null = [];
  const log =
    (op: SpanOp[0]) =>
    (...args: unknown[]) => {
      try {
        if (sampled) ops?.push([op, args, op === 1 ? now() : 0]); // only an event has a time
      } catch (e) {
        fail(e); // a test clock that throws
      }
      return span;
    };
  const attributes = options.attributes;
  const span: Span & EndedSpan = {
    name,
    traceId,
    spanId,
    parentSpanId: parent?.spanId,
    sampled,
    kind: KINDS.includes(options.kind as number) ? options.kind! : 1,
    start,
    attributes: sampled && attributes && typeof attributes === 'object' ? { ...attributes } : {},
    setAttribute: log(0),
    addEvent: log(1),
    setStatus: log(2),
    end(endTime) {
      const o = ops;
      if (!o) return;
      ops = null;
      try {
        // Only a plausible wall-clock time in ms is taken; anything else means now.
        const end = typeof endTime === 'number' && endTime > start - 86_400_000 && endTime < start + 365 * 86_400_000 ? endTime : now();
        onEnd(span, o, Math.max(end, start));
      } catch (e) {
        fail(e);
      }
    },
    traceparent: () => `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`,
  };
  return span;
}

/** A span that records nothing (unsampled, all-zero ids: from a client that could not start). */
export function noopSpan(): Span {
  const none = () => {};
  return createSpan('', {}, 0, () => 0, none, none, { randomHex: (bytes) => '0'.repeat(2 * bytes) });
}
