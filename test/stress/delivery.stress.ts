// The delivery chaos scenario in a loop (not part of `npm test`: `npm run stress`, STRESS_RUNS
// runs, 50 by default). Each run: Chromium, two tabs, 5,000 numbered events, 30 % 503, 5 % 429,
// 5 % resets, a reload mid-flush, 5 s offline; the collector's batch-status route truthful, absent
// (404) or slow, in turn. Each run must end with 0 lost, every batchId naming one set of events,
// and the queue drained within 60 s of the faults stopping. A run that loses events prints where
// each missing one was at the end: queue, in flight, exit journal, spilled, or counted as dropped.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../collector/collector.js';
import { launchChromium } from '../helpers/chromium.js';
import { openClientPage, sleep } from '../helpers/browser.js';
import { serveStatic, type StaticServer } from '../helpers/server.js';
import { CHAOS_FAULTS, chaosConfig, trackRange } from '../helpers/chaos.js';

const RUNS = Number(process.env.STRESS_RUNS ?? 50);
const MODES = ['truthful', 'absent', 'slow'] as const;

interface Where {
  queue: string[];
  inFlight: number;
  exitJournal: string[];
  spilled: string[];
}

/** What a page's storage holds of the scenario's events, by `tab:n`. */
async function whereAre(page: Page, endpoint: string): Promise<Where> {
  return page.evaluate(async (endpoint) => {
    const name = `avila-telemetry:${endpoint}`;
    const keyOf = (json: string) => {
      try {
        const e = JSON.parse(json);
        return `${e.properties?.tab}:${e.properties?.n}`;
      } catch {
        return '?';
      }
    };
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = <T,>(store: string) =>
      new Promise<T[]>((ok) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result as T[]);
        r.onerror = () => ok([]);
      });
    const chunks = await all<{ items: { json: string }[] }>('chunks');
    const flights = await all<number[]>('flights');
    db.close();
    const exitJournal: string[] = [];
    const spilled: string[] = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      if (k.startsWith(`${name}:exit:`)) exitJournal.push(...(JSON.parse(localStorage.getItem(k)!).ids as string[]));
      if (k.startsWith(`${name}:spill:`)) spilled.push(...(JSON.parse(localStorage.getItem(k)!) as { json: string }[]).map((x) => keyOf(x.json)));
    }
    return { queue: chunks.flatMap((c) => c.items.map((x) => keyOf(x.json))), inFlight: flights.reduce((t, f) => t + f.length, 0), exitJournal, spilled };
  }, endpoint);
}

describe('delivery chaos, in a loop', () => {
  let browser: Browser;
  let server: StaticServer;
  const results: { run: number; mode: string; lost: number; duplicates: number; conflicts: number; drainMs: number; requests: number }[] = [];

  beforeAll(async () => {
    server = await serveStatic();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    const lost = results.reduce((t, r) => t + r.lost, 0);
    const worst = Math.max(...results.map((r) => r.drainMs));
    console.log(`\nstress: ${results.length} runs, ${results.filter((r) => r.lost > 0).length} with loss (${lost} events lost in all), batchId conflicts ${results.reduce((t, r) => t + r.conflicts, 0)}, drain after faults stop: median ${results.map((r) => r.drainMs).sort((a, b) => a - b)[results.length >> 1]} ms, worst ${worst} ms`);
  });

  for (let run = 0; run < RUNS; run++) {
    const mode = MODES[run % MODES.length]!;
    it(`run ${run + 1}: status route ${mode}`, async () => {
      const collector: TestCollector = await startCollector();
      const context: BrowserContext = await browser.newContext();
      try {
        Object.assign(collector.faults, { ...CHAOS_FAULTS, statusRoute: mode, statusDelayMs: 3000 });
        const endpoint = `${collector.url}/collect`;
        const config = chaosConfig(collector.url);
        const a = await openClientPage(context, `${server.url}/test/pages/iife.html`, config);
        const b = await openClientPage(context, `${server.url}/test/pages/iife.html`, config);
        const tabB = trackRange(b, 'B', 0, 1000);
        await trackRange(a, 'A', 0, 2000);
        void a.evaluate(() => (window as any).client.flush()).catch(() => {}); // cut off by the reload
        await a.reload(); // mid-flush
        await a.evaluate((c) => ((window as any).client = (window as any).Avila.init(c)), config);
        await trackRange(a, 'A', 2000, 3000);
        await context.setOffline(true);
        await trackRange(a, 'A', 3000, 4000);
        await sleep(5000);
        await context.setOffline(false);
        await tabB;
        // Faults stop now: everything must arrive within 60 s.
        Object.assign(collector.faults, { failRate: 0, rate429: 0, resetRate: 0 });
        const stop = Date.now();
        const expected = new Set([...Array.from({ length: 4000 }, (_, i) => `A:${i}`), ...Array.from({ length: 1000 }, (_, i) => `B:${i}`)]);
        const got = () => new Set([...collector.events.values()].filter((e) => e.name === 'chaos').map((e) => `${e.properties.tab}:${e.properties.n}`));
        while (Date.now() - stop < 60_000 && got().size < expected.size) await sleep(250);
        const drainMs = Date.now() - stop;
        const have = got();
        const missing = [...expected].filter((k) => !have.has(k));
        const stats = collector.stats();
        results.push({ run: run + 1, mode, lost: missing.length, duplicates: stats.duplicates, conflicts: stats.batchIdConflicts, drainMs, requests: stats.requests });
        if (missing.length) {
          const where = await whereAre(a, endpoint);
          const place = (k: string) => (where.queue.includes(k) ? 'queue' : where.spilled.includes(k) ? 'spilled' : 'nowhere');
          const byPlace: Record<string, number> = {};
          for (const k of missing) byPlace[place(k)] = (byPlace[place(k)] ?? 0) + 1;
          console.log(`run ${run + 1} (${mode}): ${missing.length} missing — ${JSON.stringify(byPlace)}; in flight ${where.inFlight}, exit journal ${where.exitJournal.length} ids, drops reported ${JSON.stringify(stats.drops)}; first missing ${missing.slice(0, 5).join(' ')}`);
        }
        expect(missing).toEqual([]);
        expect(stats.batchIdConflicts).toBe(0);
        expect(drainMs).toBeLessThanOrEqual(60_000);
      } finally {
        await context.close();
        await collector.close();
      }
    }, 180_000);
  }
});
