// The Cloudflare D1 store (SQLite), for the collector running in a Worker:
//   export default { fetch: (request, env) => collectorFor(env)(request) }
// Each batch is one D1 batch() — a transaction: its events (INSERT OR IGNORE: the primary key
// keeps every id once), its id and its drop report, all or nothing; it resolves once committed.
// The events travel as one JSON parameter read back by json_each, so a batch of 500 is one
// statement (D1 allows 100 bound parameters per statement).
import { memoryAnalytics, type AnalyticsEvent } from './analytics/engine.js';
import { metricPoint } from './analytics/series-quality.js';
import type { CollectorStore, StoredBatch, WriteResult } from './types.js';

/** The parts of a D1 binding used here (structural: no dependency on workers-types). */
export interface D1Like {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<{ meta?: { changes?: number } }[]>;
}
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  first(): Promise<unknown>;
  all(): Promise<{ results?: unknown[] }>;
}

/** The schema, also in docs/collector.md: the DuckDB store's tables in SQLite's types. */
export const D1_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, app TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, ts TEXT NOT NULL, received_at TEXT NOT NULL, batch_id TEXT NOT NULL, session_id TEXT, anonymous_id TEXT, user_id TEXT, trace_id TEXT, span_id TEXT, properties TEXT NOT NULL, context TEXT)`,
  `CREATE INDEX IF NOT EXISTS events_app_ts ON events (app, ts)`,
  `CREATE TABLE IF NOT EXISTS batches (batch_id TEXT PRIMARY KEY, app TEXT NOT NULL, received_at TEXT NOT NULL, events INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS drop_reports (batch_id TEXT NOT NULL, app TEXT NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL, received_at TEXT NOT NULL, PRIMARY KEY (batch_id, reason))`,
];

const INSERT_EVENTS = `INSERT OR IGNORE INTO events
  SELECT json_extract(value, '$.id'), json_extract(value, '$.app'), json_extract(value, '$.type'), json_extract(value, '$.name'),
    json_extract(value, '$.timestamp'), json_extract(value, '$.receivedAt'), json_extract(value, '$.batchId'),
    json_extract(value, '$.sessionId'), json_extract(value, '$.anonymousId'), json_extract(value, '$.userId'),
    json_extract(value, '$.traceId'), json_extract(value, '$.spanId'),
    json(json_extract(value, '$.properties')), json(json_extract(value, '$.context'))
  FROM json_each(?1)`;

export function d1Store(db: D1Like): CollectorStore {
  if (!db || typeof db.prepare !== 'function' || typeof db.batch !== 'function') throw new TypeError('d1Store(db): db must be a D1 binding (env.DB)');
  let ready: Promise<unknown> | null = null;
  const schema = () => (ready ??= db.batch(D1_SCHEMA.map((s) => db.prepare(s))).catch((e: unknown) => {
    ready = null; // tried again on the next write
    throw e;
  }));
  let backlog = 0;
  return {
    kind: 'd1',
    async write(batch: StoredBatch): Promise<WriteResult> {
      backlog += batch.events.length;
      try {
        await schema();
        const statements = [
          db.prepare(INSERT_EVENTS).bind(JSON.stringify(batch.events)),
          db.prepare('INSERT OR IGNORE INTO batches VALUES (?1, ?2, ?3, ?4)').bind(batch.batchId, batch.app, batch.receivedAt, batch.events.length),
        ];
        if (batch.drops) statements.push(db.prepare('INSERT OR IGNORE INTO drop_reports SELECT ?1, ?2, key, value, ?3 FROM json_each(?4)').bind(batch.batchId, batch.app, batch.receivedAt, JSON.stringify(batch.drops)));
        const [events] = await db.batch(statements);
        const inserted = events?.meta?.changes ?? 0;
        return { inserted, duplicates: batch.events.length - inserted };
      } finally {
        backlog -= batch.events.length;
      }
    },
    async hasBatch(batchId: string) {
      await schema();
      return (await db.prepare('SELECT 1 AS found FROM batches WHERE batch_id = ?1').bind(batchId).first()) !== null;
    },
    backlog: () => backlog,
    // D1 selects the app's track, page and identify events (by the app/ts index); the queries run
    // on them in the Worker (engine.ts) — D1 has no percentiles or ASOF joins, and a Worker's
    // memory bounds how many events one query can read (docs/analytics.md).
    analytics: memoryAnalytics(
      async (app) => {
        await schema();
        const { results = [] } = await db
          .prepare(`SELECT id, app, type, name, ts, session_id, anonymous_id, user_id, properties, context FROM events WHERE app = ?1 AND type IN ('track', 'page', 'identify')`)
          .bind(app)
          .all();
        return (results as Record<string, string | null>[]).map(
          (r): AnalyticsEvent => ({
            id: r.id!, app: r.app!, type: r.type!, name: r.name!, ts: Date.parse(r.ts!), sessionId: r.session_id ?? null, anonymousId: r.anonymous_id ?? null, userId: r.user_id ?? null,
            properties: JSON.parse(r.properties ?? '{}') as Record<string, unknown>, context: r.context ? (JSON.parse(r.context) as Record<string, unknown>) : null,
          }),
        );
      },
      async (app, metric) => {
        await schema();
        const { results = [] } = await db.prepare(`SELECT ts, received_at, properties FROM events WHERE app = ?1 AND type = 'metric' AND name = ?2`).bind(app, metric).all();
        return (results as Record<string, string>[]).map((r) => metricPoint({ timestamp: r.ts!, receivedAt: r.received_at!, properties: JSON.parse(r.properties!) as Record<string, unknown> }));
      },
    ),
    async close() {},
  };
}
