import { SDK, type Drops } from '../types.js';
import type { QueueEntry } from '../queue/types.js';

/**
 * The native batch body (docs/wire-format.md), assembled from the stored event JSON without
 * parsing it again.
 */
export function encodeJsonBatch(batchId: string, entries: QueueEntry[], options: { apiKey?: string | undefined; drops?: Drops | null; sentAt?: Date }): string {
  const head: Record<string, unknown> = {
    batchId,
    sentAt: (options.sentAt ?? new Date()).toISOString(),
    sdk: { name: SDK.name, version: SDK.version },
  };
  if (options.apiKey) head.apiKey = options.apiKey;
  if (options.drops && Object.keys(options.drops).length > 0) head.clientReport = { drops: options.drops };
  const prefix = JSON.stringify(head);
  return `${prefix.slice(0, -1)},"events":[${entries.map((e) => e.json).join(',')}]}`;
}
