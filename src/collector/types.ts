// The collector's data model: what a store keeps, and the interface every store implements.
import type { Analytics } from './analytics/query.js';

/** One event as stored: the wire event (docs/wire-format.md) with its app, batch and arrival. */
export interface StoredEvent {
  id: string;
  app: string;
  type: string;
  name: string;
  /** When it happened (the client's clock), ISO 8601. */
  timestamp: string;
  /** When the collector received it, ISO 8601. */
  receivedAt: string;
  batchId: string;
  sessionId: string | null;
  anonymousId: string | null;
  userId: string | null;
  traceId: string | null;
  spanId: string | null;
  properties: Record<string, unknown>;
  /** The event's context: its own, or the batch's it shares. */
  context: Record<string, unknown> | null;
}

/** One accepted batch: written whole, or not at all. */
export interface StoredBatch {
  batchId: string;
  app: string;
  receivedAt: string;
  events: StoredEvent[];
  /** The client's drop report (reason → count), or null. */
  drops: Record<string, number> | null;
}

export interface WriteResult {
  /** Events stored by this write. */
  inserted: number;
  /** Events whose id was already stored (a retry, or a page that sent them on its way out). */
  duplicates: number;
}

/**
 * Where the collector keeps what it accepts. Implementations: memoryStore() (tests),
 * duckdbStore() (Node, embedded, file-backed), d1Store() (Cloudflare Workers).
 */
export interface CollectorStore {
  readonly kind: string;
  /**
   * Stores a batch: events whose id is already stored are skipped (exactly once at rest), and a
   * drop report is counted once per batch id. Resolves only once the write is durable.
   */
  write(batch: StoredBatch): Promise<WriteResult>;
  /** Whether a batch with this id was stored (the SDK's exit journal asks before resending). */
  hasBatch(batchId: string): Promise<boolean>;
  /** Events accepted but not yet durable: the collector answers 429 when this passes its limit. */
  backlog(): number;
  /** Funnels, retention, sessions, attribution and experiments over the stored events (docs/analytics.md). */
  readonly analytics?: Analytics;
  close(): Promise<void>;
}
