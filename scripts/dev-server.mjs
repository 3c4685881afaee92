// The development server of `npm start`: the playground (demo/), the SDK (dist/), uPlot, and the
// embedded collector (scripts/collector.mjs) on one port of 127.0.0.1.
import { build } from 'esbuild';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCollector } from './collector.mjs';

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

/** The SDK's own OTLP encoders, bundled once, for FORWARD_OTLP of native batches. */
async function otlpEncoders() {
  const out = join(ROOT, 'build/dev/otlp.mjs');
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  await build({ entryPoints: [join(ROOT, 'src/delivery/encode/otlp.ts')], outfile: out, bundle: true, format: 'esm', platform: 'node', define: { __AVILA_VERSION__: JSON.stringify(version) }, logLevel: 'error' });
  const m = await import(pathToFileURL(out).href + `?t=${Date.now()}`);
  const resource = { serviceName: 'avila-playground' };
  return (events) => {
    const by = { logs: [], metrics: [], traces: [] };
    for (const e of events) by[e.type === 'metric' ? 'metrics' : e.type === 'span' ? 'traces' : 'logs'].push(e);
    const out = {};
    if (by.logs.length) out.logs = m.encodeOtlpLogs(by.logs, resource);
    if (by.metrics.length) out.metrics = m.encodeOtlpMetrics(by.metrics, resource);
    if (by.traces.length) out.traces = m.encodeOtlpTraces(by.traces, resource);
    return out;
  };
}

/** Static files that may be served: the playground, the SDK, uPlot. */
const SERVED = ['demo', 'dist', 'node_modules/uplot/dist', 'docs'];

export async function startDevServer({ port = 0, host = '127.0.0.1', forwardOtlp = undefined, log = () => {} } = {}) {
  const collector = createCollector({ forwardOtlp, log, ...(forwardOtlp ? { toOtlp: await otlpEncoders() } : {}) });
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
    close: () =>
      new Promise((ok) => {
        collector.close();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
