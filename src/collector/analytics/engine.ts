// The analytics queries over events in memory: the memory store's engine, and the D1 store's
// (which selects an app's events in SQL and computes here). The DuckDB store computes the same
// definitions in SQL (duckdb.ts); docs/analytics.md states them, and the tests hold every engine
// to a plain reference.
import { DDSketch } from './ddsketch.js';
import {
  AnalyticsInputError, DAY_MS, dayString, parseApp, parseAttribution, parseExperiment, parseFunnel, parseRetention, parseSessions,
  type Analytics, type AttributionModel, type AttributionResult, type ExperimentResult, type FunnelResult, type FunnelStepResult,
  type ParsedExperiment, type ParsedFunnel, type Range, type RetentionResult, type SessionsResult, type SessionsRow, type Step,
} from './query.js';
import { clv, parseClv, parseRfm, parseSegments, rfm, segments, type PersonRow, type PersonRows } from './customers.js';
import { parseQuality, seriesQuality, type MetricPointRow } from './series-quality.js';
import { chiSquareGoodnessOfFit, probabilityBBeatsA, quantileSorted, twoProportionTest } from './stats.js';

/** The event types the analytics queries read. */
export const INTERACTION_TYPES = ['track', 'page', 'identify'] as const;

export interface AnalyticsEvent {
  id: string;
  app: string;
  type: string;
  name: string;
  /** ms since the epoch. */
  ts: number;
  sessionId: string | null;
  anonymousId: string | null;
  userId: string | null;
  properties: Record<string, unknown>;
  context: Record<string, unknown> | null;
}

const byTime = (a: AnalyticsEvent, b: AnalyticsEvent) => a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** (ts, id) order: a before-or-equal b. */
const atOrBefore = (a: AnalyticsEvent, b: AnalyticsEvent) => byTime(a, b) <= 0;

/** Whether e matches a step: its name, and each filter by type and value. */
export function matches(e: AnalyticsEvent, step: Step): boolean {
  if (e.name !== step.event) return false;
  for (const [k, v] of step.where) if (e.properties[k] !== v) return false;
  return true;
}

/**
 * People: an event's person is its userId; without one, the userId its anonymousId was first
 * identified with (the earliest event, by time then id, carrying both); else its anonymousId.
 * Events with neither id are left out. Returns the events grouped by person, in (time, id) order.
 */
export function byPerson(events: AnalyticsEvent[]): Map<string, AnalyticsEvent[]> {
  const sorted = events.filter((e) => (INTERACTION_TYPES as readonly string[]).includes(e.type)).sort(byTime);
  const alias = new Map<string, string>();
  for (const e of sorted) if (e.userId !== null && e.anonymousId !== null && !alias.has(e.anonymousId)) alias.set(e.anonymousId, e.userId);
  const people = new Map<string, AnalyticsEvent[]>();
  for (const e of sorted) {
    const person = e.userId ?? (e.anonymousId !== null ? (alias.get(e.anonymousId) ?? e.anonymousId) : null);
    if (person === null) continue;
    let list = people.get(person);
    if (!list) people.set(person, (list = []));
    list.push(e);
  }
  return people;
}

/** A breakdown or channel value as SQL's `->>` renders it: strings as they are, other JSON as JSON text. */
export function propertyText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const inRange = (ts: number, q: { from: number; to: number }) => ts >= q.from && ts < q.to;

interface Reached {
  depth: number;
  /** Per step ≥ 2: the time the funnel's definition measures for it. */
  times: number[];
}

/** Ordered and strict funnels: for each step-1 entry in range, the greedy earliest chain; the deepest, earliest-entered chain wins. */
function chain(list: AnalyticsEvent[], q: ParsedFunnel): Reached | null {
  const n = q.steps.length;
  const candidates = q.order === 'strict' ? list : list.filter((e) => q.steps.some((s) => matches(e, s)));
  let best: Reached | null = null;
  for (let s = 0; s < candidates.length; s++) {
    const start = candidates[s]!;
    if (!matches(start, q.steps[0]!) || !inRange(start.ts, q)) continue;
    const times: number[] = [];
    let at = s;
    let depth = 1;
    for (let k = 1; k < n; k++) {
      let next = -1;
      if (q.order === 'strict') next = at + 1 < candidates.length && matches(candidates[at + 1]!, q.steps[k]!) ? at + 1 : -1;
      else for (let j = at + 1; j < candidates.length && next < 0; j++) if (matches(candidates[j]!, q.steps[k]!)) next = j;
      if (next < 0 || candidates[next]!.ts > start.ts + q.windowMs) break;
      times.push(candidates[next]!.ts - candidates[at]!.ts);
      at = next;
      depth++;
    }
    if (!best || depth > best.depth) best = { depth, times };
  }
  return best;
}

/** Any-order funnels: for each k, the shortest span holding an event of each of steps 1..k whose step-1 event is in range. */
function anyOrder(list: AnalyticsEvent[], q: ParsedFunnel): Reached | null {
  const n = q.steps.length;
  const last: (number | null)[] = new Array(n).fill(null);
  const best: number[] = new Array(n).fill(Infinity);
  for (const e of list) {
    q.steps.forEach((s, j) => {
      // Only step-1 events inside [from, to) enter the funnel.
      if (matches(e, s) && (j > 0 || inRange(e.ts, q))) last[j] = e.ts;
    });
    const entry = last[0] ?? null;
    if (entry === null) continue;
    let lo = entry;
    let hi = entry;
    for (let k = 0; k < n; k++) {
      const t = last[k];
      if (t === null || t === undefined) break;
      lo = Math.min(lo, t);
      hi = Math.max(hi, t);
      if (hi - lo < best[k]!) best[k] = hi - lo;
    }
  }
  if (best[0] === Infinity) return null;
  let depth = 0;
  while (depth < n && best[depth]! <= q.windowMs) depth++;
  return { depth, times: best.slice(1, depth) };
}

function funnelSteps(q: ParsedFunnel, reached: Reached[]): FunnelStepResult[] {
  return q.steps.map((step, k) => {
    const people = reached.filter((r) => r.depth > k).length;
    const prev = k === 0 ? null : reached.filter((r) => r.depth > k - 1).length;
    const first = reached.length;
    const times = k === 0 ? [] : reached.filter((r) => r.depth > k).map((r) => r.times[k - 1]!).sort((a, b) => a - b);
    return {
      event: step.event,
      people,
      fromPrevious: prev === null || prev === 0 ? null : people / prev,
      fromFirst: k === 0 || first === 0 ? null : people / first,
      medianMs: k === 0 ? null : quantileSorted(times, 0.5),
      p90Ms: k === 0 ? null : quantileSorted(times, 0.9),
    };
  });
}

export function funnel(events: AnalyticsEvent[], q: ParsedFunnel): FunnelResult {
  const all: Reached[] = [];
  const groups = new Map<string | null, Reached[]>();
  for (const list of byPerson(events).values()) {
    const r = q.order === 'any' ? anyOrder(list, q) : chain(list, q);
    if (!r) continue;
    all.push(r);
    if (q.breakdown !== null) {
      const entry = list.find((e) => matches(e, q.steps[0]!) && inRange(e.ts, q))!;
      const value = propertyText(entry.properties[q.breakdown]);
      let g = groups.get(value);
      if (!g) groups.set(value, (g = []));
      g.push(r);
    }
  }
  const breakdown =
    q.breakdown === null
      ? null
      : [...groups]
          .map(([value, rs]) => ({ value, steps: funnelSteps(q, rs) }))
          .sort((a, b) => b.steps[0]!.people - a.steps[0]!.people || compareNullable(a.value, b.value));
  return { order: q.order, windowMs: q.windowMs, steps: funnelSteps(q, all), breakdown };
}

const compareNullable = (a: string | null, b: string | null) => (a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1);

/** The period index of a time: UTC days, or weeks starting on Monday (1970-01-01 was a Thursday). */
export const periodOf = (ts: number, period: 'day' | 'week') => {
  const day = Math.floor(ts / DAY_MS);
  return period === 'day' ? day : Math.floor((day + 3) / 7);
};
export const periodStart = (index: number, period: 'day' | 'week') => dayString((period === 'day' ? index : index * 7 - 3) * DAY_MS);

export function retention(events: AnalyticsEvent[], q: ReturnType<typeof parseRetention>): RetentionResult {
  const cohorts = new Map<number, number[]>();
  for (const list of byPerson(events).values()) {
    const first = list.find((e) => matches(e, q.start));
    if (!first || !inRange(first.ts, q)) continue;
    const c = periodOf(first.ts, q.period);
    let counts = cohorts.get(c);
    if (!counts) cohorts.set(c, (counts = new Array(q.periods).fill(0)));
    counts[0]!++;
    const back = new Set<number>();
    for (const e of list) {
      const i = periodOf(e.ts, q.period) - c;
      if (i >= 1 && i < q.periods && matches(e, q.returning)) back.add(i);
    }
    for (const i of back) counts[i]!++;
  }
  return {
    period: q.period,
    cohorts: [...cohorts.keys()].sort((a, b) => a - b).map((c) => {
      const counts = cohorts.get(c)!;
      return { start: periodStart(c, q.period), size: counts[0]!, counts, rates: counts.map((n) => n / counts[0]!) };
    }),
  };
}

export const SESSION_SKETCH_ALPHA = 0.01;

/** Aggregates sessions — (app, first ts, events, pages, duration) — into rows by app and UTC day. */
export function sessionRows(sessions: Iterable<{ app: string; first: number; events: number; pages: number; durationMs: number }>): SessionsRow[] {
  const groups = new Map<string, { app: string; day: string; n: number; bounces: number; events: number; pages: number; duration: number; sketch: DDSketch }>();
  for (const s of sessions) {
    const day = dayString(s.first);
    const key = `${s.app}\u0000${day}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { app: s.app, day, n: 0, bounces: 0, events: 0, pages: 0, duration: 0, sketch: new DDSketch(SESSION_SKETCH_ALPHA) }));
    g.n++;
    if (s.events === 1) g.bounces++;
    g.events += s.events;
    g.pages += s.pages;
    g.duration += s.durationMs;
    g.sketch.add(s.durationMs);
  }
  return [...groups.values()].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0)).map(sessionRow);
}

export function sessionRow(g: { app: string; day: string; n: number; bounces: number; events: number; pages: number; duration: number; sketch: DDSketch }): SessionsRow {
  return {
    app: g.app,
    day: g.day,
    sessions: g.n,
    bounceRate: g.bounces / g.n,
    eventsPerSession: g.events / g.n,
    pagesPerSession: g.pages / g.n,
    meanDurationMs: g.duration / g.n,
    durationMs: { p50: g.sketch.quantile(0.5)!, p90: g.sketch.quantile(0.9)!, p99: g.sketch.quantile(0.99)! },
  };
}

export function sessions(events: AnalyticsEvent[], q: { from: number; to: number }): SessionsResult {
  const by = new Map<string, { app: string; first: number; last: number; events: number; pages: number }>();
  for (const e of events) {
    if ((e.type !== 'track' && e.type !== 'page') || e.sessionId === null) continue;
    const key = `${e.app}\u0000${e.sessionId}`;
    const s = by.get(key);
    if (!s) by.set(key, { app: e.app, first: e.ts, last: e.ts, events: 1, pages: e.type === 'page' ? 1 : 0 });
    else {
      s.first = Math.min(s.first, e.ts);
      s.last = Math.max(s.last, e.ts);
      s.events++;
      if (e.type === 'page') s.pages++;
    }
  }
  const kept = [...by.values()].filter((s) => inRange(s.first, q)).map((s) => ({ ...s, durationMs: s.last - s.first }));
  return { rows: sessionRows(kept) };
}

const HOST = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#:]+)/;
const UTM_SOURCE = /[?&]utm_source=([^&#]*)/;

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/**
 * An event's marketing channel, or null: the `channel` property; else `utm_source` (a property,
 * or in the page URL's query); else the referrer's host when it differs from the page's.
 */
export function channelOf(e: AnalyticsEvent): string | null {
  const p = e.properties;
  if (typeof p.channel === 'string' && p.channel !== '') return p.channel;
  if (typeof p.utm_source === 'string' && p.utm_source !== '') return p.utm_source;
  const page = (e.context?.page ?? null) as { url?: unknown; referrer?: unknown } | null;
  const url = typeof page?.url === 'string' ? page.url : '';
  const utm = UTM_SOURCE.exec(url)?.[1];
  if (utm !== undefined && utm !== '') return decode(utm);
  const ref = typeof page?.referrer === 'string' ? HOST.exec(page.referrer)?.[1] : undefined;
  if (ref !== undefined && ref !== HOST.exec(url)?.[1]) return ref;
  return null;
}

/** Credit per touchpoint for n touches (oldest first), each `age` ms before the conversion. */
export function credits(model: AttributionModel, ages: number[], halfLifeMs: number): number[] {
  const n = ages.length;
  switch (model) {
    case 'first':
      return ages.map((_, i) => (i === 0 ? 1 : 0));
    case 'last':
      return ages.map((_, i) => (i === n - 1 ? 1 : 0));
    case 'linear':
      return ages.map(() => 1 / n);
    case 'time_decay': {
      // Relative to the newest touch, so no weight underflows to 0 for every touch.
      const newest = Math.min(...ages);
      const w = ages.map((a) => 2 ** (-(a - newest) / halfLifeMs));
      const sum = w.reduce((a, b) => a + b, 0);
      return w.map((x) => x / sum);
    }
    case 'position':
      if (n === 1) return [1];
      if (n === 2) return [0.5, 0.5];
      return ages.map((_, i) => (i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
  }
}

export function attribution(events: AnalyticsEvent[], q: ReturnType<typeof parseAttribution>): AttributionResult {
  const totals = new Map<AttributionModel, Map<string, number>>(q.models.map((m) => [m, new Map()]));
  let conversions = 0;
  for (const list of byPerson(events).values()) {
    // One touchpoint per session: its first event with a channel.
    const touches: { e: AnalyticsEvent; channel: string }[] = [];
    const seen = new Set<string>();
    for (const e of list) {
      const channel = channelOf(e);
      const session = e.sessionId ?? `event:${e.id}`;
      if (channel === null || seen.has(session)) continue;
      seen.add(session);
      touches.push({ e, channel });
    }
    for (const c of list) {
      if (!matches(c, q.conversion) || !inRange(c.ts, q)) continue;
      conversions++;
      const mine = touches.filter((t) => atOrBefore(t.e, c) && t.e.ts >= c.ts - q.lookbackMs);
      for (const model of q.models) {
        const into = totals.get(model)!;
        if (mine.length === 0) into.set('direct', (into.get('direct') ?? 0) + 1);
        else
          credits(model, mine.map((t) => c.ts - t.e.ts), q.halfLifeMs).forEach((w, i) => {
            if (w > 0) into.set(mine[i]!.channel, (into.get(mine[i]!.channel) ?? 0) + w);
          });
      }
    }
  }
  return { conversions, models: Object.fromEntries([...totals].map(([m, t]) => [m, sortCredits(t)])) };
}

export const sortCredits = (t: Map<string, number>) => [...t].map(([channel, credit]) => ({ channel, credit })).sort((a, b) => b.credit - a.credit || (a.channel < b.channel ? -1 : 1));

/** Per variant (exposed people, converted people), then the tests: shared by every engine. */
export function experimentResult(q: ParsedExperiment, counts: Map<string, { exposures: number; conversions: number }>, excluded: number): ExperimentResult {
  const control = counts.get(q.control);
  const names = [...counts.keys()].sort((a, b) => (a === q.control ? -1 : b === q.control ? 1 : a < b ? -1 : 1));
  const variants = names.map((variant) => {
    const { exposures, conversions } = counts.get(variant)!;
    const rate = conversions / exposures;
    let vsControl = null;
    if (control && variant !== q.control) {
      const t = twoProportionTest(conversions, exposures, control.conversions, control.exposures, q.confidence);
      vsControl = {
        difference: t.difference,
        pValue: t.pValue,
        interval: t.interval,
        probabilityToBeat: probabilityBBeatsA(1 + control.conversions, 1 + control.exposures - control.conversions, 1 + conversions, 1 + exposures - conversions),
      };
    }
    return { variant, exposures, conversions, rate, vsControl };
  });
  let sampleRatio = null;
  if (variants.length >= 2) {
    const shares = variants.map((v) => (q.shares ? (q.shares[v.variant] ?? 0) : 1));
    if (shares.every((s) => s > 0)) {
      const t = chiSquareGoodnessOfFit(variants.map((v) => v.exposures), shares);
      sampleRatio = { ...t, mismatch: t.pValue < 0.001 };
    }
  }
  return { experiment: q.experiment, control: q.control, variants, excluded, sampleRatio };
}

export function experiment(events: AnalyticsEvent[], q: ParsedExperiment): ExperimentResult {
  const counts = new Map<string, { exposures: number; conversions: number }>();
  let excluded = 0;
  for (const list of byPerson(events).values()) {
    const exposures = list.filter((e) => e.name === '$experiment' && e.properties.experiment === q.experiment && typeof e.properties.variant === 'string' && inRange(e.ts, q));
    if (exposures.length === 0) continue;
    if (new Set(exposures.map((e) => e.properties.variant)).size > 1) {
      excluded++;
      continue;
    }
    const first = exposures[0]!;
    const variant = first.properties.variant as string;
    const converted = list.some((e) => matches(e, q.goal) && byTime(first, e) < 0 && (q.windowMs === null || e.ts <= first.ts + q.windowMs));
    const c = counts.get(variant) ?? { exposures: 0, conversions: 0 };
    c.exposures++;
    if (converted) c.conversions++;
    counts.set(variant, c);
  }
  return experimentResult(q, counts, excluded);
}

/** What the per-person rows are computed for (customers.ts). */
export interface RowSpec extends Range {
  toGiven: boolean;
  purchase: Step | null;
  amount: string | null;
  steps: Step[];
}

/** Per person with an interaction event in [from, to): purchases, amounts, activity (customers.ts's PersonRow), ordered by person. */
export function personRows(events: AnalyticsEvent[], s: RowSpec): PersonRows {
  let latest = -Infinity;
  let invalidAmounts = 0;
  const rows: PersonRow[] = [];
  for (const [person, list] of byPerson(events)) {
    let purchases = 0, first = NaN, last = NaN, total = 0, firstAmount = 0, count = 0;
    const sessionIds = new Set<string>();
    const counts = s.steps.map(() => 0);
    for (const e of list) {
      if (!inRange(e.ts, s)) continue;
      count++;
      if (e.ts > latest) latest = e.ts;
      if (e.sessionId !== null) sessionIds.add(e.sessionId);
      s.steps.forEach((step, k) => {
        if (matches(e, step)) counts[k]!++;
      });
      if (s.purchase && matches(e, s.purchase)) {
        const v = e.properties[s.amount!];
        let amount = 0;
        if (typeof v === 'number' && Number.isFinite(v)) amount = v;
        else invalidAmounts++;
        if (purchases === 0) [first, firstAmount] = [e.ts, amount];
        last = e.ts;
        purchases++;
        total += amount;
      }
    }
    if (count > 0) rows.push({ person, purchases, first, last, total, firstAmount, events: count, sessions: sessionIds.size, counts });
  }
  rows.sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
  return { rows, asOf: s.toGiven ? s.to : latest === -Infinity ? null : latest, invalidAmounts };
}

/** The queries over an app's events, fetched by `load` per query; `loadMetric` gives a metric's collected points for `quality`. */
export function memoryAnalytics(load: (app: string) => Promise<AnalyticsEvent[]> | AnalyticsEvent[], loadMetric: (app: string, metric: string) => Promise<MetricPointRow[]> | MetricPointRow[]): Analytics {
  const run = async <Q, R>(input: unknown, parse: (v: unknown) => Q, compute: (events: AnalyticsEvent[], q: Q) => R): Promise<R> => {
    const app = parseApp(input, null);
    const q = parse(input);
    return compute(await load(app), q);
  };
  return {
    funnel: (input) => run(input, parseFunnel, funnel),
    retention: (input) => run(input, parseRetention, retention),
    sessions: (input) => run(input, parseSessions, sessions),
    attribution: (input) => run(input, parseAttribution, attribution),
    experiment: (input) => run(input, parseExperiment, experiment),
    rfm: (input) => run(input, parseRfm, (events, q) => rfm(personRows(events, { ...q, steps: [] }))),
    clv: (input) => run(input, parseClv, (events, q) => clv(personRows(events, { ...q, steps: [] }), q)),
    segments: async (input) => {
      const app = parseApp(input, null);
      const q = parseSegments(input);
      return segments(personRows(await load(app), q), q);
    },
    quality: async (input) => {
      const app = parseApp(input, null);
      const q = parseQuality(input);
      return seriesQuality(await loadMetric(app, q.metric), q);
    },
  };
}

export { AnalyticsInputError };

/** A stored event as the engine reads it. */
export function fromStored(e: { id: string; app: string; type: string; name: string; timestamp: string; sessionId: string | null; anonymousId: string | null; userId: string | null; properties: Record<string, unknown>; context: Record<string, unknown> | null }): AnalyticsEvent {
  return { id: e.id, app: e.app, type: e.type, name: e.name, ts: Date.parse(e.timestamp), sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, properties: e.properties, context: e.context };
}
