// avila-telemetry/analysis — the standalone analysis API (ARCHITECTURE.md §3.2).
// Browsers run bulk analysis in Web Workers; Node and Cloudflare Workers run it inline. The
// runtime is the page's one runtime, shared with the client (src/runtime/shared.ts).
export * from './analysis/index.js';
