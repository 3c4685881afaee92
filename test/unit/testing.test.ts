// avila-telemetry/testing: the real collector with fault injection. The SDK (Node) delivers through
// failures, 429s and connection resets: every event stored exactly once; and offline, nothing.
import { describe, expect, it } from 'vitest';
import { init } from '../../src/index.js';
import { startTestCollector } from '../../src/testing.js';
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
