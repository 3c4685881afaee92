import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { hasChromium, launchChromium } from '../helpers/chromium.js';
import { bundlePageScript, openClientPage, sleep, until } from '../helpers/browser.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';

// The client API in Chromium, loaded by <script src> as users load it.

describe.skipIf(!hasChromium)('client in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;
  let collector: TestCollector;
  let context: BrowserContext;

  beforeAll(async () => {
    await bundlePageScript('client.page');
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

  const open = (init: Record<string, unknown>): Promise<Page> => openClientPage(context, `${server.url}/test/pages/client.html`, init);

  const named = (name: string) => [...collector.events.values()].filter((e) => e.name === name);
  const config = () => ({ endpoint: `${collector.url}/collect`, delivery: { batch: { intervalMs: 200 } } });

  it('keeps the anonymous id and the session across a reload and between two tabs', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const ids = (p: Page) =>
      p.evaluate(() => {
        const c = (window as any).client;
        c.track('hello');
        return { anonymousId: c.anonymousId as string, sessionId: c.sessionId as string };
      });
    const a = await open(config());
    const first = await ids(a);
    expect(first.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const b = await open(config());
    expect(await ids(b)).toEqual(first);
    // Delivery across a reload is the delivery tests' subject; here the ids are.
    await a.evaluate(() => (window as any).client.flush());
    await a.reload();
    await a.evaluate((c) => ((window as any).client = (window as any).Avila.init(c)), config());
    expect(await ids(a)).toEqual(first);
    await Promise.all([a, b].map((p) => p.evaluate(() => (window as any).client.flush())));
    await until(() => named('hello').length === 3, 30_000, 'three hello events');
    expect(new Set(named('hello').map((e) => e.sessionId))).toEqual(new Set([first.sessionId]));
    expect(named('session_start')).toHaveLength(1);
  });

  it("delivers a non-leading tab's events without anything waking the leading tab", async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const tabs = [await open(config()), await open(config())];
    const leading = await until(async () => {
      const flags = await Promise.all(tabs.map((p) => p.evaluate(async () => (await (window as any).client.deliveryStats()).leader as boolean)));
      return flags.filter(Boolean).length === 1 ? flags : null;
    }, 10_000, 'one leading tab');
    await sleep(500); // the leader has gone idle
    const follower = tabs[leading.indexOf(false)]!;
    await follower.evaluate(() => (window as any).client.track('from-the-follower'));
    // No flush and nothing in the leading tab: it must find the event in the shared queue itself.
    await until(() => named('from-the-follower').length === 1, 10_000, "the follower's event");
  });

  it('autocaptures fetch and XHR (latency, status class, errors), uncaught errors, and Web Vitals; not its own requests', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const page = await open({ ...config(), autocapture: { network: true, errors: true, webVitals: true } });
    await page.evaluate(async () => {
      await (window as any).client.ready; // its code is deferred: requests before it arrives are not seen
      await fetch('/test/pages/favicon.svg');
      await fetch('/no-such-file');
      await fetch('http://127.0.0.1:9/').catch(() => {});
      await new Promise<void>((resolve) => {
        const x = new XMLHttpRequest();
        x.open('GET', '/test/pages/favicon.svg');
        x.onloadend = () => resolve();
        x.send();
      });
      setTimeout(() => {
        throw new Error('boom from the page');
      });
      await new Promise((r) => setTimeout(r, 50));
    });
    await page.click('h1'); // an input finalises LCP
    await sleep(500);
    const series = await page.evaluate(() => (window as any).client.metricsSnapshot());
    const requests = series.filter((s: any) => s.metric === 'http.client.requests');
    const byClass = Object.fromEntries(requests.map((s: any) => [s.attributes.status_class, s.value]));
    expect(byClass).toEqual({ '2xx': 2, '4xx': 1, error: 1 });
    const errorsSeries = series.filter((s: any) => s.metric === 'http.client.errors');
    expect(errorsSeries.map((s: any) => s.attributes.status_class)).toEqual(['error']);
    const duration = series.filter((s: any) => s.metric === 'http.client.duration');
    expect(duration.reduce((n: number, s: any) => n + s.count, 0)).toBe(4);
    // The collector's host (the SDK's own endpoint) is not among the captured hosts.
    const collectorHost = new URL(collector.url).host;
    expect(requests.every((s: any) => s.attributes.host !== collectorHost || s.attributes.status_class === 'error')).toBe(true);
    const vitals = new Set(series.filter((s: any) => s.metric.startsWith('web_vitals.')).map((s: any) => s.metric));
    // FCP and TTFB report on load, LCP on the first input; CLS and INP report when the page is hidden.
    for (const m of ['web_vitals.fcp', 'web_vitals.ttfb', 'web_vitals.lcp']) expect(vitals).toContain(m);
    await page.evaluate(() => (window as any).client.flush());
    await until(() => named('$exception').length === 1 && named('$web_vitals').length >= 3, 10_000, 'exception and web vitals events');
    expect(named('$exception')[0]!.properties.message).toMatch(/boom from the page/);
  });

  it('keeps the errors a page raises while the autocapture code loads, and sends each once', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const page = await context.newPage();
    // The deferred chunk arrives late: the errors come first.
    let held = 0;
    await page.route('**/deferred.min.mjs', async (route) => {
      held++;
      await sleep(400);
      await route.continue();
    });
    await page.goto(`${server.url}/test/pages/client.html`);
    await page.evaluate((c) => {
      const w = window as any;
      w.client = w.Avila.init({ ...c, autocapture: { errors: true } });
      setTimeout(() => {
        throw new Error('early boom');
      });
      void Promise.reject(new Error('early rejection'));
    }, config());
    await page.evaluate(() => (window as any).client.ready);
    expect(held).toBe(1);
    await page.evaluate(() => {
      setTimeout(() => {
        throw new Error('late boom');
      });
    });
    await sleep(100);
    await page.evaluate(() => (window as any).client.flush());
    await until(() => named('$exception').length === 3, 10_000, 'three exceptions');
    await sleep(300);
    // Chromium prefixes an uncaught error's message with 'Uncaught Error: '.
    expect(named('$exception').map((e) => String(e.properties.message).replace(/^Uncaught Error: /, '')).sort()).toEqual(['early boom', 'early rejection', 'late boom']);
  });

  it('sends nothing before consent when requireConsent, then everything', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const page = await open({ ...config(), requireConsent: true });
    await page.evaluate(() => {
      for (let i = 0; i < 5; i++) (window as any).client.track('waiting', { i });
    });
    await sleep(1500);
    expect(collector.stats().unique).toBe(0);
    await page.evaluate(() => (window as any).client.consent(true));
    await until(() => named('waiting').length === 5, 10_000, 'the 5 events after consent');
  });

  it('fires anomalies for spikes in a watched metric; prints the record → on(anomaly) latency', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const page = await open(config());
    const result = await page.evaluate(async () => {
      const c = (window as any).client;
      await c.ready;
      // robust (median/MAD): earlier spikes in the window do not mask later ones.
      c.watch('latency', { detector: 'robust', window: 200, threshold: 5, minSamples: 100 });
      await new Promise((r) => setTimeout(r, 100)); // the detector is created in the worker
      const h = c.histogram('latency');
      const latencies: number[] = [];
      let pending: number | null = null;
      c.on('anomaly', () => {
        if (pending !== null) latencies.push(performance.now() - pending);
        pending = null;
      });
      let seed = 1;
      const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 10;
      for (let i = 0; i < 300; i++) h.record(100 + noise());
      await new Promise((r) => setTimeout(r, 200));
      for (let spike = 0; spike < 30; spike++) {
        for (let i = 0; i < 50; i++) h.record(100 + noise());
        await new Promise((r) => setTimeout(r, 20));
        pending = performance.now();
        h.record(400);
        const t = performance.now();
        while (pending !== null && performance.now() - t < 2000) await new Promise((r) => setTimeout(r, 1));
      }
      return latencies;
    });
    expect(result).toHaveLength(30);
    const sorted = [...result].sort((a, b) => a - b);
    console.log(`record → on('anomaly') latency in Chromium: p50 ${sorted[14]!.toFixed(1)} ms, p99 ${sorted[29]!.toFixed(1)} ms (goal ≤ 50 ms p99; not asserted: timing on a shared machine)`);
    await page.evaluate(() => (window as any).client.flush());
    await until(() => named('anomaly').length === 30, 10_000, '30 anomaly events');
    const a = named('anomaly')[0]!.properties;
    expect(a).toMatchObject({ metric: 'latency', value: 400, method: 'robust', threshold: 5 });
  });

  it('property: arbitrary values at every public method never reach the page as exceptions, and what is sent stays valid', async () => {
    collector = await startCollector();
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/test/pages/client.html`);
    const out = (await page.evaluate(
      `import('${server.url}/build/test/client.page.mjs').then((m) => m.run(${JSON.stringify({ endpoint: `${collector.url}/collect`, delivery: { batch: { intervalMs: 100 } } })}))`,
    )) as { calls: number; thrown: string[]; pageErrors: string[]; rejections: string[] };
    expect(out.calls).toBeGreaterThan(500);
    expect(out.thrown).toEqual([]);
    expect(out.pageErrors).toEqual([]);
    expect(out.rejections).toEqual([]);
    await until(() => named('property-done').length === 1, 10_000, 'the final event');
    for (const e of collector.events.values()) {
      expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(typeof e.name === 'string' && e.name.length > 0).toBe(true);
      expect(Number.isNaN(Date.parse(String(e.timestamp)))).toBe(false);
      expect(typeof e.properties).toBe('object');
    }
  });
});
