// What a previous page left behind: events it copied to localStorage as it died, batches it had in
// flight, and batches it sent on its way out. Before any of it is sent again, the collector is
// asked whether it already has it (`GET {endpoint}/batches/{batchId}`), so nothing is stored twice.
import { EXIT_HOLD_MS, exitRecords, forgetExit, takeSpills } from './exit-journal.js';
import type { EventQueue, QueueItem } from './queue/types.js';


export interface ReconcileContext {
  /** The queue's name: the key prefix of the exit journal and the spills. */
  name: string;
  endpoint: string | undefined;
  headers: Record<string, string> | undefined;
  fetch: typeof fetch;
  /** Queue entries named in another page's exit record, not to be sent before it is settled. */
  exitHeldSeqs: Set<number>;
}

/**
 * Settles everything left behind: spilled events are added back (those not already stored),
 * batches left in flight are removed when the collector has them. Collectors without the status
 * route, and OTLP, get the events again (same ids, for deduplication). False while the collector
 * cannot be asked.
 */
export async function settleLeftBehind(c: ReconcileContext, q: EventQueue): Promise<boolean> {
  const spilled = takeSpills<QueueItem>(c.name);
  if (spilled.length) {
    // Some of them may have been committed after all: add only the missing ones.
    const stored = await q.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Set(), Number.POSITIVE_INFINITY);
    const have = new Set(stored.map((e) => e.id));
    const seen = new Set<string>();
    await q.append(spilled.filter((i) => !have.has(i.id) && !seen.has(i.id) && seen.add(i.id)));
  }
  const left = await q.flightsLeftBehind();
  for (const f of left) {
    const received = await askReceived(c, f.batchId);
    if (received === null) return false;
    if (received) await q.remove(f.seqs);
    await q.clearInFlight(f.batchId);
  }
  return settleExits(c, q);
}

/** The same question for batches exiting pages sent (once their hold has passed). */
async function settleExits(c: ReconcileContext, q: EventQueue): Promise<boolean> {
  const records = exitRecords(c.name).filter((r) => Date.now() - r.at >= EXIT_HOLD_MS);
  for (const r of records) {
    const received = await askReceived(c, r.batchId);
    if (received === null) return false;
    if (received) {
      const ids = new Set(r.ids);
      const stored = await q.take(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, new Set(), Number.POSITIVE_INFINITY);
      await q.remove(stored.filter((e) => ids.has(e.id)).map((e) => e.seq));
    }
    forgetExit(c.name, r.batchId);
  }
  if (records.length) c.exitHeldSeqs.clear();
  return true;
}

/** true/false from the collector; false when it has no such route (OTLP too); null when unreachable. */
async function askReceived(c: ReconcileContext, batchId: string): Promise<boolean | null> {
  if (!c.endpoint) return false;
  try {
    const url = new URL(c.endpoint, typeof location !== 'undefined' ? location.href : undefined);
    url.pathname = `${url.pathname.replace(/\/$/, '')}/batches/${encodeURIComponent(batchId)}`;
    const r = await c.fetch(url.toString(), { credentials: 'omit', headers: c.headers ?? {} });
    if (r.ok) return ((await r.json()) as { received?: unknown }).received === true;
    return r.status >= 500 || r.status === 429 ? null : false;
  } catch {
    return null;
  }
}
