import { encodeJsonBatch } from './encode/json.js';
import { gzip } from './encode/gzip.js';
import type { OtlpResource } from './encode/otlp.js';
import type { otlpBodies } from './encode/otlp-bodies.js';
import type { QueueEntry, QueueItem } from './queue/types.js';
import { post, type SendOutcome } from './send.js';
import type { Drops, WireEvent } from './types.js';

export interface SenderOptions {
  endpoint?: string | undefined;
  otlpEndpoint?: string | undefined;
  apiKey?: string | undefined;
  headers?: Record<string, string> | undefined;
  resource?: OtlpResource | undefined;
  /**
   * The OTLP encoders, loaded when first needed (they are in the on-demand chunk: pages that send
   * native JSON never download them).
   */
  otlp?: (() => Promise<typeof otlpBodies>) | undefined;
  compression: 'gzip' | false;
  fetch: typeof fetch;
}

/**
 * Encodes one batch (native JSON, or OTLP/HTTP per signal), compresses it and POSTs it. Shared by
 * the browser's queue-backed delivery and the edge's in-memory one; remembers a collector that
 * refused gzip.
 */
export class BatchSender {
  private gzipWorks = true;

  constructor(private readonly o: SenderOptions) {}

  async send(batchId: string, entries: QueueEntry[], drops: Drops | null): Promise<SendOutcome> {
    const headers = { ...this.o.headers };
    if (this.o.otlpEndpoint) {
      if (this.o.apiKey) headers.authorization = `Bearer ${this.o.apiKey}`;
      if (!this.o.otlp) throw new Error('avila-telemetry: no OTLP encoder was given to the sender');
      const otlpBodies = await this.o.otlp();
      for (const [signal, body] of otlpBodies(entries, this.o.resource ?? { serviceName: 'web' })) {
        const outcome = await this.postBody(`${this.o.otlpEndpoint.replace(/\/$/, '')}/v1/${signal}`, body, headers);
        if (outcome.kind !== 'ok') return outcome;
      }
      return { kind: 'ok', status: 200 };
    }
    const body = encodeJsonBatch(batchId, entries, { apiKey: this.o.apiKey, drops });
    return this.postBody(this.o.endpoint!, body, headers);
  }

  private async postBody(url: string, body: string, headers: Record<string, string>): Promise<SendOutcome> {
    const compressed = this.o.compression === 'gzip' && this.gzipWorks ? await gzip(body).catch(() => null) : null;
    const outcome = await post({ url, body, headers, gzip: compressed, keepalive: false, fetch: this.o.fetch });
    if (compressed && outcome.kind === 'drop' && outcome.status === 415) {
      // The collector does not take gzip: send plain from now on.
      this.gzipWorks = false;
      return post({ url, body, headers, gzip: null, keepalive: false, fetch: this.o.fetch });
    }
    return outcome;
  }
}

/** Serializes events for a queue or a batch; the shared context objects are serialized once each. */
export class EventSerializer {
  private readonly contexts = new WeakMap<object, string>();

  /** `onInvalid` gets the error for an event that cannot be serialized (dropped, the others go on). */
  constructor(private readonly onInvalid: (error: Error) => void) {}

  private contextJson(context: object): string {
    let s = this.contexts.get(context);
    if (s === undefined) this.contexts.set(context, (s = JSON.stringify(context)));
    return s;
  }

  serialize(buffered: { event: WireEvent; signal: QueueItem['signal'] }[]): QueueItem[] {
    const items: QueueItem[] = [];
    for (const { event, signal } of buffered) {
      try {
        const { context, ...rest } = event;
        const item: QueueItem = { id: event.id, json: JSON.stringify(rest), signal };
        if (context) item.ctx = this.contextJson(context);
        items.push(item);
      } catch (e) {
        // An event beforeSend made unserializable: dropped and counted, the others go on.
        this.onInvalid(new Error(`avila-telemetry: event ${event.id} could not be serialized: ${(e as Error)?.message}`));
      }
    }
    return items;
  }
}

/** Calls a user's error listener; what it throws is not our problem to propagate. */
export function notify(listener: ((error: Error) => void) | undefined, error: Error): void {
  try {
    listener?.(error);
  } catch {}
}
