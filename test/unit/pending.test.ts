// What a page records before the on-demand code and the kernels arrive is kept (in order,
// bounded, drops counted) and scored once the detector exists.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../src/client/index.js';
import { PendingTap } from '../../src/client/watch/taps.js';
import { WASM_URL } from '../helpers/analysis.js';

describe('PendingTap: the buffer of a rule whose code is loading', () => {
  it('property: replays the last `capacity` values in order, counts every dropped one, then forwards', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 500 }), fc.integer({ min: 1, max: 200 }), fc.array(fc.double({ noNaN: true }), { maxLength: 20 }), (before, capacity, after) => {
        let dropped = 0;
        const tap = new PendingTap(capacity, () => dropped++);
        before.forEach((v, i) => tap.push(v, i));
        expect(tap.pending).toBe(Math.min(before.length, capacity));
        const got: [number, number][] = [];
        tap.attach({ push: (v, t) => got.push([v, t]) });
        after.forEach((v, i) => tap.push(v, before.length + i));
        const all = [...before, ...after].map((v, i) => [v, i] as [number, number]);
        const kept = Math.min(before.length, capacity);
        // The oldest go first: what remains is the tail, in order, then everything after attach.
        expect(got).toEqual(all.slice(before.length - kept));
        expect(dropped).toBe(before.length - kept);
      }),
      { numRuns: 300 },
    );
  });

  it('holds and forwards nothing once closed', () => {
    const tap = new PendingTap(10, () => {});
    tap.push(1, 1);
    tap.close();
    tap.push(2, 2);
    const got: number[] = [];
    tap.attach({ push: (v) => got.push(v) });
    tap.push(3, 3);
    expect(got).toEqual([]);
    expect(tap.pending).toBe(0);
  });
});

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.shutdown();
});

function client(extra: Record<string, unknown> = {}) {
  const sent: string[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    sent.push(String(init.body));
    return new Response('{}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: { fetch, storage: 'memory', compression: false, batch: { intervalMs: 10 } }, ...extra });
  clients.push(c);
  return { c, sent };
}

describe('values recorded before the detector exists', () => {
  it('watch() then record() in the same task: every spike is scored, in order, none dropped', async () => {
    const { c } = client();
    const anomalies: { value: number; timestamp: number }[] = [];
    c.on('anomaly', (a) => anomalies.push(a));
    c.watch('lat', { detector: 'zscore', window: 50, threshold: 5 });
    const h = c.histogram('lat');
    const spikes: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const spike = i >= 100 && i % 150 === 0;
      if (spike) spikes.push(1000 + i);
      h.record(spike ? 1000 + i : 10 + (i % 5));
    }
    await c.ready;
    await new Promise((r) => setTimeout(r, 20));
    expect(anomalies.map((a) => a.value)).toEqual(spikes);
    expect(c.diagnostics().pendingDropped).toBe(0);
  });

  it('beyond maxPendingValues the oldest values are dropped and counted', async () => {
    const { c } = client({ maxPendingValues: 100 });
    const anomalies: number[] = [];
    c.on('anomaly', (a) => anomalies.push(a.value));
    c.watch('lat', { detector: 'zscore', window: 20, threshold: 5 });
    const h = c.histogram('lat');
    h.record(999_999); // the first value: dropped before the detector exists
    for (let i = 0; i < 299; i++) h.record(10 + (i % 3));
    h.record(5000);
    await c.ready;
    await new Promise((r) => setTimeout(r, 20));
    expect(c.diagnostics().pendingDropped).toBe(1 + 299 + 1 - 100);
    expect(anomalies).toEqual([5000]);
  });

  it('histograms keep count, sum, min and max exact when the kernels cannot load; what stays out of the sketch is counted', async () => {
    const { c } = client({ wasm: 'file:///nonexistent/kernels.wasm' });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    const h = c.histogram('big');
    const n = 70_000;
    // The aggregation is there (the kernels are not): every value is counted.
    h.record(1);
    await c.ready;
    for (let i = 2; i <= n; i++) h.record(i);
    const s = c.metricsSnapshot().find((m) => m.metric === 'big')!;
    expect(s).toMatchObject({ count: n, sum: (n * (n + 1)) / 2, min: 1, max: n });
    expect(c.diagnostics().unsketched).toBe(n - 65_536);
    expect(c.diagnostics().droppedMetricValues).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/could not load kernels\.wasm from file:\/\/\/nonexistent\/kernels\.wasm/);
  });

  it('values recorded before the aggregation arrives are held in order (65,536 at most; the rest counted), then aggregated', async () => {
    let t = 1_000_000;
    const { c } = client({ clock: () => t });
    const h = c.histogram('early');
    const g = c.gauge('level');
    const n = 70_000;
    // One task: nothing can arrive in between.
    for (let i = 1; i <= n; i++) {
      h.record(i, { half: i <= n / 2 ? 'a' : 'b' });
      if (i % 1000 === 0) g.set(i);
      t++;
    }
    await c.ready;
    const held = 65_536;
    const early = c.metricsSnapshot().filter((m) => m.metric === 'early');
    const level = c.metricsSnapshot().find((m) => m.metric === 'level')!;
    // The first values are kept, in order: 65,536 of histogram and gauge values together (65 gauge values among them).
    const gauges = Math.floor(64_536 / 1000) + 1; // gauge i=1000…65000 come before the 65,536th held value
    const kept = held - gauges;
    expect(early.map((m) => [m.attributes.half, m.count])).toEqual([['a', 35_000], ['b', kept - 35_000]]);
    expect(early.find((m) => m.attributes.half === 'b')!.max).toBe(kept);
    expect(level.value).toBe(gauges * 1000);
    expect(c.diagnostics().droppedMetricValues).toBe(n + n / 1000 - held);
  });
});

describe("watch()'s default detector: 'context', the best cross-validated on NAB", () => {
  it('learns the range from the first 300 values, flags a break of the learned pattern once, with method context', async () => {
    const { c } = client();
    const anomalies: { value: number; method: string }[] = [];
    c.on('anomaly', (a) => anomalies.push(a));
    c.watch('queue');
    const h = c.histogram('queue');
    const pattern = [10, 12, 14, 16, 17, 15, 13, 11];
    for (let i = 0; i < 1500; i++) h.record(i === 1200 ? 40 : pattern[i % 8]!);
    await c.ready;
    await new Promise((r) => setTimeout(r, 20));
    expect(anomalies).toEqual([{ ...anomalies[0], value: 40, method: 'context' }]);
  });

  it('a bad context option is reported through on(error), naming it, and nothing throws into the page', async () => {
    const { c } = client();
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    expect(() => c.watch('queue', { range: [5, 1] })).not.toThrow();
    await c.ready;
    await new Promise((r) => setTimeout(r, 20));
    expect(String(errors[0])).toMatch(/options\.range must have min < max/);
  });
});

describe('spans that end before the deferred code arrives', () => {
  type SpanEvent = { type: string; name: string; timestamp: string; traceId: string; spanId: string; properties: Record<string, any> };
  const spansIn = (bodies: string[]) => bodies.flatMap((b) => (JSON.parse(b).events as SpanEvent[]).filter((e) => e.type === 'span'));

  it('are sent once it does, as they were: times, attributes, events, status and parent', async () => {
    let t = Date.UTC(2026, 0, 2, 3, 4, 5);
    const t0 = t;
    const { c, sent } = client({ clock: () => t });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    const attributes: Record<string, unknown> = { route: '/a' };
    const parent = c.startSpan('load', { attributes });
    attributes.route = '/changed'; // the span keeps what it was given
    t += 5;
    parent.setAttribute('items', 3).addEvent('first', { n: 1 });
    const child = c.startSpan('fetch', { parent, kind: 3 });
    t += 7;
    child.addEvent({ toString: () => { throw new Error('bad name'); } } as unknown as string); // reported, skipped
    child.setStatus('error', 'boom');
    child.end();
    t += 1;
    parent.end(t0 + 20);
    await c.flush(2000);
    const spans = spansIn(sent);
    expect(spans.map((s) => s.name)).toEqual(['fetch', 'load']);
    const [f, l] = spans as [SpanEvent, SpanEvent];
    expect(l.properties).toEqual({
      kind: 1,
      startTime: new Date(t0).toISOString(),
      endTime: new Date(t0 + 20).toISOString(),
      attributes: { route: '/a', items: 3 },
      events: [{ name: 'first', time: new Date(t0 + 5).toISOString(), attributes: { n: 1 } }],
      status: { code: 0 },
    });
    expect(l.timestamp).toBe(new Date(t0 + 20).toISOString());
    expect(f.properties).toEqual({
      kind: 3,
      startTime: new Date(t0 + 5).toISOString(),
      endTime: new Date(t0 + 12).toISOString(),
      attributes: {},
      events: [],
      status: { code: 2, message: 'boom' },
      parentSpanId: l.spanId,
    });
    expect([f.traceId, f.spanId]).toEqual([parent.traceId, child.spanId]);
    expect(errors).toEqual(['bad name']);
  });

  it('wait with the metric values (65,536 in all); a span beyond that is counted in droppedSpans, not sent', async () => {
    const { c, sent } = client();
    const h = c.histogram('many');
    for (let i = 0; i < 65_536; i++) h.record(i);
    c.startSpan('late').end();
    expect(c.diagnostics().droppedSpans).toBe(1);
    await c.ready;
    c.startSpan('after').end();
    await c.flush(2000);
    expect(spansIn(sent).map((s) => s.name)).toEqual(['after']);
    expect(c.diagnostics().droppedSpans).toBe(1);
  });
});
