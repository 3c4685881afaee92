// The alert rule's ring buffer against a brute-force window: every statistic, every expiry, the cap.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AlertRule } from '../../src/client/alerts/alert-rule.js';
import { quantileType7 } from '../helpers/reference.js';

const STATS = ['count', 'sum', 'mean', 'min', 'max', 'last', 'p50', 'p99'] as const;

function reference(values: { t: number; v: number }[], stat: (typeof STATS)[number]): number {
  const xs = values.map((x) => x.v);
  if (xs.length === 0) return NaN;
  switch (stat) {
    case 'count':
      return xs.length;
    case 'sum':
      return xs.reduce((a, b) => a + b, 0);
    case 'mean':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'min':
      return Math.min(...xs);
    case 'max':
      return Math.max(...xs);
    case 'last':
      return xs[xs.length - 1]!;
    default:
      return quantileType7(xs.slice().sort((a, b) => a - b), Number(stat.slice(1)) / 100);
  }
}

describe('AlertRule', () => {
  it('property: the statistic it fires on equals a brute-force window over the last `cap` values', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATS),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -1000, max: 1000 }), fc.boolean()), { maxLength: 300 }),
        (stat, cap, windowMs, steps) => {
          const transitions: number[] = [];
          const rule = new AlertRule('r', { metric: 'm', when: `${stat} > -1e300`, window: windowMs }, (xs, q) => quantileType7(Array.from(xs).sort((a, b) => a - b), q), cap);
          const kept: { t: number; v: number }[] = [];
          let t = 0;
          let dropped = 0;
          for (const [dt, v, evaluate] of steps) {
            t += dt;
            rule.push(v, t);
            kept.push({ t, v });
            if (kept.length > cap) {
              kept.shift();
              dropped++;
            }
            if (!evaluate) continue;
            while (kept.length && kept[0]!.t < t - windowMs) kept.shift();
            const expected = reference(kept, stat);
            const got = rule.value(t);
            expect(rule.length).toBe(kept.length);
            if (Number.isNaN(expected)) expect(got).toBeNaN();
            else expect(got).toBeCloseTo(expected, 9);
            const transition = rule.evaluate(t);
            if (transition?.state === 'firing') transitions.push(transition.value);
          }
          expect(rule.overflowed).toBe(dropped);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fires after the condition holds for `for`, resolves when it stops holding', () => {
    const rule = new AlertRule('slow', { metric: 'm', when: 'p50 > 100', for: '2s', window: '10s' }, (xs, q) => quantileType7(Array.from(xs).sort((a, b) => a - b), q));
    for (let i = 0; i < 10; i++) rule.push(200, i);
    expect(rule.evaluate(1000)).toBeNull(); // holds, not for 2 s yet
    expect(rule.evaluate(3000)).toMatchObject({ state: 'firing', value: 200 });
    expect(rule.evaluate(4000)).toBeNull(); // still firing: no new transition
    expect(rule.evaluate(20_000)).toMatchObject({ state: 'resolved' }); // the window emptied: NaN never holds
  });
});
