// Data quality of a metric series (docs/analytics.md, "Data quality"): series with known defects
// give known components; random series equal a plain reference; streaming in intervals adds up to
// the batch; collected series score the same in every store; bad options are named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quality, QualityAccumulator } from '../../src/analysis/index.js';
import { memoryStore } from '../../src/collector.js';
import type { StoredEvent } from '../../src/collector/types.js';

const S = 1000;
const regular = (n: number, t0 = 1_000_000) => ({ timestamps: Array.from({ length: n }, (_, i) => t0 + i * S), values: Array.from({ length: n }, (_, i) => 10 + (i % 7)) });

describe('quality: series with known defects', () => {
  it('a regular, valid, timely series scores 100', () => {
    const s = regular(100);
    const q = quality(s, { expectedIntervalMs: S, now: s.timestamps[99]! + 500 });
    expect(q).toMatchObject({ score: 100, completeness: 1, validity: 1, consistency: 1, timeliness: 1, points: 100, missing: 0, jumps: 0, lagMs: 500 });
  });

  it('completeness: a gap of 10 missing points in 100 expected gives 0.9', () => {
    const s = regular(100);
    const keep = s.timestamps.map((_, i) => i).filter((i) => i < 40 || i >= 50);
    const q = quality({ timestamps: keep.map((i) => s.timestamps[i]!), values: keep.map((i) => s.values[i]!) }, { expectedIntervalMs: S, now: s.timestamps[99]! });
    expect(q.missing).toBe(10);
    expect(q.completeness).toBe(0.9);
    expect(q.score).toBe(97.5);
  });

  it('completeness rounds jittered gaps to the grid: arrivals ±40% of the interval miss nothing', () => {
    const t: number[] = [0];
    for (let i = 1; i < 50; i++) t.push(t[i - 1]! + S * (i % 2 ? 1.4 : 0.6));
    expect(quality({ timestamps: t, values: t.map(() => 1) }, { expectedIntervalMs: S, now: t[49]! }).missing).toBe(0);
  });

  it('validity: 3 NaN or infinite and 2 out-of-range values in 100 give 0.95', () => {
    const s = regular(100);
    s.values[3] = NaN;
    s.values[4] = Infinity;
    s.values[50] = -Infinity;
    s.values[60] = 1e6;
    s.values[61] = -5;
    const q = quality(s, { expectedIntervalMs: S, range: [0, 100], now: s.timestamps[99]! });
    expect([q.nonFinite, q.outOfRange, q.validity]).toEqual([3, 2, 0.95]);
  });

  it('consistency: a duplicate, an out-of-order point and a ×1000 spike (a jump up and one back) in 101 points give 1 − 4/100', () => {
    const s = regular(98);
    s.timestamps.splice(10, 0, s.timestamps[9]!); // duplicate time
    s.values.splice(10, 0, 12);
    s.timestamps.splice(30, 0, s.timestamps[20]! + 1); // arrives late
    s.values.splice(30, 0, 12);
    s.values[70] = s.values[69]! * 1000; // ms → µs, then back
    s.values[71] = s.values[69]!;
    s.timestamps.push(s.timestamps[s.timestamps.length - 1]! + S);
    s.values.push(s.values[s.values.length - 1]!);
    const q = quality(s, { expectedIntervalMs: S, now: s.timestamps[s.timestamps.length - 1]! });
    expect(q.points).toBe(101);
    expect([q.duplicates, q.outOfOrder]).toEqual([1, 1]);
    // The jump up and the jump back down.
    expect(q.jumps).toBe(2);
    expect(q.consistency).toBeCloseTo(1 - 4 / 100, 15);
  });

  it('jumps are unit factors only: ×1024 and ÷100 count, ×50 and ×5000 do not', () => {
    const q = (values: number[]) => quality({ timestamps: values.map((_, i) => i * S), values }, { expectedIntervalMs: S, now: values.length * S }).jumps;
    expect(q([2, 2048])).toBe(1);
    expect(q([500, 5])).toBe(1);
    expect(q([-3, -3000])).toBe(1);
    expect(q([2, 100])).toBe(0);
    expect(q([2, 10_000])).toBe(0);
    expect(q([0, 1000])).toBe(0);
  });

  it('timeliness: 1 up to one interval of lag, then interval / lag', () => {
    const s = regular(10);
    const last = s.timestamps[9]!;
    expect(quality(s, { expectedIntervalMs: S, now: last + S }).timeliness).toBe(1);
    expect(quality(s, { expectedIntervalMs: S, now: last + 10 * S }).timeliness).toBe(0.1);
    expect(quality({ timestamps: [], values: [] }, { expectedIntervalMs: S, now: 0 })).toMatchObject({ score: 0, points: 0, lagMs: null });
  });

  it('names bad options and series', () => {
    const s = regular(3);
    expect(() => quality(s, { expectedIntervalMs: 0 })).toThrow(/options\.expectedIntervalMs/);
    expect(() => quality(s, { expectedIntervalMs: S, range: [5, 1] })).toThrow(/options\.range/);
    expect(() => quality(s, { expectedIntervalMs: S, range: [0, NaN] })).toThrow(/options\.range\[1\]/);
    expect(() => quality({ timestamps: [1, 2], values: [1] }, { expectedIntervalMs: S })).toThrow(/series\.values/);
    expect(() => quality({ timestamps: [1, NaN], values: [1, 2] }, { expectedIntervalMs: S })).toThrow(/series\.timestamps\[1\]/);
    expect(() => quality(null as never, { expectedIntervalMs: S })).toThrow(/series/);
  });
});

/** The definitions written plainly: each point against every point before it. */
function reference(t: number[], v: number[], interval: number, min: number, max: number, now: number) {
  let missing = 0, inOrder = 0, dup = 0, ooo = 0, nonFinite = 0, out = 0, jumps = 0;
  let prevValid: number | null = null;
  for (let i = 0; i < t.length; i++) {
    const before = t.slice(0, i);
    const latest = before.length ? Math.max(...before) : null;
    if (latest === null || t[i]! > latest) {
      inOrder++;
      if (latest !== null) missing += Math.max(0, Math.round((t[i]! - latest) / interval) - 1);
    } else if (t[i] === latest) dup++;
    else ooo++;
    if (!Number.isFinite(v[i]!)) nonFinite++;
    else if (v[i]! < min || v[i]! > max) out++;
    else {
      if (prevValid !== null && prevValid !== 0 && v[i] !== 0 && prevValid !== v[i]) {
        const r = Math.max(Math.abs(v[i]! / prevValid), Math.abs(prevValid / v[i]!));
        if ([100, 1000, 1024, 1e6, 1024 ** 2, 1e9].some((f) => Math.abs(r - f) <= 0.02 * f)) jumps++;
      }
      prevValid = v[i]!;
    }
  }
  const n = t.length;
  const completeness = inOrder ? inOrder / (inOrder + missing) : 0;
  const validity = n ? (n - nonFinite - out) / n : 0;
  const consistency = n === 0 ? 0 : n === 1 ? 1 : Math.max(0, 1 - (dup + ooo + jumps) / (n - 1));
  const lag = n ? now - Math.max(...t) : null;
  const timeliness = lag === null ? 0 : lag <= interval ? 1 : interval / lag;
  return { completeness, validity, consistency, timeliness, missing, duplicates: dup, outOfOrder: ooo, nonFinite, outOfRange: out, jumps };
}

const seriesArb = fc.array(
  fc.tuple(
    fc.oneof(fc.constant(1000), fc.constant(1000), fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -3000, max: 0 })),
    fc.oneof(fc.double({ min: -50, max: 150, noNaN: true }), fc.constantFrom(NaN, Infinity, 0, 1, 1000, 1024, 0.001)),
  ),
  { maxLength: 80 },
);

describe('quality: random series against the plain definitions', () => {
  it('every component and count equals the reference', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 0, max: 20_000 }), (steps, lag) => {
        const t: number[] = [];
        let at = 1e6;
        for (const [dt] of steps) t.push((at += dt));
        const v = steps.map(([, x]) => x);
        const now = (t.length ? Math.max(...t) : 0) + lag;
        const got = quality({ timestamps: t, values: v }, { expectedIntervalMs: 1000, range: [-10, 120], now });
        const want = reference(t, v, 1000, -10, 120, now);
        expect(got).toMatchObject(want);
        expect(got.score).toBeCloseTo(25 * (want.completeness + want.validity + want.consistency + want.timeliness), 12);
      }),
      { numRuns: 500 },
    );
  });

  it('streaming in intervals: each interval\'s counts add up to the whole series\'', () => {
    fc.assert(
      fc.property(seriesArb, fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 4 }), (steps, cuts) => {
        const t: number[] = [];
        let at = 0;
        for (const [dt] of steps) t.push((at += dt));
        const v = steps.map(([, x]) => x);
        const whole = quality({ timestamps: t, values: v }, { expectedIntervalMs: 1000, now: at });
        const acc = new QualityAccumulator(1000);
        const sum = { points: 0, missing: 0, nonFinite: 0, duplicates: 0, outOfOrder: 0, jumps: 0 };
        const bounds = [...new Set(cuts.filter((c) => c < t.length))].sort((a, b) => a - b);
        t.forEach((ti, i) => {
          if (bounds.includes(i)) {
            const s = acc.score(at);
            for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += s[k];
            acc.interval();
          }
          acc.add(ti, v[i]!);
        });
        const s = acc.score(at);
        for (const k of Object.keys(sum) as (keyof typeof sum)[]) expect(sum[k] + s[k]).toBe(whole[k]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('quality of collected metric series', () => {
  it('scores each attribute set of a metric\'s points in the order they arrived', async () => {
    const store = memoryStore();
    const t0 = Date.UTC(2026, 10, 1);
    const batch = (k: number, points: [number, number, string][]): StoredEvent[] =>
      points.map(([t, value, region], i) => ({
        id: `m${k}-${i}`, app: 'a', type: 'metric', name: 'latency', timestamp: new Date(t0 + t).toISOString(), receivedAt: new Date(t0 + k * 60_000).toISOString(), batchId: `b${k}`,
        sessionId: null, anonymousId: null, userId: null, traceId: null, spanId: null, properties: { metric: 'latency', kind: 'gauge', value, attributes: { region } }, context: null,
      }));
    // eu: 10 s points, one missing, one late (arrives in a later batch with an earlier time), one NaN-like null value.
    await store.write({ batchId: 'b0', app: 'a', receivedAt: new Date(t0).toISOString(), events: batch(0, [[0, 5, 'eu'], [10_000, 6, 'eu'], [30_000, 7, 'eu'], [0, 1, 'us']]), drops: null });
    await store.write({ batchId: 'b1', app: 'a', receivedAt: new Date(t0 + 60_000).toISOString(), events: batch(1, [[40_000, 8, 'eu'], [20_000, 6, 'eu']]), drops: null });
    const got = await store.analytics.quality({ app: 'a', metric: 'latency', expectedIntervalMs: 10_000, now: t0 + 45_000 });
    expect(got.series.map((s) => s.attributes)).toEqual([{ region: 'eu' }, { region: 'us' }]);
    const eu = got.series[0]!;
    expect(eu).toMatchObject({ points: 5, missing: 1, outOfOrder: 1, duplicates: 0 });
    // The same points through the analysis API, in arrival order.
    const direct = quality({ timestamps: [0, 10_000, 30_000, 40_000, 20_000].map((t) => t0 + t), values: [5, 6, 7, 8, 6] }, { expectedIntervalMs: 10_000, now: t0 + 45_000 });
    expect(eu).toMatchObject(direct);
    await expect(store.analytics.quality({ app: 'a', metric: 'latency', expectedIntervalMs: -1 } as never)).rejects.toMatchObject({ parameter: 'expectedIntervalMs' });
    await expect(store.analytics.quality({ app: 'a', expectedIntervalMs: 5 } as never)).rejects.toMatchObject({ parameter: 'metric' });
  });
});
