// Product analytics at scale (Node): a synthetic shop of 10,000,000 events (avila-telemetry/testing's
// shopEvents, 12 weeks) stored in DuckDB through the collector's store, then a 4-step funnel with a
// 7-day window, 12-week retention and attribution (five models, 30-day lookback) — each in DuckDB
// SQL (the store's analytics) and in the plain JS reference of the tests (test/helpers), which
// must agree. Goal: each query ≤ 1 s. Needs a large heap for the reference's 10M objects:
//   npm run bench:analytics   (node --max-old-space-size=20000 scripts/bench.mjs analytics)
// The database is built once into build/bench/ and reused (its name carries the generator's settings).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import type { AnalyticsEvent } from '../src/collector/analytics/engine.js';
import { parseAttribution, parseFunnel, parseRetention } from '../src/collector/analytics/query.js';
import { shopEvents } from '../src/collector/analytics/shop.js';
import type { StoredEvent } from '../src/collector/types.js';
import { creditMaps } from '../test/helpers/analytics-arbitrary.js';
import { referenceAttribution, referenceFunnel, referenceRetention } from '../test/helpers/analytics-reference.js';
import type { Bench, Comparison } from './lib/types.js';

const EVENTS = Number(process.env.ANALYTICS_EVENTS ?? 10_000_000);
const SHOP = { visitors: 10_000_000, days: 84, seed: 42 };
const DAY = 86_400_000;

const QUERIES = {
  funnel: { app: 'shop', steps: ['/', 'product_viewed', 'add_to_cart', 'order_completed'], windowMs: 7 * DAY },
  retention: { app: 'shop', start: '/', returning: 'order_completed', period: 'week' as const, periods: 12 },
  attribution: { app: 'shop', conversion: 'order_completed', lookbackMs: 30 * DAY },
};

/** The first EVENTS events of the shop (whole visitors and a part of the last). */
function* firstEvents(): Generator<StoredEvent> {
  let n = 0;
  for (const e of shopEvents(SHOP)) {
    if (n++ >= EVENTS) return;
    yield e;
  }
}

/** Numbers to 9 significant digits, object keys sorted: a canonical form to compare. */
const round9 = (v: unknown): unknown =>
  typeof v === 'number'
    ? Number(v.toPrecision(9))
    : Array.isArray(v)
      ? v.map(round9)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, round9(x)]))
        : v;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

const bench: Bench = {
  title: `product analytics over ${EVENTS.toLocaleString('en')} shop events: DuckDB SQL against the plain JS reference`,
  envs: ['node'],
  async run(ctx) {
    const heapGB = getHeapStatistics().heap_size_limit / 2 ** 30;
    if (heapGB < 12 && EVENTS > 1_000_000) {
      ctx.log(`skipped: the reference needs a heap of 12 GB or more for ${EVENTS} events, this one has ${heapGB.toFixed(1)} GB — run npm run bench:analytics`);
      return [];
    }
    // The package's build (its DuckDB import stays external to the bench bundle).
    const { duckdbStore } = (await import(pathToFileURL(resolve('dist/collector-node.mjs')).href)) as typeof import('../src/collector-node.js');
    mkdirSync(resolve('build/bench'), { recursive: true });
    const path = resolve(`build/bench/shop-v2-${EVENTS}-${SHOP.days}d-seed${SHOP.seed}.duckdb`);
    if (!existsSync(path)) {
      const t0 = performance.now();
      const partial = `${path}.partial`;
      rmSync(partial, { force: true });
      const store = await duckdbStore({ path: partial, maxGroupEvents: 200_000 });
      let group: StoredEvent[] = [];
      let written = 0;
      for (const e of firstEvents()) {
        group.push(e);
        if (group.length === 100_000) {
          await store.write({ batchId: `g${written}`, app: 'shop', receivedAt: e.receivedAt, events: group, drops: null });
          written += group.length;
          group = [];
        }
      }
      if (group.length) await store.write({ batchId: `g${written}`, app: 'shop', receivedAt: group[0]!.receivedAt, events: group, drops: null });
      await store.close();
      renameSync(partial, path);
      ctx.log(`built ${path} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const store = await duckdbStore({ path });
    const [{ n }] = (await store.query('SELECT count(*)::BIGINT AS n FROM events')) as [{ n: bigint }];
    ctx.log(`${Number(n).toLocaleString('en')} events in DuckDB`);
    const sql: Record<string, { ms: number; result: unknown }> = {};
    for (const [kind, q] of Object.entries(QUERIES)) {
      const times: number[] = [];
      let result: unknown;
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        result = await (store.analytics as never as Record<string, (q: unknown) => Promise<unknown>>)[kind]!(q);
        times.push(performance.now() - t);
      }
      sql[kind] = { ms: median(times), result };
      ctx.log(`DuckDB ${kind}: median ${median(times).toFixed(0)} ms of 3 (${times.map((x) => x.toFixed(0)).join(', ')})`);
    }
    await store.close();

    // The reference, on the same events as objects in memory (loading is not timed).
    const t0 = performance.now();
    const events: AnalyticsEvent[] = [];
    for (const e of firstEvents()) events.push({ id: e.id, app: e.app, type: e.type, name: e.name, ts: Date.parse(e.timestamp), sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, properties: e.properties, context: e.context });
    ctx.log(`loaded ${events.length.toLocaleString('en')} events for the reference in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const rows: Comparison[] = [];
    const reference = {
      funnel: () => referenceFunnel(events, 'shop', parseFunnel(QUERIES.funnel)),
      retention: () => referenceRetention(events, 'shop', parseRetention(QUERIES.retention)),
      attribution: () => referenceAttribution(events, 'shop', parseAttribution(QUERIES.attribution)),
    };
    for (const [kind, f] of Object.entries(reference)) {
      const t = performance.now();
      const want = f();
      const ms = performance.now() - t;
      const got = kind === 'attribution' ? creditMaps(sql[kind]!.result as never) : sql[kind]!.result;
      // Sums of hundreds of thousands of credits in another order differ in the 12th digit: 9 are compared.
      const same = JSON.stringify(round9(got)) === JSON.stringify(round9(want));
      ctx.log(`reference ${kind}: ${ms.toFixed(0)} ms; DuckDB's answer ${same ? 'equals' : 'DIFFERS FROM'} the reference's`);
      if (!same) ctx.log(`  DuckDB: ${JSON.stringify(round9(got))}\n  reference: ${JSON.stringify(round9(want))}`);
      if (!same) throw new Error(`DuckDB's ${kind} differs from the reference at ${EVENTS} events`);
      rows.push(
        { name: `${kind} over ${EVENTS / 1e6}M events, DuckDB SQL against the plain JS reference`, unit: 'ms', ours: sql[kind]!.ms, peer: ms, peerName: 'plain JS reference (in memory)', higherIsBetter: false },
        { name: `${kind} over ${EVENTS / 1e6}M events in DuckDB, against the 1 s goal`, unit: 'ms', ours: sql[kind]!.ms, peer: 1000, peerName: 'goal', higherIsBetter: false },
      );
    }
    const f = sql.funnel!.result as { steps: { people: number }[] };
    ctx.log(`funnel people per step: ${f.steps.map((s) => s.people).join(' → ')}`);
    return rows;
  },
};
export default bench;
