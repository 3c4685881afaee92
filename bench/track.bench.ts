// Main-thread cost of the client API in Chromium: track() with 10 properties against posthog-js
// capture() and @segment/analytics-next track(), and histogram.record(). 100,000 calls each,
// timed in blocks of 100 (the page clock's resolution is 5 µs even cross-origin isolated), so
// "per call" is a block's time / 100; median and p99 over the blocks.
// This is the tight loop; what a page pays at a realistic rate, deferred work included, is
// track-paced.bench.ts. Every SDK delivers to the local test collector (no CDN).
import { AnalyticsBrowser } from '@segment/analytics-next';
import posthog from 'posthog-js';
import { posthogBenchOptions, segmentBenchSettings } from './lib/peers.js';
import { init } from '../src/index.js';
import type { Bench, Comparison } from './lib/types.js';

const CALLS = 100_000;
const BLOCK = 100;
const props = (i: number) => ({ i, plan: 'pro', price: 9.99, currency: 'EUR', items: 3, coupon: null, source: 'bench', step: i % 7, ok: true, label: 'checkout button' });

/** Per-call µs: median and p99 over blocks of BLOCK calls, after a warm-up of 2 blocks × 10. */
async function perCall(call: (i: number) => unknown): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < 2 * BLOCK * 10; i++) call(i);
  await new Promise((r) => setTimeout(r, 50));
  const blocks: number[] = [];
  for (let b = 0; b < CALLS / BLOCK; b++) {
    const t0 = performance.now();
    for (let i = 0; i < BLOCK; i++) call(b * BLOCK + i);
    blocks.push(((performance.now() - t0) * 1000) / BLOCK);
    // Let timers and the SDKs' own scheduled work run between blocks, as on a real page.
    if (b % 50 === 49) await new Promise((r) => setTimeout(r, 0));
  }
  blocks.sort((a, b) => a - b);
  return { median: blocks[blocks.length >> 1]!, p99: blocks[Math.floor(blocks.length * 0.99)]! };
}

const bench: Bench = {
  title: 'client API main-thread cost per call (track with 10 properties, histogram.record)',
  envs: ['chromium'],
  isolated: true,
  async run(ctx) {
    const url = ctx.collectorUrl!;
    const rows: Comparison[] = [];
    // Delivery on (consent is not required); the queue's limits raised so 100,000 events in a few
    // hundred milliseconds are all kept rather than trimmed as overflow.
    const avila = init({ endpoint: `${url}/collect`, wasm: ctx.wasmUrl, delivery: { queue: { maxEvents: 300_000, maxBytes: 200 << 20 } } });
    await avila.ready;
    const ours = await perCall((i) => avila.track('bench', props(i)));
    const h = avila.histogram('bench.latency');
    const record = await perCall((i) => h.record(i % 1000));

    posthog.init('phc_bench', posthogBenchOptions(url) as never);
    const ph = await perCall((i) => posthog.capture('bench', props(i)));

    // Segment with its settings given inline (no CDN), its Segment.io destination aimed locally.
    const [analytics] = await AnalyticsBrowser.load(...(segmentBenchSettings(url) as [never, never]));
    const seg = await perCall((i) => void analytics.track('bench', props(i)).catch(() => {}));

    ctx.log(
      `track(): ours median ${ours.median.toFixed(2)} µs, p99 ${ours.p99.toFixed(2)} µs; posthog capture ${ph.median.toFixed(2)} / ${ph.p99.toFixed(2)} µs; ` +
        `segment track ${seg.median.toFixed(2)} / ${seg.p99.toFixed(2)} µs; histogram.record ${record.median.toFixed(3)} / ${record.p99.toFixed(3)} µs`,
    );
    rows.push(
      { name: 'track() with 10 properties, median per call', unit: 'µs', ours: ours.median, peer: ph.median, peerName: 'posthog-js capture', higherIsBetter: false },
      { name: 'track() with 10 properties, p99 per call (blocks of 100)', unit: 'µs', ours: ours.p99, peer: ph.p99, peerName: 'posthog-js capture', higherIsBetter: false },
      { name: 'track() with 10 properties, median per call', unit: 'µs', ours: ours.median, peer: seg.median, peerName: '@segment/analytics-next track', higherIsBetter: false },
      { name: 'track() with 10 properties, p99 per call (blocks of 100)', unit: 'µs', ours: ours.p99, peer: seg.p99, peerName: '@segment/analytics-next track', higherIsBetter: false },
      { name: 'histogram.record(), median per call', unit: 'µs', ours: record.median, peer: 0.5, peerName: 'goal', higherIsBetter: false },
    );
    await avila.shutdown();
    return rows;
  },
};
export default bench;
