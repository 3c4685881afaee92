// Delivery in Chromium: sustained events/s from track() to collector acknowledgement with zero
// loss, bytes on the wire per event (gzip), and the IndexedDB cost per event — against PostHog
// sending to the same local collector. (@segment/analytics-next could not be measured here: its
// loader and metrics go to Segment's CDN, which this offline machine cannot reach, and the page
// hung; see the README.)
import posthog from 'posthog-js';
import { posthogBenchOptions } from './lib/peers.js';
import { init } from '../src/index.js';
import { IdbQueue } from '../src/delivery/queue/idb.js';
import { IdbWriter } from '../src/delivery/queue/idb-writer.js';
import type { Bench, Comparison } from './lib/types.js';

const N = Number(globalThis.process?.env?.N ?? 0) || 50_000;

interface Stats {
  unique: number;
  peerEvents: number;
  bytesIn: number;
}

const stats = async (url: string): Promise<Stats> => (await fetch(`${url}/__stats`)).json();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const props = (i: number) => ({ i, plan: 'pro', price: 9.99, currency: 'EUR', items: 3, coupon: null, source: 'bench', step: i % 7, ok: true, label: 'checkout button' });

/** Tracks N events in chunks (yielding like a page would) and waits until `arrived()` reaches N. */
async function sustained(track: (i: number) => void, arrived: () => Promise<number>, flush: () => Promise<unknown> | void, timeoutMs = 120_000) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    track(i);
    if (i % 2000 === 1999) await sleep(0);
  }
  await flush();
  let got = 0;
  while ((got = await arrived()) < N && performance.now() - t0 < timeoutMs) await sleep(20);
  return { seconds: (performance.now() - t0) / 1000, got };
}

const bench: Bench = {
  title: 'delivery: sustained throughput to the collector, bytes per event, IndexedDB cost',
  envs: ['chromium'],
  async run(ctx) {
    const url = ctx.collectorUrl!;
    const rows: Comparison[] = [];

    // Both at their defaults, then both tuned for throughput; the same 120 s cap for everyone.
    const CAP = 120_000;
    const runOurs = async (label: string, delivery: Record<string, unknown>) => {
      const before = await stats(url);
      // A storage key of its own: a fresh anonymous id and session (one session_start each).
      const avila = init({ endpoint: `${url}/collect`, storageKey: `bench-${label}`, wasm: ctx.wasmUrl, worker: false, delivery: { ...delivery, queue: { maxEvents: 200_000, maxBytes: 100 << 20 } } });
      const r = await sustained(
        (i) => avila.track('bench', props(i)),
        async () => (await stats(url)).unique - before.unique - 1, // minus the session start
        () => avila.flush(),
        CAP,
      );
      const bytes = ((await stats(url)).bytesIn - before.bytesIn) / N;
      await avila.shutdown();
      ctx.log(`ours, ${label}: ${r.got} of ${N} arrived in ${r.seconds.toFixed(2)} s = ${Math.round(r.got / r.seconds)}/s, ${bytes.toFixed(1)} bytes/event on the wire`);
      return { ...r, bytes };
    };
    const runPosthog = async (label: string, extra: Record<string, unknown>, name: string) => {
      const before = await stats(url);
      const ph = posthog.init('phc_bench', { ...(posthogBenchOptions(url) as object), ...extra } as never, name) ?? posthog;
      const r = await sustained(
        (i) => ph.capture('bench', props(i)),
        async () => (await stats(url)).peerEvents - before.peerEvents,
        () => undefined,
        CAP,
      );
      const bytes = ((await stats(url)).bytesIn - before.bytesIn) / Math.max(1, r.got);
      ctx.log(`posthog-js, ${label}: ${r.got} of ${N} arrived in ${r.seconds.toFixed(2)} s = ${Math.round(r.got / r.seconds)}/s, ${bytes.toFixed(1)} bytes/event`);
      return { ...r, bytes };
    };
    const oursDefault = await runOurs('defaults', {});
    const phDefault = await runPosthog('defaults', {}, 'defaults');
    const oursTuned = await runOurs('tuned (batches of 500 every 200 ms, 4 in flight)', { batch: { maxEvents: 500, maxBytes: 256 * 1024, intervalMs: 200 }, concurrency: 4 });
    // PostHog's queue flushes every flush_interval_ms, clamped to 250…5000 ms: its fastest.
    const phTuned = await runPosthog('tuned (flush every 250 ms)', { request_queue_config: { flush_interval_ms: 250 } }, 'tuned');
    for (const [setting, o, p] of [['defaults', oursDefault, phDefault], ['tuned', oursTuned, phTuned]] as const) {
      rows.push({
        name: `sustained events/s to collector ack, both ${setting}, 120 s cap (${N}; arrived: ours ${o.got}, posthog ${p.got})`,
        unit: 'events/s',
        ours: o.got / o.seconds,
        peer: p.got / p.seconds,
        peerName: `posthog-js (${setting})`,
        higherIsBetter: true,
      });
    }
    rows.push({ name: 'bytes on the wire per event (defaults)', unit: 'bytes', ours: oursDefault.bytes, peer: phDefault.bytes, peerName: 'posthog-js', higherIsBetter: false });

    // IndexedDB: append, read and delete 10,000 events of ~300 bytes through our queue.
    const q = new IdbQueue(await IdbWriter.open(`bench-${Date.now()}`), { maxEvents: 1e6, maxBytes: 1e9 });
    const item = (i: number) => ({ id: `e${i}`, json: JSON.stringify({ id: `e${i}`, name: 'bench', properties: props(i) }), signal: 'logs' as const });
    const M = 10_000;
    let t = performance.now();
    for (let i = 0; i < M; i += 100) await q.append(Array.from({ length: 100 }, (_, k) => item(i + k)));
    const appendUs = ((performance.now() - t) * 1000) / M;
    t = performance.now();
    for (let left = M; left > 0; ) {
      const batch = await q.take(500, 1e9, new Set(), Date.now());
      await q.remove(batch.map((e) => e.seq));
      left -= batch.length;
    }
    const drainUs = ((performance.now() - t) * 1000) / M;
    q.close();
    ctx.log(`IndexedDB: append ${appendUs.toFixed(1)} µs/event (batches of 100), take+remove ${drainUs.toFixed(1)} µs/event (batches of 500)`);
    rows.push({ name: 'IndexedDB cost per event (append + take + remove)', unit: 'µs', ours: appendUs + drainUs, peer: NaN, peerName: 'posthog-js/segment keep no IndexedDB queue (localStorage/memory)', higherIsBetter: false });
    return rows;
  },
};
export default bench;
