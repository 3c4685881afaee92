// avila-telemetry/edge — Cloudflare Workers / Node entry: no DOM, no Worker threads, no IndexedDB.
// Kernels run inline; pass the Module from `import wasm from 'avila-telemetry/kernels.wasm'`.
import * as analysis from './analysis/index.js';

export { analysis };
export const version: string = __AVILA_VERSION__;
