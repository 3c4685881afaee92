// The browser queue's read side, loaded with the sending code (sending.ts): batches for the
// drain, removal once sent, trimming to the bounds, the in-flight journal. Writing, drop counts,
// totals and clearing are the write side's (idb-writer.ts, in what the page loads first); both
// use the one connection it opened.
import { wrap, type DBSchema, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import type { DropReason, Drops } from '../types.js';
import { DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './types.js';
import { readDrops, readTotals, result, RELAXED, SEQ_SPAN, type Chunk, type IdbWriter, type Totals } from './idb-writer.js';

interface Schema extends DBSchema {
  chunks: { key: number; value: Chunk };
  meta: { key: string; value: Totals | Drops };
  flights: { key: string; value: number[] };
}

/** The chunks store of the read-write transaction `meta` belongs to, as `idb` wraps it. */
const chunksOf = (meta: IDBObjectStore) => wrap(meta.transaction.objectStore('chunks')) as unknown as IDBPObjectStore<Schema, ('chunks' | 'meta')[], 'chunks', 'readwrite'>;

const seqOf = (key: number, i: number) => key * SEQ_SPAN + i;
const chunkOf = (seq: number) => Math.floor(seq / SEQ_SPAN);

/**
 * The browser queue: events survive reloads, crashes and offline periods, and are shared by the
 * origin's tabs (only one drains it at a time, see leader.ts). Totals are kept with the events in
 * the same transactions, so they never drift.
 */
export class IdbQueue implements EventQueue {
  readonly kind = 'indexeddb';
  private readonly db: IDBPDatabase<Schema>;
  private estimate: Totals = { count: Infinity, bytes: Infinity };
  private appends = 0;

  constructor(
    private readonly writer: IdbWriter,
    private readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS,
  ) {
    this.db = wrap(writer.db) as unknown as IDBPDatabase<Schema>;
  }

  async append(items: QueueItem[]): Promise<void> {
    if (items.length === 0) return;
    // The writes are issued before any await, so a page that goes away right now keeps them.
    const written = this.writer.write(items);
    if (!written) return;
    await written;
    // Trimming costs a transaction: skip it while the last known totals leave ample room (other
    // tabs append too, so every tenth append checks anyway). The first append here trims what
    // was written before the sending code arrived.
    this.estimate.count += items.length;
    this.estimate.bytes += items.reduce((t, i) => t + i.json.length, 0) * 2 + 4096;
    if (++this.appends % 10 === 0 || this.estimate.count > this.limits.maxEvents * 0.8 || this.estimate.bytes > this.limits.maxBytes * 0.8) {
      this.estimate = await this.trim();
    }
  }

  appendNow(items: QueueItem[]): Promise<void> {
    return this.writer.appendNow(items);
  }

  /** Drops the oldest events beyond the limits, counted as queue_overflow; returns the totals. */
  private trim(): Promise<Totals> {
    return this.writer.meta(async (meta) => {
      const totals = await readTotals(meta, true);
      const over = () => totals.count > this.limits.maxEvents || totals.bytes > this.limits.maxBytes;
      let dropped = 0;
      let cursor = over() ? await chunksOf(meta).openCursor() : null;
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
      meta.put(totals, 'totals');
      if (dropped) meta.put(mergeDrops(await readDrops(meta), { queue_overflow: dropped }), 'drops');
      return { ...totals };
    }, ['chunks', 'meta']);
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

  remove(seqs: number[]): Promise<void> {
    if (seqs.length === 0) return Promise.resolve();
    return this.writer.meta(async (meta) => {
      const chunks = chunksOf(meta);
      const totals = await readTotals(meta, true);
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
      meta.put(totals, 'totals');
    }, ['chunks', 'meta']);
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

  /** Entries and bytes stored, and when the oldest was written. */
  async stats(): Promise<{ count: number; bytes: number; oldestAt: number | null }> {
    const tx = this.writer.db.transaction(['chunks', 'meta']);
    const totals = await readTotals(tx.objectStore('meta'), false);
    const first = await result(tx.objectStore('chunks').openCursor());
    return { ...totals, oldestAt: first ? (first.value as Chunk).at : null };
  }

  addDrops(reason: DropReason, n: number): Promise<void> {
    return this.writer.addDrops(reason, n);
  }

  drops(): Promise<Drops> {
    return this.writer.drops();
  }

  async settleDrops(reported: Drops): Promise<void> {
    // Memory-held counts first, then the stored ones.
    const unstored = this.writer.unstoredDrops;
    const rest: Drops = {};
    for (const [k, v] of Object.entries(reported) as [DropReason, number][]) {
      const mem = Math.min(unstored[k] ?? 0, v);
      if (mem) mergeDrops(unstored, { [k]: mem }, -1);
      if (v - mem > 0) rest[k] = v - mem;
    }
    await this.writer.meta(async (meta) => void meta.put(mergeDrops(await readDrops(meta), rest, -1), 'drops'));
  }

  clear(): Promise<number> {
    return this.writer.clear();
  }

  close(): void {
    this.writer.close();
  }
}

