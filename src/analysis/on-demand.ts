// `analysis` on the main entry and `Avila.analysis` on the script tag: the analysis API without
// its bytes. Its asynchronous functions load the on-demand chunk on first call; the synchronous
// ones (QuantileSketch, createDetector, boxCox, …) are there once `await analysis.ready()` has
// resolved — the same rule as for the kernels they need. Both reach the page's one runtime.
import { loadParts } from '../client/load-parts.js';
import type * as Analysis from './index.js';

type AnalysisApi = typeof Analysis;

const ASYNC = ['ready', 'quantiles', 'summary', 'detectAnomalies', 'kmeans', 'predict', 'silhouette', 'elbow', 'arima', 'autoArima', 'runtimeHealth', 'runtimeMetrics', 'runtimeMetricsText'] as const;

function lazyAnalysis(): AnalysisApi {
  let api: AnalysisApi | null = null;
  const load = () => loadParts().then((p) => (api = p.analysis));
  const calls: Record<string, unknown> = {};
  for (const name of ASYNC) {
    calls[name] = (...args: unknown[]) => (api ? Promise.resolve() : load()).then(() => (api![name] as (...a: unknown[]) => unknown)(...args));
  }
  const notYet = (name: string) =>
    function () {
      throw new TypeError(`analysis.${name} is available once the analysis code has loaded: \`await analysis.ready()\` first`);
    };
  return new Proxy(calls, {
    get(target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined; // not a thenable
      if (api && key in api) return (api as unknown as Record<string, unknown>)[key];
      return key in target ? target[key] : notYet(key);
    },
  }) as unknown as AnalysisApi;
}

export const analysis: AnalysisApi = /* @__PURE__ */ lazyAnalysis();
