// A span's OTLP record, built from what its methods logged (spans.ts) when it ended: deferred
// code, loaded with the metric aggregation (deferred.ts).
import type { SpanRecord } from '../delivery/encode/otlp.js';
import { isoTime } from './context.js';
import type { EndedSpan, SpanOp } from './spans.js';

/**
 * The record of an ended span. Each logged call is applied in order; one that fails on a user
 * value (a throwing toString) goes to `fail` and is skipped, as it would have been at the call.
 */
export function spanRecord(span: EndedSpan, ops: SpanOp[], endMs: number, fail: (e: unknown) => void): SpanRecord {
  const attributes = span.attributes;
  const events: SpanRecord['events'] = [];
  let status: SpanRecord['status'] = { code: 0 };
  for (const [op, [a, b], time] of ops) {
    try {
      if (op === 0) {
        if (typeof a === 'string') attributes[a] = b;
      } else if (op === 1) events.push({ name: String(a), time: isoTime(time), ...(b ? { attributes: b as Record<string, unknown> } : {}) });
      else status = { code: a === 'ok' ? 1 : a === 'error' ? 2 : 0, ...(b ? { message: String(b) } : {}) };
    } catch (e) {
      fail(e);
    }
  }
  const record: SpanRecord = { kind: span.kind, startTime: isoTime(span.start), endTime: isoTime(endMs), attributes, events, status };
  if (span.parentSpanId) record.parentSpanId = span.parentSpanId;
  return record;
}
