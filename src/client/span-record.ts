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
  for (const op of ops) {
    try {
      if (op[0] === 0) attributes[op[1]] = op[2];
      else if (op[0] === 1) events.push({ name: String(op[1]), time: isoTime(op[3]), ...(op[2] ? { attributes: op[2] } : {}) });
      else status = { code: op[1] === 'ok' ? 1 : op[1] === 'error' ? 2 : 0, ...(op[2] ? { message: String(op[2]) } : {}) };
    } catch (e) {
      fail(e);
    }
  }
  const record: SpanRecord = { kind: span.kind, startTime: isoTime(span.start), endTime: isoTime(endMs), attributes, events, status };
  if (span.parentSpanId) record.parentSpanId = span.parentSpanId;
  return record;
}
