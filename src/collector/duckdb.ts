// The DuckDB store (Node): embedded and file-backed, the collector's default. @duckdb/node-api is
// an optional peer dependency, loaded only when this store is created.
//
// Writes are group-committed: batches that arrive while a commit runs wait and go together in the
// next one (a commit costs tens of milliseconds here whatever its size, so one per batch would cap
// ingest at a few thousand events a second). Each group is appended to a staging table, then moved
// in one transaction: `INSERT OR IGNORE` into `events` (the primary key keeps every id once),
// the batch ids into `batches`, the drop reports into `drop_reports` (keyed by batch id and reason:
// a retried batch's report counts once). A batch's promise resolves after COMMIT: DuckDB has
// written its write-ahead log by then, so an acknowledged batch survives a crash.
import { duckdbAnalytics } from './analytics/duckdb.js';
import type { Analytics } from './analytics/query.js';
import type { CollectorStore, StoredBatch, WriteResult } from './types.js';

export interface DuckDBStoreOptions {
  /** The database file; `:memory:` for a throwaway one. */
  path: string;
  /** Events per commit at most. Default 50,000. */
  maxGroupEvents?: number;
}

/** The schema, also in docs/collector.md. */
export const DUCKDB_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id VARCHAR PRIMARY KEY,
  app VARCHAR NOT NULL,
  type VARCHAR NOT NULL,
  name VARCHAR NOT NULL,
  ts TIMESTAMPTZ NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  batch_id VARCHAR NOT NULL,
  session_id VARCHAR,
  anonymous_id VARCHAR,
  user_id VARCHAR,
  trace_id VARCHAR,
  span_id VARCHAR,
  properties JSON NOT NULL,
  context JSON
);
CREATE TABLE IF NOT EXISTS batches (
  batch_id VARCHAR PRIMARY KEY,
  app VARCHAR NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS drop_reports (
  batch_id VARCHAR NOT NULL,
  app VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  count BIGINT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (batch_id, reason)
);
CREATE OR REPLACE VIEW metric_points AS
  SELECT id, app, ts, coalesce(properties->>'metric', name) AS metric, properties->>'kind' AS kind, properties->>'unit' AS unit,
    properties->'attributes' AS attributes, (properties->>'startTime')::TIMESTAMPTZ AS start_time,
    (properties->>'value')::DOUBLE AS value, (properties->>'count')::BIGINT AS count,
    (properties->>'sum')::DOUBLE AS sum, (properties->>'min')::DOUBLE AS min, (properties->>'max')::DOUBLE AS max,
    (properties->'quantiles'->>'0.5')::DOUBLE AS p50, (properties->'quantiles'->>'0.95')::DOUBLE AS p95,
    (properties->'quantiles'->>'0.99')::DOUBLE AS p99, properties->>'sketch' AS sketch, session_id
  FROM events WHERE type = 'metric';
CREATE OR REPLACE VIEW spans AS
  SELECT id, app, trace_id, span_id, properties->>'parentSpanId' AS parent_span_id, name,
    (properties->>'kind')::INTEGER AS kind, (properties->>'startTime')::TIMESTAMPTZ AS start_time,
    (properties->>'endTime')::TIMESTAMPTZ AS end_time, properties->'attributes' AS attributes,
    properties->'events' AS events, properties->'status' AS status, session_id
  FROM events WHERE type = 'span';
CREATE OR REPLACE VIEW anomalies AS
  SELECT id, app, ts, properties->>'metric' AS metric, (properties->>'value')::DOUBLE AS value,
    (properties->>'score')::DOUBLE AS score, (properties->>'expected')::DOUBLE AS expected,
    properties->>'method' AS method, (properties->>'threshold')::DOUBLE AS threshold, session_id
  FROM events WHERE type = 'anomaly';
`;

const STAGING = `CREATE TEMP TABLE IF NOT EXISTS staging (
  id VARCHAR, app VARCHAR, type VARCHAR, name VARCHAR, ts VARCHAR, received_at VARCHAR, batch_id VARCHAR,
  session_id VARCHAR, anonymous_id VARCHAR, user_id VARCHAR, trace_id VARCHAR, span_id VARCHAR,
  properties VARCHAR, context VARCHAR);
CREATE TEMP TABLE IF NOT EXISTS staging_batches (batch_id VARCHAR, app VARCHAR, received_at VARCHAR, events INTEGER);
CREATE TEMP TABLE IF NOT EXISTS staging_drops (batch_id VARCHAR, app VARCHAR, reason VARCHAR, count BIGINT, received_at VARCHAR)`;

interface Pending {
  batch: StoredBatch;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

type Connection = import('@duckdb/node-api').DuckDBConnection;
type Appender = import('@duckdb/node-api').DuckDBAppender;

export interface DuckDBStore extends CollectorStore {
  /** Runs a read-only query (tests, the analytics queries). */
  query(sql: string, params?: (string | number | boolean | null)[]): Promise<Record<string, unknown>[]>;
  readonly analytics: Analytics;
}

export async function duckdbStore(options: DuckDBStoreOptions): Promise<DuckDBStore> {
  if (!options || typeof options.path !== 'string' || options.path === '') throw new TypeError("duckdbStore(options): options.path must be a file path (or ':memory:')");
  let api: typeof import('@duckdb/node-api');
  try {
    api = await import('@duckdb/node-api');
  } catch (e) {
    throw new Error(`duckdbStore(): @duckdb/node-api is not installed (npm install @duckdb/node-api): ${(e as Error).message}`, { cause: e });
  }
  const instance = await api.DuckDBInstance.create(options.path);
  const db: Connection = await instance.connect();
  await db.run(DUCKDB_SCHEMA);
  await db.run(STAGING);
  const maxGroup = options.maxGroupEvents ?? 50_000;
  const queue: Pending[] = [];
  let queued = 0;
  let running: Promise<void> | null = null;
  let closed = false;

  /** One row: strings as VARCHAR, numbers as INTEGER, bigints as BIGINT, null as NULL. */
  const row = (a: Appender, values: (string | number | bigint | null)[]) => {
    for (const v of values) {
      if (v === null) a.appendNull();
      else if (typeof v === 'string') a.appendVarchar(v);
      else if (typeof v === 'bigint') a.appendBigInt(v);
      else a.appendInteger(v);
    }
    a.endRow();
  };

  async function commit(group: Pending[]): Promise<void> {
    // First occurrence of an id in the group wins; later ones (a retry queued meanwhile) are duplicates.
    const seen = new Set<string>();
    const appender = await db.createAppender('staging', 'main', 'temp');
    for (const { batch } of group) {
      for (const e of batch.events) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        row(appender, [e.id, e.app, e.type, e.name, e.timestamp, e.receivedAt, e.batchId, e.sessionId, e.anonymousId, e.userId, e.traceId, e.spanId, JSON.stringify(e.properties), e.context === null ? null : JSON.stringify(e.context)]);
      }
    }
    appender.closeSync();
    const batches = await db.createAppender('staging_batches', 'main', 'temp');
    const drops = await db.createAppender('staging_drops', 'main', 'temp');
    for (const { batch } of group) {
      row(batches, [batch.batchId, batch.app, batch.receivedAt, batch.events.length]);
      for (const [reason, n] of Object.entries(batch.drops ?? {})) row(drops, [batch.batchId, batch.app, reason, BigInt(n), batch.receivedAt]);
    }
    batches.closeSync();
    drops.closeSync();
    await db.run('BEGIN TRANSACTION');
    try {
      const inserted = await db.runAndReadAll(
        `INSERT OR IGNORE INTO events SELECT id, app, type, name, ts::TIMESTAMPTZ, received_at::TIMESTAMPTZ, batch_id, session_id, anonymous_id, user_id, trace_id, span_id, properties::JSON, context::JSON FROM staging RETURNING id`,
      );
      const fresh = new Set(inserted.getColumnsJS()[0] as string[] | undefined);
      // A batch id twice in one group (a retry queued meanwhile): the first row wins.
      await db.run('INSERT OR IGNORE INTO batches SELECT DISTINCT ON (batch_id) batch_id, app, received_at::TIMESTAMPTZ, events FROM staging_batches');
      await db.run('INSERT OR IGNORE INTO drop_reports SELECT DISTINCT ON (batch_id, reason) batch_id, app, reason, count, received_at::TIMESTAMPTZ FROM staging_drops');
      await db.run('DELETE FROM staging; DELETE FROM staging_batches; DELETE FROM staging_drops');
      await db.run('COMMIT');
      // Each event counts as inserted for the first batch of the group that carried it.
      for (const p of group) {
        let n = 0;
        for (const e of p.batch.events) {
          if (fresh.delete(e.id)) n++;
        }
        p.resolve({ inserted: n, duplicates: p.batch.events.length - n });
      }
    } catch (e) {
      await db.run('ROLLBACK').catch(() => {});
      await db.run('DELETE FROM staging; DELETE FROM staging_batches; DELETE FROM staging_drops').catch(() => {});
      throw e;
    }
  }

  function drain(): Promise<void> {
    running ??= (async () => {
      while (queue.length) {
        const group: Pending[] = [];
        let n = 0;
        while (queue.length && (group.length === 0 || n + queue[0]!.batch.events.length <= maxGroup)) {
          const p = queue.shift()!;
          n += p.batch.events.length;
          group.push(p);
        }
        try {
          await commit(group);
        } catch (e) {
          for (const p of group) p.reject(e);
        } finally {
          queued -= n;
        }
      }
    })().finally(() => {
      running = null;
      // A batch queued after the loop's last look (before this ran) starts the next round.
      if (queue.length) void drain();
    });
    return running;
  }

  const query = async (sql: string, params: (string | number | boolean | null)[] = []) => {
    const r = await db.runAndReadAll(sql, params);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  };
  return {
    kind: 'duckdb',
    write(batch) {
      if (closed) return Promise.reject(new Error('the DuckDB store is closed'));
      return new Promise<WriteResult>((resolve, reject) => {
        queue.push({ batch, resolve, reject });
        queued += batch.events.length;
        void drain();
      });
    },
    async hasBatch(batchId) {
      const r = await db.runAndReadAll('SELECT 1 FROM batches WHERE batch_id = $1', [batchId]);
      return r.currentRowCount > 0;
    },
    backlog: () => queued,
    query,
    analytics: duckdbAnalytics(query),
    async close() {
      if (closed) return;
      closed = true;
      while (running) await running;
      await db.run('CHECKPOINT').catch(() => {});
      db.closeSync();
      instance.closeSync();
    },
  };
}
