// A native JSON batch (docs/wire-format.md) checked field by field: the first problem is
// reported by its path (`events[3].timestamp`), so a client author sees exactly what to fix.
import type { StoredBatch, StoredEvent } from './types.js';

export class InvalidBatch extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field} ${message}`);
    this.name = 'InvalidBatch';
  }
}

export interface BatchLimits {
  /** Events per batch. Default 1,000 (the SDK sends at most 500). */
  maxEvents: number;
}

const ID = /^[0-9A-Za-z._:-]{1,128}$/;
const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** RFC 3339 date-time, as Date.toISOString() and most clients write it. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v) : typeof v === 'object' ? 'an object' : String(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, field: string, max: number, pattern?: RegExp): string {
  if (typeof v !== 'string' || v.length === 0) throw new InvalidBatch(field, `must be a non-empty string, got ${describe(v)}`);
  if (v.length > max) throw new InvalidBatch(field, `must be at most ${max} characters, got ${v.length}`);
  if (pattern && !pattern.test(v)) throw new InvalidBatch(field, `is not valid: ${describe(v)}`);
  return v;
}

function optionalText(v: unknown, field: string, max: number, pattern?: RegExp): string | null {
  return v === undefined || v === null ? null : text(v, field, max, pattern);
}

function dateTime(v: unknown, field: string): string {
  if (typeof v !== 'string' || !DATE_TIME.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidBatch(field, `must be an RFC 3339 date-time string (as toISOString() writes), got ${describe(v)}`);
  return v;
}

function object(v: unknown, field: string): Record<string, unknown> {
  if (!isObject(v)) throw new InvalidBatch(field, `must be an object, got ${describe(v)}`);
  return v;
}

/** Checks a parsed body and turns it into the batch a store writes; throws InvalidBatch. */
export function readBatch(body: unknown, app: string, receivedAt: string, limits: BatchLimits): StoredBatch {
  const b = object(body, 'body');
  const batchId = text(b.batchId, 'batchId', 128, ID);
  if (!Array.isArray(b.events)) throw new InvalidBatch('events', `must be an array, got ${describe(b.events)}`);
  if (b.events.length > limits.maxEvents) throw new InvalidBatch('events', `must hold at most ${limits.maxEvents} events, got ${b.events.length}`);
  const shared = b.context === undefined || b.context === null ? null : object(b.context, 'context');
  let drops: Record<string, number> | null = null;
  if (b.clientReport !== undefined && b.clientReport !== null) {
    const report = object(b.clientReport, 'clientReport');
    const d = object(report.drops ?? {}, 'clientReport.drops');
    for (const [reason, n] of Object.entries(d)) {
      if (!ID.test(reason)) throw new InvalidBatch(`clientReport.drops`, `has an invalid reason ${describe(reason)}`);
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new InvalidBatch(`clientReport.drops.${reason}`, `must be a non-negative integer, got ${describe(n)}`);
    }
    drops = Object.keys(d).length ? (d as Record<string, number>) : null;
  }
  const events: StoredEvent[] = b.events.map((raw: unknown, i: number): StoredEvent => {
    const at = `events[${i}]`;
    const e = object(raw, at);
    const properties = e.properties === undefined || e.properties === null ? {} : object(e.properties, `${at}.properties`);
    const context = e.context === undefined || e.context === null ? shared : object(e.context, `${at}.context`);
    return {
      id: text(e.id, `${at}.id`, 128, ID),
      app,
      type: text(e.type, `${at}.type`, 64, ID),
      name: text(e.name, `${at}.name`, 1024),
      timestamp: dateTime(e.timestamp, `${at}.timestamp`),
      receivedAt,
      batchId,
      sessionId: optionalText(e.sessionId, `${at}.sessionId`, 128, ID),
      anonymousId: optionalText(e.anonymousId, `${at}.anonymousId`, 256),
      userId: optionalText(e.userId, `${at}.userId`, 256),
      traceId: optionalText(e.traceId, `${at}.traceId`, 32, HEX32),
      spanId: optionalText(e.spanId, `${at}.spanId`, 16, HEX16),
      properties,
      context,
    };
  });
  return { batchId, app, receivedAt, events, drops };
}
