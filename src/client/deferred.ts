// The code the client defers to first use, as one small chunk (dist/deferred.min.mjs beside the
// script tag, a chunk of the app's bundle otherwise): the aggregation of metric values (with its
// sketches, Prometheus text and quality scores), fetched on the first value recorded, the rules'
// wiring, spans' records (built when they end), and autocapture, fetched as the client starts
// when init() asks for it. Reached
// through load-deferred.ts; the heavy on-demand code (the worker runtime, analysis) is
// on-demand.ts.
export { Metrics } from './instruments/metrics.js';
export { installAutocapture } from './autocapture/autocapture.js';
export { Rules } from './rules.js';
export { spanRecord } from './span-record.js';
