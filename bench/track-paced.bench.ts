// What a page pays for track(), in Chromium, with delivery on: 1,000 events/s for 10 s (10 calls
// every 10 ms) while the page keeps rendering (a requestAnimationFrame loop moves and relabels a
// box every frame), then 6 s more so every SDK's deferred work — serialisation, gzip, IndexedDB,
// its sends (our batch interval is 5 s, PostHog's 3 s) — falls inside the window.
//
// Rows per SDK, each run in a fresh browser context (its own storage), in a random order, rounds
// alternating (scripts/bench.mjs, `contenders`):
// - main-thread busy time per event: Chromium's own count of the renderer main thread's task time
//   (CDP Performance.getMetrics, TaskDuration) over the window, minus the same page with the same
//   pacing and rendering and no SDK ("none"), divided by the events tracked;
// - the synchronous call alone: time inside track(), per event (mean over the 1,000 ticks).
// Every SDK with its default delivery to the local test collector: ours consent granted, PostHog
// and Segment as in bench/lib/peers.ts (Segment's settings inline instead of from its CDN).
import { AnalyticsBrowser } from '@segment/analytics-next';
import posthog from 'posthog-js';
import { init } from '../src/index.js';
import { posthogBenchOptions, segmentBenchSettings } from './lib/peers.js';
import type { Bench, BenchContext, Comparison } from './lib/types.js';

const RATE_PER_TICK = 10;
const TICK_MS = 10;
const RUN_MS = 10_000;
const SETTLE_MS = 6_000;
const props = (i: number) => ({ i, plan: 'pro', price: 9.99, currency: 'EUR', items: 3, coupon: null, source: 'bench', step: i % 7, ok: true, label: 'checkout button' });

type Track = (i: number) => void;
interface Figures {
  events: number;
  busyMs: number;
  syncMs: number;
}

async function setUp(contender: string, url: string): Promise<Track | null> {
  if (contender === 'none') return null;
  if (contender === 'avila') {
    const client = init({ endpoint: `${url}/collect` });
    return (i) => client.track('bench', props(i));
  }
  if (contender === 'posthog' || contender === 'posthog-memory') {
    // Its default persistence (localStorage and a cookie) and
    // delivery; 'posthog-memory' is the same with persistence: 'memory', PostHog at its cheapest.
    // Rate limits raised, or it would drop most of 1,000 events/s (and so look cheaper than it is).
    const { persistence: _, ...options } = posthogBenchOptions(url);
    posthog.init('phc_bench', (contender === 'posthog' ? options : { ...options, persistence: 'memory' }) as never);
    return (i) => void posthog.capture('bench', props(i));
  }
  const [analytics] = await AnalyticsBrowser.load(...(segmentBenchSettings(url) as [never, never]));
  return (i) => void analytics.track('bench', props(i)).catch(() => {});
}

const bench: Bench = {
  title: 'track() paced at 1,000 events/s for 10 s while rendering, delivery on: main-thread busy time and synchronous time per event',
  envs: ['chromium'],
  isolated: true,
  contenders: ['none', 'avila', 'posthog', 'posthog-memory', 'segment'],
  rounds: 3,
  async measure(ctx: BenchContext) {
    const box = document.body.appendChild(document.createElement('div'));
    box.style.cssText = 'position:absolute;width:40px;height:40px;background:#36c';
    let rendering = true;
    let frames = 0;
    const frame = (t: number) => {
      if (!rendering) return;
      frames++;
      box.style.transform = `translateX(${(t / 10) % 300}px)`;
      box.textContent = String(frames);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);

    const track = await setUp(ctx.contender!, ctx.collectorUrl!);
    await new Promise((r) => setTimeout(r, 500)); // SDK start-up work is not per-event cost
    const busy0 = await ctx.mainThreadMs!();
    let syncMs = 0;
    let sent = 0;
    await new Promise<void>((done) => {
      const t0 = performance.now();
      const timer = setInterval(() => {
        if (performance.now() - t0 >= RUN_MS) {
          clearInterval(timer);
          done();
          return;
        }
        const s = performance.now();
        if (track) for (let k = 0; k < RATE_PER_TICK; k++) track(sent + k);
        syncMs += performance.now() - s;
        sent += RATE_PER_TICK;
      }, TICK_MS);
    });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const busy = (await ctx.mainThreadMs!()) - busy0;
    rendering = false;
    const stats = await (await fetch(`${ctx.collectorUrl}/__stats`)).json();
    const delivered = ctx.contender === 'avila' ? stats.unique : stats.peerEvents;
    ctx.log(`${ctx.contender}: ${sent} events, ${delivered} at the collector, busy ${busy.toFixed(0)} ms, in track() ${syncMs.toFixed(1)} ms, ${frames} frames`);
    return { events: sent, busyMs: busy, syncMs, delivered, frames };
  },
  compare(results) {
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;
    const of = (c: string, f: (r: Figures) => number) => median(results[c]!.map((r) => f(r as unknown as Figures)));
    const baseline = of('none', (r) => r.busyMs);
    const busyUs = (c: string) => of(c, (r) => ((r.busyMs - baseline) * 1000) / r.events);
    const syncUs = (c: string) => of(c, (r) => (r.syncMs * 1000) / r.events);
    const rows: Comparison[] = [];
    for (const [peer, peerName] of [['posthog', 'posthog-js capture'], ['posthog-memory', "posthog-js capture, persistence: 'memory'"], ['segment', '@segment/analytics-next track']] as const) {
      rows.push(
        { name: 'track(), 1,000/s for 10 s while rendering: main-thread busy time per event (sync + deferred)', unit: 'µs', ours: busyUs('avila'), peer: busyUs(peer), peerName, higherIsBetter: false },
        { name: 'track(), 1,000/s for 10 s while rendering: synchronous call per event', unit: 'µs', ours: syncUs('avila'), peer: syncUs(peer), peerName, higherIsBetter: false },
      );
    }
    return rows;
  },
};
export default bench;
