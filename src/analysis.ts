// avila-telemetry/analysis — the standalone analysis API (ARCHITECTURE.md §3.2).
// Browsers run bulk analysis in Web Workers; Node and Cloudflare Workers run it inline.
import { useWorkers } from './analysis/runtime.js';
import { webWorkers } from './runtime/workers.js';

useWorkers(webWorkers);

export * from './analysis/index.js';
