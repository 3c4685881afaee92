// From the script tag starting to the first track() accepted, in Chromium: a fresh iframe per run
// loads the SDK's script (a new URL each time, so neither the HTTP cache nor V8's code cache
// helps: a first visit), initialises it and tracks one event. Ours (the script tag, whose
// on-demand chunk is not needed for this) against posthog-js's script build, alternating, 15 runs
// each after one warm-up, medians. Segment's script needs its CDN (the write key is in the URL of
// its standalone build) and OpenTelemetry has no track(): neither is in this row.
import { posthogBenchOptions } from './lib/peers.js';
import type { Bench } from './lib/types.js';

interface Contender {
  name: string;
  src: string;
  /** Runs in the iframe once the script has run: initialise and track one event. */
  first: string;
}

function once(c: Contender): Promise<number> {
  return new Promise((resolve, reject) => {
    const tag = Math.random().toString(36).slice(2);
    const iframe = document.createElement('iframe');
    const onMessage = (e: MessageEvent) => {
      if (e.data?.tag !== tag) return;
      window.removeEventListener('message', onMessage);
      iframe.remove();
      if (typeof e.data.error === 'string') reject(new Error(`${c.name}: ${e.data.error}`));
      else resolve(e.data.ms as number);
    };
    window.addEventListener('message', onMessage);
    iframe.srcdoc =
      `<!doctype html><script>window.__t0 = performance.now();</script>` +
      `<script src="${location.origin}${c.src}?run=${tag}"></script>` +
      `<script>try { ${c.first}; parent.postMessage({ tag: '${tag}', ms: performance.now() - window.__t0 }, '*'); }` +
      ` catch (e) { parent.postMessage({ tag: '${tag}', error: String(e) }, '*'); }</script>`;
    document.body.appendChild(iframe);
  });
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]!;

const bench: Bench = {
  title: 'script tag start → first track() accepted (cold load, Chromium)',
  envs: ['chromium'],
  async run(ctx) {
    const url = ctx.collectorUrl!;
    const contenders: Contender[] = [
      { name: 'avila-telemetry', src: '/dist/avila-telemetry.iife.js', first: `Avila.init({ endpoint: ${JSON.stringify(`${url}/collect`)} }).track('first', { n: 1 })` },
      { name: 'posthog-js', src: '/node_modules/posthog-js/dist/array.js', first: `posthog.init('phc_bench', ${JSON.stringify(posthogBenchOptions(url))}); posthog.capture('first', { n: 1 })` },
    ];
    for (const c of contenders) await once(c); // warm-up: the browser's own first-iframe costs
    const times: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let run = 0; run < 15; run++) {
      for (const c of run % 2 ? contenders.slice().reverse() : contenders) times[c.name]!.push(await once(c));
    }
    const ours = median(times['avila-telemetry']!), ph = median(times['posthog-js']!);
    ctx.log(`first track() accepted: ours ${ours.toFixed(1)} ms, posthog-js ${ph.toFixed(1)} ms (medians of 15 cold loads)`);
    return [{ name: 'script start → first track() accepted (cold load)', unit: 'ms', ours, peer: ph, peerName: 'posthog-js (array.js)', higherIsBetter: false }];
  },
};
export default bench;
