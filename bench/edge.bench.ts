// instrument() overhead per request in workerd (miniflare), against the same handler bare, both in
// one isolate: (1) inside it — each handler called in alternating chunks of 1,000 (time per call
// from chunk means: workerd's clock has millisecond resolution), every batch the wrapper queued
// sent to a local sink; (2) end to end — dispatchFetch round trips from Node, interleaved.
import { resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bench, Comparison } from './lib/types.js';

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
};

/**
 * Where the batches go: a sink that answers at once and counts events by their opening `{"id":"`
 * (every serialised event starts so). The test collector parses and deduplicates every event on
 * the same 2 cores as workerd, which would charge the instrumented chunks for a collector's work.
 */
async function startSink(): Promise<{ url: string; events(): number; batches(): number; close(): Promise<void> }> {
  let events = 0;
  let batches = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      batches++;
      for (let at = body.indexOf('{"id":"'); at >= 0; at = body.indexOf('{"id":"', at + 7)) events++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events: () => events,
    batches: () => batches,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const bench: Bench = {
  title: 'edge: instrument() overhead per request in workerd, against the bare handler',
  envs: ['node'],
  async run(ctx) {
    const root = process.env.AVILA_ROOT ?? process.cwd();
    const collector = await startSink();
    const make = (options: object) =>
      new Miniflare({
        scriptPath: resolve(root, 'bench/workerd/worker.mjs'),
        modules: true,
        modulesRoot: root,
        modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
        compatibilityDate: '2026-04-01',
        bindings: { COLLECTOR: `${collector.url}/collect`, OPTIONS: JSON.stringify(options) },
      });
    const mf = make({});
    const metricsOnly = make({ sampleRate: 0 });
    try {
      await Promise.all([mf.ready, metricsOnly.ready]);
      // (1) In the isolate: both handlers in alternating chunks of 1,000 calls.
      const inside = async (w: Miniflare) => (await (await w.dispatchFetch('http://bench.test/__bench?n=40000&chunk=1000')).json()) as { bare: number[]; instrumented: number[] };
      const measure = async (w: Miniflare) => {
        await inside(w);
        const bare: number[] = [];
        const wrapped: number[] = [];
        const overheads: number[] = [];
        for (let round = 0; round < 3; round++) {
          const r = await inside(w);
          bare.push(...r.bare);
          wrapped.push(...r.instrumented);
          overheads.push(...r.instrumented.map((x, i) => x - r.bare[i]!));
        }
        return { bare, wrapped, overheads };
      };
      const { bare: bareMeans, wrapped: wrappedMeans, overheads } = await measure(mf);
      const lean = await measure(metricsOnly);
      ctx.log(`in the isolate with sampleRate: 0 (metrics and anomaly scoring, no span events): overhead (paired chunks) p50 ${quantile(lean.overheads, 0.5).toFixed(1)} µs, p99 ${quantile(lean.overheads, 0.99).toFixed(1)} µs`);
      const inP50 = [quantile(wrappedMeans, 0.5), quantile(bareMeans, 0.5)];
      const inP99 = [quantile(wrappedMeans, 0.99), quantile(bareMeans, 0.99)];
      ctx.log(`in the isolate (µs per call, means of ${wrappedMeans.length} chunks of 1,000): instrumented p50 ${inP50[0]!.toFixed(1)}, bare ${inP50[1]!.toFixed(1)}; p99 ${inP99[0]!.toFixed(1)} vs ${inP99[1]!.toFixed(1)}; overhead (paired chunks) p50 ${quantile(overheads, 0.5).toFixed(1)} µs, p99 ${quantile(overheads, 0.99).toFixed(1)} µs`);
      // (2) End to end, interleaved: /bare is the same handler without the wrapper, same isolate.
      const rtt = async (path: string) => {
        const t0 = performance.now();
        const r = await mf.dispatchFetch(`http://bench.test${path}`);
        await r.arrayBuffer();
        return (performance.now() - t0) * 1000;
      };
      for (let i = 0; i < 300; i++) {
        await rtt(`/bare/${i}`);
        await rtt(`/items/${i}`);
      }
      const b: number[] = [];
      const w: number[] = [];
      for (let i = 0; i < 4000; i++) {
        if (i % 2) {
          b.push(await rtt(`/bare/${i}`));
          w.push(await rtt(`/items/${i}`));
        } else {
          w.push(await rtt(`/items/${i}`));
          b.push(await rtt(`/bare/${i}`));
        }
      }
      const e50 = [quantile(w, 0.5), quantile(b, 0.5)];
      const e99 = [quantile(w, 0.99), quantile(b, 0.99)];
      ctx.log(`end to end (dispatchFetch round trip from Node, 4,000 each): instrumented p50 ${e50[0]!.toFixed(0)} µs, bare ${e50[1]!.toFixed(0)} µs → +${(e50[0]! - e50[1]!).toFixed(0)} µs; p99 ${e99[0]!.toFixed(0)} vs ${e99[1]!.toFixed(0)} µs → +${(e99[0]! - e99[1]!).toFixed(0)} µs`);
      ctx.log(`the sink received ${collector.events().toLocaleString('en')} events in ${collector.batches().toLocaleString('en')} batches from the instrumented Worker`);
      const row = (name: string, pair: number[]): Comparison => ({ name, unit: 'µs', ours: pair[0]!, peer: pair[1]!, peerName: 'same handler bare', higherIsBetter: false });
      return [
        row('workerd: request via instrument(), p50 (chunk means)', inP50),
        row('workerd: request via instrument(), p99 (chunk means)', inP99),
        row('workerd: request via instrument({ sampleRate: 0 }), p50', [quantile(lean.wrapped, 0.5), quantile(lean.bare, 0.5)]),
        row('workerd: dispatchFetch round trip via instrument(), p50', e50),
        row('workerd: dispatchFetch round trip via instrument(), p99', e99),
      ];
    } finally {
      await mf.dispose();
      await metricsOnly.dispose();
      await collector.close();
    }
  },
};

export default bench;
