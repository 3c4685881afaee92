import { openDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { DropReason, Drops } from '../types.js';
import { byteLength, DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './types.js';

/**
 * Events are stored in chunks (one record per append, up to CHUNK_EVENTS): IndexedDB costs about
 * as much per record as per byte, so one record per event would cap a page at a few thousand
 * events a second. An event's queue position ("seq") is chunk key × SEQ_SPAN + its index in the
 * chunk, stable while the chunk shrinks.
 */
const CHUNK_EVENTS = 500;
const SEQ_SPAN = 1 << 16;

/**
 * Telemetry can afford to lose the last writes on an OS crash, not to wait for an fsync per
 * transaction: relaxed durability.
 */
const RELAXED = { durability: 'relaxed' } as const;

interface StoredItem extends Omit<QueueItem, 'ctx'> {
  /** Index in the chunk as written (never renumbered). */
  i: number;
  bytes: number;
  /** Index of its context in the chunk's `ctxs` (stored once per chunk). */
  c?: number;
}

interface Chunk {
  key?: number;
  items: StoredItem[];
  ctxs: string[];
  at: number;
}

interface Totals {
  count: number;
  bytes: number;
}

interface Schema extends DBSchema {
  chunks: { key: number; value: Chunk };
  meta: { key: string; value: Totals | Drops };
  flights: { key: string; value: number[] };
}

type Meta = IDBPObjectStore<Schema, ('chunks' | 'meta')[], 'meta', 'readwrite'>;

const seqOf = (key: number, i: number) => key * SEQ_SPAN + i;
const chunkOf = (seq: number) => Math.floor(seq / SEQ_SPAN);

/**
 * The browser queue: events survive reloads, crashes and offline periods, and are shared by the
 * origin's tabs (only one drains it at a time, see leader.ts). Totals are kept with the events in
 * the same transactions, so they never drift.
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
        db.createObjectStore('chunks', { keyPath: 'key', autoIncrement: true });
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
    // Trimming costs a transaction: skip it while the last known totals leave ample room (other
    // tabs append too, so every tenth append checks anyway).
    this.estimate.count += items.length;
    this.estimate.bytes += items.reduce((t, i) => t + i.json.length, 0) * 2 + 4096;
    if (++this.appends % 10 === 0 || this.estimate.count > this.limits.maxEvents * 0.8 || this.estimate.bytes > this.limits.maxBytes * 0.8) {
      this.estimate = await this.trim();
    }
  }

  private estimate: Totals = { count: Infinity, bytes: Infinity };
  private appends = 0;

  appendNow(items: QueueItem[]): Promise<void> {
    if (!items.length) return Promise.resolve();
    const committed = this.write(items);
    return committed ? committed : Promise.reject(new Error('the database refused the write'));
  }

  /**
   * Issues the chunk writes and a totals difference in one transaction, synchronously. Resolves
   * when it committed; null when the database refused (counted as storage_full).
   */
  private write(items: QueueItem[]): Promise<void> | null {
    try {
      const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', RELAXED);
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
        void tx.objectStore('chunks').add(chunk);
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

  /** The running totals, with differences left by writes folded in. */
  private async totals(meta: Meta): Promise<Totals> {
    const totals = ((await meta.get('totals')) as Totals | undefined) ?? { count: 0, bytes: 0 };
    const deltas = await meta.getAllKeys(IDBKeyRange.bound('delta:', 'delta:\uffff'));
    for (const key of deltas) {
      const d = (await meta.get(key)) as Totals;
      totals.count += d.count;
      totals.bytes += d.bytes;
      void meta.delete(key);
    }
    return totals;
  }

  /** Drops the oldest events beyond the limits, counted as queue_overflow; returns the totals. */
  private async trim(): Promise<Totals> {
    const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', RELAXED);
    const chunks = tx.objectStore('chunks');
    const meta = tx.objectStore('meta');
    const totals = await this.totals(meta);
    const over = () => totals.count > this.limits.maxEvents || totals.bytes > this.limits.maxBytes;
    let dropped = 0;
    let cursor = over() ? await chunks.openCursor() : null;
    while (cursor && over()) {
      const chunk = cursor.value;
      while (chunk.items.length && over()) {
        const gone = chunk.items.shift()!;
        totals.count--;
        totals.bytes -= gone.bytes;
        dropped++;
      }
      if (chunk.items.length) void cursor.update(chunk);
      else void cursor.delete();
      cursor = await cursor.continue();
    }
    void meta.put(totals, 'totals');
    if (dropped) {
      const drops = ((await meta.get('drops')) as Drops | undefined) ?? {};
      void meta.put(mergeDrops(drops, { queue_overflow: dropped }), 'drops');
    }
    await tx.done;
    return { ...totals };
  }

  async take(maxCount: number, maxBytes: number, exclude: ReadonlySet<number>, now: number): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    let bytes = 0;
    let cursor = await this.db.transaction('chunks').store.openCursor();
    while (cursor) {
      const key = cursor.value.key!;
      for (const item of cursor.value.items) {
        const seq = seqOf(key, item.i);
        if (exclude.has(seq) || (item.holdUntil ?? 0) > now) continue;
        if (out.length > 0 && (out.length >= maxCount || bytes + item.bytes > maxBytes)) return out;
        const { i: _i, c, bytes: b, ...rest } = item;
        out.push({ ...rest, ...(c !== undefined ? { ctx: cursor.value.ctxs[c] } : {}), seq, bytes: b });
        bytes += b;
      }
      cursor = await cursor.continue();
    }
    return out;
  }

  async remove(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return;
    const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', RELAXED);
    const chunks = tx.objectStore('chunks');
    const meta = tx.objectStore('meta');
    const totals = await this.totals(meta);
    const byChunk = new Map<number, Set<number>>();
    for (const seq of seqs) {
      const key = chunkOf(seq);
      let set = byChunk.get(key);
      if (!set) byChunk.set(key, (set = new Set()));
      set.add(seq - key * SEQ_SPAN);
    }
    for (const [key, indexes] of byChunk) {
      const chunk = await chunks.get(key);
      if (!chunk) continue; // another tab removed it already
      const kept = chunk.items.filter((item) => {
        if (!indexes.has(item.i)) return true;
        totals.count--;
        totals.bytes -= item.bytes;
        return false;
      });
      if (kept.length === 0) void chunks.delete(key);
      else if (kept.length !== chunk.items.length) void chunks.put({ ...chunk, items: kept });
    }
    void meta.put(totals, 'totals');
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
    const store = this.db.transaction('chunks').store;
    const keys = [...new Set(seqs.map(chunkOf))];
    const chunks = await Promise.all(keys.map((k) => store.get(k)));
    const have = new Set<number>();
    chunks.forEach((c, n) => c?.items.forEach((item) => have.add(seqOf(keys[n]!, item.i))));
    return new Set(seqs.filter((s) => have.has(s)));
  }

  async stats() {
    const tx = this.db.transaction(['chunks', 'meta']);
    const meta = tx.objectStore('meta');
    const totals = ((await meta.get('totals')) as Totals | undefined) ?? { count: 0, bytes: 0 };
    for (const key of await meta.getAllKeys(IDBKeyRange.bound('delta:', 'delta:\uffff'))) {
      const d = (await meta.get(key)) as Totals;
      totals.count += d.count;
      totals.bytes += d.bytes;
    }
    const first = await tx.objectStore('chunks').openCursor();
    return { count: totals.count, bytes: totals.bytes, oldestAt: first ? first.value.at : null };
  }

  async addDrops(reason: DropReason, n: number): Promise<void> {
    if (n <= 0) return;
    try {
      const tx = this.db.transaction('meta', 'readwrite', RELAXED);
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
    const tx = this.db.transaction('meta', 'readwrite', RELAXED);
    const drops = ((await tx.store.get('drops')) as Drops | undefined) ?? {};
    await tx.store.put(mergeDrops(drops, rest, -1), 'drops');
    await tx.done;
  }

  async clear(): Promise<number> {
    const tx = this.db.transaction(['chunks', 'meta'], 'readwrite', RELAXED);
    const meta = tx.objectStore('meta');
    const { count } = await this.totals(meta);
    void tx.objectStore('chunks').clear();
    void meta.put({ count: 0, bytes: 0 }, 'totals');
    await tx.done;
    return count;
  }

  close(): void {
    this.db.close();
  }
}
