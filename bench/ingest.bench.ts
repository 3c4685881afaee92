// The collector's ingest (Node): gzip batches of 500 events over HTTP from a load generator on this
// machine into the collector in a child process (its own event loop, as in production), then a
// count of what was stored — 0 lost means every acknowledged event is in the store.
// - sustained: 32 senders, each sending its next batch as soon as the last is acknowledged, 15 s,
//   into DuckDB (group commit), the memory store, and a DuckDB store doing one INSERT per event in
//   autocommit (the naive way; 5 s);
// - latency: 20,000 events/s paced (40 batches a second), p50/p99 from send to acknowledgement;
// - the collector's resident memory at the end of each run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Bench, Comparison } from './lib/types.js';

const BATCH = 500;
const SENDERS = 32;

/** The collector process: `node server.mjs <memory|duckdb|naive> <path>`; answers rss/count/stop over IPC. */
const SERVER = (dist: string) => `
import { createCollector, duckdbStore, memoryStore, serveCollector } from ${JSON.stringify(dist)};
import { DuckDBInstance } from '@duckdb/node-api';
const [kind, path] = process.argv.slice(2);
async function naiveStore(path) {
  const db = await (await DuckDBInstance.create(path)).connect();
  await db.run('CREATE TABLE events (id VARCHAR PRIMARY KEY, app VARCHAR, type VARCHAR, name VARCHAR, ts TIMESTAMPTZ, received_at TIMESTAMPTZ, batch_id VARCHAR, properties JSON)');
  await db.run('CREATE TABLE batches (batch_id VARCHAR PRIMARY KEY)');
  return {
    kind: 'naive', backlog: () => 0, async close() {},
    async write(b) {
      let inserted = 0;
      for (const e of b.events) inserted += (await db.run('INSERT OR IGNORE INTO events VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ, $6::TIMESTAMPTZ, $7, $8::JSON)', [e.id, e.app, e.type, e.name, e.timestamp, e.receivedAt, e.batchId, JSON.stringify(e.properties)])).rowsChanged;
      await db.run('INSERT OR IGNORE INTO batches VALUES ($1)', [b.batchId]);
      return { inserted, duplicates: b.events.length - inserted };
    },
    async hasBatch() { return false; },
    async count() { return Number((await db.runAndReadAll('SELECT count(*) FROM events')).getRows()[0][0]); },
  };
}
const store = kind === 'memory' ? memoryStore() : kind === 'naive' ? await naiveStore(path) : await duckdbStore({ path });
const count = async () => kind === 'memory' ? store.events.size : kind === 'naive' ? store.count() : Number((await store.query('SELECT count(*)::BIGINT AS n FROM events'))[0].n);
const running = await serveCollector(createCollector({ store, apiKeys: { k: 'bench' }, limits: { maxBacklog: 2_000_000 } }), { port: 0 });
process.on('message', async (m) => {
  if (m === 'count') process.send({ count: await count(), rss: process.memoryUsage().rss });
  if (m === 'stop') { await running.close(); await store.close(); process.exit(0); }
});
process.send({ url: running.url });
`;

interface Server {
  url: string;
  ask(): Promise<{ count: number; rss: number }>;
  stop(): Promise<void>;
}

function startServer(script: string, kind: string, path: string): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, [script, kind, path], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((r) => child.once('message', (m) => r(m as T)));
  return next<{ url: string }>().then(({ url }) => ({
    url,
    ask: () => {
      const p = next<{ count: number; rss: number }>();
      child.send('count');
      return p;
    },
    stop: () => {
      const p = new Promise<void>((r) => child.once('exit', () => r()));
      child.send('stop');
      return p;
    },
  }));
}

let seq = 0;
/** `count` gzip batches of BATCH events with ids never used before (increasing, as UUIDv7s are). */
function makeBatches(count: number): Buffer[] {
  const out: Buffer[] = [];
  const ts = new Date().toISOString();
  for (let b = 0; b < count; b++) {
    const events = [];
    for (let i = 0; i < BATCH; i++) {
      const n = seq++;
      events.push({ id: `ev-${String(n).padStart(12, '0')}`, type: 'track', name: 'checkout', timestamp: ts, sessionId: '0190c000-0000-7000-8000-000000000001', anonymousId: '0190c000-0000-7000-8000-000000000002', properties: { i: n, plan: 'pro', price: 9.99, currency: 'EUR', items: 3 } });
    }
    out.push(gzipSync(JSON.stringify({ batchId: `batch-${seq}`, events })));
  }
  return out;
}

const send = (url: string, body: Buffer) => fetch(`${url}/collect`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-encoding': 'gzip', 'content-type': 'application/json' }, body: new Uint8Array(body) });

/** SENDERS loops for `seconds`; events/s acknowledged, and whether every acknowledged event is stored. */
async function sustained(server: Server, seconds: number): Promise<{ perSecond: number; acked: number; stored: number; rss: number }> {
  const batches = makeBatches(Math.ceil((seconds * 150_000) / BATCH));
  let next = 0;
  let acked = 0;
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (performance.now() < until && next < batches.length) {
        const r = await send(server.url, batches[next++]!);
        await r.arrayBuffer();
        if (r.ok) acked += BATCH;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const { count, rss } = await server.ask();
  return { perSecond: acked / elapsed, acked, stored: count, rss };
}

/** 20,000 events/s paced for `seconds`: latency from send to acknowledgement. */
async function paced(server: Server, seconds: number): Promise<{ p50: number; p99: number; acked: number; stored: number }> {
  const perSecond = 20_000 / BATCH;
  const batches = makeBatches(perSecond * seconds);
  const latencies: number[] = [];
  let acked = 0;
  const t0 = performance.now();
  await Promise.all(
    batches.map(async (body, i) => {
      const at = t0 + (i * 1000) / perSecond;
      await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
      const s = performance.now();
      const r = await send(server.url, body);
      await r.arrayBuffer();
      latencies.push(performance.now() - s);
      if (r.ok) acked += BATCH;
    }),
  );
  latencies.sort((a, b) => a - b);
  const { count } = await server.ask();
  return { p50: latencies[latencies.length >> 1]!, p99: latencies[Math.floor(latencies.length * 0.99)]!, acked, stored: count };
}

const bench: Bench = {
  title: 'collector ingest: gzip batches of 500 over HTTP into DuckDB, the memory store and one INSERT per event',
  envs: ['node'],
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'avila-ingest-'));
    // Inside the repository, so that the child resolves @duckdb/node-api from its node_modules.
    const local = resolve('build/bench/ingest-server.mjs');
    writeFileSync(local, SERVER(pathToFileURL(resolve('dist/collector-node.mjs')).href));
    const rows: Comparison[] = [];
    try {
      const run = async (kind: string, seconds: number) => {
        const server = await startServer(local, kind, join(dir, `${kind}.duckdb`));
        try {
          return await sustained(server, seconds);
        } finally {
          await server.stop();
        }
      };
      const duck = await run('duckdb', 15);
      const memory = await run('memory', 15);
      const naive = await run('naive', 5);
      const lost = (r: { acked: number; stored: number }) => r.acked - r.stored;
      ctx.log(`DuckDB: ${duck.perSecond.toFixed(0)} events/s, ${duck.acked} acknowledged, ${lost(duck)} lost, collector RSS ${(duck.rss / 2 ** 20).toFixed(0)} MB`);
      ctx.log(`memory store: ${memory.perSecond.toFixed(0)} events/s, ${lost(memory)} lost, RSS ${(memory.rss / 2 ** 20).toFixed(0)} MB`);
      ctx.log(`one INSERT per event: ${naive.perSecond.toFixed(0)} events/s, ${lost(naive)} lost`);
      const pacedServer = await startServer(local, 'duckdb', join(dir, 'paced.duckdb'));
      let lat;
      try {
        lat = await paced(pacedServer, 10);
      } finally {
        await pacedServer.stop();
      }
      ctx.log(`20,000 events/s into DuckDB: acknowledgement p50 ${lat.p50.toFixed(1)} ms, p99 ${lat.p99.toFixed(1)} ms, ${lat.acked - lat.stored} lost`);
      rows.push(
        { name: `collector ingest into DuckDB, gzip batches of 500, 32 senders (lost: ${lost(duck)})`, unit: 'events/s', ours: duck.perSecond, peer: 100_000, peerName: 'goal', higherIsBetter: true },
        { name: 'collector ingest into DuckDB, against one INSERT per event', unit: 'events/s', ours: duck.perSecond, peer: naive.perSecond, peerName: 'DuckDB, one INSERT per event (autocommit)', higherIsBetter: true },
        { name: 'collector ingest into DuckDB, against the memory store', unit: 'events/s', ours: duck.perSecond, peer: memory.perSecond, peerName: 'memory store (no disk)', higherIsBetter: true },
        { name: `collector acknowledgement p99 at 20,000 events/s into DuckDB (p50 ${lat.p50.toFixed(1)} ms)`, unit: 'ms', ours: lat.p99, peer: 50, peerName: 'goal', higherIsBetter: false },
        { name: 'collector resident memory after 15 s of ingest into DuckDB', unit: 'MB', ours: duck.rss / 2 ** 20, peer: memory.rss / 2 ** 20, peerName: 'memory store (holds every event)', higherIsBetter: false },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};
export default bench;
