import type { Kernels } from '../../kernels/index.js';
import { QualityAccumulator } from '../../analysis/quality-accumulator.js';
import type { MetricPoint } from '../../delivery/encode/otlp.js';
import { metricName, prometheusName, toPrometheusText, type Family } from '../../runtime/prometheus.js';

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricOptions {
  unit?: string;
  description?: string;
  /**
   * Score each series' data quality per export interval (avila-telemetry/analysis's quality()):
   * the exported point gets `quality`, its QualityScore (score 0–100, the four components, counts).
   * The wire format only; OTLP points stay as they are (an attribute would split the series).
   */
  quality?: { expectedIntervalMs: number; range?: [number, number] };
}

interface Series {
  metric: string;
  kind: MetricKind;
  attributes: Record<string, string>;
  // This export interval.
  startTime: number;
  value: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  touched: boolean;
  pending: Float64Array;
  pendingLength: number;
  interval: number; // sketch pointer (histograms)
  // Since start, for the Prometheus exposition.
  total: number;
  totalCount: number;
  totalSum: number;
  totalMin: number;
  totalMax: number;
  cumulative: number; // sketch pointer (histograms)
  quality: QualityAccumulator | null;
}

export interface Instrument {
  kind: MetricKind;
  options: MetricOptions;
  series: Map<string, Series>;
}

export interface MetricsOptions {
  /** Series per metric; further attribute sets go to one overflow series. Default 100. */
  maxSeriesPerMetric: number;
  /** Metric names; values of further names are not kept, and counted in `droppedMetricValues`. Default 1000. */
  maxMetrics?: number;
  /**
   * Histogram values held between sketch updates before they are folded in; and values held
   * while the aggregation loads. Default 65,536.
   */
  maxPending: number;
}

export interface MetricSnapshot {
  metric: string;
  kind: MetricKind;
  unit?: string;
  attributes: Record<string, string>;
  value?: number;
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

const OVERFLOW = { 'otel.metric.overflow': 'true' };
const QS = [0.5, 0.95, 0.99];

/** Keys of frozen attribute objects: callers on hot paths (instrument()) reuse frozen sets. */
const frozenKeys = new WeakMap<object, { key: string; attributes: Record<string, string> }>();

function attributeKey(attrs: Record<string, unknown> | undefined): { key: string; attributes: Record<string, string> } {
  if (!attrs) return { key: '', attributes: {} };
  if (Object.isFrozen(attrs)) {
    let k = frozenKeys.get(attrs);
    if (!k) frozenKeys.set(attrs, (k = computeKey(attrs)));
    return k;
  }
  return computeKey(attrs);
}

function computeKey(attrs: Record<string, unknown>): { key: string; attributes: Record<string, string> } {
  const keys = Object.keys(attrs).sort();
  const attributes: Record<string, string> = {};
  let key = '';
  for (const k of keys) {
    const v = attrs[k];
    if (v === undefined || v === null || k === '__proto__') continue;
    const s = typeof v === 'string' ? v : String(v);
    attributes[k] = s;
    key += `${k}\u0000${s}\u0001`;
  }
  return { key, attributes };
}

/** What a value does to its series: add (counter), set (gauge), record (histogram), or invalid (a refused value, for quality). */
export type MetricOp = 'add' | 'set' | 'record' | 'invalid';

/**
 * Counters, gauges and histograms aggregated per export interval and attribute set — never one
 * event per observation. Histograms keep their values in a DDSketch (1% relative error) built in
 * bulk from a small buffer, so `record()` is an append. Names, kinds and their limits are checked
 * before a value gets here (writers.ts); this aggregation loads
 * with the deferred code (deferred.ts).
 */
export class Metrics {
  private readonly instruments = new Map<string, Instrument>();
  private kernels: Kernels | null = null;
  /** Series beyond maxSeriesPerMetric, folded into the overflow series. */
  overflowed = 0;
  /**
   * Histogram values kept out of the quantile sketches because the kernels were not loaded and
   * the buffer (maxPending per series) was full. Their count, sum, min and max are exact.
   */
  unsketched = 0;

  constructor(
    private readonly options: MetricsOptions,
    private readonly now: () => number,
  ) {}

  /** Kernels became available: pending histogram values can go into sketches. */
  attach(kernels: Kernels): void {
    this.kernels = kernels;
  }

  /** One value of metric `name` (of `kind`, first `options` kept), recorded at time `t`. */
  observe(op: MetricOp, name: string, kind: MetricKind, options: MetricOptions, v: number, attrs: Record<string, unknown> | undefined, t: number): void {
    let inst = this.instruments.get(name);
    if (!inst) this.instruments.set(name, (inst = { kind, options, series: new Map() }));
    const s = this.series(name, inst, attrs, t);
    s.quality?.add(t, op === 'invalid' ? NaN : v);
    if (op === 'invalid') return;
    s.touched = true;
    if (op === 'add') {
      s.value += v;
      s.total += v;
    } else if (op === 'set') {
      s.value = v;
      s.total = v;
    } else this.record(s, v);
  }

  private series(name: string, inst: Instrument, attrs: Record<string, unknown> | undefined, t: number): Series {
    const { key, attributes } = attributeKey(attrs);
    let s = inst.series.get(key);
    if (s) return s;
    if (inst.series.size >= this.options.maxSeriesPerMetric) {
      this.overflowed++;
      const ok = '\u0002overflow';
      s = inst.series.get(ok);
      if (s) return s;
      return this.addSeries(name, inst, ok, OVERFLOW, t);
    }
    return this.addSeries(name, inst, key, attributes, t);
  }

  private addSeries(name: string, inst: Instrument, key: string, attributes: Record<string, string>, t: number): Series {
    const q = inst.options.quality;
    const s: Series = {
      metric: name,
      kind: inst.kind,
      attributes,
      startTime: t,
      value: 0,
      count: 0,
      sum: 0,
      min: Infinity,
      max: -Infinity,
      touched: false,
      pending: new Float64Array(inst.kind === 'histogram' ? 64 : 0),
      pendingLength: 0,
      interval: 0,
      total: 0,
      totalCount: 0,
      totalSum: 0,
      totalMin: Infinity,
      totalMax: -Infinity,
      cumulative: 0,
      quality: q ? new QualityAccumulator(q.expectedIntervalMs, q.range?.[0], q.range?.[1]) : null,
    };
    inst.series.set(key, s);
    return s;
  }

  private record(s: Series, v: number): void {
    let sketched = true;
    if (s.pendingLength === s.pending.length) {
      if (this.kernels) this.fold(s);
      else if (s.pending.length >= this.options.maxPending) sketched = false;
      else {
        const grown = new Float64Array(s.pending.length * 2);
        grown.set(s.pending);
        s.pending = grown;
      }
    }
    // Without kernels (not loaded yet, or blocked by CSP) and a full buffer, the value stays out
    // of the quantile sketch only: count, sum, min and max stay exact.
    if (sketched) s.pending[s.pendingLength++] = v;
    else this.unsketched++;
    s.count++;
    s.sum += v;
    if (v < s.min) s.min = v;
    if (v > s.max) s.max = v;
    s.totalCount++;
    s.totalSum += v;
    if (v < s.totalMin) s.totalMin = v;
    if (v > s.totalMax) s.totalMax = v;
  }

  /** Moves a histogram's buffered values into its sketches (one call into WebAssembly). */
  private fold(s: Series): void {
    const k = this.kernels;
    if (!k || s.pendingLength === 0) return;
    if (s.interval === 0) s.interval = k.sketchCreate(0.01, 2048);
    if (s.cumulative === 0) s.cumulative = k.sketchCreate(0.01, 2048);
    const values = s.pending.subarray(0, s.pendingLength);
    k.sketchAddMany(s.interval, values);
    k.sketchAddMany(s.cumulative, values);
    s.pendingLength = 0;
    if (s.pending.length < 4096) {
      const grown = new Float64Array(Math.min(4096, s.pending.length * 2));
      s.pending = grown;
    }
  }

  /** Points for the interval that ends now, then a new interval starts. */
  collect(): MetricPoint[] {
    const points: MetricPoint[] = [];
    const t = this.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    for (const inst of this.instruments.values()) {
      for (const s of inst.series.values()) {
        if (!s.touched) continue;
        const base = { metric: s.metric, kind: s.kind, ...(inst.options.unit ? { unit: inst.options.unit } : {}), attributes: s.attributes, startTime: iso(s.startTime) };
        if (s.kind === 'histogram') {
          this.fold(s);
          const point: MetricPoint & { sketch?: string } = { ...base, count: s.count, sum: s.sum, min: s.min, max: s.max };
          if (this.kernels && s.interval !== 0) {
            const [p50, p95, p99] = this.kernels.sketchQuantiles(s.interval, QS);
            point.quantiles = { '0.5': p50!, '0.95': p95!, '0.99': p99! };
            point.sketch = base64(this.kernels.sketchSerialize(s.interval));
            this.kernels.sketchFree(s.interval);
            s.interval = 0;
          }
          points.push(point);
          s.count = 0;
          s.sum = 0;
          s.min = Infinity;
          s.max = -Infinity;
        } else {
          points.push({ ...base, value: s.value });
          if (s.kind === 'counter') s.value = 0;
        }
        if (s.quality) {
          points[points.length - 1]!.quality = s.quality.score(t);
          s.quality.interval();
        }
        s.touched = false;
        s.startTime = t;
      }
    }
    return points;
  }

  /** Cumulative values since start, per series. */
  snapshot(): MetricSnapshot[] {
    const out: MetricSnapshot[] = [];
    for (const inst of this.instruments.values()) {
      for (const s of inst.series.values()) {
        const base = { metric: s.metric, kind: s.kind, ...(inst.options.unit ? { unit: inst.options.unit } : {}), attributes: s.attributes };
        if (s.kind !== 'histogram') {
          out.push({ ...base, value: s.total });
          continue;
        }
        this.fold(s);
        const q = this.kernels && s.cumulative !== 0 ? Array.from(this.kernels.sketchQuantiles(s.cumulative, QS)) : [NaN, NaN, NaN];
        out.push({
          ...base,
          count: s.totalCount,
          sum: s.totalSum,
          min: s.totalCount > 0 ? s.totalMin : NaN,
          max: s.totalCount > 0 ? s.totalMax : NaN,
          p50: q[0]!,
          p95: q[1]!,
          p99: q[2]!,
        });
      }
    }
    return out;
  }

  /** Prometheus text exposition of the cumulative values. */
  text(extra: Family[] = []): string {
    const families = new Map<string, Family>();
    for (const m of this.snapshot()) {
      const inst = this.instruments.get(m.metric)!;
      const labels = Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [metricName(k), v]));
      // Base units and unit suffixes as OpenTelemetry's Prometheus exporters write them (ms → _seconds).
      const { name, factor } = prometheusName(m.metric, m.kind, inst.options.unit);
      let f = families.get(name);
      if (!f) {
        f = { name, help: inst.options.description ?? `${m.kind} ${m.metric}${m.unit ? ` (${m.unit})` : ''}`, type: m.kind === 'histogram' ? 'summary' : m.kind, samples: [] };
        families.set(name, f);
      }
      if (m.kind !== 'histogram') {
        f.samples.push({ name, labels, value: m.value! * factor });
        continue;
      }
      for (const [q, v] of [['0.5', m.p50], ['0.95', m.p95], ['0.99', m.p99]] as const) f.samples.push({ name, labels: { ...labels, quantile: q }, value: v! * factor });
      f.samples.push({ name: `${name}_sum`, labels, value: m.sum! * factor }, { name: `${name}_count`, labels, value: m.count! });
    }
    return toPrometheusText([...families.values(), ...extra]);
  }

  dispose(): void {
    for (const inst of this.instruments.values()) {
      for (const s of inst.series.values()) {
        if (s.interval) this.kernels?.sketchFree(s.interval);
        if (s.cumulative) this.kernels?.sketchFree(s.cumulative);
      }
    }
    this.instruments.clear();
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}
