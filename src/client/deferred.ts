// The code the client defers to first use, as one small chunk (dist/deferred.min.mjs beside the
// script tag, a chunk of the app's bundle otherwise): the aggregation of metric values (with its
// sketches, Prometheus text and quality scores), fetched on the first value recorded, and the rest
// of the client that can wait (extras.ts: the rules' wiring, forecasts, autocapture, spans'
// records, the link to the on-demand code), fetched on its first use — at start when init() asks
// for autocapture. Reached through load-deferred.ts; the heavy on-demand code (the worker
// runtime, analysis) is on-demand.ts.
export { clientExtras } from './extras.js';
