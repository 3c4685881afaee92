// The write side of the browser queue, in what a page loads first (the script tag, an app's
// entry chunk): opening the database, appending events, counting drops, the totals and clearing
// (consent withdrawn). Written on IndexedDB itself, a few requests each, so that the `idb`
// library and the read side — batches, removal, trimming to the bounds, flights — load with the
// sending code (idb.ts, in sending.ts's chunk). The two share one connection.
import type { DropReason, Drops } from '../types.js';
import { byteLength, mergeDrops, type QueueItem } from './types.js';

/**
 * Events are stored in chunks (one record per append, up to CHUNK_EVENTS): IndexedDB costs about
 * as much per record as per byte, so one record per event would cap a page at a few thousand
 * events a second. An event's queue position ("seq") is chunk key × SEQ_SPAN + its index in the
 * chunk, stable while the chunk shrinks.
 */
const CHUNK_EVENTS = 500;
export const SEQ_SPAN = 1 << 16;

/**
 * Telemetry can afford to lose the last writes on an OS crash, not to wait for an fsync per
 * transaction: relaxed durability.
 */
export const RELAXED = { durability: 'relaxed' } as const;

export interface StoredItem extends Omit<QueueItem, 'ctx'> {
  /** Index in the chunk as written (never renumbered). */
  i: number;
  bytes: number;
  /** Index of its context in the chunk's `ctxs` (stored once per chunk). */
  c?: number;
}

export interface Chunk {
  key?: number;
  items: StoredItem[];
  ctxs: string[];
  at: number;
}

export interface Totals {
  count: number;
  bytes: number;
}

/** A request's result, as a promise (resolved in its success event: the transaction stays active). */
export const result = <T>(r: IDBRequest<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });

/** Resolves when the transaction commits; rejects with its error when it aborts. */
const committed = (tx: IDBTransaction): Promise<void> =>
  new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error ?? new DOMException('AbortError', 'AbortError'));
  });

/** The totals differences left by writes (see IdbWriter.write). */
const DELTAS = () => IDBKeyRange.bound('delta:', 'delta:\uffff');

/**
 * The running totals, with the differences left by writes folded in — and, in a read-write
 * transaction, folded into 'totals' (the caller puts the totals it ends with).
 */
export async function readTotals(meta: IDBObjectStore, fold: boolean): Promise<Totals> {
  const totals = ((await result(meta.get('totals'))) as Totals | undefined) ?? { count: 0, bytes: 0 };
  for (const d of (await result(meta.getAll(DELTAS()))) as Totals[]) {
    totals.count += d.count;
    totals.bytes += d.bytes;
  }
  if (fold) void meta.delete(DELTAS());
  return totals;
}

/** The drop counts stored with the events. */
export const readDrops = async (meta: IDBObjectStore): Promise<Drops> => ((await result(meta.get('drops'))) as Drops | undefined) ?? {};

/** Opens (or creates) the queue's database; rejects where IndexedDB is missing or refused. */
export function openQueueDb(name: string): Promise<IDBDatabase> {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('IndexedDB is not available'));
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    db.createObjectStore('chunks', { keyPath: 'key', autoIncrement: true });
    db.createObjectStore('meta');
    db.createObjectStore('flights');
  };
  return result(open);
}

/**
 * The browser queue's write side. Totals are kept with the events in the same transactions, so
 * they never drift; bounds are enforced by the read side (idb.ts) once the sending code is there.
 */
export class IdbWriter {
  readonly kind = 'indexeddb';
  /** Drops that could not be written (storage full): reported from memory. */
  readonly unstoredDrops: Drops = {};

  constructor(readonly db: IDBDatabase) {}

  static async open(name: string): Promise<IdbWriter> {
    return new IdbWriter(await openQueueDb(name));
  }

  /**
   * Issues the chunk writes and a totals difference in one transaction, synchronously (a page
   * that goes away right now keeps them). Resolves when it committed; null when the database
   * refused (counted as storage_full).
   */
  write(items: QueueItem[]): Promise<void> | null {
    try {
      const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', RELAXED);
      const done = committed(tx);
      const at = Date.now();
      let bytes = 0;
      for (let start = 0; start < items.length; start += CHUNK_EVENTS) {
        const ctxs: string[] = [];
        const chunk: Chunk = {
          items: items.slice(start, start + CHUNK_EVENTS).map(({ ctx, ...item }, i) => {
            let b = byteLength(item.json);
            const stored: StoredItem = { ...item, i, bytes: 0 };
            if (ctx) {
              let c = ctxs.indexOf(ctx);
              if (c < 0) {
                // A context counts once per chunk, against the first event that carries it.
                c = ctxs.push(ctx) - 1;
                b += byteLength(ctx);
              }
              stored.c = c;
            }
            stored.bytes = b;
            bytes += b;
            return stored;
          }),
          ctxs,
          at,
        };
        tx.objectStore('chunks').add(chunk);
      }
      // The totals cannot be read without waiting: record the difference, folded in later.
      tx.objectStore('meta').put({ count: items.length, bytes }, `delta:${at}:${Math.random()}`);
      // Commit now rather than at the end of the task: a page about to go away keeps more.
      (tx as { commit?: () => void }).commit?.();
      return done.catch((e: unknown) => {
        if ((e as DOMException)?.name === 'QuotaExceededError') mergeDrops(this.unstoredDrops, { storage_full: items.length });
        else throw e;
      });
    } catch {
      mergeDrops(this.unstoredDrops, { storage_full: items.length });
      return null;
    }
  }

  async append(items: QueueItem[]): Promise<void> {
    if (items.length) await this.write(items);
  }

  /** For pagehide: every write issued before this returns (see EventQueue.appendNow). */
  appendNow(items: QueueItem[]): Promise<void> {
    if (!items.length) return Promise.resolve();
    return this.write(items) ?? Promise.reject(new Error('the database refused the write'));
  }

  /** Runs `f` in a read-write transaction on 'meta' and resolves once it committed. */
  async meta<T>(f: (meta: IDBObjectStore) => Promise<T>, stores: ('chunks' | 'meta')[] = ['meta']): Promise<T> {
    const tx = this.db.transaction(stores, 'readwrite', RELAXED);
    const done = committed(tx);
    try {
      const out = await f(tx.objectStore('meta'));
      await done;
      return out;
    } catch (e) {
      done.catch(() => {});
      throw e;
    }
  }

  async addDrops(reason: DropReason, n: number): Promise<void> {
    if (n <= 0) return;
    try {
      await this.meta(async (meta) => void meta.put(mergeDrops(await readDrops(meta), { [reason]: n }), 'drops'));
    } catch {
      mergeDrops(this.unstoredDrops, { [reason]: n });
    }
  }

  async drops(): Promise<Drops> {
    const stored = await readDrops(this.db.transaction('meta').objectStore('meta'));
    return mergeDrops({ ...stored }, this.unstoredDrops);
  }

  /** Entries and bytes stored (when the oldest was written is the read side's: idb.ts). */
  stats(): Promise<Totals> {
    return readTotals(this.db.transaction('meta').objectStore('meta'), false);
  }

  /** Deletes every event; resolves to how many there were. */
  clear(): Promise<number> {
    return this.meta(async (meta) => {
      const { count } = await readTotals(meta, true);
      meta.transaction.objectStore('chunks').clear();
      meta.put({ count: 0, bytes: 0 }, 'totals');
      return count;
    }, ['chunks', 'meta']);
  }

  close(): void {
    this.db.close();
  }
}
