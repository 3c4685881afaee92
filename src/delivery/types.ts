// The wire format (docs/wire-format.md, JSON Schema in docs/wire-format.schema.json).

export const SDK = { name: 'avila-telemetry', version: __AVILA_VERSION__ } as const;

/** Why events did not reach the collector; counted and reported upstream in a later batch. */
export type DropReason = 'queue_overflow' | 'storage_full' | 'rejected_4xx' | 'too_large' | 'sampled' | 'no_consent' | 'invalid' | 'before_send_error';
export const DROP_REASONS: readonly DropReason[] = ['queue_overflow', 'storage_full', 'rejected_4xx', 'too_large', 'sampled', 'no_consent', 'invalid', 'before_send_error'];

export type Drops = Partial<Record<DropReason, number>>;

export interface EventContext {
  page?: { url: string; path: string; referrer: string; title: string };
  userAgent?: string;
  locale?: string;
  timezone?: string;
  screen?: { width: number; height: number; density: number };
  app?: { name?: string; version?: string; env?: string };
  sdk: { name: string; version: string };
  [key: string]: unknown;
}

/** One event on the wire. `id` is a UUIDv7, the same on every retry. */
export interface WireEvent {
  id: string;
  type: string;
  name: string;
  /** ISO 8601, UTC. */
  timestamp: string;
  sessionId?: string;
  anonymousId?: string;
  userId?: string | null;
  properties: Record<string, unknown>;
  context?: EventContext;
  /** Trace of a span event (W3C ids, lowercase hex). */
  traceId?: string;
  spanId?: string;
}

/** One request body of the native JSON format. */
export interface Batch {
  batchId: string;
  sentAt: string;
  sdk: { name: string; version: string };
  apiKey?: string;
  events: WireEvent[];
  /** Events this client had to drop since its last report, by reason. */
  clientReport?: { drops: Drops };
}
