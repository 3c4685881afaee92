// The page-exit flush: on pagehide / hidden, what is still in memory goes out at once — fetch
// keepalive inside the page's keepalive budget, then sendBeacon, then a plain request — and is
// written to the queue (held from other tabs while the sends land) and copied to localStorage,
// whose writes are synchronous, for the next load. The exit journal (exit-journal.ts) records what
// was sent so that the next sender asks the collector before sending it again.
import { encodeJsonBatch } from './encode/json.js';
import { uuidv7 } from './ids.js';
import { EXIT_HOLD_MS, forgetExit, recordExit, spill } from './exit-journal.js';
import { byteLength, type QueueItem, type QueueStore } from './queue/types.js';

/**
 * Bytes an exiting page may send: the browser allows 64 KiB of keepalive bodies page-wide (Fetch
 * spec, shared with sendBeacon); we leave 8 KiB for other scripts.
 */
const EXIT_BUDGET = 56 * 1024;

export interface ExitContext {
  name: string;
  endpoint: string | undefined;
  apiKey: string | undefined;
  fetch: typeof fetch;
  maxEvents: number;
  /** false when the user asked for memory storage: then nothing is copied to localStorage. */
  persistent: boolean;
}

export class ExitFlush {
  /** Events already sent by this page's exit flush (pagehide and visibilitychange both call it). */
  private readonly sent = new Set<string>();
  #keepaliveInFlight = 0;
  readonly sends = { keepalive: 0, beacon: 0, plain: 0 };

  constructor(private readonly c: ExitContext) {}

  /**
   * `fresh`: events still in memory, serialized now; `uncommitted`: every event handed to the
   * queue whose write has not committed (fresh ones included). `paused`: no consent yet.
   */
  run(queue: QueueStore | null, fresh: QueueItem[], uncommitted: Map<string, QueueItem>, paused: boolean): void {
    // Newest first: the latest writes are the ones still open when the page goes.
    const items = [...uncommitted.values()].filter((i) => !this.sent.has(i.id)).reverse();
    // Ids sent by an earlier exit whose write has committed since are never looked at again.
    for (const id of this.sent) if (!uncommitted.has(id)) this.sent.delete(id);
    if (items.length === 0) return;
    // IndexedDB writes still open at unload are aborted, and a queue not open yet holds nothing:
    // every event not known to be committed is also copied to localStorage (synchronous), which
    // the next load adds back to its queue (reconcile.ts) — unless memory was asked for.
    const keep = () => {
      if (this.c.persistent && queue?.kind !== 'memory') spill(this.c.name, items);
    };
    const commit = (written: QueueItem[]) =>
      queue?.appendNow(written).then(
        () => {
          for (const i of written) uncommitted.delete(i.id);
        },
        () => {},
      );
    if (!this.c.endpoint || paused) {
      // OTLP needs headers a beacon cannot carry, and a paused client (no consent yet) may not
      // send: the next load (or another tab) sends them.
      commit(items);
      keep();
      return;
    }
    const holdUntil = Date.now() + EXIT_HOLD_MS;
    let budget = EXIT_BUDGET - this.#keepaliveInFlight;
    const sent = new Set<string>();
    for (const chunk of this.#chunks(items)) {
      const batchId = uuidv7();
      const body = encodeJsonBatch(batchId, chunk.map((i, k) => ({ ...i, seq: -k - 1, bytes: 0 })), { apiKey: this.c.apiKey });
      const size = byteLength(body);
      if (size > budget) break; // the rest waits in the queue, if its write commits
      budget -= size;
      recordExit(this.c.name, { batchId, ids: chunk.map((c) => c.id), at: Date.now() });
      if (!this.#send(body, size, () => forgetExit(this.c.name, batchId))) break;
      for (const c of chunk) {
        sent.add(c.id);
        this.sent.add(c.id);
      }
    }
    // Buffered events are written now; those already on their way are kept too (held), in case
    // their send fails — the next sender asks the collector before sending them again.
    commit(fresh.map((i) => (sent.has(i.id) ? { ...i, holdUntil } : i)));
    keep();
  }

  /** One exit request: fetch keepalive, else sendBeacon, else a plain fetch. False when nothing could be sent. */
  #send(body: string, size: number, confirm: () => void): boolean {
    const url = this.c.endpoint!;
    const headers = { 'content-type': 'text/plain' }; // a simple request: no CORS preflight
    this.#keepaliveInFlight += size;
    try {
      const request = this.c.fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit', headers });
      this.sends.keepalive++;
      request.then((r) => void (r.ok && confirm()), () => {}).finally(() => (this.#keepaliveInFlight -= size));
      return true;
    } catch {
      // Over the browser's keepalive quota: fetch throws a TypeError synchronously.
      this.#keepaliveInFlight -= size;
    }
    try {
      if (typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }))) {
        this.sends.beacon++;
        return true;
      }
    } catch {}
    try {
      this.sends.plain++;
      this.c.fetch(url, { method: 'POST', body, credentials: 'omit', headers }).then((r) => r.ok && confirm(), () => {});
      return true;
    } catch {
      return false;
    }
  }

  *#chunks(items: QueueItem[]): Generator<QueueItem[]> {
    let chunk: QueueItem[] = [];
    let bytes = 0;
    for (const i of items) {
      if (chunk.length > 0 && (chunk.length >= this.c.maxEvents || bytes + i.json.length > 16 * 1024)) {
        yield chunk;
        chunk = [];
        bytes = 0;
      }
      chunk.push(i);
      bytes += i.json.length;
    }
    if (chunk.length) yield chunk;
  }
}
