// counter(), gauge(), histogram() and timer(): validate once per instrument, then each value;
// a bad name gives an instrument that does nothing (counted and reported), never a throw.
import { sanitizeName, type SanitizeLimits, type SanitizeReport } from '../sanitize.js';
import type { ClientDiagnostics, Counter, DeliveryPort, Gauge, Histogram } from '../types.js';
import type { MetricKind, MetricOp, MetricOptions } from './metrics.js';
import type { MetricDef, Recording } from './recording.js';

export interface InstrumentDeps {
  metrics: Recording;
  limits: SanitizeLimits;
  report: SanitizeReport;
  diag: ClientDiagnostics;
  delivery: DeliveryPort;
  fail: (e: unknown) => void;
  /** Called on every histogram value: the first one starts loading the kernels (sketches). */
  onHistogram: () => void;
}

export interface Instruments {
  counter(name: string, options?: MetricOptions): Counter;
  gauge(name: string, options?: MetricOptions): Gauge;
  histogram(name: string, options?: MetricOptions): Histogram;
  timer<T>(name: string, fn: () => T): T;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function createInstruments(d: InstrumentDeps): Instruments {
  const finite = (v: unknown, what: string): number | null => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    d.diag.invalid++;
    d.delivery.countDrop('invalid');
    d.fail(new TypeError(`${what} must be a finite number, got ${String(v)}`));
    return null;
  };

  const instrument = (kind: MetricKind, verb: string, name: unknown, options: MetricOptions | undefined, op: MetricOp, after?: () => void) => {
    const metric = sanitizeName(name, d.limits, d.report);
    if (metric === null) {
      d.diag.invalid++;
      d.fail(new TypeError(`${kind}(name): name must be a non-empty string, got a ${typeof name}`));
      return () => {};
    }
    let def: MetricDef | null;
    const q = options?.quality;
    if (q !== undefined && !(q && q.expectedIntervalMs > 0 && (!q.range || q.range[0] <= q.range[1]))) {
      d.fail(new TypeError(`${kind}('${metric}'): options.quality needs expectedIntervalMs > 0 and range [min ≤ max]; kept without it`));
      const { quality: _, ...rest } = options!;
      options = rest;
    }
    try {
      def = d.metrics.instrument(metric, kind, options);
    } catch (e) {
      d.fail(e);
      return () => {};
    }
    if (!def) {
      // Over metrics.maxMetrics names: this one keeps nothing; its values are counted.
      return () => void d.metrics.droppedMetricValues++;
    }
    const live = def;
    return (value: unknown, attrs?: Record<string, unknown>) => {
      try {
        const v = finite(value, `${kind}('${metric}').${verb}()`);
        d.metrics.write(v === null ? 'invalid' : op, live, v ?? NaN, attrs);
        if (v !== null) after?.();
      } catch (e) {
        d.fail(e);
      }
    };
  };

  const histogram = (name: string, options?: MetricOptions): Histogram => ({
    record: instrument('histogram', 'record', name, options, 'record', d.onHistogram),
  });

  return {
    counter(name, options) {
      const add = instrument('counter', 'add', name, options, 'add');
      return { add: (n: number = 1, attrs?: Record<string, unknown>) => add(n, attrs) };
    },
    gauge: (name, options) => ({ set: instrument('gauge', 'set', name, options, 'set') }),
    histogram,
    timer<T>(name: string, fn: () => T): T {
      const h = histogram(name, { unit: 'ms' });
      const t0 = now();
      const done = () => h.record(now() - t0);
      const out = fn(); // the host's function: its exceptions are its own
      if (out && typeof (out as { then?: unknown }).then === 'function') {
        (out as unknown as Promise<unknown>).then(done, done);
      } else done();
      return out;
    },
  };
}
