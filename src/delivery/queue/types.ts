import type { DropReason, Drops } from '../types.js';

/** What is stored per event: the serialized event and what the drainer needs to batch it. */
export interface QueueItem {
  id: string;
  /** The event without its context. */
  json: string;
  /** Its context, serialized; events of one page share the same string, sent once per batch. */
  ctx?: string;
  /** Which OTLP signal it maps to. */
  signal: 'logs' | 'metrics' | 'traces';
  /** Not to be sent before this time (ms since epoch): events an exiting tab already sent. */
  holdUntil?: number;
}

export interface QueueEntry extends QueueItem {
  seq: number;
  bytes: number;
}

export interface QueueLimits {
  /** Default 10,000 events. */
  maxEvents: number;
  /** Default 5 MB of serialized events. */
  maxBytes: number;
}

export const DEFAULT_QUEUE_LIMITS: QueueLimits = { maxEvents: 10_000, maxBytes: 5 * 1024 * 1024 };

/**
 * The persistent queue between the client and the sender. Bounded: appending past a limit drops
 * the oldest events, counted as `queue_overflow`. Drop counts are kept with the events, so they
 * survive reloads and reach the collector in a later batch.
 */
export interface EventQueue {
  readonly kind: 'indexeddb' | 'memory';
  append(items: QueueItem[]): Promise<void>;
  /**
   * For pagehide: issues every write synchronously (no await before them), so they commit even
   * though the page goes away; bounds are enforced on the next append. Resolves when committed.
   */
  appendNow(items: QueueItem[]): Promise<void>;
  /** Oldest first, skipping `exclude` and held entries, within the count and byte limits (at least one entry). */
  take(maxCount: number, maxBytes: number, exclude: ReadonlySet<number>, now: number): Promise<QueueEntry[]>;
  remove(seqs: number[]): Promise<void>;
  /**
   * A journal of batches in flight: written before a batch is sent, cleared when it is settled.
   * Records left behind by a page that died mid-flight let the next sender ask the collector
   * whether that batch arrived instead of sending it again.
   */
  markInFlight(batchId: string, seqs: number[]): Promise<void>;
  clearInFlight(batchId: string): Promise<void>;
  flightsLeftBehind(): Promise<{ batchId: string; seqs: number[] }[]>;
  /** Which of these entries are still stored (the others were trimmed as overflow). */
  present(seqs: number[]): Promise<Set<number>>;
  /** Entries and bytes stored. */
  stats(): Promise<{ count: number; bytes: number; oldestAt: number | null }>;
  addDrops(reason: DropReason, n: number): Promise<void>;
  drops(): Promise<Drops>;
  /** Subtracts counts that were reported successfully. */
  settleDrops(reported: Drops): Promise<void>;
  /** Deletes every event; resolves to how many there were. */
  clear(): Promise<number>;
  close(): void;
}

/**
 * What the delivery stage itself needs of a queue (the page's first script): writing, drop
 * counts, totals, clearing. The IndexedDB queue's write side (idb-writer.ts) is this much until
 * the sending code arrives with the rest (idb.ts).
 */
export type QueueStore = Pick<EventQueue, 'kind' | 'append' | 'appendNow' | 'addDrops' | 'drops' | 'clear' | 'close'> & {
  /** Entries and bytes stored. */
  stats(): Promise<{ count: number; bytes: number }>;
};

export const byteLength = (s: string): number => {
  // UTF-8 length without allocating: exact for any string.
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c >= 0x800 && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
  }
  return n;
};

export function mergeDrops(into: Drops, add: Drops, sign = 1): Drops {
  for (const [k, v] of Object.entries(add) as [DropReason, number][]) {
    const next = (into[k] ?? 0) + sign * v;
    if (next > 0) into[k] = next;
    else delete into[k];
  }
  return into;
}
