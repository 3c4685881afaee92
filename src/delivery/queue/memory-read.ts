// The memory queue's read side, loaded with the sending code: batches, removal, and the flight
// journal a memory queue does not need (it dies with its page: nothing is ever left behind).
import type { Drops } from '../types.js';
import type { MemoryStore } from './memory.js';
import { mergeDrops, type EventQueue, type QueueEntry } from './types.js';

/** The memory queue, complete: `store` (the delivery stage's write side) with the read side added. */
export function memoryQueue(store: MemoryStore): EventQueue {
  const read: Omit<EventQueue, keyof MemoryStore> = {
    async take(maxCount: number, maxBytes: number, exclude: ReadonlySet<number>, now: number): Promise<QueueEntry[]> {
      const out: QueueEntry[] = [];
      let bytes = 0;
      for (const e of store.entries) {
        if (exclude.has(e.seq) || (e.holdUntil ?? 0) > now) continue;
        if (out.length > 0 && (out.length >= maxCount || bytes + e.bytes > maxBytes)) break;
        out.push(e);
        bytes += e.bytes;
      }
      return out;
    },
    async remove(seqs: number[]): Promise<void> {
      const gone = new Set(seqs);
      store.entries = store.entries.filter((e) => {
        if (!gone.has(e.seq)) return true;
        store.bytes -= e.bytes;
        return false;
      });
    },
    async markInFlight(): Promise<void> {},
    async clearInFlight(): Promise<void> {},
    async flightsLeftBehind(): Promise<{ batchId: string; seqs: number[] }[]> {
      return [];
    },
    async present(seqs: number[]): Promise<Set<number>> {
      const stored = new Set(store.entries.map((e) => e.seq));
      return new Set(seqs.filter((s) => stored.has(s)));
    },
    async settleDrops(reported: Drops): Promise<void> {
      mergeDrops(store.dropCounts, reported, -1);
    },
  };
  return Object.assign(store, read);
}
