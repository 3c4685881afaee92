// The event pipeline: build an event (ids, time, session, identity, context), run the privacy
// rules (consent, beforeSend, sampling) and hand it to delivery. Everything the client sends goes
// through emit().
import type { IdSource } from '../delivery/ids.js';
import type { EventContext, WireEvent } from '../delivery/types.js';
import { buildContext, isoTime } from './context.js';
import type { Identity } from './identity.js';
import { sanitizeProperties, type SanitizeLimits, type SanitizeReport } from './sanitize.js';
import { scrubProperties } from './scrub.js';
import type { Sessions } from './session.js';
import type { ClientConfig, ClientDiagnostics, DeliveryPort } from './types.js';

export type Signal = 'logs' | 'metrics' | 'traces';

export interface PipelineDeps {
  config: ClientConfig;
  identity: Identity;
  /** null where events carry no session (servers). */
  sessions: Sessions | null;
  delivery: DeliveryPort;
  diag: ClientDiagnostics;
  limits: SanitizeLimits;
  fail: (e: unknown) => void;
  ids: IdSource;
  random: () => number;
}

export class EventPipeline {
  context: EventContext;
  readonly report: SanitizeReport = { changed: 0 };
  readonly #scrubUrls: boolean;

  constructor(private readonly d: PipelineDeps) {
    this.#scrubUrls = d.config.scrub?.urls !== false;
    this.context = buildContext(d.config.app ?? {}, this.#scrubUrls);
  }

  /** Re-reads the page (URL, title) into the context: on page(). */
  refreshContext(): EventContext {
    return (this.context = buildContext(this.d.config.app ?? {}, this.#scrubUrls));
  }

  /** Consent, beforeSend, then delivery. Drops are counted with their reason, never thrown. */
  emit(event: WireEvent, signal: Signal = 'logs'): void {
    const { identity, delivery, diag, config } = this.d;
    if (identity.optedOut) return;
    if (identity.consentDenied) {
      // Consent refused: nothing is kept; the count is reported once consent is given.
      diag.noConsent++;
      delivery.countDrop('no_consent');
      return;
    }
    let e: WireEvent | null = event;
    if (config.beforeSend) {
      try {
        e = config.beforeSend(event);
      } catch (err) {
        // Fail closed: the filter may exist to remove what must not leave the page.
        this.d.fail(err);
        delivery.countDrop('before_send_error');
        return;
      }
      if (!e) {
        diag.sampled++;
        delivery.countDrop('sampled');
        return;
      }
    }
    delivery.enqueue(e, signal);
  }

  /** An event in the current session (starting or rotating it, which emits its own events). */
  make(type: string, name: string, properties: Record<string, unknown>, t: number): WireEvent {
    const sessions = this.d.sessions;
    if (!sessions) return this.base(type, name, properties, t, undefined);
    const change = sessions.touch(t);
    if (change) {
      if (change.ended) this.emit(this.sessionEnd(change.ended, change.ended.lastActivity));
      this.emit(this.base('session_start', 'session_start', {}, t, change.started.id));
    }
    return this.base(type, name, properties, t, sessions.current?.id);
  }

  sessionEnd(s: { id: string; startedAt: number; lastActivity: number }, t: number): WireEvent {
    return this.base('session_end', 'session_end', { duration_ms: s.lastActivity - s.startedAt }, t, s.id);
  }

  base(type: string, name: string, properties: Record<string, unknown>, t: number, sessionId: string | undefined): WireEvent {
    const { identity } = this.d;
    return {
      id: this.d.ids.uuidv7(t),
      type,
      name,
      timestamp: isoTime(t),
      ...(sessionId ? { sessionId } : {}),
      anonymousId: identity.anonymousId,
      userId: identity.userId,
      properties,
      context: this.context,
    };
  }

  get sessionId(): string | undefined {
    return this.d.sessions?.current?.id;
  }

  /** User-given properties, sanitized (counted when changed) and scrubbed when asked. */
  properties(input: unknown): Record<string, unknown> {
    const before = this.report.changed;
    const p = sanitizeProperties(input, this.d.limits, this.report);
    if (this.report.changed !== before) this.d.diag.sanitized++;
    return this.d.config.scrub?.properties ? scrubProperties(p) : p;
  }

  /** Head sampling of track/page events: true (and counted) when this one is dropped. */
  sampledOut(): boolean {
    const r = this.d.config.eventSampleRate;
    if (r === undefined || r >= 1 || this.d.random() < r) return false;
    this.d.diag.sampled++;
    this.d.delivery.countDrop('sampled');
    return true;
  }
}
