// The experiments' statistics against R on random cases: the two-proportion z-test and its
// interval (prop.test, correct = FALSE), the chi-square survival function and goodness-of-fit test
// (pchisq, chisq.test), Φ and Φ⁻¹ (pnorm, qnorm), ln Γ (lgamma), and P(B beats A) for Beta
// posteriors (integrate(dbeta(p, B) · pbeta(p, A)) — a numerical integral, not the closed form).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareGoodnessOfFit, chiSquareSurvival, logGamma, normalCdf, normalQuantile, probabilityBBeatsA, twoProportionTest } from '../../src/collector/analytics/stats.js';
import { rAvailable, runR } from '../helpers/rscript.js';

const SEED = 20261128;
// Rates near each other (as in an A/B test), so p-values span (0, 1) rather than sitting at 0.
const props = fc.sample(
  fc
    .tuple(fc.integer({ min: 30, max: 200_000 }), fc.integer({ min: 30, max: 200_000 }), fc.double({ min: 0.005, max: 0.6, noNaN: true }), fc.double({ min: -0.3, max: 0.3, noNaN: true }), fc.constantFrom(0.8, 0.9, 0.95, 0.99))
    .map(([n1, n2, rate, lift, conf]) => ({ x1: Math.round(rate * (1 + lift) * n1), n1, x2: Math.round(rate * n2), n2, conf })),
  { seed: SEED, numRuns: 80 },
).filter((c) => c.x1 + c.x2 > 0);
const chis = fc.sample(fc.tuple(fc.double({ min: 0.001, max: 200, noNaN: true }), fc.integer({ min: 1, max: 40 })), { seed: SEED, numRuns: 60 });
const fits = fc.sample(fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 2, maxLength: 6 }).chain((obs) => fc.tuple(fc.constant(obs), fc.array(fc.double({ min: 0.1, max: 5, noNaN: true }), { minLength: obs.length, maxLength: obs.length }))), { seed: SEED, numRuns: 40 });
const betas = fc.sample(fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 3000 })).map(([xa, fa, xb, fb]) => ({ aA: 1 + xa, bA: fa, aB: 1 + xb, bB: fb })), { seed: SEED, numRuns: 40 });
const ps = fc.sample(fc.oneof(fc.double({ min: 1e-300, max: 1e-3, noNaN: true }), fc.double({ min: 1e-3, max: 0.999, noNaN: true })), { seed: SEED, numRuns: 60 });
const gammas = fc.sample(fc.double({ min: 0.01, max: 1e5, noNaN: true }), { seed: SEED, numRuns: 40 });

const g = (x: number) => x.toPrecision(17);
const vec = (xs: number[]) => `c(${xs.map(g).join(',')})`;

const ok = rAvailable();
describe.skipIf(!ok)('statistics against R', () => {
  const script = [
    'options(digits = 17)',
    'out <- function(...) cat(sprintf("%.17g", c(...)), "\\n")',
    ...props.map((c) => `r <- suppressWarnings(prop.test(c(${c.x1}, ${c.x2}), c(${c.n1}, ${c.n2}), correct = FALSE, conf.level = ${c.conf})); out(r$p.value, r$conf.int, sqrt(r$statistic))`),
    ...chis.map(([x, df]) => `out(pchisq(${g(x)}, ${df}, lower.tail = FALSE))`),
    ...fits.map(([obs, p]) => `r <- chisq.test(${vec(obs)}, p = ${vec(p)}, rescale.p = TRUE); out(r$statistic, r$parameter, r$p.value)`),
    ...betas.map((b) => `out(integrate(function(p) dbeta(p, ${b.aB}, ${b.bB}) * pbeta(p, ${b.aA}, ${b.bA}), 0, 1, rel.tol = 1e-12, subdivisions = 10000L)$value)`),
    ...ps.map((p) => `out(qnorm(${g(p)}), pnorm(qnorm(${g(p)})))`),
    ...gammas.map((x) => `out(lgamma(${g(x)}))`),
  ].join('\n');
  const lines = ok ? runR(script).trim().split('\n').map((l) => l.trim().split(/\s+/).map(Number)) : [];
  // Each test reads its own section of R's output, in script order.
  const counts = [props.length, chis.length, fits.length, betas.length, ps.length, gammas.length];
  const sections = counts.map((n, i) => lines.slice(counts.slice(0, i).reduce((a, b) => a + b, 0)).slice(0, n));
  let section: number[][] = [];
  const use = (i: number) => (section = sections[i]!.slice());
  const next = () => section.shift()!;
  const close = (got: number, want: number, rel: number) => expect({ got, want, ok: Math.abs(got - want) <= rel * Math.max(Math.abs(want), 1e-300) }).toMatchObject({ ok: true });

  const near = (got: number, want: number, tol: number) => expect({ got, want, ok: Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)) }).toMatchObject({ ok: true });

  it(`two-proportion z-test: p-value and interval equal prop.test(correct = FALSE) on ${props.length} random cases`, () => {
    use(0);
    for (const c of props) {
      const [p, lo, hi, z] = next() as [number, number, number, number];
      const t = twoProportionTest(c.x1, c.n1, c.x2, c.n2, c.conf);
      close(t.pValue!, p, 1e-9);
      // R takes z as √X² from the 2×2 table, which loses digits near 0: compared absolutely there.
      near(Math.abs(t.z!), z, 1e-11);
      near(t.interval[0], lo, 1e-12);
      near(t.interval[1], hi, 1e-12);
    }
  });

  it(`chi-square survival equals pchisq(lower.tail = FALSE) on ${chis.length} random (x, df)`, () => {
    use(1);
    for (const [x, df] of chis) close(chiSquareSurvival(x, df), next()[0]!, 1e-10);
  });

  it(`goodness of fit equals chisq.test(x, p) on ${fits.length} random splits`, () => {
    use(2);
    for (const [obs, p] of fits) {
      const [stat, df, pv] = next() as [number, number, number];
      const t = chiSquareGoodnessOfFit(obs, p);
      close(t.statistic, stat, 1e-11);
      expect(t.df).toBe(df);
      close(t.pValue, pv, 1e-9);
    }
  });

  it(`P(B beats A) for Beta posteriors equals R's numerical integral on ${betas.length} random cases`, () => {
    use(3);
    for (const b of betas) expect(Math.abs(probabilityBBeatsA(b.aA, b.bA, b.aB, b.bB) - next()[0]!)).toBeLessThan(1e-8);
  });

  it(`Φ⁻¹ equals qnorm, down to p = 1e-300, on ${ps.length} random p`, () => {
    use(4);
    for (const p of ps) {
      const [q, back] = next() as [number, number];
      close(normalQuantile(p), q, 1e-12);
      close(normalCdf(normalQuantile(p)), back, 1e-12);
    }
  });

  it(`ln Γ equals lgamma on ${gammas.length} random x`, () => {
    use(5);
    for (const x of gammas) expect(Math.abs(logGamma(x) - next()[0]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(logGamma(x))));
  });
});
