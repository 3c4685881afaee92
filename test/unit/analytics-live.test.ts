// Live windows (tumbling, sliding, session) against brute-force counts over random arrival times,
// and the two sketches they use: HyperLogLog's error and DDSketch's relative accuracy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSketch } from '../../src/collector/analytics/ddsketch.js';
import { HyperLogLog } from '../../src/collector/analytics/hll.js';
import { LiveWindows, type WindowResult, type WindowSpec } from '../../src/collector/analytics/live.js';
import type { StoredEvent } from '../../src/collector/types.js';

const T0 = 1_800_000_000_000;
const ev = (id: string, person: string, sentAt: number): StoredEvent => ({
  id, app: 'shop', type: 'track', name: 'x', timestamp: new Date(sentAt).toISOString(), receivedAt: '', batchId: 'b', sessionId: null, anonymousId: person, userId: null, traceId: null, spanId: null, properties: {}, context: null,
});

function run(spec: WindowSpec, arrivals: { at: number; n: number }[], end: number): WindowResult[] {
  const live = new LiveWindows({ windows: { w: spec } });
  const out: WindowResult[] = [];
  live.subscribe((r) => out.push(r));
  let i = 0;
  for (const a of arrivals) {
    const events = Array.from({ length: a.n }, () => ev(`e${i}`, `p${i++ % 7}`, a.at - 5));
    live.push({ batchId: 'b', app: 'shop', receivedAt: '', events, drops: null }, events, a.at);
  }
  live.tick(end);
  return out;
}

const arrivalsArb = fc
  .array(fc.record({ dt: fc.integer({ min: 0, max: 25_000 }), n: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 40 })
  .map((xs) => {
    let t = T0 + 3_000;
    return xs.map((x) => ({ at: (t += x.dt), n: x.n }));
  });

describe('live windows against brute force', () => {
  it('tumbling: one window per period with events, each with exactly the events that arrived in it', () => {
    fc.assert(
      fc.property(arrivalsArb, fc.constantFrom(1_000, 10_000, 7_000), (arrivals, size) => {
        const end = arrivals[arrivals.length - 1]!.at + 10 * size;
        const got = run({ kind: 'tumbling', sizeMs: size }, arrivals, end);
        const want = new Map<number, number>();
        for (const a of arrivals) want.set(Math.floor(a.at / size) * size, (want.get(Math.floor(a.at / size) * size) ?? 0) + a.n);
        expect(got.map((r) => [Date.parse(r.start), r.events])).toEqual([...want].sort((a, b) => a[0] - b[0]));
        for (const r of got) expect(Date.parse(r.end) - Date.parse(r.start)).toBe(size);
      }),
    );
  });

  it('sliding: a window at every hop boundary whose [end − size, end) holds events, with exactly those events', () => {
    fc.assert(
      fc.property(arrivalsArb, fc.constantFrom([10_000, 2_000], [6_000, 3_000], [5_000, 5_000]), (arrivals, [size, hop]) => {
        const end = arrivals[arrivals.length - 1]!.at + 3 * size;
        const got = run({ kind: 'sliding', sizeMs: size!, hopMs: hop! }, arrivals, end);
        const want: [number, number][] = [];
        const firstBoundary = Math.floor(arrivals[0]!.at / hop!) * hop! + hop!;
        for (let e = firstBoundary; e <= Math.floor(end / hop!) * hop!; e += hop!) {
          const n = arrivals.filter((a) => a.at >= e - size! && a.at < e).reduce((s, a) => s + a.n, 0);
          if (n > 0) want.push([e, n]);
        }
        expect(got.map((r) => [Date.parse(r.end), r.events])).toEqual(want);
      }),
    );
  });

  it('session: a window closes after gapMs without events, and holds every event since it opened', () => {
    fc.assert(
      fc.property(arrivalsArb, fc.constantFrom(2_000, 10_000), (arrivals, gap) => {
        const live = new LiveWindows({ windows: { s: { kind: 'session', gapMs: gap } } });
        const got: WindowResult[] = [];
        live.subscribe((r) => got.push(r));
        let i = 0;
        for (const a of arrivals) {
          const events = Array.from({ length: a.n }, () => ev(`e${i++}`, 'p', a.at));
          live.push({ batchId: 'b', app: 'shop', receivedAt: '', events, drops: null }, events, a.at);
        }
        live.tick(arrivals[arrivals.length - 1]!.at + gap);
        // Brute force: split where the gap between arrivals reaches gapMs.
        const want: number[] = [];
        arrivals.forEach((a, k) => {
          if (k === 0 || a.at - arrivals[k - 1]!.at >= gap) want.push(0);
          want[want.length - 1]! += a.n;
        });
        expect(got.map((r) => r.events)).toEqual(want);
      }),
    );
  });

  it('people and latency: distinct people counted, ingest delay quantiles within 1%', () => {
    const live = new LiveWindows({ windows: { t: { kind: 'tumbling', sizeMs: 60_000 } } });
    const got: WindowResult[] = [];
    live.subscribe((r) => got.push(r));
    const events = Array.from({ length: 1000 }, (_, i) => ev(`e${i}`, `p${i % 250}`, T0 + 1_000 - (i + 1)));
    live.push({ batchId: 'b', app: 'shop', receivedAt: '', events, drops: null }, events, T0 + 1_000);
    live.tick(T0 + 120_000);
    expect(got).toHaveLength(1);
    expect(Math.abs(got[0]!.people - 250)).toBeLessThanOrEqual(250 * 0.05);
    // Delays are 1..1000 ms: the lower quantiles are 500, 900, 990.
    expect(Math.abs(got[0]!.latencyMs!.p50 - 500)).toBeLessThanOrEqual(5);
    expect(Math.abs(got[0]!.latencyMs!.p99 - 990)).toBeLessThanOrEqual(9.9);
  });

  it('refuses bad windows by name', () => {
    expect(() => new LiveWindows({ windows: { w: { kind: 'sliding', sizeMs: 10_000, hopMs: 3_000 } } })).toThrow(/w\.sizeMs/);
    expect(() => new LiveWindows({ windows: { w: { kind: 'tumbling', sizeMs: -1 } } })).toThrow(/w\.sizeMs/);
  });
});

describe('sketches', () => {
  it('HyperLogLog estimates n distinct values within 4 standard errors (1.04/√4096 each), for n from 1 to 200,000', () => {
    for (const n of [1, 10, 100, 1_000, 5_000, 20_000, 200_000]) {
      const h = new HyperLogLog(12);
      for (let i = 0; i < n; i++) h.add(`user-${i}-${n}`);
      for (let i = 0; i < n; i += 3) h.add(`user-${i}-${n}`); // repeats change nothing
      expect({ n, ok: Math.abs(h.estimate() - n) <= 4 * (1.04 / 64) * n + 1 }).toEqual({ n, ok: true });
    }
  });

  it('HyperLogLog merge equals the sketch of the union', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 300 }), fc.array(fc.string(), { maxLength: 300 }), (a, b) => {
        const x = new HyperLogLog(10);
        const y = new HyperLogLog(10);
        const u = new HyperLogLog(10);
        a.forEach((s) => (x.add(s), u.add(s)));
        b.forEach((s) => (y.add(s), u.add(s)));
        x.merge(y);
        expect([...x.registers]).toEqual([...u.registers]);
      }),
    );
  });

  it('DDSketch quantiles are within α of the lower quantile, for any values and q', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0.01, 0.05), (xs, q, alpha) => {
        const s = new DDSketch(alpha);
        xs.forEach((x) => s.add(x));
        const sorted = xs.slice().sort((a, b) => a - b);
        const want = sorted[Math.floor(q * (sorted.length - 1))]!;
        const got = s.quantile(q)!;
        expect(want <= 1e-9 ? got === 0 : Math.abs(got - want) <= alpha * want * (1 + 1e-12)).toBe(true);
      }),
    );
  });
});
