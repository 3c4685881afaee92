// What a metric value goes through once the deferred code is there (instruments.ts hands each
// one over with its time): the metric's name and kind are accepted once (kinds never change,
// metrics.maxMetrics names at most), its options checked once, each value checked (a finite
// number, attributes an object), then aggregated (metrics.ts) and passed to the rules fed by it.
import type { ClientDiagnostics } from '../types.js';
import type { MetricKind, MetricOp, MetricOptions, Metrics } from './metrics.js';

/** Writes one value (given by user code: checked here) of a metric, recorded at `t`. */
export type MetricWriter = (value: unknown, attrs: Record<string, unknown> | undefined, t: number) => void;

export interface WriterDeps {
  agg: Metrics;
  maxMetrics: number;
  diag: ClientDiagnostics;
  fail: (e: unknown) => void;
  /** An invalid value, counted with the drops reported to the collector. */
  invalid: () => void;
  /** Every accepted value, in order, with its time (the rules fed by it). */
  onValue: (metric: string, value: number, time: number) => void;
  /** A histogram value: sketches need the kernels. */
  onHistogram: () => void;
}

const OPS: Record<MetricKind, MetricOp> = { counter: 'add', gauge: 'set', histogram: 'record' };

export function metricWriters(d: WriterDeps) {
  const kinds = new Map<string, { kind: MetricKind; options: MetricOptions }>();
  const nothing: MetricWriter = () => {};
  return (kind: MetricKind, verb: string, metric: string, given: MetricOptions | undefined): MetricWriter => {
    let options = given ?? {};
    const q = options.quality;
    if (q !== undefined && !(q && q.expectedIntervalMs > 0 && (!q.range || q.range[0] <= q.range[1]))) {
      d.fail(new TypeError(`${kind}('${metric}'): options.quality needs expectedIntervalMs > 0 and range [min ≤ max]; kept without it`));
      const { quality: _, ...rest } = options;
      options = rest;
    }
    let def = kinds.get(metric);
    if (def && def.kind !== kind) {
      d.fail(new TypeError(`metric '${metric}' is a ${def.kind}, not a ${kind}`));
      return nothing;
    }
    if (!def) {
      if (kinds.size >= d.maxMetrics) {
        // Over metrics.maxMetrics names: this one keeps nothing; its values are counted.
        d.diag.refusedMetrics++;
        return () => void d.diag.droppedMetricValues++;
      }
      kinds.set(metric, (def = { kind, options }));
    }
    const live = def;
    const op = OPS[kind];
    return (value, attrs, t) => {
      const finite = typeof value === 'number' && Number.isFinite(value);
      if (!finite) {
        d.diag.invalid++;
        d.invalid();
        d.fail(new TypeError(`${kind}('${metric}').${verb}() must be a finite number, got ${String(value)}`));
      }
      if (attrs !== undefined && attrs !== null && typeof attrs !== 'object') throw new TypeError(`${metric}: attributes must be an object, got a ${typeof attrs}`);
      if (!finite) {
        // A refused value counts against the series' quality, where it is scored.
        if (live.options.quality) d.agg.observe('invalid', metric, kind, live.options, NaN, attrs, t);
        return;
      }
      d.agg.observe(op, metric, kind, live.options, value as number, attrs, t);
      d.onValue(metric, value as number, t);
      if (kind === 'histogram') d.onHistogram();
    };
  };
}
