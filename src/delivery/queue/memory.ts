import type { DropReason, Drops } from '../types.js';
import { byteLength, DEFAULT_QUEUE_LIMITS, mergeDrops, type EventQueue, type QueueEntry, type QueueItem, type QueueLimits } from './types.js';

/** The queue where IndexedDB is missing or refused (Workers, Node, some private modes). Same bounds. */
export class MemoryQueue implements EventQueue {
  readonly kind = 'memory';
  #entries: QueueEntry[] = [];
  #bytes = 0;
  #seq = 1;
  readonly #dropCounts: Drops = {};
  readonly #times = new Map<number, number>();

  constructor(private readonly limits: QueueLimits = DEFAULT_QUEUE_LIMITS) {}

  async append(items: QueueItem[]): Promise<void> {
    const now = Date.now();
    for (const item of items) {
      const entry: QueueEntry = { ...item, seq: this.#seq++, bytes: byteLength(item.json) + (item.ctx ? byteLength(item.ctx) : 0) };
      this.#entries.push(entry);
      this.#times.set(entry.seq, now);
      this.#bytes += entry.bytes;
    }
    let dropped = 0;
    while (this.#entries.length > this.limits.maxEvents || (this.#bytes > this.limits.maxBytes && this.#entries.length > 0)) {
      const e = this.#entries.shift()!;
      this.#bytes -= e.bytes;
      this.#times.delete(e.seq);
      dropped++;
    }
    if (dropped) mergeDrops(this.#dropCounts, { queue_overflow: dropped });
  }

  appendNow(items: QueueItem[]): Promise<void> {
    return this.append(items);
  }

  async take(maxCount: number, maxBytes: number, exclude: ReadonlySet<number>, now: number): Promise<QueueEntry[]> {
    const out: QueueEntry[] = [];
    let bytes = 0;
    for (const e of this.#entries) {
      if (exclude.has(e.seq) || (e.holdUntil ?? 0) > now) continue;
      if (out.length > 0 && (out.length >= maxCount || bytes + e.bytes > maxBytes)) break;
      out.push(e);
      bytes += e.bytes;
    }
    return out;
  }

  async remove(seqs: number[]): Promise<void> {
    const gone = new Set(seqs);
    this.#entries = this.#entries.filter((e) => {
      if (!gone.has(e.seq)) return true;
      this.#bytes -= e.bytes;
      this.#times.delete(e.seq);
      return false;
    });
  }

  // A memory queue dies with its page: nothing is ever left behind.
  async markInFlight(): Promise<void> {}
  async clearInFlight(): Promise<void> {}
  async flightsLeftBehind(): Promise<{ batchId: string; seqs: number[] }[]> {
    return [];
  }

  async present(seqs: number[]): Promise<Set<number>> {
    const stored = new Set(this.#entries.map((e) => e.seq));
    return new Set(seqs.filter((s) => stored.has(s)));
  }

  async stats() {
    const first = this.#entries[0];
    return { count: this.#entries.length, bytes: this.#bytes, oldestAt: first ? this.#times.get(first.seq)! : null };
  }

  async addDrops(reason: DropReason, n: number): Promise<void> {
    if (n > 0) mergeDrops(this.#dropCounts, { [reason]: n });
  }

  async drops(): Promise<Drops> {
    return { ...this.#dropCounts };
  }

  async settleDrops(reported: Drops): Promise<void> {
    mergeDrops(this.#dropCounts, reported, -1);
  }

  async clear(): Promise<number> {
    const n = this.#entries.length;
    this.#entries = [];
    this.#bytes = 0;
    this.#times.clear();
    return n;
  }

  close(): void {}
}
