// The analytics queries (docs/analytics.md) of the memory store — the engine the D1 store also
// runs — against the plain reference over random event sets, and the properties every engine keeps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../../src/collector.js';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import { parseAttribution, parseExperiment, parseFunnel, parseRetention, parseSessions } from '../../src/collector/analytics/query.js';
import type { Analytics } from '../../src/collector/analytics/query.js';
import { attributionArb, creditMaps, eventsArb, experimentArb, funnelArb, retentionArb, round, stored } from '../helpers/analytics-arbitrary.js';
import { expectExperimentMatch, expectSessionsMatch } from '../helpers/analytics-expect.js';
import { referenceAttribution, referenceExperiment, referenceFunnel, referenceRetention, referenceSessions } from '../helpers/analytics-reference.js';

async function load(events: AnalyticsEvent[]): Promise<Analytics> {
  const store = memoryStore();
  await store.write({ batchId: 'b', app: 'a', receivedAt: new Date().toISOString(), events: stored(events), drops: null });
  return store.analytics;
}

describe('analytics: the memory engine against the plain reference', () => {
  it('funnels: ordered, strict and any order, windows, filters, ranges and breakdowns', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, funnelArb, async (events, query) => {
        const got = await (await load(events)).funnel(query as never);
        expect(round(got)).toEqual(round(referenceFunnel(events, 'a', parseFunnel(query))));
      }),
      { numRuns: 400 },
    );
  });

  it('retention: cohorts by first start event, by day and by week', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, retentionArb, async (events, query) => {
        const got = await (await load(events)).retention(query as never);
        expect(got).toEqual(referenceRetention(events, 'a', parseRetention(query)));
      }),
      { numRuns: 300 },
    );
  });

  it('sessions: counts, bounce, events and pages exact; duration quantiles within the sketch’s 1%', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, async (events) => {
        const got = (await (await load(events)).sessions({ app: 'a' })).rows;
        const want = referenceSessions(events, 'a', parseSessions({}));
        expectSessionsMatch(got, want);
      }),
      { numRuns: 200 },
    );
  });

  it('attribution: five models, touchpoints per session within the lookback', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, attributionArb, async (events, query) => {
        const got = await (await load(events)).attribution(query as never);
        expect(round(creditMaps(got as never))).toEqual(round(referenceAttribution(events, 'a', parseAttribution(query))));
      }),
      { numRuns: 300 },
    );
  });

  it('experiments: exposures, conversions after the first exposure, people in two variants left out', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, experimentArb, async (events, query) => {
        const got = await (await load(events)).experiment(query as never);
        const want = referenceExperiment(events, 'a', parseExperiment(query));
        expectExperimentMatch(got, want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('analytics: properties', () => {
  it('funnel counts never increase along the steps, and rates are consistent', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, funnelArb, async (events, query) => {
        const r = await (await load(events)).funnel(query as never);
        for (const steps of [r.steps, ...(r.breakdown ?? []).map((b) => b.steps)]) {
          for (let k = 1; k < steps.length; k++) {
            expect(steps[k]!.people).toBeLessThanOrEqual(steps[k - 1]!.people);
            if (steps[k - 1]!.people > 0) expect(steps[k]!.fromPrevious).toBeCloseTo(steps[k]!.people / steps[k - 1]!.people, 12);
          }
        }
        if (r.breakdown) expect(r.breakdown.reduce((a, b) => a + b.steps[0]!.people, 0)).toBe(r.steps[0]!.people);
      }),
      { numRuns: 300 },
    );
  });

  it('retention: period 0 is 100% of every cohort', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, retentionArb, async (events, query) => {
        const r = await (await load(events)).retention(query as never);
        for (const c of r.cohorts) {
          expect(c.rates[0]).toBe(1);
          expect(c.counts.every((n) => n <= c.size)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('attribution: every model’s credits sum to the conversions', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, attributionArb, async (events, query) => {
        const r = await (await load(events)).attribution(query as never);
        for (const list of Object.values(r.models)) expect(list!.reduce((a, c) => a + c.credit, 0)).toBeCloseTo(r.conversions, 9);
      }),
      { numRuns: 200 },
    );
  });

  it('adding unrelated events — other names, other apps, metrics — changes no result', async () => {
    const unrelated = fc.array(
      fc.record({ name: fc.constantFrom('unrelated', 'noise'), app: fc.constantFrom('a', 'z'), type: fc.constantFrom('track', 'metric', 'span'), minute: fc.integer({ min: 0, max: 13_000 }), who: fc.constantFrom('A1', 'A2', 'U1', 'Z9') }),
      { maxLength: 15 },
    );
    await fc.assert(
      fc.asyncProperty(eventsArb, unrelated, funnelArb, retentionArb, experimentArb, attributionArb, async (events, extra, f, r, x, a) => {
        // Unrelated events carry no channel, no user id and no session: nothing reads them — except
        // a strict funnel, whose definition is "the very next event", so it is left out here.
        if ((f as { order?: string }).order === 'strict') (f as { order?: string }).order = 'ordered';
        const noise: AnalyticsEvent[] = extra.map((u, i) => ({ id: `n${i}`, app: u.app, type: u.type, name: u.name, ts: (events[0]?.ts ?? 0) + u.minute * 60_000, sessionId: null, anonymousId: u.who, userId: null, properties: {}, context: null }));
        const before = await load(events);
        const after = await load([...events, ...noise]);
        expect(await after.funnel(f as never)).toEqual(await before.funnel(f as never));
        expect(await after.retention(r as never)).toEqual(await before.retention(r as never));
        expect(await after.experiment(x as never)).toEqual(await before.experiment(x as never));
        expect(await after.attribution(a as never)).toEqual(await before.attribution(a as never));
        expect(await after.sessions({ app: 'a' })).toEqual(await before.sessions({ app: 'a' }));
      }),
      { numRuns: 150 },
    );
  });
});

describe('analytics: bad input names the parameter', () => {
  it.each([
    ['funnel', { app: 'a', steps: [], windowMs: 1000 }, 'steps'],
    ['funnel', { app: 'a', steps: ['x', { event: '' }], windowMs: 1000 }, 'steps[1].event'],
    ['funnel', { app: 'a', steps: ['x', { event: 'y', where: { plan: [1] } }], windowMs: 1000 }, 'steps[1].where.plan'],
    ['funnel', { app: 'a', steps: ['x'], windowMs: -5 }, 'windowMs'],
    ['funnel', { app: 'a', steps: ['x'], windowMs: 5, order: 'sideways' }, 'order'],
    ['funnel', { steps: ['x'], windowMs: 5 }, 'app'],
    ['funnel', { app: 'a', steps: ['x'], windowMs: 5, from: 'yesterday' }, 'from'],
    ['funnel', { app: 'a', steps: ['x'], windowMs: 5, from: '2026-02-01', to: '2026-01-01' }, 'to'],
    ['retention', { app: 'a', start: 'x', returning: 'y', period: 'month', periods: 4 }, 'period'],
    ['retention', { app: 'a', start: 'x', returning: 'y', period: 'day', periods: 0 }, 'periods'],
    ['retention', { app: 'a', returning: 'y', period: 'day', periods: 3 }, 'start'],
    ['attribution', { app: 'a', conversion: 'buy', lookbackMs: 1000, models: ['first', 'u_shaped'] }, 'models[1]'],
    ['attribution', { app: 'a', conversion: 'buy' }, 'lookbackMs'],
    ['experiment', { app: 'a', goal: 'buy' }, 'experiment'],
    ['experiment', { app: 'a', experiment: 'e', goal: 'buy', confidence: 95 }, 'confidence'],
    ['experiment', { app: 'a', experiment: 'e', goal: 'buy', shares: { control: 1, b: -1 } }, 'shares.b'],
  ])('%s %j → %s', async (kind, query, parameter) => {
    const a = (await load([])) as unknown as Record<string, (q: unknown) => Promise<unknown>>;
    await expect(a[kind]!(query)).rejects.toMatchObject({ name: 'AnalyticsInputError', parameter });
  });
});
