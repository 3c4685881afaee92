// The collector in Node: node:http in front of the Fetch-API handler, with graceful shutdown.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { CollectorHandler } from './handler.js';

export interface ServeOptions {
  /** Default 4318 (OTLP/HTTP's port). 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface RunningCollector {
  /** Where it listens, e.g. http://127.0.0.1:4318. */
  url: string;
  server: Server;
  /** Stops accepting connections and resolves once every request in progress has been answered. */
  close(): Promise<void>;
}

/** A node:http request as a Fetch-API Request, its body streamed. */
export function toRequest(req: IncomingMessage, base: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // The body is streamed: the handler stops reading past its limit (413) without buffering more.
  const init: RequestInit & { duplex?: 'half' } = { method, headers, ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}) };
  return new Request(new URL(req.url ?? '/', base), init);
}

/** A Fetch-API Response written to a node:http response. */
export async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((v, k) => res.setHeader(k, v));
  if (response.body && response.headers.get('content-type')?.startsWith('text/event-stream')) {
    // A stream (the live windows): written as it comes, cancelled when the client goes.
    res.flushHeaders();
    const reader = response.body.getReader();
    res.once('close', () => void reader.cancel().catch(() => {}));
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) break;
      res.write(value);
    }
    res.end();
    return;
  }
  const body = response.body ? new Uint8Array(await response.arrayBuffer()) : null;
  res.end(body ?? undefined);
}

export function serveCollector(handler: CollectorHandler, options: ServeOptions = {}): Promise<RunningCollector> {
  const inFlight = new Set<Promise<void>>();
  // Open event streams (GET /analytics/live): ended on close(), or close() would wait for them forever.
  const streaming = new Set<ServerResponse>();
  let base = '';
  const server = createServer((req, res) => {
    const done = (async () => {
      try {
        const response = await handler(toRequest(req, base));
        if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
          streaming.add(res);
          res.once('close', () => streaming.delete(res));
        }
        await send(res, response);
      } catch {
        // A client that went away mid-request: nothing to answer.
        if (!res.headersSent) res.writeHead(400).end();
        else res.destroy();
      }
      // Whatever the handler left unread (a refused body) is discarded, not left to stall the socket.
      req.resume();
    })();
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4318, options.host ?? '127.0.0.1', () => {
      const a = server.address() as AddressInfo;
      base = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      resolve({
        url: base,
        server,
        close: async () => {
          const closed = new Promise<void>((r) => server.close(() => r()));
          server.closeIdleConnections?.();
          for (const res of streaming) res.destroy();
          await Promise.allSettled([...inFlight]);
          server.closeAllConnections?.();
          await closed;
        },
      });
    });
  });
}
