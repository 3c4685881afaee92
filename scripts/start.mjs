// npm start: builds dist/ when it is missing or older than the sources, then serves the
// playground (demo/) and its local collector on 127.0.0.1. PORT picks the port (default 5173).
// The collector keeps what it receives in .avila/playground.duckdb; `npm start -- --memory` keeps
// nothing on disk.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer } from './dev-server.mjs';

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale =
  !existsSync('dist/avila-telemetry.iife.js') ||
  Math.max(newest('src'), newest('assembly')) > statSync('dist/avila-telemetry.iife.js').mtimeMs;
if (stale) {
  console.log('building dist/ …');
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}

const port = Number(process.env.PORT ?? 5173);
const forwardOtlp = process.env.FORWARD_OTLP || undefined;
const memory = process.argv.includes('--memory');
if (!memory) mkdirSync('.avila', { recursive: true });
const db = memory ? undefined : '.avila/playground.duckdb';
const server = await startDevServer({ port, forwardOtlp, db, log: (m) => console.log(m) });
console.log(
  `\n  avila-telemetry playground: ${server.url}/\n  collector endpoint:         ${server.url}/collect (native JSON), ${server.url}/v1/{logs,metrics,traces} (OTLP/HTTP, protobuf or JSON)\n` +
    `  collector store:            ${db ? `DuckDB, ${db}` : 'memory (--memory)'}\n` +
    (forwardOtlp ? `  forwarding to:              ${forwardOtlp} (OTLP/HTTP)\n` : '') +
    `\n  Ctrl-C stops it.`,
);

const stop = () => {
  console.log('\nstopping');
  server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
