// BG/NBD and Gamma-Gamma (docs/analytics.md, "Churn and lifetime value"): the closed forms against
// the published CDNOW figures (Hardie's spreadsheet for Fader, Hardie & Lee 2005) and against R's
// numerical integrals over the model's posterior (not the closed forms); the fits recovering known
// parameters from data simulated from the models; batch scoring equal to the closed forms; bad input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood, conditionalExpectedPurchases, expectedPurchases, expectedSpend, fitBgNbd, fitGammaGamma, hypergeometric2F1, lifetimeValue, probabilityAlive, scoreCustomers,
  type BgNbdParameters,
} from '../../src/collector/analytics/clv.js';
import { AnalyticsInputError } from '../../src/collector/analytics/query.js';
import { digamma, logGamma } from '../../src/collector/analytics/stats.js';
import { simulateCustomers } from '../helpers/clv-sim.js';
import { mpmathAvailable, runPython } from '../helpers/python.js';
import { rAvailable, runR } from '../helpers/rscript.js';

const CDNOW: BgNbdParameters = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const SEED = 20261129;

function inputError(f: () => unknown): AnalyticsInputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AnalyticsInputError);
    return e as AnalyticsInputError;
  }
  throw new Error('expected an AnalyticsInputError');
}

describe('BG/NBD closed forms: the published CDNOW figures', () => {
  it('E[X(t)] at the spreadsheet times (parameters as published, to 3 decimals)', () => {
    // Hardie's BG/NBD spreadsheet, CDNOW: E[X(t)] for t = 1 day, 1, 3, 31.86, 32 and 78 weeks.
    const published: [number, number][] = [[0.1429, 0.0078], [1, 0.0532], [3, 0.1506], [31.8571, 1.0405], [32, 1.0437], [78, 1.8576]];
    // The published parameters are rounded to 3 decimals, which moves E by up to 0.3%.
    for (const [t, e] of published) expect(Math.abs(expectedPurchases(CDNOW, t) - e)).toBeLessThan(0.003 * e + 6e-5);
  });

  it('E[Y(39) | x = 2, tx = 30.43, T = 38.86] = 1.226 (the paper\'s worked customer)', () => {
    expect(conditionalExpectedPurchases(CDNOW, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('P(alive) is 1 without a repeat purchase and falls as the last purchase ages', () => {
    expect(probabilityAlive(CDNOW, 0, 0, 30)).toBe(1);
    const ps = [38, 30, 20, 10, 1].map((tx) => probabilityAlive(CDNOW, 3, tx, 39));
    for (let i = 1; i < ps.length; i++) expect(ps[i]!).toBeLessThan(ps[i - 1]!);
  });
});

const withMpmath = mpmathAvailable();
describe.skipIf(!withMpmath)('BG/NBD closed forms against mpmath (30–40 digits)', () => {
  const hyper = fc.sample(
    fc.tuple(fc.double({ min: 0.05, max: 30, noNaN: true }), fc.double({ min: 0.05, max: 20, noNaN: true }), fc.double({ min: 0.05, max: 20, noNaN: true }), fc.double({ min: 0, max: 0.97, noNaN: true }))
      .map(([a, b, extra, z]) => ({ a, b, c: b + extra, z })),
    { seed: SEED, numRuns: 40 },
  );
  const customers: [number, number, number, number][] = [[0, 0, 30, 39], [2, 30.43, 38.86, 39], [5, 20, 35, 10], [12, 37, 38, 26]];
  const g = (x: number) => JSON.stringify(x.toPrecision(17));
  const script = [
    'import mpmath',
    'mpmath.mp.dps = 40',
    ...hyper.map((h) => `print(mpmath.nstr(mpmath.hyp2f1(mpmath.mpf(${g(h.a)}), mpmath.mpf(${g(h.b)}), mpmath.mpf(${g(h.c)}), mpmath.mpf(${g(h.z)})), 20))`),
    // The posterior over (λ, p) given (x, tx, T): λ integrated as Gamma moments
    // (∫ λ^x e^{−λs} Gamma(λ; r, α) dλ = Γ(r + x)/Γ(r) · α^r (α + s)^{−(r+x)}), p numerically
    // (tanh-sinh, 30 digits): alive, dead, and the purchases in (T, T + t] of the alive.
    'mpmath.mp.dps = 30',
    `r, al, a, b = (mpmath.mpf(v) for v in (${g(CDNOW.r)}, ${g(CDNOW.alpha)}, ${g(CDNOW.a)}, ${g(CDNOW.b)}))`,
    'def beta(p): return p**(a - 1) * (1 - p)**(b - 1) / mpmath.beta(a, b)',
    `def bg(x, tx, T, t):
    K = mpmath.gamma(r + x) / mpmath.gamma(r) * al**r
    A = K * (al + T)**-(r + x) * mpmath.quad(lambda p: (1 - p)**x * beta(p), [0, 1])
    D = 0 if x == 0 else K * (al + tx)**-(r + x) * mpmath.quad(lambda p: p * (1 - p)**(x - 1) * beta(p), [0, 1])
    F = K * mpmath.quad(lambda p: (1 - p)**x * beta(p) * ((al + T)**-(r + x) - (al + T + p * t)**-(r + x)) / p, [0, 1])
    print(mpmath.nstr(A / (A + D), 17), mpmath.nstr(F / (A + D), 17))`,
    ...customers.map(([x, tx, T, t]) => `bg(${x}, mpmath.mpf(${g(tx)}), mpmath.mpf(${g(T)}), ${t})`),
  ].join('\n');
  const lines = withMpmath ? runPython(script).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)) : [];

  it('₂F₁ by its series equals mpmath.hyp2f1 to 1e-13', () => {
    lines.slice(0, hyper.length).forEach(([want], i) => {
      const h = hyper[i]!;
      expect(Math.abs(hypergeometric2F1(h.a, h.b, h.c, h.z) - want!)).toBeLessThanOrEqual(1e-13 * Math.abs(want!));
    });
  });

  it('P(alive) and E[Y(t) | x, tx, T] equal the posterior integrals to 1e-12', () => {
    lines.slice(hyper.length).forEach(([alive, future], i) => {
      const [x, tx, T, t] = customers[i]!;
      expect(Math.abs(probabilityAlive(CDNOW, x, tx, T) - alive!)).toBeLessThan(1e-12);
      expect(Math.abs(conditionalExpectedPurchases(CDNOW, t, x, tx, T) - future!)).toBeLessThan(1e-12 * Math.max(1, future!));
    });
  });
});

const ok = rAvailable();
describe.skipIf(!ok)('digamma and Gamma-Gamma against R', () => {
  const psi = fc.sample(fc.double({ min: 1e-3, max: 1e4, noNaN: true }), { seed: SEED, numRuns: 30 });
  const g = (x: number) => x.toPrecision(17);
  const script = [
    'out <- function(...) cat(sprintf("%.17g", c(...)), "\\n")',
    ...psi.map((x) => `out(digamma(${g(x)}))`),
    // Gamma-Gamma: E[p / ν] under ν's posterior Gamma(q + p x, γ + x m), integrated.
    'gg <- function(p, q, gam, x, m) integrate(function(nu) p / nu * dgamma(nu, q + p * x, gam + x * m), 0, Inf, rel.tol = 1e-12)$value',
    'out(gg(6.25, 3.74, 15.44, 1, 20), gg(6.25, 3.74, 15.44, 4, 35.5), gg(2, 1.5, 100, 10, 3))',
  ].join('\n');
  const lines = ok ? runR(script).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)) : [];

  it('ψ equals R\'s digamma to 1e-13', () => {
    lines.slice(0, psi.length).forEach(([want], i) => expect(Math.abs(digamma(psi[i]!) - want!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(want!))));
  });

  it('E[M | x, m] equals the posterior mean of the spend', () => {
    const want = lines[psi.length]!;
    const got = [expectedSpend({ p: 6.25, q: 3.74, gamma: 15.44 }, 1, 20), expectedSpend({ p: 6.25, q: 3.74, gamma: 15.44 }, 4, 35.5), expectedSpend({ p: 2, q: 1.5, gamma: 100 }, 10, 3)];
    got.forEach((v, i) => expect(Math.abs(v! - want[i]!)).toBeLessThan(1e-9 * want[i]!));
  });
});

/** The BG/NBD log-likelihood written per customer, plainly (FHL 2005, eq. 6). */
function plainLogLikelihood(p: BgNbdParameters, x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): number {
  const lbeta = (u: number, v: number) => logGamma(u) + logGamma(v) - logGamma(u + v);
  let ll = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i]!;
    const a1 = logGamma(p.r + xi) - logGamma(p.r) + p.r * Math.log(p.alpha);
    const a2 = lbeta(p.a, p.b + xi) - lbeta(p.a, p.b) - (p.r + xi) * Math.log(p.alpha + T[i]!);
    const a3 = xi > 0 ? lbeta(p.a + 1, p.b + xi - 1) - lbeta(p.a, p.b) - (p.r + xi) * Math.log(p.alpha + tx[i]!) : -Infinity;
    ll += a1 + Math.log(Math.exp(a2) + Math.exp(a3));
  }
  return ll;
}

describe('fits', () => {
  const sets: { name: string; bg: BgNbdParameters; minT: number; maxT: number }[] = [
    { name: 'CDNOW-like', bg: CDNOW, minT: 27, maxT: 39 },
    { name: 'frequent buyers, slow churn', bg: { r: 1.5, alpha: 6, a: 0.6, b: 6 }, minT: 10, maxT: 80 },
    { name: 'rare buyers, fast churn', bg: { r: 0.5, alpha: 20, a: 2, b: 3 }, minT: 20, maxT: 100 },
  ];
  it('BG/NBD recovers known parameters from 20,000 simulated customers: within 2 standard errors (95% each), none beyond 3', () => {
    const z: number[] = [];
    for (const set of sets) {
      const c = simulateCustomers(20_000, set.bg, { seed: SEED, minT: set.minT, maxT: set.maxT });
      const fit = fitBgNbd(c);
      expect(fit.converged).toBe(true);
      for (const k of ['r', 'alpha', 'a', 'b'] as const) z.push((fit[k] - set.bg[k]) / fit.standardErrors![k]);
      // The maximum of the plainly written likelihood: no neighbour is higher.
      const at = plainLogLikelihood(fit, c.x, c.tx, c.T);
      expect(at).toBeCloseTo(fit.logLikelihood, 6);
      expect(bgNbdLogLikelihood(fit, c)).toBeCloseTo(at, 6);
      for (const k of ['r', 'alpha', 'a', 'b'] as const)
        for (const f of [0.999, 1.001]) expect(plainLogLikelihood({ ...fit, [k]: fit[k] * f }, c.x, c.tx, c.T)).toBeLessThan(at);
    }
    // Twelve estimates: each within 2 SE with probability 95%, so at most two outside (P ≈ 98%).
    expect(z.filter((v) => Math.abs(v) < 2).length).toBeGreaterThanOrEqual(10);
    for (const v of z) expect(Math.abs(v)).toBeLessThan(3);
  });

  it('the standard errors are the spread of the estimates: over 60 simulated samples, sd(estimate) / mean(SE) within [0.75, 1.33] for every parameter', () => {
    const estimates: number[][] = [], errors: number[][] = [];
    for (let seed = 100; seed < 160; seed++) {
      const fit = fitBgNbd(simulateCustomers(5000, CDNOW, { seed, minT: 27, maxT: 39 }));
      estimates.push([fit.r, fit.alpha, fit.a, fit.b]);
      errors.push([fit.standardErrors!.r, fit.standardErrors!.alpha, fit.standardErrors!.a, fit.standardErrors!.b]);
    }
    for (let k = 0; k < 4; k++) {
      const v = estimates.map((e) => e[k]!);
      const mean = v.reduce((a, b) => a + b) / v.length;
      const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
      const se = errors.reduce((a, e) => a + e[k]!, 0) / errors.length;
      // 60 samples estimate an sd to about ±9% (1 SE): these bounds are over 3 SE wide.
      expect(sd / se).toBeGreaterThan(0.75);
      expect(sd / se).toBeLessThan(1.33);
    }
  });

  it('Gamma-Gamma recovers the CDNOW spend parameters (p = 6.25, q = 3.74, γ = 15.44) within 2 standard errors', () => {
    const spend = { p: 6.25, q: 3.74, gamma: 15.44 };
    const c = simulateCustomers(40_000, CDNOW, { seed: SEED, minT: 27, maxT: 39, spend });
    const keep = [...c.x.keys()].filter((i) => c.x[i]! > 0);
    const fit = fitGammaGamma({ x: keep.map((i) => c.x[i]!), m: keep.map((i) => c.m[i]!) });
    for (const k of ['p', 'q', 'gamma'] as const) expect(Math.abs(fit[k] - spend[k])).toBeLessThan(2 * fit.standardErrors![k]);
  });

  it('batch scoring equals the closed forms customer by customer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(1, 5, 12, 40), fc.double({ min: 0.5, max: 200, noNaN: true }), (seed, steps, horizon) => {
        const c = simulateCustomers(40, CDNOW, { seed, minT: 1, maxT: 60, spend: { p: 6.25, q: 3.74, gamma: 15.44 } });
        const gg = { p: 6.25, q: 3.74, gamma: 15.44 };
        const options = { horizon, discountRate: 0.003, steps };
        const s = scoreCustomers(CDNOW, gg, c, options);
        for (let i = 0; i < 40; i++) {
          const [x, tx, T] = [c.x[i]!, c.tx[i]!, c.T[i]!];
          expect(s.pAlive[i]).toBeCloseTo(probabilityAlive(CDNOW, x, tx, T), 12);
          const e = conditionalExpectedPurchases(CDNOW, horizon, x, tx, T);
          expect(Math.abs(s.expectedPurchases[i]! - e)).toBeLessThan(1e-10 * Math.max(1, e));
          const m = expectedSpend(gg, x, c.m[i]!)!;
          const v = lifetimeValue(CDNOW, m, x, tx, T, options);
          expect(Math.abs(s.lifetimeValue[i]! - v)).toBeLessThan(1e-9 * Math.max(1, v));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('scores a customer whose repeat purchases average ≤ 0 (refunds) with the population mean spend', () => {
    const gg = { p: 6.25, q: 3.74, gamma: 15.44 };
    const s = scoreCustomers(CDNOW, gg, { x: [2, 2, 0], tx: [10, 10, 0], T: [30, 30, 30], m: [-5, 12, 0] }, { horizon: 52, discountRate: 0, steps: 4 });
    const mean = (gg.p * gg.gamma) / (gg.q - 1);
    expect(s.expectedSpend[0]).toBe(mean);
    expect(s.expectedSpend[2]).toBe(mean);
    expect(s.expectedSpend[1]).toBe(expectedSpend(gg, 2, 12));
    expect(s.lifetimeValue[0]).toBeCloseTo(mean * s.expectedPurchases[0]!, 10);
  });

  it('refuses what cannot be fitted, naming the argument', () => {
    expect(inputError(() => fitBgNbd({ x: [0, 0, 0], tx: [0, 0, 0], T: [5, 6, 7] })).parameter).toBe('customers.x');
    expect(inputError(() => fitBgNbd({ x: [1, 2], tx: [1], T: [5, 6] })).parameter).toBe('customers.tx');
    expect(inputError(() => fitBgNbd({ x: [1, -1], tx: [1, 0], T: [5, 6] })).parameter).toBe('customers.x[1]');
    expect(inputError(() => fitBgNbd({ x: [1, 2], tx: [1, 7], T: [5, 6] })).parameter).toBe('customers.tx[1]');
    expect(inputError(() => fitBgNbd({ x: [1, 0], tx: [1, 2], T: [5, 6] })).parameter).toBe('customers.tx[1]');
    expect(inputError(() => fitBgNbd({ x: [], tx: [], T: [] })).parameter).toBe('customers');
    expect(inputError(() => fitGammaGamma({ x: [1], m: [3] })).parameter).toBe('spend');
    expect(inputError(() => fitGammaGamma({ x: [1, 2], m: [3, 0] })).parameter).toBe('spend.m[1]');
    expect(inputError(() => fitGammaGamma({ x: [1, 0], m: [3, 4] })).parameter).toBe('spend.x[1]');
  });
});
