// The NAB scorer (bench/nab/scorer.ts) on small hand-made files: every rule of Lavin & Ahmad 2015.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalise, probationLength, scaledSigmoid, scoreDetections, sweep, type Profile, type ScoredFile } from '../../bench/nab/scorer.js';
import { erfc, windowedGaussian } from '../../bench/nab/reference.js';

const STANDARD: Profile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };
// Written out here from the paper's formula, independently of the scorer.
const sigma = (y: number) => (y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1);
/** 1,000 records (probation 150), one window [400, 499] of width 100. */
const FILE: ScoredFile = { name: 'f', length: 1000, windows: [[400, 499]] };

describe('NAB scorer', () => {
  it('σ: 0 at the right edge, ±0.98661 one width either side, −1 past 3 widths (NAB: y > 3)', () => {
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
    expect(scaledSigmoid(3)).toBe(2 / (1 + Math.exp(15)) - 1);
    expect(scaledSigmoid(3 + 1e-12)).toBe(-1);
    expect(scaledSigmoid(10)).toBe(-1);
  });

  it('probationary period: 15% of the file, at most 750 records', () => {
    expect(probationLength(1000)).toBe(150);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(22_695)).toBe(750);
  });

  it('a detection at the left edge of a window is worth exactly A_TP; at the right edge almost nothing', () => {
    expect(scoreDetections(FILE, [400], STANDARD)).toEqual({ score: 1, tp: 1, fp: 0, fn: 0 });
    expect(scoreDetections(FILE, [499], STANDARD).score).toBeCloseTo(sigma(-1 / 100) / sigma(-1), 12);
    expect(scoreDetections(FILE, [450], STANDARD).score).toBeCloseTo(sigma(-50 / 100) / sigma(-1), 12);
  });

  it('only the earliest detection in a window counts, whatever the order given', () => {
    const one = scoreDetections(FILE, [410], STANDARD);
    expect(scoreDetections(FILE, [470, 420, 410, 455], STANDARD)).toEqual(one);
  });

  it('a window without a detection costs A_FN; detections in the probationary period are not scored', () => {
    expect(scoreDetections(FILE, [], STANDARD)).toEqual({ score: -1, tp: 0, fp: 0, fn: 1 });
    expect(scoreDetections(FILE, [0, 10, 149], STANDARD)).toEqual({ score: -1, tp: 0, fp: 0, fn: 1 });
    expect(scoreDetections(FILE, [150], STANDARD).fp).toBe(1);
    const lowFn: Profile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 };
    expect(scoreDetections(FILE, [], lowFn).score).toBe(-2);
  });

  it('false positives: −A_FP before any window, A_FP·σ(d) after one (d in widths − 1), −A_FP past 3 widths', () => {
    const fn = -1;
    expect(scoreDetections(FILE, [200], STANDARD).score).toBeCloseTo(fn - 0.11, 12);
    expect(scoreDetections(FILE, [549], STANDARD).score).toBeCloseTo(fn + 0.11 * sigma(50 / 99), 12);
    expect(scoreDetections(FILE, [500], STANDARD).score).toBeCloseTo(fn + 0.11 * sigma(1 / 99), 12);
    expect(scoreDetections(FILE, [499 + 297], STANDARD).score).toBe(fn + 0.11 * sigma(3)); // exactly 3 widths: still σ
    expect(scoreDetections(FILE, [499 + 298], STANDARD).score).toBe(fn - 0.11);
    // Each false positive is charged: two of them cost twice one.
    expect(scoreDetections(FILE, [200, 210], STANDARD).score).toBeCloseTo(fn - 0.22, 12);
  });

  it('a false positive is measured from the closest preceding window', () => {
    const two: ScoredFile = { name: 'g', length: 2000, windows: [[400, 499], [1000, 1199]] };
    // 1,250 is 51 past the second window (width 200): σ(51/199), not σ relative to the first.
    expect(scoreDetections(two, [400, 1000, 1250], STANDARD).score).toBeCloseTo(2 + 0.11 * sigma(51 / 199), 12);
  });

  it('sweep: the best corpus threshold scores what direct scoring of its detections scores (property)', () => {
    const file = fc.record({ length: fc.integer({ min: 200, max: 1500 }), cuts: fc.uniqueArray(fc.integer({ min: 0, max: 1499 }), { minLength: 0, maxLength: 6 }) }).map(({ length, cuts }) => {
      const points = cuts.filter((c) => c < length).sort((a, b) => a - b);
      const windows: [number, number][] = [];
      for (let i = 0; i + 1 < points.length; i += 2) if (points[i + 1]! > points[i]!) windows.push([points[i]!, points[i + 1]!]);
      return { name: 'x', length, windows };
    });
    fc.assert(
      fc.property(fc.array(file, { minLength: 1, maxLength: 4 }), fc.integer(), (files, seed) => {
        let s = seed >>> 0;
        const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        const scores = files.map((f) => Float64Array.from({ length: f.length }, () => Math.floor(rand() * 20) / 20));
        const best = sweep(files, scores, STANDARD);
        const direct = files.reduce((t, f, k) => {
          const det: number[] = [];
          for (let i = 0; i < f.length; i++) if (scores[k]![i]! >= best.threshold) det.push(i);
          return t + scoreDetections(f, det, STANDARD).score;
        }, 0);
        expect(best.score).toBeCloseTo(direct, 9);
        // No other threshold does better.
        for (const t of [0, 0.25, 0.5, 0.75, 0.95, 2]) {
          const other = files.reduce((acc, f, k) => acc + scoreDetections(f, [...scores[k]!.keys()].filter((i) => scores[k]![i]! >= t), STANDARD).score, 0);
          expect(other).toBeLessThanOrEqual(best.score + 1e-9);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('normalisation: a detector that never fires scores 0, one firing at each window start 100', () => {
    const files: ScoredFile[] = [FILE, { name: 'g', length: 3000, windows: [[800, 899], [2000, 2300]] }];
    const never = normalise(files, sweep(files, files.map((f) => new Float64Array(f.length)), STANDARD).score, STANDARD);
    expect(never.score).toBe(0);
    const perfect = files.map((f) => {
      const a = new Float64Array(f.length);
      for (const [l] of f.windows) a[l] = 1;
      return a;
    });
    expect(normalise(files, sweep(files, perfect, STANDARD).score, STANDARD).score).toBeCloseTo(100, 9);
  });

  it('windowed Gaussian reference (NAB source): 0 for the first record, 0.5 at the window mean, → 1 far on either side', () => {
    const s = windowedGaussian(Float64Array.from([1, 3, 2, 2 + 1e-9, 100, -10_000]));
    expect(s[0]).toBe(0);
    expect(s[2]).toBe(0.5); // 2 is the mean of [1, 3]
    expect(s[4]).toBe(1); // far above
    expect(s[5]).toBe(1); // far below: two-sided
    // z = 1 against [0, 2] (mean 1, population σ 1): 1 − Q(1) = 0.841344746068543 (Φ(1), A&S 26.2).
    expect(windowedGaussian(Float64Array.from([0, 2, 2]))[2]).toBeCloseTo(0.841344746068543, 14);
  });

  it('erfc to 1e-14 relative at published values (A&S 7.1; Wolfram)', () => {
    const known: [number, number][] = [
      [0, 1],
      [0.3, 0.671373240540872583],
      [1, 0.157299207050285131],
      [2, 0.00467773498104726584],
      [5, 1.53745979442803485e-12],
      [10, 2.08848758376254476e-45],
      [-1, 1.842700792949714869],
    ];
    for (const [x, v] of known) expect({ x, rel: Math.abs(erfc(x) - v) / v < 1e-14 }).toEqual({ x, rel: true });
  });
});
