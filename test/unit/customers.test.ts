// Customer analytics (docs/analytics.md: RFM, segments, churn and lifetime value) over the memory
// engine: RFM against the brute-force reference on random event sets, segments recovering blobs,
// CLV end to end on the synthetic shop, and bad input named.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analysis/index.js';
import { WASM_URL } from '../helpers/analysis.js';
import { memoryStore } from '../../src/collector.js';
import { parseRfm } from '../../src/collector/analytics/customers.js';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import { AnalyticsInputError, type Analytics } from '../../src/collector/analytics/query.js';
import type { StoredEvent } from '../../src/collector/types.js';
import { simulateCustomers } from '../helpers/clv-sim.js';
import { customerEventsArb, customersArb, eventsArb, stored } from '../helpers/analytics-arbitrary.js';
import { referenceRfm } from '../helpers/customers-reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

async function load(events: StoredEvent[], app = 'a'): Promise<Analytics> {
  const store = memoryStore();
  await store.write({ batchId: 'b', app, receivedAt: new Date().toISOString(), events, drops: null });
  return store.analytics;
}

async function inputError(p: Promise<unknown>): Promise<AnalyticsInputError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(AnalyticsInputError);
  return e as AnalyticsInputError;
}

describe('RFM', () => {
  it('equals the brute-force reference: recency, frequency, value, quintile scores and named segments', async () => {
    let withCustomers = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(eventsArb, customerEventsArb, customerEventsArb), customersArb, async (events: AnalyticsEvent[], query) => {
        const got = await (await load(stored(events))).rfm(query as never);
        const want = referenceRfm(events, 'a', parseRfm(query));
        expect(got.people).toEqual(want.people);
        expect(got.invalidAmounts).toBe(want.invalidAmounts);
        if (want.people.length) expect(got.asOf).toBe(want.asOf);
        expect(got.segments.reduce((t, s) => t + s.people, 0)).toBe(want.people.length);
        if (want.people.length >= 3) withCustomers++;
      }),
      { numRuns: 300 },
    );
    // Not vacuous: many sets have several customers (about 100–150 of the 300; fast-check starts small).
    expect(withCustomers).toBeGreaterThan(40);
  });

  it('scores quintiles: 100 customers of distinct frequencies get 20 of each score, 5 for the most', async () => {
    const events: StoredEvent[] = [];
    const t0 = Date.UTC(2026, 0, 1);
    for (let p = 0; p < 100; p++)
      for (let k = 0; k <= p; k++)
        events.push(stored([{ id: `e${p}-${k}`, app: 'a', type: 'track', name: 'order', ts: t0 + k * 1000, sessionId: null, anonymousId: null, userId: `u${String(p).padStart(3, '0')}`, properties: { total: 10 }, context: null }])[0]!);
    const got = await (await load(events)).rfm({ app: 'a', purchase: 'order', amount: 'total' });
    const f = got.people.map((x) => x.f);
    for (let s = 1; s <= 5; s++) expect(f.filter((v) => v === s)).toHaveLength(20);
    expect(got.people.find((x) => x.person === 'u099')!.f).toBe(5);
    expect(got.people.find((x) => x.person === 'u000')!.f).toBe(1);
    // Everyone's value is 10 × purchases; equal recency (all bought last at… different times) is not needed here.
    expect(got.people.find((x) => x.person === 'u099')!.monetary).toBe(1000);
  });

  it('names bad input: the purchase step, the amount property, the range', async () => {
    const a = await load([]);
    expect((await inputError(a.rfm({ app: 'a', amount: 'x' } as never))).parameter).toBe('purchase');
    expect((await inputError(a.rfm({ app: 'a', purchase: 'buy' } as never))).parameter).toBe('amount');
    expect((await inputError(a.rfm({ app: 'a', purchase: 'buy', amount: 'x', from: 'yesterday' } as never))).parameter).toBe('from');
  });
});

/** People in three groups with distinct behaviour: views, carts and sessions around each group's centre. */
function blobs(perGroup: number, seed: number): { events: StoredEvent[]; group: Map<string, number> } {
  const centres = [{ view: 4, cart: 0, sessions: 1 }, { view: 25, cart: 6, sessions: 6 }, { view: 3, cart: 12, sessions: 3 }];
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const events: StoredEvent[] = [];
  const group = new Map<string, number>();
  const t0 = Date.UTC(2026, 5, 1);
  centres.forEach((c, g) => {
    for (let i = 0; i < perGroup; i++) {
      const person = `g${g}-p${i}`;
      group.set(person, g);
      const jitter = (v: number) => Math.max(0, Math.round(v + (rnd() - 0.5) * 2));
      const sessions = Math.max(1, jitter(c.sessions));
      let n = 0;
      for (const [name, count] of [['view', jitter(c.view)], ['cart', jitter(c.cart)]] as const)
        for (let k = 0; k < count; k++)
          events.push(stored([{ id: `${person}-${n}`, app: 'a', type: 'track', name, ts: t0 + n++ * 60_000, sessionId: `${person}-s${n % sessions}`, anonymousId: person, userId: null, properties: {}, context: null }])[0]!);
      if (n === 0) events.push(stored([{ id: `${person}-0`, app: 'a', type: 'page', name: '/', ts: t0, sessionId: `${person}-s0`, anonymousId: person, userId: null, properties: {}, context: null }])[0]!);
    }
  });
  return { events, group };
}

describe('segments', () => {
  it('recovers three behavioural blobs: every segment holds one group, centroids in original units', async () => {
    const { events, group } = blobs(60, 7);
    const got = await (await load(events)).segments({ app: 'a', features: [{ count: 'view' }, { count: 'cart' }, 'sessions'], k: 3 });
    expect(got.features).toEqual(['count(view)', 'count(cart)', 'sessions']);
    expect(got.people).toBe(180);
    expect(got.sizes.slice().sort()).toEqual([60, 60, 60]);
    const members = new Map<number, Set<number>>();
    for (const { person, label } of got.labels!) (members.get(label) ?? members.set(label, new Set()).get(label)!).add(group.get(person)!);
    for (const s of members.values()) expect(s.size).toBe(1);
    // The busy group's centroid: about 25 views and 6 carts (original units, not z-scores).
    const busy = got.centroids.find((c) => c[0]! > 15)!;
    expect(busy[0]).toBeGreaterThan(23);
    expect(busy[0]).toBeLessThan(27);
    expect(busy[1]).toBeGreaterThan(5);
    expect(busy[1]).toBeLessThan(7);
  });

  it('chooses k = 3 by silhouette from kRange [2, 6]', async () => {
    const { events } = blobs(50, 11);
    const got = await (await load(events)).segments({ app: 'a', features: [{ count: 'view' }, { count: 'cart' }], kRange: [2, 6], labels: false });
    expect(got.k).toBe(3);
    expect(got.silhouette!.map((s) => s.k)).toEqual([2, 3, 4, 5, 6]);
    const best = Math.max(...got.silhouette!.map((s) => s.score));
    expect(got.silhouette!.find((s) => s.k === 3)!.score).toBe(best);
    expect(got.labels).toBeNull();
  });

  it('names bad input', async () => {
    const a = await load(blobs(5, 1).events);
    const p = async (q: unknown) => (await inputError(a.segments({ app: 'a', ...(q as object) } as never))).parameter;
    expect(await p({ features: [], k: 2 })).toBe('features');
    expect(await p({ features: ['age'], k: 2 })).toBe('features[0]');
    expect(await p({ features: [{ count: '' }], k: 2 })).toBe('features[0].count');
    expect(await p({ features: ['events'] })).toBe('k');
    expect(await p({ features: ['events'], k: 2, kRange: [2, 3] })).toBe('k');
    expect(await p({ features: ['events'], kRange: [1, 3] })).toBe('kRange[0]');
    expect(await p({ features: ['recency'], k: 2 })).toBe('purchase');
    expect(await p({ features: ['events'], k: 99 })).toBe('k');
  });
});

describe('churn and lifetime value from collected events', () => {
  it('recovers BG/NBD and Gamma-Gamma parameters from purchase events simulated from the models, through identity merge and time units', async () => {
    const bg = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const spend = { p: 6.25, q: 3.74, gamma: 15.44 };
    const sim = simulateCustomers(6000, bg, { seed: 3, minT: 27, maxT: 39, spend, histories: true });
    const WEEK = 7 * 86_400_000;
    const asOf = Date.UTC(2026, 9, 1);
    const events: StoredEvent[] = [];
    sim.times!.forEach((times, i) => {
      const first = asOf - sim.T[i]! * WEEK;
      [0, ...times].forEach((t, k) =>
        // The first purchase anonymous, later ones identified: the person is merged back together.
        events.push(stored([{ id: `c${i}-${k}`, app: 'a', type: 'track', name: 'order', ts: first + t * WEEK, sessionId: null, anonymousId: `anon-${i}`, userId: k > 0 ? `user-${i}` : null, properties: { total: sim.values![i]![k]! }, context: null }])[0]!),
      );
    });
    const got = await (await load(events)).clv({ app: 'a', purchase: 'order', amount: 'total', unit: 'week', to: asOf });
    expect(got.customers).toBe(6000);
    // Event times are whole ms, so x, tx and T agree with the simulation to a ms.
    const x = got.people!.map((p) => p.x).reduce((t, v) => t + v, 0);
    expect(x).toBe(sim.x.reduce((t, v) => t + v, 0));
    const z: number[] = [];
    for (const k of ['r', 'alpha', 'a', 'b'] as const) z.push((got.bgnbd[k] - bg[k]) / got.bgnbd.standardErrors![k]);
    for (const k of ['p', 'q', 'gamma'] as const) z.push((got.gammaGamma![k] - spend[k]) / got.gammaGamma!.standardErrors![k]);
    expect(z.filter((v) => Math.abs(v) < 2).length).toBeGreaterThanOrEqual(6);
    for (const v of z) expect(Math.abs(v)).toBeLessThan(3);
    const sum = got.people!.reduce((t, p) => t + p.clv!, 0);
    expect(got.totals.clv).toBeCloseTo(sum, 6);
    for (const p of got.people!) {
      expect(p.pAlive).toBeGreaterThan(0);
      expect(p.pAlive).toBeLessThanOrEqual(1);
      if (p.x === 0) expect(p.pAlive).toBe(1);
    }
    // Each customer's x is their orders − 1, as RFM counts them.
    const rfm = await (await load(events)).rfm({ app: 'a', purchase: 'order', amount: 'total', to: asOf });
    const orders = new Map(rfm.people.map((p) => [p.person, p.frequency]));
    for (const p of got.people!) expect(p.x).toBe(orders.get(p.person)! - 1);
  });

  it('refuses a shop where nobody buys twice, naming the reason', async () => {
    const events = [0, 1, 2].map((i) => stored([{ id: `o${i}`, app: 'a', type: 'track', name: 'order', ts: Date.UTC(2026, 0, 1 + i), sessionId: null, anonymousId: `p${i}`, userId: null, properties: { amount: 5 }, context: null }])[0]!);
    const e = await inputError((await load(events)).clv({ app: 'a', purchase: 'order', amount: 'amount' }));
    expect(e.parameter).toBe('customers.x');
    expect(e.message).toMatch(/nobody purchased again/);
    expect((await inputError((await load(events)).clv({ app: 'a', purchase: 'nothing', amount: 'amount' }))).parameter).toBe('purchase');
    expect((await inputError((await load(events)).clv({ app: 'a', purchase: 'order', amount: 'amount', unit: 'month' } as never))).parameter).toBe('unit');
  });
});
