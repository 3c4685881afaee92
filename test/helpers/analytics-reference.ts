// The analytics queries written plainly, by exhaustive search where the engines are clever: the
// reference every engine (memory, D1, DuckDB SQL) is held to. Definitions: docs/analytics.md.
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import type { ParsedAttribution, ParsedExperiment, ParsedFunnel, ParsedRetention, Range, Step } from '../../src/collector/analytics/query.js';

const TYPES = new Set(['track', 'page', 'identify']);
const DAY = 86_400_000;

function before(a: AnalyticsEvent, b: AnalyticsEvent): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.id < b.id);
}

function sortEvents(events: AnalyticsEvent[]): AnalyticsEvent[] {
  const out = events.slice();
  out.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  return out;
}

function isStep(e: AnalyticsEvent, s: Step): boolean {
  return e.name === s.event && s.where.every(([k, v]) => e.properties[k] === v);
}

function inRange(ts: number, r: Range) {
  return r.from <= ts && ts < r.to;
}

export function people(all: AnalyticsEvent[], app: string): Map<string, AnalyticsEvent[]> {
  const events = sortEvents(all.filter((e) => e.app === app && TYPES.has(e.type)));
  // Each anonymous id's user id: that of the earliest event carrying both (events are in time order).
  const firstUser = new Map<string, string>();
  for (const x of events) if (x.anonymousId !== null && x.userId !== null && !firstUser.has(x.anonymousId)) firstUser.set(x.anonymousId, x.userId);
  const out = new Map<string, AnalyticsEvent[]>();
  for (const e of events) {
    let person = e.userId;
    if (person === null && e.anonymousId !== null) person = firstUser.get(e.anonymousId) ?? e.anonymousId;
    if (person === null) continue;
    if (!out.has(person)) out.set(person, []);
    out.get(person)!.push(e);
  }
  return out;
}

function quantile7(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const s = values.slice().sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

/** The deepest step reachable from the entry at index `i` (exhaustive over every later choice). */
function deepest(list: AnalyticsEvent[], q: ParsedFunnel, i: number, k: number, entryTs: number): number {
  if (k === q.steps.length) return k;
  let best = k;
  for (let j = i + 1; j < list.length; j++) {
    if (q.order === 'strict' && j > i + 1) break;
    if (isStep(list[j]!, q.steps[k]!) && list[j]!.ts <= entryTs + q.windowMs) best = Math.max(best, deepest(list, q, j, k + 1, entryTs));
  }
  return best;
}

export function referenceFunnel(all: AnalyticsEvent[], app: string, q: ParsedFunnel) {
  const results: { depth: number; times: number[]; bd: string | null }[] = [];
  for (const evs of people(all, app).values()) {
    const entries = evs.filter((e) => isStep(e, q.steps[0]!) && inRange(e.ts, q));
    if (entries.length === 0) continue;
    const raw = entries[0]!.properties[q.breakdown ?? ''];
    const bd = q.breakdown === null || raw === undefined || raw === null ? null : typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (q.order === 'any') {
      // Every choice of one event per step 1..k, with a step-1 event in range: the smallest span.
      let depth = 1;
      const times: number[] = [];
      for (let k = 2; k <= q.steps.length; k++) {
        let best = Infinity;
        const choose = (j: number, chosen: number[]) => {
          if (j === k) {
            best = Math.min(best, Math.max(...chosen) - Math.min(...chosen));
            return;
          }
          for (const e of evs) if (isStep(e, q.steps[j]!) && (j > 0 || inRange(e.ts, q))) choose(j + 1, [...chosen, e.ts]);
        };
        choose(0, []);
        if (best > q.windowMs) break;
        depth = k;
        times.push(best);
      }
      results.push({ depth, times, bd });
      continue;
    }
    const list = q.order === 'strict' ? evs : evs.filter((e) => q.steps.some((s) => isStep(e, s)));
    let bestDepth = 0;
    let bestEntry = -1;
    for (let i = 0; i < list.length; i++) {
      if (!isStep(list[i]!, q.steps[0]!) || !inRange(list[i]!.ts, q)) continue;
      const d = deepest(list, q, i, 1, list[i]!.ts);
      if (d > bestDepth) {
        bestDepth = d;
        bestEntry = i;
      }
    }
    // Times: from that entry, each step's earliest match after the previous one.
    const times: number[] = [];
    let at = bestEntry;
    for (let k = 1; k < bestDepth; k++) {
      let j = at + 1;
      while (!isStep(list[j]!, q.steps[k]!)) j++;
      times.push(list[j]!.ts - list[at]!.ts);
      at = j;
    }
    results.push({ depth: bestDepth, times, bd });
  }
  const steps = (rs: typeof results) =>
    q.steps.map((s, k) => {
      const reached = rs.filter((r) => r.depth >= k + 1);
      const prev = k === 0 ? 0 : rs.filter((r) => r.depth >= k).length;
      const times = reached.map((r) => r.times[k - 1]!);
      return {
        event: s.event,
        people: reached.length,
        fromPrevious: k === 0 || prev === 0 ? null : reached.length / prev,
        fromFirst: k === 0 || rs.length === 0 ? null : reached.length / rs.length,
        medianMs: k === 0 ? null : quantile7(times, 0.5),
        p90Ms: k === 0 ? null : quantile7(times, 0.9),
      };
    });
  let breakdown = null;
  if (q.breakdown !== null) {
    const values = [...new Set(results.map((r) => r.bd))];
    breakdown = values.map((value) => ({ value, steps: steps(results.filter((r) => r.bd === value)) }));
    breakdown.sort((a, b) => b.steps[0]!.people - a.steps[0]!.people || (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1));
  }
  return { order: q.order, windowMs: q.windowMs, steps: steps(results), breakdown };
}

function period(ts: number, p: 'day' | 'week') {
  const day = Math.floor(ts / DAY);
  return p === 'day' ? day : Math.floor((day + 3) / 7);
}

export function referenceRetention(all: AnalyticsEvent[], app: string, q: ParsedRetention) {
  const cohortOf = new Map<string, number>();
  const evs = people(all, app);
  for (const [person, list] of evs) {
    const starts = list.filter((e) => isStep(e, q.start));
    if (starts.length > 0 && inRange(starts[0]!.ts, q)) cohortOf.set(person, period(starts[0]!.ts, q.period));
  }
  const cohorts = [...new Set(cohortOf.values())].sort((a, b) => a - b);
  return {
    period: q.period,
    cohorts: cohorts.map((c) => {
      const members = [...cohortOf].filter(([, x]) => x === c).map(([p]) => p);
      const counts = [];
      for (let i = 0; i < q.periods; i++) {
        if (i === 0) counts.push(members.length);
        else counts.push(members.filter((p) => evs.get(p)!.some((e) => isStep(e, q.returning) && period(e.ts, q.period) === c + i)).length);
      }
      const startDay = q.period === 'day' ? c : c * 7 - 3;
      return { start: new Date(startDay * DAY).toISOString().slice(0, 10), size: members.length, counts, rates: counts.map((n) => n / members.length) };
    }),
  };
}

/** Sessions with exact duration quantiles (the lower quantile, rank ⌊q(n−1)⌋, which the sketch approximates). */
export function referenceSessions(all: AnalyticsEvent[], app: string, r: Range) {
  const sessions = new Map<string, AnalyticsEvent[]>();
  for (const e of all) {
    if (e.app !== app || (e.type !== 'track' && e.type !== 'page') || e.sessionId === null) continue;
    if (!sessions.has(e.sessionId)) sessions.set(e.sessionId, []);
    sessions.get(e.sessionId)!.push(e);
  }
  const days = new Map<string, { n: number; bounces: number; events: number; pages: number; durations: number[] }>();
  for (const list of sessions.values()) {
    const first = Math.min(...list.map((e) => e.ts));
    if (!inRange(first, r)) continue;
    const day = new Date(first).toISOString().slice(0, 10);
    if (!days.has(day)) days.set(day, { n: 0, bounces: 0, events: 0, pages: 0, durations: [] });
    const d = days.get(day)!;
    d.n++;
    d.bounces += list.length === 1 ? 1 : 0;
    d.events += list.length;
    d.pages += list.filter((e) => e.type === 'page').length;
    d.durations.push(Math.max(...list.map((e) => e.ts)) - first);
  }
  return [...days.keys()].sort().map((day) => {
    const d = days.get(day)!;
    const sorted = d.durations.slice().sort((a, b) => a - b);
    const lower = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
    return {
      app, day, sessions: d.n, bounceRate: d.bounces / d.n, eventsPerSession: d.events / d.n, pagesPerSession: d.pages / d.n,
      meanDurationMs: d.durations.reduce((a, b) => a + b, 0) / d.n, exact: { p50: lower(0.5), p90: lower(0.9), p99: lower(0.99) },
    };
  });
}

function channel(e: AnalyticsEvent): string | null {
  const p = e.properties;
  if (typeof p.channel === 'string' && p.channel.length > 0) return p.channel;
  if (typeof p.utm_source === 'string' && p.utm_source.length > 0) return p.utm_source;
  const page = (e.context?.page ?? {}) as Record<string, unknown>;
  const url = typeof page.url === 'string' ? page.url : '';
  const query = url.includes('?') ? url.slice(url.indexOf('?') + 1).split('#')[0]! : '';
  for (const part of query.split('&')) {
    if (part.startsWith('utm_source=') && part.length > 'utm_source='.length) return decodeURIComponent(part.slice('utm_source='.length).split('+').join(' '));
  }
  const host = (u: string) => (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(u) ? u.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '').split(/[/?#:]/)[0]! : '');
  const ref = typeof page.referrer === 'string' ? host(page.referrer) : '';
  if (ref !== '' && ref !== host(url)) return ref;
  return null;
}

export function referenceAttribution(all: AnalyticsEvent[], app: string, q: ParsedAttribution) {
  const credit: Record<string, Record<string, number>> = {};
  for (const m of q.models) credit[m] = {};
  let conversions = 0;
  for (const list of people(all, app).values()) {
    const touches: { e: AnalyticsEvent; channel: string }[] = [];
    for (const e of list) {
      const c = channel(e);
      const session = e.sessionId ?? `event:${e.id}`;
      if (c !== null && !touches.some((t) => (t.e.sessionId ?? `event:${t.e.id}`) === session)) touches.push({ e, channel: c });
    }
    for (const conv of list) {
      if (!isStep(conv, q.conversion) || !inRange(conv.ts, q)) continue;
      conversions++;
      const mine = touches.filter((t) => !before(conv, t.e) && t.e.ts >= conv.ts - q.lookbackMs);
      const n = mine.length;
      for (const m of q.models) {
        const add = (ch: string, w: number) => (credit[m]![ch] = (credit[m]![ch] ?? 0) + w);
        if (n === 0) {
          add('direct', 1);
          continue;
        }
        if (m === 'first') add(mine[0]!.channel, 1);
        if (m === 'last') add(mine[n - 1]!.channel, 1);
        if (m === 'linear') for (const t of mine) add(t.channel, 1 / n);
        if (m === 'position') {
          if (n === 1) add(mine[0]!.channel, 1);
          else if (n === 2) mine.forEach((t) => add(t.channel, 0.5));
          else mine.forEach((t, i) => add(t.channel, i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)));
        }
        if (m === 'time_decay') {
          // 2^(−age/h) normalised; scaled by the newest touch's weight first (the same ratios), so none underflows.
          const newestAge = conv.ts - Math.max(...mine.map((t) => t.e.ts));
          const weights = mine.map((t) => Math.pow(0.5, (conv.ts - t.e.ts - newestAge) / q.halfLifeMs));
          const total = weights.reduce((a, b) => a + b, 0);
          mine.forEach((t, i) => add(t.channel, weights[i]! / total));
        }
      }
    }
  }
  // Channels whose credit is 0 (a first/last model's other touches; time decay far below the newest) are left out.
  for (const m of q.models) for (const [ch, c] of Object.entries(credit[m]!)) if (c === 0) delete credit[m]![ch];
  return { conversions, credit };
}

export function referenceExperiment(all: AnalyticsEvent[], app: string, q: ParsedExperiment) {
  const variants: Record<string, { exposures: number; conversions: number }> = {};
  let excluded = 0;
  for (const list of people(all, app).values()) {
    const exposures = list.filter((e) => e.name === '$experiment' && e.properties.experiment === q.experiment && typeof e.properties.variant === 'string' && inRange(e.ts, q));
    if (exposures.length === 0) continue;
    const seen = new Set(exposures.map((e) => e.properties.variant as string));
    if (seen.size > 1) {
      excluded++;
      continue;
    }
    const v = exposures[0]!.properties.variant as string;
    variants[v] ??= { exposures: 0, conversions: 0 };
    variants[v].exposures++;
    const first = exposures[0]!;
    if (list.some((e) => isStep(e, q.goal) && before(first, e) && (q.windowMs === null || e.ts - first.ts <= q.windowMs))) variants[v].conversions++;
  }
  return { variants, excluded };
}
