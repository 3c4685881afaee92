import { encodeJsonBatch } from './encode/json.js';
import { gzip } from './encode/gzip.js';
import type { OtlpResource } from './encode/otlp.js';
import type { otlpBodies } from './encode/otlp-bodies.js';
import type { QueueEntry } from './queue/types.js';
import { post, type SendOutcome } from './send.js';
import type { Drops } from './types.js';

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
