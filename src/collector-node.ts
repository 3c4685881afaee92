// avila-telemetry/collector/node: what the collector needs of Node — the DuckDB store (embedded,
// file-backed; @duckdb/node-api is an optional peer dependency) and the HTTP server.
export { duckdbStore, DUCKDB_SCHEMA, type DuckDBStore, type DuckDBStoreOptions } from './collector/duckdb.js';
export { send as sendNodeResponse, serveCollector, toRequest as nodeRequest, type RunningCollector, type ServeOptions } from './collector/node.js';
export * from './collector.js';
