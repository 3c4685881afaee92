#!/usr/bin/env node
// avila-telemetry's command line.
//   avila-telemetry assets <dir>   copies kernels.wasm, kernels-nosimd.wasm and the worker script
//                                  into <dir>: the one step esbuild and Rollup builds need (they do
//                                  not emit `new URL('./…', import.meta.url)` assets), see
//                                  docs/bundlers.md. Run it on the folder your bundle's chunks are in.
//   avila-telemetry collector [--db <file> | --memory] [--port 4318] [--host 127.0.0.1] [--open]
//                             [--forward-otlp <url>]
//                                  runs the collector (docs/collector.md). API keys come from the
//                                  environment: AVILA_API_KEYS="app:key,app2:key2", or AVILA_API_KEY;
//                                  AVILA_ANALYTICS_KEYS="app:secret,*:admin" for /analytics/*
//                                  (app "default"); --open accepts every request (development only).
//                                  --forward-otlp (or FORWARD_OTLP) sends everything on as OTLP/HTTP.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS = ['kernels.wasm', 'kernels-nosimd.wasm', 'avila-telemetry.worker.js'];
const dist = fileURLToPath(new URL('../dist/', import.meta.url));

const USAGE = `usage:
  avila-telemetry assets <dir>      copy the kernels and the worker next to your bundle
  avila-telemetry collector [--db <file> | --memory] [--port 4318] [--host 127.0.0.1] [--open] [--forward-otlp <url>]
      API keys from AVILA_API_KEYS="app:key,app2:key2" or AVILA_API_KEY=<key>; --open: no keys (development)
      analytics (/analytics/*) keys from AVILA_ANALYTICS_KEYS="app:secret,*:admin-secret" (* reads every app)`;

function fail(message) {
  console.error(`avila-telemetry: ${message}\n${USAGE}`);
  process.exit(2);
}

/** --name value pairs and bare --flags. */
function flags(args) {
  const out = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) fail(`unexpected argument '${a}'`);
    const name = a.slice(2);
    if (name === 'memory' || name === 'open') out[name] = true;
    else if (name === 'db' || name === 'port' || name === 'host' || name === 'forward-otlp') {
      if (args[i + 1] === undefined || args[i + 1].startsWith('--')) fail(`--${name} needs a value`);
      out[name] = args[++i];
    } else fail(`unknown option --${name}`);
  }
  return out;
}

/** "app:key,app2:key2" → { key: app }. */
function keyMap(variable, value) {
  const keys = {};
  for (const pair of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const at = pair.indexOf(':');
    if (at <= 0 || at === pair.length - 1) fail(`${variable}: '${pair}' is not app:key`);
    keys[pair.slice(at + 1)] = pair.slice(0, at);
  }
  return keys;
}

function apiKeys(open) {
  if (open) return null;
  if (process.env.AVILA_API_KEYS) return keyMap('AVILA_API_KEYS', process.env.AVILA_API_KEYS);
  if (process.env.AVILA_API_KEY) return { [process.env.AVILA_API_KEY]: 'default' };
  fail('no API key: set AVILA_API_KEYS="app:key,…" or AVILA_API_KEY, or pass --open for local development');
}

async function collector(args) {
  const o = flags(args);
  if (o.memory && o.db) fail('--db and --memory exclude each other');
  const port = o.port === undefined ? 4318 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, got '${o.port}'`);
  const keys = apiKeys(o.open);
  const { createCollector, duckdbStore, memoryStore, serveCollector } = await import('../dist/collector-node.mjs');
  const log = (line) => console.log(`${new Date().toISOString()} ${line}`);
  const store = o.memory ? memoryStore() : await duckdbStore({ path: o.db ?? './avila.duckdb' });
  const forwardTo = o['forward-otlp'] ?? process.env.FORWARD_OTLP;
  if (forwardTo !== undefined && !/^https?:\/\//.test(forwardTo)) fail(`--forward-otlp must be an http(s) URL, got '${forwardTo}'`);
  const analyticsKeys = process.env.AVILA_ANALYTICS_KEYS ? keyMap('AVILA_ANALYTICS_KEYS', process.env.AVILA_ANALYTICS_KEYS) : undefined;
  const handler = createCollector({ store, apiKeys: keys, log, ...(analyticsKeys ? { analyticsKeys } : {}), ...(forwardTo ? { forward: { otlpEndpoint: forwardTo } } : {}) });
  const running = await serveCollector(handler, { port, host: o.host ?? '127.0.0.1' });
  const apps = keys ? new Set(Object.values(keys)).size : 0;
  log(`collector listening on ${running.url} (store ${o.memory ? 'memory' : `duckdb ${o.db ?? './avila.duckdb'}`}, ${keys ? `${apps} app${apps === 1 ? '' : 's'}` : 'open: no API keys'}${forwardTo ? `, forwarding to ${forwardTo}` : ''})`);
  let stopping = false;
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing the requests in progress`);
    await running.close();
    await handler.close(5_000);
    await store.close();
    const s = handler.stats();
    log(`stopped: ${s.batches} batches, ${s.inserted} events stored, ${s.duplicates} duplicates skipped`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'assets' && rest.length === 1) {
  mkdirSync(rest[0], { recursive: true });
  for (const f of ASSETS) copyFileSync(join(dist, f), join(rest[0], f));
  console.log(`avila-telemetry: copied ${ASSETS.join(', ')} to ${rest[0]}`);
} else if (command === 'collector') {
  await collector(rest);
} else {
  fail(command ? `unknown command '${command}'` : 'no command');
}
