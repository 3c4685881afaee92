// OTLP/HTTP requests (traces, logs, metrics; JSON or protobuf) as the collector's events, so that
// any OpenTelemetry SDK can use the collector as its endpoint.
//
// JSON follows the OTLP JSON mapping (ids in hex, 64-bit integers as strings); protobuf bodies are
// decoded by proto.js, generated from the official protos. Both become the same plain shapes here.
// Ids: a record that carries `event.id` (the SDK's own OTLP output) keeps it, so an event sent both
// ways is stored once; a span is `traceId-spanId`; any other record gets a SHA-256 of its content,
// so a retried request is stored once (two records identical in every field and timestamp are
// stored once too — documented in docs/collector.md).
import type { StoredEvent } from '../types.js';
import { InvalidBatch } from '../validate.js';
import { opentelemetry } from './proto.js';

export type OtlpSignal = 'traces' | 'logs' | 'metrics';

type Any = Record<string, unknown>;
const isObject = (v: unknown): v is Any => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** bytes (protobuf) or a hex string (JSON) → lower-case hex; '' when absent or all zero. */
function hexId(v: unknown): string {
  let hex = '';
  if (v instanceof Uint8Array) for (const b of v) hex += b.toString(16).padStart(2, '0');
  else if (typeof v === 'string') hex = v.toLowerCase();
  return /^[0-9a-f]+$/.test(hex) && !/^0+$/.test(hex) ? hex : '';
}

/** A 64-bit integer as protobuf (number or Long) or JSON (string or number) gives it. */
function int64(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  if (isObject(v) && typeof v.toString === 'function' && 'low' in v) return Number(String(v));
  return 0;
}

/**
 * Nanoseconds since the epoch → ISO 8601, to the nearest millisecond (protobuf's uint64 arrives as
 * a double here, exact to ~256 ns), or null when absent.
 */
function nanosToIso(v: unknown): string | null {
  let ms: number;
  if (typeof v === 'string' && /^\d+$/.test(v)) ms = Number((BigInt(v) + 500_000n) / 1_000_000n);
  else ms = Math.round(int64(v) / 1e6);
  if (!(ms > 0) || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** An AnyValue as plain JSON. */
function anyValue(v: unknown, depth = 0): unknown {
  if (!isObject(v) || depth > 16) return null;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined && v.intValue !== null) return int64(v.intValue);
  if (typeof v.doubleValue === 'number') return v.doubleValue;
  if (isObject(v.arrayValue)) return list(v.arrayValue.values).map((x) => anyValue(x, depth + 1));
  if (isObject(v.kvlistValue)) return keyValues(v.kvlistValue.values, depth + 1);
  if (v.bytesValue instanceof Uint8Array) return btoa(String.fromCharCode(...v.bytesValue));
  if (typeof v.bytesValue === 'string') return v.bytesValue;
  return null;
}

function keyValues(v: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(v)) if (isObject(kv) && typeof kv.key === 'string' && kv.key !== '__proto__') out[kv.key] = anyValue(kv.value, depth);
  return out;
}

const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : typeof v === 'number' ? String(v) : null);
const ID = /^[0-9A-Za-z._:-]{1,128}$/;

async function sha256(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(value)));
  let hex = '';
  for (const b of new Uint8Array(digest).subarray(0, 16)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Parses a request body of one signal into its plain object (JSON or protobuf). */
export function decodeOtlp(signal: OtlpSignal, body: Uint8Array, contentType: string): Any {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') {
    const service = opentelemetry.proto.collector;
    const message = signal === 'traces' ? service.trace.v1.ExportTraceServiceRequest : signal === 'logs' ? service.logs.v1.ExportLogsServiceRequest : service.metrics.v1.ExportMetricsServiceRequest;
    try {
      return message.decode(body) as Any;
    } catch (e) {
      throw new InvalidBatch('body', `is not a valid OTLP protobuf ${signal} request (${(e as Error).message})`);
    }
  }
  if (type !== 'application/json') throw new InvalidBatch('content-type', `must be application/json or application/x-protobuf for OTLP, got ${JSON.stringify(type)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (e) {
    throw new InvalidBatch('body', `is not JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) throw new InvalidBatch('body', 'must be an OTLP export request object');
  return parsed;
}

interface Draft extends Omit<StoredEvent, 'id'> {
  id: string | null;
}

/** The events of one decoded OTLP request. */
export async function otlpEvents(signal: OtlpSignal, request: Any, app: string, receivedAt: string, batchId: string): Promise<StoredEvent[]> {
  const drafts: Draft[] = [];
  const base = (resource: Record<string, unknown>) => ({ app, receivedAt, batchId, anonymousId: null, context: Object.keys(resource).length ? { resource } : null });
  if (signal === 'traces') {
    for (const rs of list(request.resourceSpans)) {
      if (!isObject(rs)) continue;
      const resource = keyValues(isObject(rs.resource) ? rs.resource.attributes : []);
      for (const ss of list(rs.scopeSpans)) {
        if (!isObject(ss)) continue;
        const scope = isObject(ss.scope) ? text(ss.scope.name, 256) : null;
        for (const s of list(ss.spans)) {
          if (!isObject(s)) continue;
          const attributes = keyValues(s.attributes);
          const traceId = hexId(s.traceId);
          const spanId = hexId(s.spanId);
          const own = attributes['event.id'];
          delete attributes['event.id'];
          const session = attributes['session.id'];
          delete attributes['session.id'];
          const start = nanosToIso(s.startTimeUnixNano);
          const end = nanosToIso(s.endTimeUnixNano);
          const status = isObject(s.status) ? { code: int64(s.status.code), ...(typeof s.status.message === 'string' && s.status.message ? { message: s.status.message } : {}) } : { code: 0 };
          drafts.push({
            ...base(resource),
            id: typeof own === 'string' && ID.test(own) ? own : traceId.length === 32 && spanId.length === 16 ? `${traceId}-${spanId}` : null,
            type: 'span',
            name: text(s.name, 1024) ?? 'span',
            timestamp: end ?? start ?? receivedAt,
            sessionId: typeof session === 'string' && ID.test(session) ? session : null,
            userId: null,
            traceId: traceId.length === 32 ? traceId : null,
            spanId: spanId.length === 16 ? spanId : null,
            properties: {
              parentSpanId: hexId(s.parentSpanId) || undefined,
              kind: int64(s.kind),
              startTime: start,
              endTime: end,
              attributes,
              events: list(s.events).filter(isObject).map((ev) => ({ name: text(ev.name, 1024) ?? '', time: nanosToIso(ev.timeUnixNano), attributes: keyValues(ev.attributes) })),
              status,
              ...(scope ? { scope } : {}),
            },
          });
        }
      }
    }
  } else if (signal === 'logs') {
    for (const rl of list(request.resourceLogs)) {
      if (!isObject(rl)) continue;
      const resource = keyValues(isObject(rl.resource) ? rl.resource.attributes : []);
      for (const sl of list(rl.scopeLogs)) {
        if (!isObject(sl)) continue;
        for (const r of list(sl.logRecords)) {
          if (!isObject(r)) continue;
          const attributes = keyValues(r.attributes);
          const take = (key: string) => {
            const v = attributes[key];
            delete attributes[key];
            return v;
          };
          const own = take('event.id');
          const type = take('event.type');
          const name = take('event.name');
          const session = take('session.id');
          const user = take('user.id');
          const anonymous = take('avila.anonymous_id');
          // The SDK's own events: their properties come back from avila.property.*.
          const properties: Record<string, unknown> = {};
          for (const k of Object.keys(attributes)) if (k.startsWith('avila.property.')) properties[k.slice(15)] = take(k);
          const body = anyValue(r.body);
          const traceId = hexId(r.traceId);
          const spanId = hexId(r.spanId);
          drafts.push({
            ...base(resource),
            id: typeof own === 'string' && ID.test(own) ? own : null,
            type: typeof type === 'string' && ID.test(type) && type.length <= 64 ? type : 'log',
            name: text(name, 1024) ?? text(body, 1024) ?? text(r.severityText, 1024) ?? 'log',
            timestamp: nanosToIso(r.timeUnixNano) ?? nanosToIso(r.observedTimeUnixNano) ?? receivedAt,
            sessionId: typeof session === 'string' && ID.test(session) ? session : null,
            userId: text(user, 256),
            anonymousId: text(anonymous, 256),
            traceId: traceId.length === 32 ? traceId : null,
            spanId: spanId.length === 16 ? spanId : null,
            properties: { ...properties, ...(Object.keys(attributes).length ? { attributes } : {}), ...(body !== null && body !== name ? { body } : {}), ...(r.severityText ? { severityText: r.severityText } : {}), ...(r.severityNumber ? { severityNumber: int64(r.severityNumber) } : {}) },
          });
        }
      }
    }
  } else {
    for (const rm of list(request.resourceMetrics)) {
      if (!isObject(rm)) continue;
      const resource = keyValues(isObject(rm.resource) ? rm.resource.attributes : []);
      for (const sm of list(rm.scopeMetrics)) {
        if (!isObject(sm)) continue;
        for (const m of list(sm.metrics)) {
          if (!isObject(m)) continue;
          const metric = text(m.name, 1024) ?? 'metric';
          const unit = text(m.unit, 64);
          const kinds: [string, unknown][] = [['gauge', m.gauge], ['counter', m.sum], ['histogram', m.histogram], ['summary', m.summary], ['exponential_histogram', m.exponentialHistogram]];
          for (const [kind, data] of kinds) {
            if (!isObject(data)) continue;
            for (const p of list(data.dataPoints)) {
              if (!isObject(p)) continue;
              const value = p.asDouble !== undefined && p.asDouble !== null ? Number(p.asDouble) : p.asInt !== undefined && p.asInt !== null ? int64(p.asInt) : undefined;
              const quantiles = list(p.quantileValues).filter(isObject);
              drafts.push({
                ...base(resource),
                id: null,
                type: 'metric',
                name: metric,
                timestamp: nanosToIso(p.timeUnixNano) ?? receivedAt,
                sessionId: null,
                userId: null,
                traceId: null,
                spanId: null,
                properties: {
                  metric,
                  kind: kind === 'counter' && data.isMonotonic === false ? 'updown_counter' : kind,
                  ...(unit ? { unit } : {}),
                  attributes: keyValues(p.attributes),
                  startTime: nanosToIso(p.startTimeUnixNano),
                  ...(value !== undefined ? { value } : {}),
                  ...(p.count !== undefined && p.count !== null ? { count: int64(p.count) } : {}),
                  ...(typeof p.sum === 'number' ? { sum: p.sum } : {}),
                  ...(typeof p.min === 'number' ? { min: p.min } : {}),
                  ...(typeof p.max === 'number' ? { max: p.max } : {}),
                  ...(quantiles.length ? { quantiles: Object.fromEntries(quantiles.map((q) => [String(q.quantile ?? 0), Number(q.value ?? 0)])) } : {}),
                  ...(list(p.explicitBounds).length ? { explicitBounds: list(p.explicitBounds).map(Number), bucketCounts: list(p.bucketCounts).map(int64) } : {}),
                },
              });
            }
          }
        }
      }
    }
  }
  return Promise.all(
    drafts.map(async (d) => {
      const { id, receivedAt: _r, batchId: _b, ...content } = d;
      return { ...d, id: id ?? `otlp-${await sha256(content)}` };
    }),
  );
}
