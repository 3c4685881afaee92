// The OTLP/HTTP request bodies of one batch: one per signal that has entries.
import { fullEvent } from './json.js';
import { encodeOtlpLogs, encodeOtlpMetrics, encodeOtlpTraces, type OtlpResource } from './otlp.js';
import type { QueueEntry } from '../queue/types.js';
import type { WireEvent } from '../types.js';

export function otlpBodies(entries: QueueEntry[], resource: OtlpResource): [signal: string, body: string][] {
  const by = (signal: QueueEntry['signal']) => entries.filter((e) => e.signal === signal).map((e) => JSON.parse(fullEvent(e)) as WireEvent);
  const out: [string, string][] = [];
  const logs = by('logs'), metrics = by('metrics'), traces = by('traces');
  if (logs.length) out.push(['logs', encodeOtlpLogs(logs, resource)]);
  if (metrics.length) out.push(['metrics', encodeOtlpMetrics(metrics, resource)]);
  if (traces.length) out.push(['traces', encodeOtlpTraces(traces, resource)]);
  return out;
}
