// Customer analytics in the DuckDB store — per-person rows in SQL — against the plain RFM reference
// and against the memory engine (segments, CLV, collected-series quality) on the same events.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analysis/index.js';
import { memoryStore } from '../../src/collector.js';
import { parseRfm } from '../../src/collector/analytics/customers.js';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import type { Analytics } from '../../src/collector/analytics/query.js';
import { duckdbStore, type DuckDBStore } from '../../src/collector-node.js';
import type { StoredEvent } from '../../src/collector/types.js';
import { WASM_URL } from '../helpers/analysis.js';
import { customerEventsArb, customersArb, eventsArb, stored } from '../helpers/analytics-arbitrary.js';
import { simulateCustomers } from '../helpers/clv-sim.js';
import { referenceRfm } from '../helpers/customers-reference.js';

let store: DuckDBStore;
let run = 0;
beforeAll(async () => {
  await ready({ wasm: WASM_URL, worker: false });
  store = await duckdbStore({ path: ':memory:' });
});
afterAll(() => store.close());

/** The events under a fresh app in DuckDB, and the same in a memory store. */
async function load(raw: AnalyticsEvent[] | StoredEvent[]): Promise<{ app: string; events: AnalyticsEvent[]; memory: Analytics }> {
  const app = `run${++run}`;
  const asStored: StoredEvent[] = 'timestamp' in (raw[0] ?? {}) ? (raw as StoredEvent[]) : stored(raw as AnalyticsEvent[]);
  const mine = asStored.map((e) => ({ ...e, id: `${app}-${e.id}`, app: e.app === 'a' ? app : `${app}-other` }));
  await store.write({ batchId: `${app}-b`, app, receivedAt: new Date().toISOString(), events: mine, drops: null });
  const memory = memoryStore();
  await memory.write({ batchId: `${app}-b`, app, receivedAt: new Date().toISOString(), events: mine, drops: null });
  const events = mine.map((e) => ({ id: e.id, app: e.app, type: e.type, name: e.name, ts: Date.parse(e.timestamp), sessionId: e.sessionId, anonymousId: e.anonymousId, userId: e.userId, properties: e.properties, context: e.context }));
  return { app, events, memory: memory.analytics };
}

const settle = (p: Promise<unknown>) => p.then((value) => ({ value }), (e: Error) => ({ error: `${e.name}: ${e.message}` }));

describe('customer analytics in DuckDB SQL', () => {
  it('RFM equals the brute-force reference', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(eventsArb, customerEventsArb), customersArb, async (raw, query) => {
        const { app, events } = await load(raw);
        const got = await store.analytics.rfm({ ...query, app } as never);
        const want = referenceRfm(events, app, parseRfm({ ...query, app }));
        expect(got.people).toEqual(want.people);
        expect(got.invalidAmounts).toBe(want.invalidAmounts);
        if (want.people.length) expect(got.asOf).toBe(want.asOf);
      }),
      { numRuns: 120 },
    );
  });

  it('segments equal the memory engine\'s (same rows, so the same k-means), errors included', async () => {
    let fitted = 0;
    const feature = fc.constantFrom<unknown>('recency', 'frequency', 'monetary', 'sessions', 'events', { count: 'view' }, { share: 'buy' }, { count: { event: 'buy', where: { plan: 'x' } } });
    await fc.assert(
      fc.asyncProperty(customerEventsArb, fc.array(feature, { minLength: 1, maxLength: 4 }), fc.constantFrom<object>({ k: 1 }, { k: 2 }, { kRange: [2, 3] }), fc.boolean(), async (raw, features, k, log) => {
        const { app, memory } = await load(raw);
        const query = { app, features, ...k, purchase: 'buy', amount: 'amount', log, silhouetteSample: 10 };
        const got = await settle(store.analytics.segments(query as never));
        expect(got).toEqual(await settle(memory.segments(query as never)));
        if ('value' in got) fitted++;
      }),
      { numRuns: 80 },
    );
    // Not only errors on both sides.
    expect(fitted).toBeGreaterThan(40);
  });

  it('CLV equals the memory engine\'s on purchases simulated from BG/NBD', async () => {
    const sim = simulateCustomers(800, { r: 0.5, alpha: 5, a: 0.8, b: 2.5 }, { seed: 9, minT: 20, maxT: 40, spend: { p: 6, q: 4, gamma: 15 }, histories: true });
    const asOf = Date.UTC(2026, 9, 1);
    const DAY = 86_400_000;
    const events: StoredEvent[] = [];
    sim.times!.forEach((times, i) =>
      [0, ...times].forEach((t, k) => {
        const ts = new Date(Math.round(asOf - (sim.T[i]! - t) * DAY)).toISOString();
        events.push({ id: `c${i}-${k}`, app: 'a', type: 'track', name: 'order', timestamp: ts, receivedAt: ts, batchId: 'b', sessionId: null, anonymousId: `a${i}`, userId: null, traceId: null, spanId: null, properties: { total: Math.round(sim.values![i]![k]! * 100) / 100 }, context: null });
      }),
    );
    const { app, memory } = await load(events);
    const query = { app, purchase: 'order', amount: 'total', unit: 'day' as const, horizon: 90 };
    const [got, want] = [await store.analytics.clv(query), await memory.clv(query)];
    expect(got.customers).toBe(800);
    expect(got.people!.map((p) => [p.person, p.x, p.tx, p.T])).toEqual(want.people!.map((p) => [p.person, p.x, p.tx, p.T]));
    // Sums of amounts in another order differ in the last bits; the fits stop at a gradient of 1e-9.
    const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-6 * Math.abs(b));
    for (const k of ['r', 'alpha', 'a', 'b'] as const) near(got.bgnbd[k], want.bgnbd[k]);
    for (const k of ['p', 'q', 'gamma'] as const) near(got.gammaGamma![k], want.gammaGamma![k]);
    near(got.totals.clv!, want.totals.clv!);
  });

  it('collected-series quality equals the memory engine\'s', async () => {
    const t0 = Date.UTC(2026, 10, 1);
    const events: StoredEvent[] = [];
    for (let i = 0; i < 200; i++) {
      if (i % 17 === 3) continue;
      const t = t0 + i * 5000 + (i % 29 === 0 ? -12_000 : 0);
      events.push({ id: `m${i}`, app: 'a', type: 'metric', name: 'cpu', timestamp: new Date(t).toISOString(), receivedAt: new Date(t0 + Math.floor(i / 10) * 50_000).toISOString(), batchId: 'b', sessionId: null, anonymousId: null, userId: null, traceId: null, spanId: null, properties: { metric: 'cpu', kind: 'histogram', count: i % 13 ? 4 : 0, sum: 2 * (i % 50), attributes: { core: String(i % 3), host: 'h' } }, context: null });
    }
    const { app, memory } = await load(events);
    const query = { app, metric: 'cpu', expectedIntervalMs: 15_000, range: [0, 20] as [number, number], now: t0 + 1_001_000 };
    const got = await store.analytics.quality(query);
    expect(got.series).toHaveLength(3);
    expect(got).toEqual(await memory.quality(query));
  });
});
