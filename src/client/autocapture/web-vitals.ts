// Web Vitals capture, loaded on demand: web-vitals registers buffered PerformanceObservers, so
// LCP, FCP, TTFB, CLS and INP that happened before it arrived are still reported.
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';
import type { AutocaptureHooks } from './autocapture.js';

export function observeWebVitals(hooks: Pick<AutocaptureHooks, 'record' | 'track'>): void {
  const report = (m: Metric) => {
    hooks.record(`web_vitals.${m.name.toLowerCase()}`, m.name === 'CLS' ? '1' : 'ms', m.value, { rating: m.rating });
    hooks.track('$web_vitals', { name: m.name, value: m.value, rating: m.rating, id: m.id, navigationType: m.navigationType });
  };
  // web-vitals' callbacks cannot be removed; they report each metric once per page (CLS/INP on hide).
  for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report);
}
