// The development server of `npm start`: the playground (demo/), the SDK (dist/), uPlot, and the
// package's collector (through scripts/collector.mjs) on one port of 127.0.0.1.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { createDevCollector } from './collector.mjs';

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

/** Static files that may be served: the playground, the SDK, uPlot. */
const SERVED = ['demo', 'dist', 'node_modules/uplot/dist', 'docs'];

/** `db`: the collector's DuckDB file (default: a memory store). */
export async function startDevServer({ port = 0, host = '127.0.0.1', forwardOtlp = undefined, db = undefined, log = () => {} } = {}) {
  const collector = await createDevCollector({ forwardOtlp, db, log });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    collector
      .handle(req, res, url)
      .then((handled) => {
        if (!handled) serveFile(url, res);
      })
      .catch((e) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e?.message ?? e));
      });
  });
  const serveFile = (url, res) => {
    const path = url.pathname === '/' ? '/demo/index.html' : decodeURIComponent(url.pathname);
    const file = normalize(join(ROOT, path));
    const allowed = SERVED.some((d) => file.startsWith(join(ROOT, d)));
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
  };
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  return {
    url: `http://${host}:${address.port}`,
    collector,
    close: async () => {
      await new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      });
      await collector.close();
    },
  };
}
