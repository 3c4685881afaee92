// avila-telemetry/testing: the real collector with fault injection. The SDK (Node) delivers through
// failures, 429s and connection resets: every event stored exactly once; and offline, nothing.
import { describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { seededRandom, startTestCollector, testClock } from '../../src/testing.js';
import { rng } from '../helpers/reference.js';

describe('startTestCollector()', () => {
  it('the SDK delivers through 30% failures, 10% 429s and 10% resets: each of 600 events stored once', async () => {
    const collector = await startTestCollector({ faults: { failRate: 0.3, rate429: 0.1, retryAfterSeconds: 0, resetRate: 0.1 }, random: rng(7) });
    try {
      const client = init({ endpoint: collector.endpoint, apiKey: collector.apiKey, delivery: { storage: 'memory', batch: { maxEvents: 50, intervalMs: 20 }, retry: { baseMs: 5, maxMs: 50 }, circuit: { failures: 1000 } } });
      for (let i = 0; i < 600; i++) client.track('chaos', { i });
      await client.flush(60_000);
      await client.shutdown();
      const got = collector.events.filter((e) => e.name === 'chaos').map((e) => Number(e.properties.i)).sort((a, b) => a - b);
      expect(got).toEqual(Array.from({ length: 600 }, (_, i) => i));
      const s = collector.stats();
      expect(s.faults.failed + s.faults.throttled + s.faults.reset).toBeGreaterThan(0);
      expect(s.inserted).toBe(collector.events.length);
    } finally {
      await collector.close();
    }
  }, 60_000);

  it('offline: nothing is stored and the SDK keeps its events; back online, they arrive', async () => {
    const collector = await startTestCollector({ faults: { offline: true } });
    try {
      const client = init({ endpoint: collector.endpoint, apiKey: collector.apiKey, delivery: { storage: 'memory', batch: { intervalMs: 20 }, retry: { baseMs: 5, maxMs: 20 }, circuit: { failures: 1000 } } });
      for (let i = 0; i < 40; i++) client.track('later', { i });
      await client.flush(300);
      expect(collector.events).toHaveLength(0);
      expect((await client.deliveryStats()).queued).toBeGreaterThanOrEqual(40);
      collector.faults.offline = false;
      await client.flush(10_000);
      await client.shutdown();
      expect(collector.events.filter((e) => e.name === 'later')).toHaveLength(40);
    } finally {
      await collector.close();
    }
  }, 30_000);
});

describe('a deterministic clock and random source for init()', () => {
  const run = async (seed: number) => {
    const collector = await startTestCollector();
    try {
      const clock = testClock(Date.UTC(2026, 10, 28, 10));
      const client = init({ endpoint: collector.endpoint, apiKey: collector.apiKey, clock: clock.now, random: seededRandom(seed), storageKey: `det-${seed}-${Math.random()}`, delivery: { storage: 'memory' }, tracesSampleRate: 0.5 });
      client.track('a', { n: 1 });
      clock.advance(1500);
      client.track('b', { n: 2 });
      const spans = Array.from({ length: 8 }, () => client.startSpan('s'));
      for (const s of spans) s.end();
      clock.advance(10);
      await client.flush();
      await client.shutdown();
      return {
        anonymousId: client.anonymousId,
        events: collector.events.map((e) => ({ id: e.id, type: e.type, name: e.name, timestamp: e.timestamp, sessionId: e.sessionId, traceId: e.traceId, spanId: e.spanId })),
        sampled: spans.map((s) => s.sampled),
      };
    } finally {
      await collector.close();
    }
  };

  it('the same clock and seed give the same ids, timestamps and sampling decisions; another seed other ids', async () => {
    const [one, two, other] = [await run(42), await run(42), await run(43)];
    expect(two).toEqual(one);
    expect(one.events.map((e) => [e.name, e.timestamp])).toEqual([
      ['session_start', '2026-11-28T10:00:00.000Z'],
      ['a', '2026-11-28T10:00:00.000Z'],
      ['b', '2026-11-28T10:00:01.500Z'],
      ...one.events.slice(3).map((e) => ['s', '2026-11-28T10:00:01.500Z']),
    ]);
    // UUIDv7s carry the clock's time.
    expect(one.anonymousId.slice(0, 13).replace('-', '')).toBe(Date.UTC(2026, 10, 28, 10).toString(16).padStart(12, '0'));
    expect(other.anonymousId).not.toBe(one.anonymousId);
    expect(other.events.map((e) => e.id)).not.toEqual(one.events.map((e) => e.id));
  });

  it('seededRandom: uniform in [0, 1) (mean and a 10-bin chi-square within bounds) and repeatable', () => {
    const r = seededRandom(7);
    const xs = Array.from({ length: 100_000 }, r);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((a, b) => a + b, 0) / xs.length - 0.5)).toBeLessThan(0.005);
    const bins = new Array(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    const chi2 = bins.reduce((t, o) => t + (o - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(27.9); // χ²(9) at p = 0.001
    expect(Array.from({ length: 5 }, seededRandom(7))).toEqual(xs.slice(0, 5));
  });
});
