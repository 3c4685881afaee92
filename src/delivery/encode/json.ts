import { SDK, type Drops } from '../types.js';
import type { QueueEntry } from '../queue/types.js';

/** The event with its context put back (when it differs from the batch's). */
function withContext(e: QueueEntry, shared: string | undefined): string {
  if (!e.ctx || e.ctx === shared) return e.json;
  return `${e.json.slice(0, -1)},"context":${e.ctx}}`;
}

/** The context most events of the batch share: sent once, at batch level. */
export function sharedContext(entries: QueueEntry[]): string | undefined {
  const counts = new Map<string, number>();
  let best: string | undefined;
  let bestCount = 0;
  for (const e of entries) {
    if (!e.ctx) continue;
    const n = (counts.get(e.ctx) ?? 0) + 1;
    counts.set(e.ctx, n);
    if (n > bestCount) {
      best = e.ctx;
      bestCount = n;
    }
  }
  return best;
}

/**
 * The native batch body (docs/wire-format.md), assembled from the stored event JSON without
 * parsing it again. The context most events share goes once at batch level (`context`); an event
 * without its own context has the batch's.
 */
export function encodeJsonBatch(batchId: string, entries: QueueEntry[], options: { apiKey?: string | undefined; drops?: Drops | null; sentAt?: Date }): string {
  const head: Record<string, unknown> = {
    batchId,
    sentAt: (options.sentAt ?? new Date()).toISOString(),
    sdk: { name: SDK.name, version: SDK.version },
  };
  if (options.apiKey) head.apiKey = options.apiKey;
  if (options.drops && Object.keys(options.drops).length > 0) head.clientReport = { drops: options.drops };
  const shared = sharedContext(entries);
  const prefix = JSON.stringify(head).slice(0, -1) + (shared ? `,"context":${shared}` : '');
  return `${prefix},"events":[${entries.map((e) => withContext(e, shared)).join(',')}]}`;
}
