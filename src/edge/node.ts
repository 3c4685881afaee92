import type { WaitUntil } from './client.js';

/** The parts of node:http's IncomingMessage used here (kept structural: no @types/node needed). */
export interface NodeRequest extends AsyncIterable<Uint8Array | string> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** A TLS socket has `encrypted: true`. */
  socket?: object | null;
}
/** The parts of node:http's ServerResponse used here. */
export interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string | string[]): unknown;
  write(chunk: Uint8Array): boolean;
  end(chunk?: Uint8Array | string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  headersSent?: boolean;
}

/**
 * Serves a fetch-style handler (an instrument()ed module) from node:http:
 * `createServer(toNodeListener(worker, { env }))`. Work the handler hands to `ctx.waitUntil` runs
 * in the background and is awaited by the client's shutdown().
 */
export function toNodeListener<Env>(
  worker: { fetch?(request: Request, env: Env, ctx: WaitUntil): Response | Promise<Response> },
  options: { env?: Env } = {},
): (req: NodeRequest, res: NodeResponse) => Promise<void> {
  if (!worker || typeof worker.fetch !== 'function') throw new TypeError('toNodeListener(worker): worker must have a fetch(request, env, ctx) method');
  const pending = new Set<Promise<unknown>>();
  const ctx: WaitUntil & { passThroughOnException(): void } = {
    waitUntil(p) {
      const q = Promise.resolve(p).catch(() => {});
      pending.add(q);
      void q.finally(() => pending.delete(q));
    },
    passThroughOnException() {},
  };
  return async (req, res) => {
    try {
      const host = String(req.headers.host ?? '127.0.0.1');
      const tls = (req.socket as { encrypted?: boolean } | null | undefined)?.encrypted === true;
      const url = `${tls ? 'https' : 'http'}://${host}${req.url ?? '/'}`;
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) {
        if (v === undefined || k.startsWith(':')) continue;
        for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
      }
      const method = req.method ?? 'GET';
      const init: RequestInit & { duplex?: 'half' } = { method, headers };
      if (method !== 'GET' && method !== 'HEAD') {
        const chunks: Uint8Array[] = [];
        for await (const c of req) chunks.push(typeof c === 'string' ? new TextEncoder().encode(c) : c);
        init.body = new Blob(chunks as BlobPart[]);
      }
      const response = await worker.fetch!(new Request(url, init), options.env as Env, ctx);
      res.statusCode = response.status;
      const cookies = (response.headers as Headers & { getSetCookie?: () => string[] }).getSetCookie?.() ?? [];
      response.headers.forEach((v, k) => {
        if (k !== 'set-cookie') res.setHeader(k, v);
      });
      if (cookies.length) res.setHeader('set-cookie', cookies);
      if (!response.body || method === 'HEAD') {
        res.end();
        return;
      }
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value) && res.once) await new Promise<void>((r) => res.once!('drain', r));
      }
      res.end();
    } catch (e) {
      if (typeof console !== 'undefined') console.error('avila-telemetry: the handler failed:', e);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
      }
      res.end(res.headersSent ? undefined : 'internal error\n'); // the message goes to the log, not to the client
    }
  };
}
