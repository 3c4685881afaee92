// The `context` detector (assembly/context.ts): the kernel against the plain reference
// (test/helpers/context-reference.ts), no look-ahead, push equals batch, snapshots, memory bounds.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDetector, detectAnomalies, ready } from '../../src/analysis/index.js';
import { kernelsNow } from '../../src/analysis/runtime.js';
import { WASM_URL } from '../helpers/analysis.js';
import { ContextReference, type ContextReferenceOptions } from '../helpers/context-reference.js';
import { normal, rng } from '../helpers/reference.js';

beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const CONTEXT = 8;

interface Setup extends ContextReferenceOptions {
  maxActive: number;
  maxLeft: number;
}

function create(o: Setup): number {
  const k = kernelsNow('test');
  const ptr = k.detectorCreate(CONTEXT, o.rest, o.threshold, o.minSamples);
  expect(k.detectorConfigure(ptr, o.range?.[0] ?? NaN, o.range?.[1] ?? NaN, o.maxActive, o.maxLeft)).toBe(true);
  return ptr;
}

function kernelScores(o: Setup, xs: number[]): { score: Float64Array; expected: Float64Array } {
  const k = kernelsNow('test');
  const ptr = create(o);
  const r = k.detectorScoreMany(ptr, xs);
  k.detectorFree(ptr);
  return r;
}

/** Series a detector of discretised values meets: periodic patterns, noise, level shifts and spikes. */
const seriesArb = fc
  .record({ seed: fc.integer(), n: fc.integer({ min: 1, max: 500 }), period: fc.integer({ min: 2, max: 30 }), noise: fc.double({ min: 0, max: 3, noNaN: true }) })
  .map(({ seed, n, period, noise }) => {
    const r = rng(seed);
    return Array.from({ length: n }, (_, i) => {
      const shift = i > n * 0.7 ? 4 : 0;
      const spike = r() < 0.02 ? 12 * normal(r) : 0;
      return Math.round((10 + 5 * Math.sin((2 * Math.PI * i) / period) + noise * normal(r) + shift + spike) * 10) / 10;
    });
  });

const setupArb = fc.record({
  rest: fc.integer({ min: 1, max: 40 }),
  threshold: fc.double({ min: 0.05, max: 0.95, noNaN: true }),
  minSamples: fc.integer({ min: 0, max: 80 }),
  given: fc.boolean(),
  maxActive: fc.integer({ min: 1, max: 15 }),
  maxLeft: fc.integer({ min: 1, max: 8 }),
});

const withRange = (s: { given: boolean } & Omit<Setup, 'range'>, xs: number[]): Setup => ({
  ...s,
  ...(s.given ? { range: [Math.min(...xs, 0), Math.max(...xs, 1)] as [number, number] } : {}),
});

describe('context detector (kernel)', () => {
  it('property: every score, expected value and verdict equals the plain reference, given or learned range', () => {
    fc.assert(
      fc.property(seriesArb, setupArb, (xs, s) => {
        const o = withRange(s, xs);
        const ref = new ContextReference(o);
        const got = kernelScores(o, xs);
        xs.forEach((x, i) => {
          const r = ref.push(x);
          expect(got.score[i]).toBe(r.score);
          if (r.flag >= 0) expect(got.expected[i]).toBe(r.expected);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('forgets as the reference does when its memory fills (20,000 points: random levels, and a drifting pattern at CAD\'s sizes 15/7)', () => {
    const r = rng(7);
    const random = Array.from({ length: 20_000 }, () => Math.floor(r() * 8));
    // a pattern that keeps changing: the period grows, noise and shifts break it
    const drifting = Array.from({ length: 20_000 }, (_, i) => Math.round(3.5 + 3 * Math.sin((2 * Math.PI * i) / (20 + Math.floor(i / 2000))) + (r() < 0.05 ? 2 * normal(r) : 0)));
    for (const [xs, maxActive, maxLeft] of [[random, 3, 3], [drifting, 15, 7]] as const) {
      const o: Setup = { rest: 10, threshold: 0.5, minSamples: 0, range: [0, 7], maxActive, maxLeft };
      const ref = new ContextReference(o);
      const got = kernelScores(o, xs);
      let differ = 0;
      let most = 0;
      xs.forEach((x, i) => {
        if (ref.push(x).score !== got.score[i]) differ++;
        most = Math.max(most, ref.contexts);
      });
      expect(ref.forgets).toBeGreaterThan(10);
      // it forgets before a step could run out of room (1,536 contexts, 1,536 left sets, 6,144 neuron ids)
      expect(most).toBeLessThanOrEqual(1536);
      expect(most).toBeGreaterThan(1400);
      expect(ref.deadSets).toBeGreaterThan(0);
      expect(differ).toBe(0);
    }
  });

  it('property: no look-ahead — changing later points never changes earlier scores', () => {
    fc.assert(
      fc.property(seriesArb, seriesArb, setupArb, (a, b, s) => {
        const o = withRange(s, [...a, ...b]);
        const full = kernelScores(o, [...a, ...b]);
        const alone = kernelScores(o, a);
        expect(Array.from(full.score.subarray(0, a.length))).toEqual(Array.from(alone.score));
      }),
      { numRuns: 60 },
    );
  });

  it('property: detectors pushed in turn score as each alone (a step\'s working space is shared by all of them)', () => {
    const k = kernelsNow('test');
    fc.assert(
      fc.property(seriesArb, seriesArb, setupArb, setupArb, (xa, xb, sa, sb) => {
        const oa = withRange(sa, xa), ob = withRange(sb, xb);
        const alone = [kernelScores(oa, xa).score, kernelScores(ob, xb).score];
        const pa = create(oa), pb = create(ob);
        for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
          if (i < xa.length) expect(k.detectorPush(pa, xa[i]!).score).toBe(alone[0]![i]);
          if (i < xb.length) expect(k.detectorPush(pb, xb[i]!).score).toBe(alone[1]![i]);
        }
        k.detectorFree(pa);
        k.detectorFree(pb);
      }),
      { numRuns: 40 },
    );
  });

  it('property: pushing one at a time equals the batch, and a snapshot taken anywhere continues exactly', () => {
    const k = kernelsNow('test');
    fc.assert(
      fc.property(seriesArb, setupArb, fc.double({ min: 0, max: 1, noNaN: true }), (xs, s, at) => {
        const o = withRange(s, xs);
        const batch = kernelScores(o, xs);
        const cut = Math.floor(at * xs.length);
        let ptr = create(o);
        xs.forEach((x, i) => {
          if (i === cut) {
            const state = k.detectorSave(ptr);
            k.detectorFree(ptr);
            ptr = k.detectorLoad(state);
            expect(ptr).not.toBe(0);
          }
          const r = k.detectorPush(ptr, x);
          expect(r.score).toBe(batch.score[i]);
          expect(r.flag).toBe(Number.isNaN(r.score) ? -1 : r.score > o.threshold ? 1 : 0);
        });
        k.detectorFree(ptr);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps its whole state under 64 KB, refuses truncated or foreign snapshots, and reset() starts over with the same range', () => {
    const k = kernelsNow('test');
    const o: Setup = { rest: 5, threshold: 0.5, minSamples: 0, range: [0, 10], maxActive: 3, maxLeft: 3 };
    const ptr = create(o);
    const xs = Array.from({ length: 300 }, (_, i) => (i % 7) + (i === 250 ? 3 : 0));
    const first = k.detectorScoreMany(ptr, xs).score;
    const state = k.detectorSave(ptr);
    expect(state.length).toBeLessThanOrEqual(64 * 1024);
    expect(k.detectorLoad(state.subarray(0, state.length - 1))).toBe(0);
    const foreign = state.slice();
    foreign[8] = 3; // method: not context
    expect(k.detectorLoad(foreign)).toBe(0);
    k.detectorReset(ptr);
    expect(Array.from(k.detectorScoreMany(ptr, xs).score)).toEqual(Array.from(first));
    // configuring after the first point, or with a reversed range, is refused
    expect(k.detectorConfigure(ptr, 0, 1, 3, 3)).toBe(false);
    const fresh = k.detectorCreate(CONTEXT, 5, 0.5, 0);
    expect(k.detectorConfigure(fresh, 2, 1, 3, 3)).toBe(false);
    expect(k.detectorConfigure(fresh, 0, 1, 16, 3)).toBe(false);
    k.detectorFree(fresh);
    k.detectorFree(ptr);
  });

  it('learns a repeating pattern, then flags the first break of it once and goes quiet for the rest period', () => {
    const pattern = [0, 2, 4, 6, 7, 5, 3, 1];
    const xs = Array.from({ length: 1200 }, (_, i) => pattern[i % 8]!);
    xs[1000] = 7; // the pattern broken once
    const o: Setup = { rest: 50, threshold: 0.5, minSamples: 0, range: [0, 7], maxActive: 3, maxLeft: 3 };
    const { score, expected } = kernelScores(o, xs);
    // After learning, the pattern is predicted: every score 0 and the expected value the next level's centre.
    for (let i = 200; i < 1000; i++) expect(score[i]).toBe(0);
    expect(expected[999]).toBeCloseTo(pattern[999 % 8]! + 0.5, 12);
    expect(score[1000]).toBeGreaterThan(0.5);
    const flagged = Array.from(score).map((s, i) => (s > 0.5 ? i : -1)).filter((i) => i >= 200);
    expect(flagged).toEqual([1000]);
  });

  it('a learned range that the values leave is refitted, the memory rebuilt: a level shift is flagged once, then the new level is normal', () => {
    const pattern = [0, 2, 4, 6, 7, 5, 3, 1];
    const xs = Array.from({ length: 3000 }, (_, i) => pattern[i % 8]! + (i >= 2000 ? 20 : 0));
    const o: Setup = { rest: 50, threshold: 0.5, minSamples: 300, maxActive: 3, maxLeft: 3 };
    const { score, expected } = kernelScores(o, xs);
    for (let i = 0; i < 300; i++) expect(score[i]).toBeNaN();
    const flagged = Array.from(score).map((s, i) => (s > 0.5 ? i : -1)).filter((i) => i >= 0);
    expect(flagged).toEqual([2000]);
    // The expected values are centres of the refitted range's levels ([0, 27], 27/7 wide), at the new level.
    const centres = Array.from(expected.subarray(2700)).filter((e) => !Number.isNaN(e));
    expect(centres.length).toBeGreaterThan(250);
    expect(Math.max(...centres)).toBeLessThan(27);
    expect(Math.min(...centres)).toBeGreaterThan(19);
  });
});

describe("detectAnomalies() and createDetector() with method 'context'", () => {
  it('equal the kernel reference, with the defaults resolved (rest 75, learned from 300 points, 3/3)', async () => {
    const r = rng(3);
    const xs = Array.from({ length: 2000 }, (_, i) => Math.round(10 * Math.sin(i / 5) + normal(r) + (i === 1500 ? 40 : 0)));
    const ref = new ContextReference({ rest: 75, threshold: 0.5, minSamples: 300 });
    const expected = xs.map((x) => ref.push(x)).flatMap((p, index) => (p.flag === 1 ? [{ index, score: p.score }] : []));
    expect(expected.length).toBeGreaterThan(0);
    const got = await detectAnomalies(xs, { method: 'context', threshold: 0.5 });
    expect(got.map((a) => ({ index: a.index, score: a.score }))).toEqual(expected);
    const d = createDetector({ method: 'context', threshold: 0.5 });
    const streamed = xs.flatMap((x) => d.push(x) ?? []);
    expect(streamed.map((a) => a.index)).toEqual(expected.map((a) => a.index));
    d.dispose();
    const given = await detectAnomalies(xs, { method: 'context', threshold: 0.5, range: [-20, 60], maxActive: 5, maxLeft: 4 });
    const refGiven = new ContextReference({ rest: 75, threshold: 0.5, minSamples: 75, range: [-20, 60], maxActive: 5, maxLeft: 4 });
    expect(given.map((a) => a.index)).toEqual(xs.map((x) => refGiven.push(x)).flatMap((p, i) => (p.flag === 1 ? [i] : [])));
  });

  it('rejects bad context options with errors naming them, and context options on other methods', async () => {
    await expect(detectAnomalies([1, 2, 3], { method: 'context', range: [5, 5] })).rejects.toThrow(/options\.range must have min < max/);
    await expect(detectAnomalies([1, 2, 3], { method: 'context', range: [0, Infinity] })).rejects.toThrow(/options\.range\[1\]/);
    await expect(detectAnomalies([1, 2, 3], { method: 'context', range: [0] as unknown as [number, number] })).rejects.toThrow(/options\.range must be \[min, max\]/);
    await expect(detectAnomalies([1, 2, 3], { method: 'context', maxActive: 16 })).rejects.toThrow(/options\.maxActive/);
    await expect(detectAnomalies([1, 2, 3], { method: 'context', maxLeft: 0 })).rejects.toThrow(/options\.maxLeft/);
    await expect(detectAnomalies([1, 2, 3], { method: 'zscore', range: [0, 1] })).rejects.toThrow(/options\.range applies to method 'context' only/);
    await expect(detectAnomalies([1, 2, 3], { method: 'context', threshold: 1 })).rejects.toThrow(/options\.threshold/);
  });
});

