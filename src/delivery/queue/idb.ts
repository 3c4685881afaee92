import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { DropReason, Drops } from '../types.js';
import { byteLength, DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './types.js';

interface Stored extends QueueEntry {
  at: number;
}

interface Totals {
  count: number;
  bytes: number;
}

interface Schema extends DBSchema {
  events: { key: number; value: Stored };
  meta: { key: string; value: Totals | Drops };
  flights: { key: string; value: number[] };
}

/**
 * The browser queue: events survive reloads, crashes and offline periods, and are shared by the
 * origin's tabs (only one drains it at a time, see leader.ts). Every append, trim and drop count
 * is one transaction, so totals never drift from the stored events.
 */
export class IdbQueue implements EventQueue {
  readonly kind = 'indexeddb';
  /** Drops that could not be written (storage full): reported from memory. */
  private readonly unstoredDrops: Drops = {};

  private constructor(
    private readonly db: IDBPDatabase<Schema>,
    private readonly limits: QueueLimits,
  ) {}

  /** Opens (or creates) the queue; rejects where IndexedDB is missing or refused. */
  static async open(name: string, limits: QueueLimits = DEFAULT_QUEUE_LIMITS): Promise<IdbQueue> {
    if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available');
    const db = await openDB<Schema>(name, 1, {
      upgrade(db) {
        db.createObjectStore('events', { keyPath: 'seq', autoIncrement: true });
        db.createObjectStore('meta');
        db.createObjectStore('flights');
      },
    });
    return new IdbQueue(db, limits);
  }

  async append(items: QueueItem[]): Promise<void> {
    if (items.length === 0) return;
    // The writes are issued before any await, so a page that goes away right now keeps them.
    const written = this.write(items);
    if (!written) return;
    await written;
    await this.trim();
  }

  /** Folds in totals and drops the oldest events beyond the limits, counted as queue_overflow. */
  private async trim(): Promise<void> {
    const tx = this.db.transaction(['events', 'meta'], 'readwrite');
    const events = tx.objectStore('events');
    const meta = tx.objectStore('meta');
    const totals = await this.totals(meta);
    let dropped = 0;
    if (totals.count > this.limits.maxEvents || totals.bytes > this.limits.maxBytes) {
      let cursor = await events.openCursor();
      while (cursor && (totals.count > this.limits.maxEvents || totals.bytes > this.limits.maxBytes)) {
        totals.count--;
        totals.bytes -= cursor.value.bytes;
        dropped++;
        await cursor.delete();
        cursor = await cursor.continue();
      }
    }
    await meta.put(totals, 'totals');
    if (dropped) {
      const drops = ((await meta.get('drops')) as Drops | undefined) ?? {};
      await meta.put(mergeDrops(drops, { queue_overflow: dropped }), 'drops');
    }
    await tx.done;
  }

  /**
   * Issues the adds and a totals difference in one transaction, synchronously. Resolves when it
   * committed; null when the database refused (counted as storage_full).
   */
  private write(items: QueueItem[]): Promise<void> | null {
    try {
      const tx = this.db.transaction(['events', 'meta'], 'readwrite');
      const at = Date.now();
      let bytes = 0;
      for (const item of items) {
        const b = byteLength(item.json) + (item.ctx ? byteLength(item.ctx) : 0);
        bytes += b;
        // seq is assigned by the store (autoIncrement); the cast covers the missing key.
        void tx.objectStore('events').add({ ...item, bytes: b, at } as Stored);
      }
      // The totals cannot be read without waiting: record the difference, folded in later.
      void tx.objectStore('meta').put({ count: items.length, bytes }, `delta:${at}:${Math.random()}`);
      // Commit now rather than at the end of the task: a page about to go away keeps more.
      (tx as unknown as { commit?: () => void }).commit?.();
      return tx.done.catch((e: unknown) => {
        if ((e as DOMException)?.name === 'QuotaExceededError') mergeDrops(this.unstoredDrops, { storage_full: items.length });
        else throw e;
      });
    } catch {
      mergeDrops(this.unstoredDrops, { storage_full: items.length });
      return null;
    }
  }

  appendNow(items: QueueItem[]): void {
    if (items.length) void this.write(items)?.catch(() => {});
  }

  /** The running totals, with differences left by pages that exited folded in. */
  private async totals(meta: IDBPObjectStore<Schema, ('events' | 'meta')[], 'meta', 'readwrite'>): Promise<Totals> {
    const totals = ((await meta.get('totals')) as Totals | undefined) ?? { count: 0, bytes: 0 };
    const deltas = await meta.getAllKeys(IDBKeyRange.bound('delta:', 'delta:\uffff'));
    for (const key of deltas) {
      const d = (await meta.get(key)) as Totals;
      totals.count += d.count;
      totals.bytes += d.bytes;
      await meta.delete(key);
    }
    return totals;
  }

  async take(maxCount: number, maxBytes: number, exclude: ReadonlySet<number>, now: number): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    let bytes = 0;
    let cursor = await this.db.transaction('events').store.openCursor();
    while (cursor) {
      const e = cursor.value;
      if (!exclude.has(e.seq) && (e.holdUntil ?? 0) <= now) {
        if (out.length > 0 && (out.length >= maxCount || bytes + e.bytes > maxBytes)) break;
        out.push(e);
        bytes += e.bytes;
      }
      cursor = await cursor.continue();
    }
    return out;
  }

  async remove(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    const tx = this.db.transaction(['events', 'meta'], 'readwrite');
    const events = tx.objectStore('events');
    const meta = tx.objectStore('meta');
    const totals = await this.totals(meta);
    for (const seq of seqs) {
      const e = await events.get(seq);
      if (!e) continue; // another tab removed it already
      await events.delete(seq);
      totals.count--;
      totals.bytes -= e.bytes;
    }
    await meta.put(totals, 'totals');
    await tx.done;
  }

  async markInFlight(batchId: string, seqs: number[]): Promise<void> {
    await this.db.put('flights', seqs, batchId);
  }

  async clearInFlight(batchId: string): Promise<void> {
    await this.db.delete('flights', batchId);
  }

  async flightsLeftBehind(): Promise<{ batchId: string; seqs: number[] }[]> {
    const tx = this.db.transaction('flights');
    const keys = await tx.store.getAllKeys();
    const values = await tx.store.getAll();
    return keys.map((batchId, i) => ({ batchId, seqs: values[i]! }));
  }

  async present(seqs: number[]): Promise<Set<number>> {
    const store = this.db.transaction('events').store;
    const found = await Promise.all(seqs.map((s) => store.getKey(s)));
    return new Set(seqs.filter((_, i) => found[i] !== undefined));
  }

  async stats() {
    const tx = this.db.transaction(['events', 'meta']);
    const totals = ((await tx.objectStore('meta').get('totals')) as Totals | undefined) ?? { count: 0, bytes: 0 };
    const first = await tx.objectStore('events').openCursor();
    return { count: totals.count, bytes: totals.bytes, oldestAt: first ? first.value.at : null };
  }

  async addDrops(reason: DropReason, n: number): Promise<void> {
    if (n <= 0) return;
    try {
      const tx = this.db.transaction('meta', 'readwrite');
      const drops = ((await tx.store.get('drops')) as Drops | undefined) ?? {};
      await tx.store.put(mergeDrops(drops, { [reason]: n }), 'drops');
      await tx.done;
    } catch {
      mergeDrops(this.unstoredDrops, { [reason]: n });
    }
  }

  async drops(): Promise<Drops> {
    const stored = ((await this.db.get('meta', 'drops')) as Drops | undefined) ?? {};
    return mergeDrops({ ...stored }, this.unstoredDrops);
  }

  async settleDrops(reported: Drops): Promise<void> {
    // Memory-held counts first, then the stored ones.
    const rest: Drops = {};
    for (const [k, v] of Object.entries(reported) as [DropReason, number][]) {
      const mem = Math.min(this.unstoredDrops[k] ?? 0, v);
      if (mem) mergeDrops(this.unstoredDrops, { [k]: mem }, -1);
      if (v - mem > 0) rest[k] = v - mem;
    }
    const tx = this.db.transaction('meta', 'readwrite');
    const drops = ((await tx.store.get('drops')) as Drops | undefined) ?? {};
    await tx.store.put(mergeDrops(drops, rest, -1), 'drops');
    await tx.done;
  }

  async clear(): Promise<number> {
    const tx = this.db.transaction(['events', 'meta'], 'readwrite');
    const n = await tx.objectStore('events').count();
    await tx.objectStore('events').clear();
    const deltas = await tx.objectStore('meta').getAllKeys(IDBKeyRange.bound('delta:', 'delta:\uffff'));
    for (const key of deltas) await tx.objectStore('meta').delete(key);
    await tx.objectStore('meta').put({ count: 0, bytes: 0 }, 'totals');
    await tx.done;
    return n;
  }

  close(): void {
    this.db.close();
  }
}
