// startSpan() and injectTraceHeaders(): spans from the client, shipped through the event pipeline
// (the 'traces' signal) when they end. The most recent open span is the default parent of
// outgoing requests; spans never ended are forgotten after 1,000 more. A span's record is built by
// the deferred code (span-record.ts): spans that end before it arrives wait for it, in order with
// the metric values held meanwhile (later.ts), and are counted in
// `droppedSpans` beyond that bound.
import type { IdSource } from '../delivery/ids.js';
import type { EventPipeline } from './events.js';
import type { ClientExtras } from './extras.js';
import { sanitizeName, type SanitizeLimits } from './sanitize.js';
import { createSpan, type EndedSpan, type Span, type SpanOp, type SpanOptions } from './spans.js';

export interface TracingDeps {
  events: EventPipeline;
  limits: SanitizeLimits;
  /** Head sampling ratio of new traces (ClientConfig.tracesSampleRate). */
  sampleRate: number;
  now: () => number;
  ids: IdSource;
  fail: (e: unknown) => void;
  /** A span ended that was not sampled (counted). */
  sampledOut: () => void;
  /** Runs `f` with the deferred code once it is there; false when too much is waiting for it already. */
  later: (f: (x: ClientExtras) => void) => boolean;
  /** A sampled span dropped because too much was waiting for the deferred code (counted). */
  dropped: () => void;
}

export function createTracing(d: TracingDeps) {
  const open: Span[] = [];
  const { events } = d;
  const ended = (s: Span & EndedSpan, ops: SpanOp[], endMs: number) => {
    const i = open.indexOf(s);
    if (i >= 0) open.splice(i, 1);
    if (!s.sampled) return d.sampledOut();
    // The event as of the span's end (its session and identity); its properties once built.
    const e = events.base('span', s.name, {}, endMs, events.sessionId);
    const queued = d.later((x) => x.spanEnded(e, s, ops, endMs));
    if (!queued) d.dropped();
  };
  return {
    /** The span's methods are public API too: they report what fails, never throw. */
    startSpan(name: string, options: SpanOptions = {}): Span {
      const span = createSpan(sanitizeName(name, d.limits, events.report) ?? 'span', options && typeof options === 'object' ? options : {}, d.sampleRate, d.now, ended, d.fail, d.ids);
      open.push(span);
      if (open.length > 1000) open.shift(); // spans never ended must not pile up
      return span;
    },
    injectTraceHeaders<H extends Headers | Record<string, string>>(headers: H, span?: Span): H {
      try {
        const s = span ?? open[open.length - 1];
        if (!s) return headers;
        if (typeof Headers !== 'undefined' && headers instanceof Headers) headers.set('traceparent', s.traceparent());
        else (headers as Record<string, string>).traceparent = s.traceparent();
      } catch (e) {
        d.fail(e);
      }
      return headers;
    },
  };
}
