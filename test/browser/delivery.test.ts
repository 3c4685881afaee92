import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { openClientPage, sleep, until } from '../helpers/browser.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';
import { CHAOS_FAULTS, chaosConfig, trackRange } from '../helpers/chaos.js';

// Lossless delivery, end to end: the script-tag build in Chromium against the test collector.

describe.skipIf(!hasChromium)('delivery in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;
  let collector: TestCollector;
  let context: BrowserContext;

  beforeAll(async () => {
    server = await serveStatic();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(async () => {
    await context?.close();
    await collector?.close();
  });

  const open = (init: Record<string, unknown>): Promise<Page> => openClientPage(context, `${server.url}/test/pages/iife.html`, init);

  const named = (name: string) => [...collector.events.values()].filter((e) => e.name === name);

  it('delivers 5,000 events exactly once (after dedupe) through failures, 429s, resets, a reload, 10 s offline and a second tab', async () => {
    collector = await startCollector();
    Object.assign(collector.faults, CHAOS_FAULTS);
    context = await browser.newContext();
    const config = chaosConfig(collector.url);
    const a = await open(config);
    const b = await open(config);
    const tabB = trackRange(b, 'B', 0, 1000);
    await trackRange(a, 'A', 0, 2000);
    // Reload while batches are in flight.
    await a.reload();
    await a.evaluate((c) => ((window as any).client = (window as any).Avila.init(c)), config);
    await trackRange(a, 'A', 2000, 3000);
    await context.setOffline(true);
    await trackRange(a, 'A', 3000, 4000);
    await sleep(10_000);
    await context.setOffline(false);
    await tabB;
    await until(() => named('chaos').length >= 5000, 120_000, '5,000 unique events');

    const got = named('chaos').map((e) => `${e.properties.tab}:${e.properties.n}`);
    const expected = [...Array.from({ length: 4000 }, (_, i) => `A:${i}`), ...Array.from({ length: 1000 }, (_, i) => `B:${i}`)];
    expect(new Set(got)).toEqual(new Set(expected));
    const stats = collector.stats();
    console.log(`chaos: ${stats.requests} requests, ${stats.batches} batches accepted, raw ${stats.raw}, unique ${stats.unique}, duplicates ${stats.duplicates} (${((stats.duplicates / stats.unique) * 100).toFixed(2)}%), faults ${JSON.stringify(stats.faults)}`);
    expect(stats.faults.failed + stats.faults.throttled + stats.faults.reset).toBeGreaterThan(10);
    expect(stats.duplicates).toBeLessThanOrEqual(0.01 * 5000);
  });

  it('a page that tracks 20 events and is closed at once delivers all 20 (on exit or on the next load)', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const config = { endpoint: `${collector.url}/collect`, delivery: { batch: { intervalMs: 60_000 } } };
    const page = await open(config);
    await page.evaluate(() => {
      for (let i = 0; i < 20; i++) (window as any).client.track('closing', { n: i });
    });
    await page.close({ runBeforeUnload: true });
    await sleep(1500);
    if (named('closing').length < 20) {
      // Whatever the exit flush did not send is in IndexedDB: the next load sends it.
      const next = await open({ ...config, delivery: { batch: { intervalMs: 100 } } });
      await next.evaluate(() => (window as any).client.flush());
    }
    await until(() => named('closing').length >= 20, 20_000, '20 events');
    expect(named('closing').map((e) => e.properties.n).sort((x, y) => Number(x) - Number(y))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps the storage bound while the collector is down, and reports exactly what it dropped', async () => {
    collector = await startCollector();
    collector.faults.down = true;
    context = await browser.newContext();
    const page = await open({
      endpoint: `${collector.url}/collect`,
      delivery: { queue: { maxEvents: 200 }, batch: { intervalMs: 200 }, retry: { baseMs: 100, maxMs: 300 }, circuit: { failures: 1000 } },
    });
    const stats = await page.evaluate(async () => {
      const c = (window as any).client;
      for (let i = 0; i < 500; i++) {
        c.track('bounded', { n: i });
        if (i % 25 === 24) await new Promise((r) => setTimeout(r, 30));
      }
      await new Promise((r) => setTimeout(r, 1500));
      return c.deliveryStats();
    });
    expect(stats.queued).toBeLessThanOrEqual(200);
    const dropped = stats.drops.queue_overflow;
    expect(dropped).toBeGreaterThanOrEqual(300);
    collector.faults.down = false;
    await page.evaluate(() => (window as any).client.flush());
    await until(() => (collector.stats().drops.queue_overflow ?? 0) > 0 && named('bounded').length >= 200 - 5, 20_000, 'queued events and the drop report');
    // The report matches what the client counted; every event was delivered or counted, never
    // both; and the ones kept are the newest (drop-oldest).
    // The count may come in more than one report (one batch carries a report at a time; a count
    // left when no events remain goes in a batch of its own).
    await until(() => collector.stats().drops.queue_overflow === dropped && collector.stats().unique + dropped === 501, 15_000, 'the full drop report');
    const delivered = collector.stats().unique;
    expect(collector.stats().drops.queue_overflow).toBe(dropped);
    expect(delivered + dropped).toBe(501); // 500 events and the session start
    const kept = named('bounded').map((e) => Number(e.properties.n)).sort((x, y) => x - y);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => 500 - kept.length + i));
  });

  it('drops a batch answered 400 with a reported reason, without blocking the queue behind it', async () => {
    collector = await startCollector();
    collector.faults.nextStatuses.push(400);
    context = await browser.newContext();
    const page = await open({ endpoint: `${collector.url}/collect`, delivery: { batch: { maxEvents: 10, intervalMs: 100 }, concurrency: 1 } });
    await page.evaluate(async () => {
      const c = (window as any).client;
      for (let i = 0; i < 30; i++) c.track('four-hundred', { n: i });
      await c.flush();
    });
    await until(() => named('four-hundred').length >= 20, 10_000, 'the batches after the rejected one');
    const errors = await page.evaluate(() => (window as any).errors as string[]);
    expect(errors.filter((m) => /rejected: HTTP 400: injected 400; 10 events dropped \(rejected_4xx\)/.test(m))).toHaveLength(1);
    // The first batch (session_start and 9 events) was dropped; everything behind it arrived,
    // and the drop count reached the collector in a later batch.
    await until(() => collector.stats().drops.rejected_4xx === 10, 10_000, 'the drop report');
    // The last event may land after the report (the report rides on whichever batch is first).
    await until(() => named('four-hundred').length >= 21, 10_000, 'the last event');
    expect(named('four-hundred').length).toBe(21);
    expect(named('four-hundred').map((e) => Number(e.properties.n))).toEqual(Array.from({ length: 21 }, (_, i) => i + 9));
  });
});
