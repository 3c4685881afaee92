// `analysis` on the main entry and `Avila.analysis` on the script tag: the analysis API without
// its bytes. Its asynchronous functions load the on-demand chunk on first call; the synchronous
// ones (QuantileSketch, createDetector, boxCox, …) are there once `await analysis.ready()` has
// resolved — the same rule as for the kernels they need. Both reach the page's one runtime.
import { loadParts } from '../client/load-parts.js';
import type * as Analysis from './index.js';

type AnalysisApi = typeof Analysis;

function lazyAnalysis(): AnalysisApi {
  // Inside: a module-level call would keep this in every app, the ones that never use analysis too.
  const ASYNC = 'ready quantiles summary detectAnomalies kmeans predict silhouette elbow arima autoArima runtimeHealth runtimeMetrics runtimeMetricsText'.split(' ');
  let api: Record<string, (...a: unknown[]) => unknown> | null = null;
  const load = () => loadParts().then((p) => (api = p.analysis as never));
  return new Proxy({} as AnalysisApi, {
    get: (_, key) =>
      typeof key !== 'string' || key === 'then' // not a thenable
        ? undefined
        : api
          ? api[key]
          : ASYNC.includes(key)
            ? (...args: unknown[]) => (api ? Promise.resolve() : load()).then(() => api![key]!(...args))
            : () => {
                throw new TypeError(`analysis.${key} is there once the analysis code has loaded: \`await analysis.ready()\` first`);
              },
  });
}

export const analysis: AnalysisApi = /* @__PURE__ */ lazyAnalysis();
