import { randomHex } from '../delivery/ids.js';
import type { SpanRecord } from '../delivery/encode/otlp.js';

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

export function createSpan(
  name: string,
  options: SpanOptions,
  sampleRatio: number,
  now: () => number,
  onEnd: (span: Span, record: SpanRecord) => void,
): Span {
  let traceId: string;
  let parentSpanId: string | undefined;
  let sampled: boolean;
  const parent = options.parent;
  const incoming = typeof parent === 'string' ? parseTraceparent(parent) : null;
  const valid = parent && typeof parent === 'object' && /^[0-9a-f]{32}$/.test(String(parent.traceId)) && /^[0-9a-f]{16}$/.test(String(parent.spanId));
  if (valid) {
    traceId = parent.traceId;
    parentSpanId = parent.spanId;
    sampled = parent.sampled === true;
  } else if (incoming) {
    traceId = incoming.traceId;
    parentSpanId = incoming.spanId;
    sampled = incoming.sampled;
  } else {
    traceId = randomHex(16);
    sampled = sampledByRatio(traceId, sampleRatio);
  }
  const spanId = randomHex(8);
  const start = now();
  const attributes: Record<string, unknown> = options.attributes && typeof options.attributes === 'object' ? { ...options.attributes } : {};
  const events: SpanRecord['events'] = [];
  let status: SpanRecord['status'] = { code: 0 };
  let ended = false;
  const span: Span = {
    name,
    traceId,
    spanId,
    parentSpanId,
    sampled,
    setAttribute(key, value) {
      if (!ended && typeof key === 'string') attributes[key] = value;
      return span;
    },
    addEvent(eventName, attrs) {
      if (!ended) events.push({ name: String(eventName), time: new Date(now()).toISOString(), ...(attrs ? { attributes: attrs } : {}) });
      return span;
    },
    setStatus(s, message) {
      if (!ended) status = { code: s === 'ok' ? 1 : s === 'error' ? 2 : 0, ...(message ? { message: String(message) } : {}) };
      return span;
    },
    end(endTime) {
      if (ended) return;
      ended = true;
      // Only a plausible wall-clock time in ms is taken; anything else means now.
      const end = typeof endTime === 'number' && endTime > start - 86_400_000 && endTime < start + 365 * 86_400_000 ? endTime : now();
      onEnd(span, {
        ...(parentSpanId ? { parentSpanId } : {}),
        kind: [1, 2, 3, 4, 5].includes(options.kind as number) ? options.kind! : 1,
        startTime: new Date(start).toISOString(),
        endTime: new Date(Math.max(end, start)).toISOString(),
        attributes,
        events,
        status,
      });
    },
    traceparent() {
      return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
    },
  };
  return span;
}
