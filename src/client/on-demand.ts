// The code a page loads on first use, as one chunk (dist/on-demand.mjs): the worker runtime and
// the page's shared runtime, streaming detectors, alert rules, SLOs, forecasts, Web Vitals and
// the analysis API. The client's core (the script tag, the ESM entry) reaches it through
// load-parts.ts; nothing here runs before it is asked for.
import * as analysis from '../analysis/index.js';
import { acquireRuntime, releaseRuntime } from '../runtime/shared.js';
import { webWorkers } from '../runtime/workers.js';
import { AlertRule } from './alerts/alert-rule.js';
import { observeWebVitals } from './autocapture/web-vitals.js';
import { forecastMetric } from './forecast/forecast.js';
import { Slo } from './slo/slo.js';
import { Watcher } from './watch/watcher.js';
import { otlpBodies } from '../delivery/encode/otlp-bodies.js';

export { acquireRuntime, releaseRuntime, webWorkers, AlertRule, Slo, Watcher, forecastMetric, observeWebVitals, analysis, otlpBodies };

export interface OnDemandParts {
  acquireRuntime: typeof acquireRuntime;
  releaseRuntime: typeof releaseRuntime;
  webWorkers: typeof webWorkers;
  AlertRule: typeof AlertRule;
  Slo: typeof Slo;
  Watcher: typeof Watcher;
  forecastMetric: typeof forecastMetric;
  observeWebVitals: typeof observeWebVitals;
  analysis: typeof analysis;
  otlpBodies: typeof otlpBodies;
}
