// counter(), gauge(), histogram() and timer() in the page's first script: a name is checked at
// once (a bad one gives an instrument that does nothing, counted and reported, never a throw);
// each value goes, with its time, to the deferred code (writers.ts), which checks it and
// aggregates it — at once when that code is there, else held in order until it arrives.
import { sanitizeName, type SanitizeLimits, type SanitizeReport } from '../sanitize.js';
import type { ClientDiagnostics, Counter, Gauge, Histogram } from '../types.js';
import type { MetricKind, MetricOptions } from './metrics.js';
import type { MetricWriter } from './writers.js';

export interface InstrumentDeps {
  limits: SanitizeLimits;
  report: SanitizeReport;
  diag: ClientDiagnostics;
  now: () => number;
  fail: (e: unknown) => void;
  /** The deferred code's writer for a metric, once it is there (else null). */
  writer: () => ((kind: MetricKind, verb: string, metric: string, options: MetricOptions | undefined) => MetricWriter) | null;
  /** Runs `f` when the deferred code is there, in order; false when too much waits already. */
  later: (f: () => void) => boolean;
}

export interface Instruments {
  counter(name: string, options?: MetricOptions): Counter;
  gauge(name: string, options?: MetricOptions): Gauge;
  histogram(name: string, options?: MetricOptions): Histogram;
  timer<T>(name: string, fn: () => T): T;
}

const elapsed = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function createInstruments(d: InstrumentDeps): Instruments {
  const instrument = (kind: MetricKind, verb: string, name: unknown, options: MetricOptions | undefined) => {
    const metric = sanitizeName(name, d.limits, d.report);
    if (metric === null) {
      d.diag.invalid++;
      d.fail(new TypeError(`${kind}(name): name must be a non-empty string, got a ${typeof name}`));
      return () => {};
    }
    // Its kind and options are checked now if the deferred code is there, else with its first value.
    const writer = () => d.writer()?.(kind, verb, metric, options) ?? null;
    let w = writer();
    const write = (value: unknown, attrs: Record<string, unknown> | undefined, t: number) => (w ??= writer()!)(value, attrs, t);
    return (value: unknown, attrs?: Record<string, unknown>) => {
      try {
        const t = d.now();
        if (d.writer()) return write(value, attrs, t);
        // A copy: the caller may change its attributes object before the deferred code arrives.
        const a = attrs && typeof attrs === 'object' && !Object.isFrozen(attrs) ? { ...attrs } : attrs;
        if (!d.later(() => write(value, a, t))) d.diag.droppedMetricValues++;
      } catch (e) {
        d.fail(e);
      }
    };
  };

  const histogram = (name: string, options?: MetricOptions): Histogram => ({ record: instrument('histogram', 'record', name, options) });

  return {
    counter(name, options) {
      const add = instrument('counter', 'add', name, options);
      return { add: (n: number = 1, attrs?: Record<string, unknown>) => add(n, attrs) };
    },
    gauge: (name, options) => ({ set: instrument('gauge', 'set', name, options) }),
    histogram,
    timer<T>(name: string, fn: () => T): T {
      const h = histogram(name, { unit: 'ms' });
      const t0 = elapsed();
      const done = () => h.record(elapsed() - t0);
      const out = fn(); // the host's function: its exceptions are its own
      if (out && typeof (out as { then?: unknown }).then === 'function') {
        (out as unknown as Promise<unknown>).then(done, done);
      } else done();
      return out;
    },
  };
}
