// The DuckDB store's analytics — the same definitions in SQL — against the plain reference over
// random event sets (each run in its own app of one database).
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import { parseAttribution, parseExperiment, parseFunnel, parseRetention, parseSessions } from '../../src/collector/analytics/query.js';
import { duckdbStore, type DuckDBStore } from '../../src/collector-node.js';
import { attributionArb, creditMaps, eventsArb, experimentArb, funnelArb, retentionArb, round, stored } from '../helpers/analytics-arbitrary.js';
import { expectExperimentMatch, expectSessionsMatch } from '../helpers/analytics-expect.js';
import { referenceAttribution, referenceExperiment, referenceFunnel, referenceRetention, referenceSessions } from '../helpers/analytics-reference.js';

let store: DuckDBStore;
let run = 0;
beforeAll(async () => {
  store = await duckdbStore({ path: ':memory:' });
});
afterAll(() => store.close());

/** Stores the events under a fresh app name; returns it and the events as stored. */
async function load(events: AnalyticsEvent[]): Promise<{ app: string; events: AnalyticsEvent[] }> {
  const app = `run${++run}`;
  const mine = events.map((e) => ({ ...e, id: `${app}-${e.id}`, app: e.app === 'a' ? app : `${app}-other`, sessionId: e.sessionId && `${app}-${e.sessionId}` }));
  await store.write({ batchId: `${app}-b`, app, receivedAt: new Date().toISOString(), events: stored(mine), drops: null });
  return { app, events: mine };
}

describe('analytics in DuckDB SQL against the plain reference', () => {
  it('funnels: ordered (ASOF chains), strict and any order, with filters, ranges and breakdowns', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, funnelArb, async (raw, query) => {
        const { app, events } = await load(raw);
        const got = await store.analytics.funnel({ ...query, app } as never);
        expect(round(got)).toEqual(round(referenceFunnel(events, app, parseFunnel({ ...query, app }))));
      }),
      { numRuns: 150 },
    );
  });

  it('retention', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, retentionArb, async (raw, query) => {
        const { app, events } = await load(raw);
        expect(await store.analytics.retention({ ...query, app } as never)).toEqual(referenceRetention(events, app, parseRetention({ ...query, app })));
      }),
      { numRuns: 100 },
    );
  });

  it('sessions: counts exact, duration quantiles within 1%', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, async (raw) => {
        const { app, events } = await load(raw);
        const got = (await store.analytics.sessions({ app })).rows;
        const want = referenceSessions(events, app, parseSessions({}));
        expectSessionsMatch(got, want);
      }),
      { numRuns: 80 },
    );
  });

  it('attribution: channels from properties, utm_source in the URL, referrers', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, attributionArb, async (raw, query) => {
        const { app, events } = await load(raw);
        const got = await store.analytics.attribution({ ...query, app } as never);
        expect(round(creditMaps(got as never))).toEqual(round(referenceAttribution(events, app, parseAttribution({ ...query, app }))));
      }),
      { numRuns: 100 },
    );
  });

  it('experiments', async () => {
    await fc.assert(
      fc.asyncProperty(eventsArb, experimentArb, async (raw, query) => {
        const { app, events } = await load(raw);
        const got = await store.analytics.experiment({ ...query, app } as never);
        const want = referenceExperiment(events, app, parseExperiment({ ...query, app }));
        expectExperimentMatch(got, want);
      }),
      { numRuns: 100 },
    );
  });
});
