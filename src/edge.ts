// avila-telemetry/edge — Cloudflare Workers / Node entry: no DOM, no Worker threads, no IndexedDB.
// Kernels run inline; pass the Module from `import wasm from 'avila-telemetry/kernels.wasm'`.
import * as analysis from './analysis/index.js';

export { analysis };
export { instrument, EDGE_METRICS, type InstrumentOptions, type WorkerModule } from './edge/instrument.js';
export { createEdgeClient, type EdgeClient, type EdgeClientConfig, type WaitUntil } from './edge/client.js';
export { toNodeListener, type NodeRequest, type NodeResponse } from './edge/node.js';
export { RouteNormalizer, OTHER_ROUTE, type RouteOptions } from './edge/routes.js';
export type { AdminOptions } from './edge/admin.js';
export type * from './client/index.js';
export type { WireEvent, Batch, DropReason } from './delivery/types.js';
export const version: string = __AVILA_VERSION__;
