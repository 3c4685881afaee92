// OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): events as
// log records, aggregated metrics as metrics (histograms as summaries with quantiles: a DDSketch's
// logarithmic buckets do not line up with OTLP's base-2 exponential buckets), spans as traces.
// Times are nanoseconds as decimal strings; trace and span ids are lowercase hex.

import { SDK, type WireEvent } from '../types.js';

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } };
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpResource {
  serviceName: string;
  serviceVersion?: string | undefined;
  environment?: string | undefined;
}

function anyValue(v: unknown, depth = 0): AnyValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v) && depth < 8) return { arrayValue: { values: v.map((x) => anyValue(x, depth + 1)) } };
  if (v && typeof v === 'object' && depth < 8) return { kvlistValue: { values: attributes(v as Record<string, unknown>, depth + 1) } };
  return { stringValue: v === null || v === undefined ? '' : String(v) };
}

function attributes(o: Record<string, unknown>, depth = 0): KeyValue[] {
  const out: KeyValue[] = [];
  for (const [key, value] of Object.entries(o)) if (value !== undefined && value !== null) out.push({ key, value: anyValue(value, depth) });
  return out;
}

export function nanos(iso: string | number): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  // Exact decimal: ms → ns by appending six digits (no float overflow).
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return `${whole}${String(frac).padStart(6, '0')}`;
}

function resource(r: OtlpResource) {
  return {
    attributes: attributes({
      'service.name': r.serviceName,
      'service.version': r.serviceVersion,
      'deployment.environment': r.environment,
      'telemetry.sdk.name': SDK.name,
      'telemetry.sdk.version': SDK.version,
      'telemetry.sdk.language': 'webjs',
    }),
  };
}

const scope = { name: SDK.name, version: SDK.version };

export function encodeOtlpLogs(events: WireEvent[], r: OtlpResource): string {
  const logRecords = events.map((e) => {
    const level = e.type === 'error' ? { severityNumber: 17, severityText: 'ERROR' } : e.type === 'anomaly' || e.type === 'alert' ? { severityNumber: 13, severityText: 'WARN' } : { severityNumber: 9, severityText: 'INFO' };
    return {
      timeUnixNano: nanos(e.timestamp),
      observedTimeUnixNano: nanos(e.timestamp),
      ...level,
      body: { stringValue: e.name },
      attributes: attributes({
        'event.id': e.id,
        'event.type': e.type,
        'event.name': e.name,
        'session.id': e.sessionId,
        'user.id': e.userId ?? undefined,
        'avila.anonymous_id': e.anonymousId,
        'url.full': e.context?.page?.url,
        'user_agent.original': e.context?.userAgent,
        ...Object.fromEntries(Object.entries(e.properties).map(([k, v]) => [`avila.property.${k}`, v])),
      }),
      ...(e.traceId ? { traceId: e.traceId } : {}),
      ...(e.spanId ? { spanId: e.spanId } : {}),
    };
  });
  return JSON.stringify({ resourceLogs: [{ resource: resource(r), scopeLogs: [{ scope, logRecords }] }] });
}

/** Properties of a `metric` event (client/metrics): one aggregated point of one series. */
export interface MetricPoint {
  metric: string;
  kind: 'counter' | 'gauge' | 'histogram';
  unit?: string;
  attributes: Record<string, string>;
  startTime: string;
  value?: number;
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  quantiles?: Record<string, number>;
  /** MetricOptions.quality's score of the interval (wire format only). */
  quality?: import('../../analysis/quality-accumulator.js').QualityScore;
}

export function encodeOtlpMetrics(events: WireEvent[], r: OtlpResource): string {
  const byName = new Map<string, { kind: MetricPoint['kind']; unit: string; points: unknown[] }>();
  for (const e of events) {
    const p = e.properties as unknown as MetricPoint;
    const entry = byName.get(p.metric) ?? { kind: p.kind, unit: p.unit ?? '', points: [] };
    byName.set(p.metric, entry);
    const base = { attributes: attributes(p.attributes), startTimeUnixNano: nanos(p.startTime), timeUnixNano: nanos(e.timestamp) };
    if (p.kind === 'histogram') {
      entry.points.push({
        ...base,
        count: String(p.count ?? 0),
        sum: p.sum ?? 0,
        quantileValues: [
          ...(p.min !== undefined ? [{ quantile: 0, value: p.min }] : []),
          ...Object.entries(p.quantiles ?? {}).map(([q, value]) => ({ quantile: Number(q), value })),
          ...(p.max !== undefined ? [{ quantile: 1, value: p.max }] : []),
        ],
      });
    } else {
      entry.points.push({ ...base, asDouble: p.value ?? 0 });
    }
  }
  const metrics = [...byName.entries()].map(([name, m]) => {
    const common = { name, unit: m.unit, description: '' };
    if (m.kind === 'counter') return { ...common, sum: { dataPoints: m.points, aggregationTemporality: 1, isMonotonic: true } };
    if (m.kind === 'gauge') return { ...common, gauge: { dataPoints: m.points } };
    return { ...common, summary: { dataPoints: m.points } };
  });
  return JSON.stringify({ resourceMetrics: [{ resource: resource(r), scopeMetrics: [{ scope, metrics }] }] });
}

/** Properties of a `span` event (client/spans). */
export interface SpanRecord {
  parentSpanId?: string;
  kind?: number;
  startTime: string;
  endTime: string;
  attributes: Record<string, unknown>;
  events: { name: string; time: string; attributes?: Record<string, unknown> }[];
  status: { code: 0 | 1 | 2; message?: string };
}

export function encodeOtlpTraces(events: WireEvent[], r: OtlpResource): string {
  const spans = events.map((e) => {
    const s = e.properties as unknown as SpanRecord;
    return {
      traceId: e.traceId,
      spanId: e.spanId,
      ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
      name: e.name,
      kind: s.kind ?? 1,
      startTimeUnixNano: nanos(s.startTime),
      endTimeUnixNano: nanos(s.endTime),
      attributes: attributes({ ...s.attributes, 'session.id': e.sessionId, 'event.id': e.id }),
      events: s.events.map((x) => ({ name: x.name, timeUnixNano: nanos(x.time), attributes: attributes(x.attributes ?? {}) })),
      status: { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) },
    };
  });
  return JSON.stringify({ resourceSpans: [{ resource: resource(r), scopeSpans: [{ scope, spans }] }] });
}
