// The OTLP/HTTP request bodies of one batch: one per signal that has entries.
import { encodeOtlpLogs, encodeOtlpMetrics, encodeOtlpTraces, type OtlpResource } from './otlp.js';
import type { QueueEntry } from '../queue/types.js';
import type { WireEvent } from '../types.js';

export function otlpBodies(entries: QueueEntry[], resource: OtlpResource): [signal: string, body: string][] {
  // An event with its context (stored apart from it: queue/types.ts).
  const event = (e: QueueEntry): WireEvent => Object.assign(JSON.parse(e.json), e.ctx ? { context: JSON.parse(e.ctx) } : {});
  const by = (signal: QueueEntry['signal']) => entries.filter((e) => e.signal === signal).map(event);
  const out: [string, string][] = [];
  const logs = by('logs'), metrics = by('metrics'), traces = by('traces');
  if (logs.length) out.push(['logs', encodeOtlpLogs(logs, resource)]);
  if (metrics.length) out.push(['metrics', encodeOtlpMetrics(metrics, resource)]);
  if (traces.length) out.push(['traces', encodeOtlpTraces(traces, resource)]);
  return out;
}
