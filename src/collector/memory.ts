// The memory store: for tests and the playground's --memory mode. Same guarantees as the others
// within one process (ids unique, a drop report counted once per batch), nothing survives a restart.
import { INTERACTION_TYPES, fromStored, memoryAnalytics } from './analytics/engine.js';
import type { Analytics } from './analytics/query.js';
import { metricPoint } from './analytics/series-quality.js';
import type { CollectorStore, StoredBatch, StoredEvent, WriteResult } from './types.js';

export interface MemoryStore extends CollectorStore {
  /** Every stored event, in arrival order. */
  readonly events: ReadonlyMap<string, StoredEvent>;
  /** Stored batch ids. */
  readonly batches: ReadonlySet<string>;
  /** Drop counts reported by clients, by app and reason. */
  readonly drops: Readonly<Record<string, Record<string, number>>>;
  readonly analytics: Analytics;
}

export function memoryStore(): MemoryStore {
  const events = new Map<string, StoredEvent>();
  const batches = new Set<string>();
  const drops: Record<string, Record<string, number>> = {};
  return {
    kind: 'memory',
    events,
    batches,
    drops,
    async write(batch: StoredBatch): Promise<WriteResult> {
      let inserted = 0;
      for (const e of batch.events) {
        if (events.has(e.id)) continue;
        events.set(e.id, e);
        inserted++;
      }
      if (!batches.has(batch.batchId)) {
        batches.add(batch.batchId);
        const into = (drops[batch.app] ??= {});
        for (const [reason, n] of Object.entries(batch.drops ?? {})) into[reason] = (into[reason] ?? 0) + n;
      }
      return { inserted, duplicates: batch.events.length - inserted };
    },
    async hasBatch(batchId: string) {
      return batches.has(batchId);
    },
    backlog: () => 0,
    analytics: memoryAnalytics(
      (app) => {
        const out = [];
        for (const e of events.values()) if (e.app === app && (INTERACTION_TYPES as readonly string[]).includes(e.type)) out.push(fromStored(e));
        return out;
      },
      (app, metric) => {
        const out = [];
        for (const e of events.values()) if (e.app === app && e.type === 'metric' && e.name === metric) out.push(metricPoint(e));
        return out;
      },
    ),
    async close() {},
  };
}
