// bench/nab/cv.ts: the 2-fold split and the cross-validation that keeps each fold's choice away
// from the files it is scored on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crossValidate, fnv1a, folds, type Config } from '../../bench/nab/cv.js';
import type { Profile, ScoredFile } from '../../bench/nab/scorer.js';

const STANDARD: Profile = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 };

describe('NAB cross-validation', () => {
  it('FNV-1a matches its published test vectors', () => {
    // From the FNV reference (Fowler, Noll, Vo): "" and "a", 32-bit FNV-1a.
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('property: folds cover every file, are stratified by category (sizes differ by at most one), and do not depend on order', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.constantFrom('realAWS', 'realTweets', 'artificial'), fc.string({ minLength: 1, maxLength: 8 })).map(([c, n]) => `${c}/${n}.csv`), { maxLength: 40 }), (names) => {
        const f = folds(names);
        expect(f.every((k) => k === 0 || k === 1)).toBe(true);
        for (const c of ['realAWS', 'realTweets', 'artificial']) {
          const ks = names.flatMap((n, i) => (n.startsWith(`${c}/`) ? [f[i]!] : []));
          expect(Math.abs(ks.filter((k) => k === 0).length - ks.filter((k) => k === 1).length)).toBeLessThanOrEqual(1);
        }
        const reversed = folds([...names].reverse()).reverse();
        expect(reversed).toEqual(f);
      }),
    );
  });

  it('each fold’s threshold is chosen on its own files only: a detector that needs a different threshold on each half scores worse held out than in-sample', () => {
    // Two files, one per fold. In file A the anomaly scores 0.9 and the noise 0.5; in file B the
    // anomaly scores 0.6 and the noise 0.7. Each half alone picks a threshold that fails the other.
    const file = (name: string): ScoredFile => ({ name, length: 1000, windows: [[500, 549]] });
    const files = [file('x/a.csv'), file('x/b.csv')];
    const scores = (anomaly: number, noise: number) => Float64Array.from({ length: 1000 }, (_, i) => (i === 500 ? anomaly : i === 800 ? noise : 0));
    const config: Config = { name: 'only', scores: [scores(0.9, 0.5), scores(0.6, 0.7)] };
    const v = crossValidate(files, [config], STANDARD, [0, 1]);
    expect(v.perFold.map((f) => f.choice.threshold)).toEqual([0.9, 0.6]);
    // Trained on A (threshold 0.9): B's anomaly (0.6) is missed. Trained on B (0.6): A's is found at 0.9 ≥ 0.6.
    expect(v.perFold[0]!.heldOut).toBeCloseTo(0, 9); // B: the window missed, nothing else fires → the null score
    expect(v.crossValidated).toBeLessThan(v.inSample.score);
  });
});
