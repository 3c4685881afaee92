// Statistics for the analytics queries: the normal and chi-square distributions, log-gamma and
// log-beta, and the tests the experiments query reports. Plain double-precision code with the
// accuracy each function states; each is checked against R in test/unit/analytics-stats.test.ts.

/** erfc(x) to ~1e-15 relative: the Maclaurin series of erf below 0.5, Lentz's continued fraction above. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated by Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(z), the standard normal CDF, accurate in both tails (through erfc). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Φ⁻¹(p) for p in (0, 1), as R's qnorm: Newton's method on Φ from a tail-aware start, to full
 * double precision (|Φ(x) − p| at the last ulp).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (p > 0.5) return -normalQuantile(1 - p);
  // Start: the tail asymptote x ≈ −√(−2 ln p) refined by one term, then Newton on the lower tail.
  const t = Math.sqrt(-2 * Math.log(p));
  let x = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 50; i++) {
    const density = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    const step = (normalCdf(x) - p) / density;
    x -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 1e-15 relative). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x); // reflection
  x -= 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the
 * asymptotic series (Abramowitz & Stegun 6.3.18) to x⁻¹²; about 1e-15 absolute.
 */
export function digamma(x: number): number {
  if (!(x > 0)) return NaN;
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const i2 = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x - i2 * (1 / 12 - i2 * (1 / 120 - i2 * (1 / 252 - i2 * (1 / 240 - i2 * (1 / 132 - i2 * (691 / 32760))))));
}

/** ln B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/**
 * Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function: the series for
 * P below x < a + 1, the continued fraction (modified Lentz) above.
 */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  const lead = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-16) break;
    }
    return 1 - sum * Math.exp(lead);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(X > x) for X ~ χ²(df), as R's pchisq(x, df, lower.tail = FALSE). */
export function chiSquareSurvival(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

export interface TwoProportionTest {
  /** p₁ − p₂. */
  difference: number;
  z: number | null;
  /** Two-sided; null when both samples are all successes or all failures (no variance). */
  pValue: number | null;
  /** The Wald interval of p₁ − p₂ at `confidence`, clipped to [−1, 1]. */
  interval: [number, number];
}

/**
 * The two-proportion z-test of x₁/n₁ against x₂/n₂: z with the pooled proportion, the two-sided
 * p-value, and the unpooled (Wald) interval of the difference — exactly R's
 * `prop.test(c(x1, x2), c(n1, n2), correct = FALSE)` (whose X-squared is z²).
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number, confidence = 0.95): TwoProportionTest {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const difference = p1 - p2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se0 = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const z = se0 > 0 ? difference / se0 : null;
  const width = normalQuantile(0.5 + confidence / 2) * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return { difference, z, pValue: z === null ? null : 2 * normalCdf(-Math.abs(z)), interval: [Math.max(difference - width, -1), Math.min(difference + width, 1)] };
}

/**
 * P(p_B > p_A) when p_A ~ Beta(αA, βA) and p_B ~ Beta(αB, βB) — the Beta-Binomial posterior
 * probability that B beats A, exact for integer αB (Evan Miller, "Formulas for Bayesian A/B
 * testing", 2015): Σ_{i<αB} B(αA+i, βA+βB) / ((βB+i) B(1+i, βB) B(αA, βA)). The sum runs over
 * the smaller α (by symmetry, 1 − P(A > B)).
 */
export function probabilityBBeatsA(alphaA: number, betaA: number, alphaB: number, betaB: number): number {
  if (alphaA < alphaB) return 1 - probabilityBBeatsA(alphaB, betaB, alphaA, betaA);
  let total = 0;
  const base = logBeta(alphaA, betaA);
  for (let i = 0; i < alphaB; i++) total += Math.exp(logBeta(alphaA + i, betaA + betaB) - Math.log(betaB + i) - logBeta(1 + i, betaB) - base);
  return Math.min(1, Math.max(0, total));
}

export interface ChiSquareTest {
  statistic: number;
  df: number;
  pValue: number;
}

/** Pearson's goodness-of-fit test of counts against expected shares (R's chisq.test(x, p = shares)). */
export function chiSquareGoodnessOfFit(observed: number[], shares: number[]): ChiSquareTest {
  const n = observed.reduce((a, b) => a + b, 0);
  const total = shares.reduce((a, b) => a + b, 0);
  let statistic = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (n * shares[i]!) / total;
    statistic += (observed[i]! - expected) ** 2 / expected;
  }
  const df = observed.length - 1;
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/** The q-quantile of sorted values by linear interpolation between order statistics: R's type 7, DuckDB's quantile_cont. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
