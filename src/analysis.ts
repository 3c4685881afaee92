// avila-telemetry/analysis — the standalone analysis API (README: Analysis API; docs/runtime.md).
// Browsers run bulk analysis in Web Workers; Node and Cloudflare Workers run it inline. The
// runtime is the page's one runtime, shared with the client (src/runtime/shared.ts).
export * from './analysis/index.js';
