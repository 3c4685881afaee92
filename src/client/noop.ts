import { emptyDeliveryStats } from '../delivery/delivery.js';
import { emptyStatus } from './slo/status.js';
import { noopSpan } from './spans.js';
import type { Client, ClientDiagnostics } from './types.js';

/** Diagnostics before anything happened. */
export const noDiagnostics = (): ClientDiagnostics => ({ errors: 0, sanitized: 0, invalid: 0, sampled: 0, noConsent: 0, pendingDropped: 0, unsketched: 0, refusedMetrics: 0, droppedMetricValues: 0, droppedSpans: 0 });

/** What init() returns when it cannot start: the same API, doing nothing. */
export function noopClient(): Client {
  const span = noopSpan();
  const none = () => {};
  const resolved = () => Promise.resolve();
  return {
    track: none,
    page: none,
    identify: none,
    register: none,
    reset: none,
    counter: () => ({ add: none }),
    gauge: () => ({ set: none }),
    histogram: () => ({ record: none }),
    timer: (_name, fn) => fn(),
    startSpan: () => span,
    injectTraceHeaders: (h) => h,
    watch: () => none,
    alert: () => none,
    slo: () => () => emptyStatus('', 0),
    forecast: () => Promise.resolve(null),
    on: () => none,
    metricsText: () => '',
    metricsSnapshot: () => [],
    health: () => null,
    runtimeMetrics: () => null,
    deliveryStats: () => Promise.resolve(emptyDeliveryStats()),
    diagnostics: noDiagnostics,
    consent: none,
    optOut: none,
    forget: resolved,
    flush: resolved,
    shutdown: resolved,
    ready: Promise.resolve(),
    anonymousId: '',
    sessionId: null,
  };
}
