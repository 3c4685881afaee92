// The data quality of collected metric series (the SDK's `metric` events): the analysis API's
// quality() definitions (src/analysis/quality.ts) per attribute set, in the order the collector
// received the points.
import { QualityAccumulator, qualityOptions } from '../../analysis/quality.js';
import { AnalyticsInputError, parseRange, query, show, type QualityResult, type Range } from './query.js';

/** One collected metric point: its time, arrival, value (counters and gauges: value; histograms: sum / count) and attributes as JSON. */
export interface MetricPointRow {
  t: number;
  received: number;
  value: number;
  attributes: string;
}

export interface ParsedQuality extends Range {
  metric: string;
  expectedIntervalMs: number;
  min: number;
  max: number;
  now: number;
}

export function parseQuality(v: unknown): ParsedQuality {
  const q = query(v, 'quality');
  if (typeof q.metric !== 'string' || q.metric.length === 0 || q.metric.length > 200) throw new AnalyticsInputError('metric', `must be a metric name, got ${show(q.metric)}`);
  let o;
  try {
    o = qualityOptions({ expectedIntervalMs: q.expectedIntervalMs, ...(q.range === undefined ? {} : { range: q.range }) }, 'query');
  } catch (e) {
    const m = /^query\.(\S+) (.*)$/s.exec((e as Error).message);
    throw m ? new AnalyticsInputError(m[1]!, m[2]!) : e;
  }
  const now = q.now === undefined ? Date.now() : typeof q.now === 'number' ? q.now : typeof q.now === 'string' ? Date.parse(q.now) : NaN;
  if (!Number.isFinite(now)) throw new AnalyticsInputError('now', `must be an ISO 8601 date or ms since the epoch, got ${show(q.now)}`);
  return { ...parseRange(q), metric: q.metric, ...o, now };
}

/** Points in [from, to) grouped by attribute set, each scored in arrival order (ties: by time). */
export function seriesQuality(points: MetricPointRow[], q: ParsedQuality): QualityResult {
  const groups = new Map<string, MetricPointRow[]>();
  for (const p of points) {
    if (p.t < q.from || p.t >= q.to) continue;
    let g = groups.get(p.attributes);
    if (!g) groups.set(p.attributes, (g = []));
    g.push(p);
  }
  const series = [...groups].map(([attributes, list]) => {
    list.sort((a, b) => a.received - b.received || a.t - b.t);
    const acc = new QualityAccumulator(q.expectedIntervalMs, q.min, q.max);
    for (const p of list) acc.add(p.t, p.value);
    return { attributes: JSON.parse(attributes) as Record<string, string>, ...acc.score(q.now) };
  });
  series.sort((a, b) => b.points - a.points || (JSON.stringify(a.attributes) < JSON.stringify(b.attributes) ? -1 : 1));
  return { metric: q.metric, series };
}

/** A `metric` event's point: value, or for histograms sum / count (NaN when count is 0); attributes as canonical JSON (sorted keys). */
export function metricPoint(e: { timestamp: string; receivedAt: string; properties: Record<string, unknown> }): MetricPointRow {
  const p = e.properties;
  const value = typeof p.value === 'number' ? p.value : typeof p.sum === 'number' && typeof p.count === 'number' && p.count > 0 ? p.sum / p.count : NaN;
  const attrs = typeof p.attributes === 'object' && p.attributes !== null ? (p.attributes as Record<string, unknown>) : {};
  return { t: Date.parse(e.timestamp), received: Date.parse(e.receivedAt), value, attributes: JSON.stringify(Object.fromEntries(Object.entries(attrs).sort(([a], [b]) => (a < b ? -1 : 1)))) };
}
