// Random event sets and queries for the analytics tests: a few people whose anonymous and user ids
// cross, steps with property filters, ties in time, sessions, channels in every form the
// attribution reads, and experiment exposures — small enough for the exhaustive reference.
import fc from 'fast-check';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import type { StoredEvent } from '../../src/collector/types.js';

export const T0 = Date.UTC(2026, 10, 2, 22, 0, 0); // a Monday, 22:00 UTC: days and weeks turn over nearby
const MIN = 60_000;
export const NAMES = ['view', 'cart', 'buy', 'other'] as const;

const event = fc.record({
  app: fc.constantFrom('a', 'a', 'a', 'b'),
  type: fc.constantFrom('track', 'track', 'track', 'page', 'identify', 'metric'),
  name: fc.constantFrom(...NAMES, '$experiment'),
  // Minutes over ~9 days with clusters, so ties and window edges happen.
  minute: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 13_000 })),
  ms: fc.constantFrom(0, 0, 1, 999),
  session: fc.option(fc.constantFrom('s1', 's2', 's3', 's4', 's5'), { nil: null }),
  anon: fc.option(fc.constantFrom('A1', 'A2', 'A3', 'A4'), { nil: null, freq: 6 }),
  user: fc.option(fc.constantFrom('U1', 'U2', 'U3'), { nil: null, freq: 2 }),
  plan: fc.option(fc.constantFrom<string | number | boolean>('x', 'y', 1, true), { nil: undefined }),
  channel: fc.option(fc.constantFrom('ads', ''), { nil: undefined, freq: 5 }),
  utm: fc.option(fc.constantFrom('news', 'g+o%20o'), { nil: undefined, freq: 4 }),
  referrer: fc.option(fc.constantFrom('https://search.example/q', 'https://shop.example/other', ''), { nil: undefined, freq: 3 }),
  experiment: fc.constantFrom('e1', 'e1', 'e2'),
  variant: fc.constantFrom<unknown>('control', 'control', 'b', 'c', 7),
  // Purchase values: integers (sums then equal in any order, in SQL and JS), and the invalid kinds.
  amount: fc.option(fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 500 }), fc.constantFrom<unknown>(-20, '7', null, true)), { nil: undefined, freq: 2 }),
});

export const eventsArb = fc.array(event, { minLength: 0, maxLength: 40, size: 'max' }).map((raw) =>
  raw.map((r, i): AnalyticsEvent => {
    const properties: Record<string, unknown> = {};
    if (r.plan !== undefined) properties.plan = r.plan;
    if (r.channel !== undefined) properties.channel = r.channel;
    if (r.name === '$experiment') Object.assign(properties, { experiment: r.experiment, variant: r.variant });
    if (r.amount !== undefined) properties.amount = r.amount;
    const url = `https://shop.example/p${r.utm !== undefined ? `?a=1&utm_source=${r.utm}` : ''}`;
    return {
      id: `e${String(i).padStart(3, '0')}${'xyz'[i % 3]}`,
      app: r.app,
      type: r.type,
      name: r.name,
      ts: T0 + r.minute * MIN + r.ms,
      sessionId: r.session,
      anonymousId: r.anon,
      userId: r.user,
      properties,
      context: { page: { url, referrer: r.referrer ?? '' } },
    };
  }),
);

const step = fc.oneof(
  fc.constantFrom(...NAMES),
  fc.record({ event: fc.constantFrom(...NAMES), where: fc.constantFrom<Record<string, string | number | boolean>>({ plan: 'x' }, { plan: 1 }, { plan: true }, {}) }),
);
const range = fc.option(fc.record({ from: fc.integer({ min: -60, max: 4_000 }), to: fc.integer({ min: 4_001, max: 14_000 }) }), { nil: undefined });
const withRange = <T extends object>(q: T, r: { from: number; to: number } | undefined) => (r ? { ...q, from: T0 + r.from * MIN, to: T0 + r.to * MIN } : q);

export const funnelArb = fc
  .tuple(fc.array(step, { minLength: 1, maxLength: 4 }), fc.constantFrom(1, 30, 600, 5_000), fc.constantFrom('ordered', 'strict', 'any'), fc.option(fc.constant('plan'), { nil: undefined }), range)
  .map(([steps, minutes, order, breakdown, r]) => withRange({ app: 'a', steps, windowMs: minutes * MIN, order, ...(breakdown ? { breakdown } : {}) }, r));

export const retentionArb = fc
  .tuple(step, step, fc.constantFrom('day', 'week'), fc.integer({ min: 1, max: 10 }), range)
  .map(([start, returning, period, periods, r]) => withRange({ app: 'a', start, returning, period, periods }, r));

export const attributionArb = fc
  .tuple(step, fc.constantFrom(10, 600, 20_000), fc.constantFrom(1, 60, 10_000), range)
  .map(([conversion, lookback, half, r]) => withRange({ app: 'a', conversion, lookbackMs: lookback * MIN, halfLifeMs: half * MIN }, r));

export const experimentArb = fc
  .tuple(step, fc.option(fc.constantFrom(5, 600), { nil: undefined }), range)
  .map(([goal, window, r]) => withRange({ app: 'a', experiment: 'e1', goal, ...(window ? { windowMs: window * MIN } : {}) }, r));

/** Purchase histories: up to 15 people (some anonymous, some identified later), mostly buying, in every amount form. */
export const customerEventsArb = fc
  .array(
    fc.record({
      person: fc.integer({ min: 0, max: 14 }),
      identified: fc.boolean(),
      type: fc.constantFrom('track', 'track', 'track', 'page', 'identify'),
      name: fc.constantFrom('buy', 'buy', 'buy', 'cart', 'view'),
      minute: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 13_000 })),
      session: fc.option(fc.constantFrom('s1', 's2', 's3', 's4'), { nil: null }),
      plan: fc.option(fc.constantFrom<string | number>('x', 1), { nil: undefined }),
      amount: fc.option(fc.oneof(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom<unknown>(-20, '7', null)), { nil: undefined, freq: 8 }),
    }),
    { maxLength: 80, size: 'max' },
  )
  .map((raw) =>
    raw.map((r, i): AnalyticsEvent => ({
      id: `c${String(i).padStart(3, '0')}`,
      app: 'a',
      type: r.type,
      name: r.name,
      ts: T0 + r.minute * MIN,
      sessionId: r.session,
      anonymousId: `anon${r.person}`,
      userId: r.identified && r.person % 3 === 0 ? `user${r.person}` : null,
      properties: { ...(r.plan !== undefined ? { plan: r.plan } : {}), ...(r.amount !== undefined ? { amount: r.amount } : {}) },
      context: null,
    })),
  );

/** RFM and CLV queries: the purchase step (with or without a filter) and the amount property. */
export const customersArb = fc
  .tuple(fc.constantFrom<unknown>('buy', 'buy', 'cart', { event: 'buy', where: { plan: 'x' } }), fc.constantFrom('amount', 'amount', 'plan'), range)
  .map(([purchase, amount, r]) => withRange({ app: 'a', purchase, amount }, r));

/** The same events as the store keeps them. */
export function stored(events: AnalyticsEvent[]): StoredEvent[] {
  return events.map((e) => ({
    id: e.id, app: e.app, type: e.type, name: e.name, timestamp: new Date(e.ts).toISOString(), receivedAt: new Date(e.ts).toISOString(), batchId: 'b',
    sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, traceId: null, spanId: null, properties: e.properties, context: e.context,
  }));
}

/** Rounds floats to 12 significant digits (and below 1e-9 to 0), so sums taken in another order compare equal. */
export const round = (v: unknown): unknown =>
  typeof v === 'number'
    ? Math.abs(v) < 1e-9
      ? 0
      : Number(v.toPrecision(12))
    : Array.isArray(v)
      ? v.map(round)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)]))
        : v;

/** Attribution's credits as channel → credit per model, for comparing with the reference. */
export const creditMaps = (r: { conversions: number; models: Record<string, { channel: string; credit: number }[]> }) => ({
  conversions: r.conversions,
  credit: Object.fromEntries(Object.entries(r.models).map(([m, list]) => [m, Object.fromEntries(list.map((c) => [c.channel, c.credit]))])),
});
