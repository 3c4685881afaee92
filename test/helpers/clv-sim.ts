// Customers simulated from the BG/NBD and Gamma-Gamma models themselves (FHL 2005 §3; Fader &
// Hardie 2013 §2), for the fits' recovery tests and the CLV benchmark. Seeded.
import { gammaSampler, seededRandom } from '../../src/random.js';
import type { BgNbdParameters, GammaGammaParameters } from '../../src/collector/analytics/clv.js';

export interface SimulatedCustomers {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  /** Mean spend of the repeat purchases (0 when x = 0). */
  m: Float64Array;
  /** With `histories`: each customer's repeat-purchase times (after the first, at 0) and every purchase's value, the first's included. */
  times?: number[][];
  values?: number[][];
}

/**
 * n customers, each observed for T drawn uniformly from [minT, maxT] after their first purchase:
 * λ ~ Gamma(r, α), p ~ Beta(a, b); purchases at rate λ, dropping out with probability p after each
 * repeat purchase. With spend parameters, each transaction's value ~ Gamma(p, ν), ν ~ Gamma(q, γ).
 */
export function simulateCustomers(n: number, bg: BgNbdParameters, options: { seed: number; minT: number; maxT: number; spend?: GammaGammaParameters; histories?: boolean }): SimulatedCustomers {
  const rnd = seededRandom(options.seed);
  const gamma = gammaSampler(rnd);
  const out: SimulatedCustomers = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), m: new Float64Array(n) };
  if (options.histories) [out.times, out.values] = [[], []];
  for (let i = 0; i < n; i++) {
    const T = options.minT + (options.maxT - options.minT) * rnd();
    const lambda = gamma(bg.r) / bg.alpha;
    const ga = gamma(bg.a);
    const p = ga / (ga + gamma(bg.b));
    const nu = options.spend ? gamma(options.spend.q) / options.spend.gamma : 0;
    let t = 0, x = 0, spent = 0;
    const times: number[] = [];
    const values: number[] = options.spend && options.histories ? [gamma(options.spend.p) / nu] : [];
    for (;;) {
      const gap = -Math.log(1 - rnd()) / lambda;
      if (t + gap > T) break;
      t += gap;
      x++;
      times.push(t);
      if (options.spend) {
        const v = gamma(options.spend.p) / nu;
        spent += v;
        values.push(v);
      }
      if (rnd() < p) break;
    }
    out.times?.push(times);
    out.values?.push(values);
    out.x[i] = x;
    out.tx[i] = x > 0 ? t : 0;
    out.T[i] = T;
    out.m[i] = x > 0 ? spent / x : 0;
  }
  return out;
}
