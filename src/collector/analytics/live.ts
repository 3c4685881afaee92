// Live windows over the stream the collector accepts: tumbling, sliding and session windows, each
// reporting events, unique people (HyperLogLog) and latency quantiles (DDSketch) when it closes.
// Time is the collector's clock at arrival (processing time), so a window closes on time whatever
// the clients' clocks say. Memory is bounded: per app and window, one HyperLogLog (4 KiB) and one
// sketch (at most 512 buckets) per open pane; apps past `maxApps` are counted, not tracked.
import { DDSketch } from './ddsketch.js';
import { HyperLogLog } from './hll.js';
import type { StoredBatch, StoredEvent } from '../types.js';

export type WindowSpec =
  | { kind: 'tumbling'; sizeMs: number }
  /** Windows of `sizeMs` every `hopMs` (sizeMs a multiple of hopMs, at most 60 hops). */
  | { kind: 'sliding'; sizeMs: number; hopMs: number }
  /** A window of activity: it closes once `gapMs` pass without an event, or after `maxMs`. */
  | { kind: 'session'; gapMs: number; maxMs?: number };

export interface LiveOptions {
  /** Name → window. Default: `10s` tumbling 10 s; `1m` sliding 60 s every 10 s; `activity` session, 30 s gap. */
  windows?: Record<string, WindowSpec>;
  /** The latency an event contributes, in ms, or null for none. Default: arrival − the event's timestamp (ingest delay). */
  latency?: (event: StoredEvent, receivedAtMs: number) => number | null;
  /** Default 64. */
  maxApps?: number;
}

export interface WindowResult {
  window: string;
  kind: WindowSpec['kind'];
  app: string;
  /** ISO 8601. */
  start: string;
  end: string;
  events: number;
  /** Distinct people (userId, else anonymousId), HyperLogLog estimate: about 1.6% standard error. */
  people: number;
  /** DDSketch quantiles (α = 1%), null when no event had a latency. */
  latencyMs: { p50: number; p90: number; p99: number } | null;
}

class Pane {
  events = 0;
  readonly people = new HyperLogLog(12);
  readonly latency = new DDSketch(0.01, 512);
  constructor(
    readonly start: number,
    public end: number,
  ) {}
  merge(o: Pane): void {
    this.events += o.events;
    this.people.merge(o.people);
    this.latency.merge(o.latency);
  }
}

export const DEFAULT_WINDOWS: Record<string, WindowSpec> = {
  '10s': { kind: 'tumbling', sizeMs: 10_000 },
  '1m': { kind: 'sliding', sizeMs: 60_000, hopMs: 10_000 },
  activity: { kind: 'session', gapMs: 30_000, maxMs: 3_600_000 },
};

function check(name: string, w: WindowSpec): void {
  const positive = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new TypeError(`live windows: ${name}.${what} must be a positive number of ms, got ${String(v)}`);
  };
  if (w.kind === 'tumbling') positive(w.sizeMs, 'sizeMs');
  else if (w.kind === 'sliding') {
    positive(w.sizeMs, 'sizeMs');
    positive(w.hopMs, 'hopMs');
    const hops = w.sizeMs / w.hopMs;
    if (!Number.isInteger(hops) || hops > 60) throw new TypeError(`live windows: ${name}.sizeMs must be 1–60 times hopMs, got ${w.sizeMs}/${w.hopMs}`);
  } else if (w.kind === 'session') {
    positive(w.gapMs, 'gapMs');
    if (w.maxMs !== undefined) positive(w.maxMs, 'maxMs');
  } else throw new TypeError(`live windows: ${name}.kind must be 'tumbling', 'sliding' or 'session'`);
}

const personOf = (e: StoredEvent) => e.userId ?? e.anonymousId;

/** Per app and window: the open panes (tumbling: one; sliding: one per hop; session: one). */
interface Track {
  spec: WindowSpec;
  panes: Pane[];
  /** Session: the last event's arrival. */
  last: number;
  /** Tumbling and sliding: the last hop boundary whose window was reported. */
  reported: number;
}

export class LiveWindows {
  readonly windows: Record<string, WindowSpec>;
  /** Events of apps past maxApps. */
  untracked = 0;
  private readonly apps = new Map<string, Map<string, Track>>();
  private readonly listeners = new Set<(r: WindowResult) => void>();
  private readonly latency: NonNullable<LiveOptions['latency']>;
  private readonly maxApps: number;

  constructor(options: LiveOptions = {}) {
    this.windows = options.windows ?? DEFAULT_WINDOWS;
    if (typeof this.windows !== 'object' || Object.keys(this.windows).length === 0) throw new TypeError('live windows: windows must name at least one window');
    for (const [name, w] of Object.entries(this.windows)) check(name, w);
    this.latency = options.latency ?? ((e, at) => Math.max(0, at - Date.parse(e.timestamp)));
    this.maxApps = options.maxApps ?? 64;
  }

  /** Called with every window as it closes; returns the unsubscribe function. */
  subscribe(listener: (r: WindowResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Closes what is due at `now`, then adds the batch's events (each counted once: pass only new ones). */
  push(batch: StoredBatch, events: StoredEvent[], now: number): void {
    this.tick(now);
    let tracks = this.apps.get(batch.app);
    if (!tracks) {
      if (this.apps.size >= this.maxApps) {
        this.untracked += events.length;
        return;
      }
      tracks = new Map(Object.entries(this.windows).map(([name, spec]) => [name, { spec, panes: [], last: -Infinity, reported: -Infinity }]));
      this.apps.set(batch.app, tracks);
    }
    for (const t of tracks.values()) {
      const pane = this.paneFor(t, now);
      for (const e of events) {
        pane.events++;
        const person = personOf(e);
        if (person !== null) pane.people.add(person);
        const l = this.latency(e, now);
        if (l !== null && Number.isFinite(l)) pane.latency.add(l);
      }
      t.last = now;
    }
  }

  private paneFor(t: Track, now: number): Pane {
    const s = t.spec;
    const open = t.panes[t.panes.length - 1];
    if (s.kind === 'session') {
      if (open) {
        open.end = now;
        return open;
      }
      const p = new Pane(now, now);
      t.panes.push(p);
      return p;
    }
    const hop = s.kind === 'tumbling' ? s.sizeMs : s.hopMs;
    const start = Math.floor(now / hop) * hop;
    if (open && open.start === start) return open;
    const p = new Pane(start, start + hop);
    t.panes.push(p);
    if (t.reported === -Infinity) t.reported = start;
    return p;
  }

  /** Closes and reports every window whose end has passed at `now`. */
  tick(now: number): void {
    for (const [app, tracks] of this.apps) {
      for (const [name, t] of tracks) {
        const s = t.spec;
        if (s.kind === 'session') {
          const p = t.panes[0];
          if (p && (now - t.last >= s.gapMs || now - p.start >= (s.maxMs ?? Infinity))) {
            t.panes.shift();
            this.emit(name, s.kind, app, p);
          }
          continue;
        }
        // Tumbling is sliding with hop = size. The window [E − size, E) closes at each hop
        // boundary E: the panes inside it, merged. Only boundaries whose window holds a pane are visited.
        const size = s.sizeMs;
        const hop = s.kind === 'tumbling' ? s.sizeMs : s.hopMs;
        if (t.panes.length === 0) continue;
        const due = Math.floor(now / hop) * hop;
        const newest = t.panes[t.panes.length - 1]!;
        for (let end = Math.max(t.reported + hop, t.panes[0]!.end); end <= Math.min(due, newest.start + size); end += hop) {
          const merged = new Pane(end - size, end);
          for (const p of t.panes) if (p.start >= end - size && p.end <= end) merged.merge(p);
          this.emit(name, s.kind, app, merged);
        }
        if (due > t.reported) {
          t.reported = due;
          // A later window [E − size, E), E > reported, needs only panes starting at or after reported + hop − size.
          t.panes = t.panes.filter((p) => p.start >= t.reported + hop - size);
        }
      }
    }
  }

  private emit(window: string, kind: WindowSpec['kind'], app: string, p: Pane): void {
    if (p.events === 0) return;
    const l = p.latency;
    const result: WindowResult = {
      window, kind, app, start: new Date(p.start).toISOString(), end: new Date(p.end).toISOString(), events: p.events,
      people: Math.round(p.people.estimate()),
      latencyMs: l.count === 0 ? null : { p50: l.quantile(0.5)!, p90: l.quantile(0.9)!, p99: l.quantile(0.99)! },
    };
    for (const f of this.listeners) {
      try {
        f(result);
      } catch {
        // A listener's failure is its own.
      }
    }
  }
}
