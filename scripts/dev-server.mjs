// The development server: static files for the playground plus a minimal in-memory collector
// (POST /collect, JSON batches; GET /collect/stats). The playground issue grows it into the full
// collector (OTLP, dedupe, SSE, fault injection).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export async function startDevServer({ port = 0, host = '127.0.0.1' } = {}) {
  const received = { batches: 0, events: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/collect' && req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          const batch = JSON.parse(body);
          received.batches++;
          received.events += Array.isArray(batch.events) ? batch.events.length : 0;
          res.writeHead(204).end();
        } catch {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('body is not JSON');
        }
      });
      return;
    }
    if (url.pathname === '/collect/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(received));
      return;
    }
    const path = url.pathname === '/' ? '/demo/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(ROOT, path));
    const allowed = ['demo', 'dist'].some((d) => file.startsWith(join(ROOT, d)));
    let size = -1;
    try {
      if (allowed && statSync(file).isFile()) size = statSync(file).size;
    } catch {}
    if (size < 0) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    received,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
