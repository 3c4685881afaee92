import type { DropReason, Drops } from '../types.js';
import { byteLength, mergeDrops, type QueueEntry, type QueueItem, type QueueLimits, type QueueStore } from './types.js';

/**
 * The queue where IndexedDB is missing or refused (Workers, Node, some private modes), with the
 * same bounds: its write side, in what a page loads first. The sending code completes it with the
 * read side (memory-read.ts), which works on these same fields.
 */
export class MemoryStore implements QueueStore {
  readonly kind = 'memory';
  /** The events, oldest first, each with when it was written. */
  entries: (QueueEntry & { at: number })[] = [];
  bytes = 0;
  #seq = 1;
  readonly dropCounts: Drops = {};

  constructor(private readonly limits: QueueLimits) {}

  async append(items: QueueItem[]): Promise<void> {
    const now = Date.now();
    for (const item of items) {
      const entry = { ...item, seq: this.#seq++, bytes: byteLength(item.json) + (item.ctx ? byteLength(item.ctx) : 0), at: now };
      this.entries.push(entry);
      this.bytes += entry.bytes;
    }
    let dropped = 0;
    while (this.entries.length > this.limits.maxEvents || (this.bytes > this.limits.maxBytes && this.entries.length > 0)) {
      this.bytes -= this.entries.shift()!.bytes;
      dropped++;
    }
    if (dropped) mergeDrops(this.dropCounts, { queue_overflow: dropped });
  }

  appendNow(items: QueueItem[]): Promise<void> {
    return this.append(items);
  }

  async stats() {
    return { count: this.entries.length, bytes: this.bytes, oldestAt: this.entries[0]?.at ?? null };
  }

  async addDrops(reason: DropReason, n: number): Promise<void> {
    if (n > 0) mergeDrops(this.dropCounts, { [reason]: n });
  }

  async drops(): Promise<Drops> {
    return { ...this.dropCounts };
  }

  async clear(): Promise<number> {
    const n = this.entries.length;
    this.entries = [];
    this.bytes = 0;
    return n;
  }

  close(): void {}
}
