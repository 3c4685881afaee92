// Churn and lifetime value: the BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way", Marketing Science 24(2)) and the Gamma-Gamma model of
// spend (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value"), fitted by maximum
// likelihood. docs/analytics.md states the definitions; test/unit/clv.test.ts recovers known
// parameters from data simulated from the models and checks the closed forms against numerical
// integration and against the published CDNOW figures (Hardie's spreadsheet).
import { AnalyticsInputError } from './query.js';
import { hessian, inverseSpd, minimize, type MinimizeOptions, type Objective } from './optimize.js';
import { digamma, logBeta, logGamma } from './stats.js';

/** A customer's history in the model's time unit: x repeat purchases (after the first), the last at tx, observed for T since the first. */
export interface CustomerHistories {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
}

export interface BgNbdParameters {
  /** Shape and scale of the Gamma distribution of purchase rates λ (mean r/α per time unit). */
  r: number;
  alpha: number;
  /** Beta(a, b): the probability p of dropping out after each purchase. */
  a: number;
  b: number;
}

export interface FitSummary {
  logLikelihood: number;
  customers: number;
  iterations: number;
  converged: boolean;
}

export interface BgNbdFit extends BgNbdParameters, FitSummary {
  /** From the inverse of the observed information (the negative Hessian of the log-likelihood); null if it is not positive definite. */
  standardErrors: BgNbdParameters | null;
}

export interface GammaGammaParameters {
  /** Spend per transaction ~ Gamma(p, ν); ν ~ Gamma(q, γ) across customers. */
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit extends GammaGammaParameters, FitSummary {
  standardErrors: GammaGammaParameters | null;
}

function checkedHistories(h: CustomerHistories): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  if (h === null || typeof h !== 'object') throw new AnalyticsInputError('customers', 'must be { x, tx, T }: arrays of repeat purchases, time of the last, and time observed');
  const n = h.x?.length;
  if (typeof n !== 'number') throw new AnalyticsInputError('customers.x', 'must be an array of repeat-purchase counts');
  for (const k of ['tx', 'T'] as const)
    if (h[k]?.length !== n) throw new AnalyticsInputError(`customers.${k}`, `must be an array as long as customers.x (${n}), got ${h[k]?.length ?? 'nothing'}`);
  const x = Float64Array.from(h.x);
  const tx = Float64Array.from(h.tx);
  const T = Float64Array.from(h.T);
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(x[i]) && x[i]! >= 0)) throw new AnalyticsInputError(`customers.x[${i}]`, `must be a non-negative integer, got ${h.x[i]}`);
    if (!(T[i]! >= 0 && Number.isFinite(T[i]))) throw new AnalyticsInputError(`customers.T[${i}]`, `must be a finite time ≥ 0, got ${h.T[i]}`);
    if (!(tx[i]! >= 0 && tx[i]! <= T[i]!)) throw new AnalyticsInputError(`customers.tx[${i}]`, `must be in [0, T] = [0, ${T[i]}], got ${h.tx[i]}`);
    if (x[i] === 0 && tx[i] !== 0) throw new AnalyticsInputError(`customers.tx[${i}]`, `must be 0 when x is 0 (no repeat purchase), got ${h.tx[i]}`);
  }
  return { x, tx, T };
}

/** Distinct values of x, and each customer's index among them. */
function groups(x: Float64Array): { values: Float64Array; index: Int32Array; counts: Float64Array } {
  const values = Float64Array.from(new Set(x)).sort();
  const at = new Map<number, number>();
  values.forEach((v, i) => at.set(v, i));
  const index = new Int32Array(x.length);
  const counts = new Float64Array(values.length);
  for (let i = 0; i < x.length; i++) counts[(index[i] = at.get(x[i]!)!)]! += 1;
  return { values, index, counts };
}

/**
 * The BG/NBD log-likelihood (FHL 2005, eq. 6) as an objective over θ = ln(r, α, a, b): the mean
 * negative log-likelihood and its analytic gradient. Terms that depend on x only are computed once
 * per distinct x; per customer it costs two logarithms (one when x = 0) and one exponential.
 */
function bgNbdObjective(d: { x: Float64Array; tx: Float64Array; T: Float64Array }): Objective {
  const n = d.x.length;
  // Customers without a repeat purchase contribute −r ln(α + T) (plus terms in r and α alone): they
  // are kept apart, as their T only; the others as (x's group, tx, T).
  let zeros = 0;
  for (let i = 0; i < n; i++) if (d.x[i] === 0) zeros++;
  const T0 = new Float64Array(zeros);
  const repeat = n - zeros;
  const xr = new Float64Array(repeat), txr = new Float64Array(repeat), Tr = new Float64Array(repeat);
  for (let i = 0, z = 0, k = 0; i < n; i++) {
    if (d.x[i] === 0) T0[z++] = d.T[i]!;
    else {
      xr[k] = d.x[i]!;
      txr[k] = d.tx[i]!;
      Tr[k++] = d.T[i]!;
    }
  }
  const { values, index, counts } = groups(xr);
  const m = values.length;
  const c1 = new Float64Array(m);
  const u0 = new Float64Array(m);
  const v0 = new Float64Array(m);
  const sw = new Float64Array(m);
  return (theta, gradient) => {
    const r = Math.exp(theta[0]!), alpha = Math.exp(theta[1]!), a = Math.exp(theta[2]!), b = Math.exp(theta[3]!);
    const lbab = logBeta(a, b);
    const lgr = logGamma(r);
    for (let j = 0; j < m; j++) {
      const xj = values[j]!;
      c1[j] = logGamma(r + xj) - lgr;
      u0[j] = logBeta(a, b + xj) - lbab;
      v0[j] = logBeta(a + 1, b + xj - 1) - lbab;
      sw[j] = 0;
    }
    let sl0 = 0, si0 = 0;
    for (let i = 0; i < zeros; i++) {
      sl0 += Math.log(alpha + T0[i]!);
      si0 += 1 / (alpha + T0[i]!);
    }
    let ll = -r * sl0, dr = -sl0, dalpha = -r * si0;
    for (let i = 0; i < repeat; i++) {
      const j = index[i]!;
      const rx = r + xr[i]!;
      const lT = Math.log(alpha + Tr[i]!);
      const lt = Math.log(alpha + txr[i]!);
      const u = u0[j]! - rx * lT;
      const v = v0[j]! - rx * lt;
      // log(e^u + e^v) and w = e^v / (e^u + e^v), with one exponential (log(1 + e) loses only what is below an ulp of the sum).
      const e = Math.exp(-Math.abs(u - v));
      const w = v > u ? 1 / (1 + e) : e / (1 + e);
      ll += c1[j]! + (v > u ? v : u) + Math.log(1 + e);
      sw[j]! += w;
      dr -= lT + w * (lt - lT);
      dalpha -= rx * ((1 - w) / (alpha + Tr[i]!) + w / (alpha + txr[i]!));
    }
    const la = Math.log(alpha);
    ll += n * r * la;
    dr += n * la;
    dalpha += (n * r) / alpha;
    const psiR = digamma(r), psiA = digamma(a), psiB = digamma(b), psiAB = digamma(a + b), psiA1 = digamma(a + 1);
    // x = 0: B(a, b + 0)/B(a, b) = 1, so only −n₀ ψ terms cancel; their a and b derivatives are 0.
    let da = 0, db = 0;
    for (let j = 0; j < m; j++) {
      const xj = values[j]!, nj = counts[j]!, wj = sw[j]!;
      const psiABx = digamma(a + b + xj);
      dr += nj * (digamma(r + xj) - psiR);
      da += (nj - wj) * (psiA - psiABx) + wj * (psiA1 - psiABx) - nj * (psiA - psiAB);
      db += (nj - wj) * (digamma(b + xj) - psiABx) + wj * (digamma(b + xj - 1) - psiABx) - nj * (psiB - psiAB);
    }
    // Mean negative log-likelihood; the chain rule to θ = ln(parameter) multiplies by the parameter.
    gradient[0] = (-dr * r) / n;
    gradient[1] = (-dalpha * alpha) / n;
    gradient[2] = (-da * a) / n;
    gradient[3] = (-db * b) / n;
    return -ll / n;
  };
}

/** Standard errors of the parameters exp(θ) from the Hessian of the mean negative log-likelihood in θ (delta method: se = parameter · se(θ)). */
function standardErrors(f: Objective, theta: Float64Array, n: number, gradient?: Float64Array): number[] | null {
  const k = theta.length;
  const H = hessian(f, theta, gradient);
  for (let i = 0; i < H.length; i++) H[i] = H[i]! * n;
  const cov = inverseSpd(H, k);
  if (!cov) return null;
  return Array.from({ length: k }, (_, i) => Math.exp(theta[i]!) * Math.sqrt(cov[i * k + i]!));
}

/** Every stride-th value: the subsample a large fit warms up on. */
function pick(a: Float64Array, stride: number): Float64Array {
  if (stride === 1) return a;
  const out = new Float64Array(Math.ceil(a.length / stride));
  for (let i = 0, j = 0; i < a.length; i += stride, j++) out[j] = a[i]!;
  return out;
}

/** Above this many customers, a fit first converges on a subsample of about this size (every k-th customer), then refines on all from there with the subsample's curvature. */
const WARM_START = 10_000;

/** Maximum likelihood: BFGS over log parameters; the objective built over every `stride`-th customer. */
function fitted(objective: (stride: number) => Objective, n: number, start: number[]) {
  let theta: ArrayLike<number> = start.map(Math.log);
  const options: MinimizeOptions = {};
  if (n > 2 * WARM_START) {
    const warm = minimize(objective(Math.ceil(n / WARM_START)), theta);
    theta = warm.theta;
    options.inverseHessian = warm.inverseHessian;
  }
  const f = objective(1);
  const min = minimize(f, theta, options);
  return { p: Array.from(min.theta, Math.exp), se: standardErrors(f, min.theta, n, min.gradient), logLikelihood: -min.value * n, iterations: min.iterations, converged: min.converged };
}

/**
 * Fits the BG/NBD model by maximum likelihood (FHL 2005, eq. 6) from each customer's (x, tx, T).
 * @throws AnalyticsInputError naming the argument: arrays of different lengths, x not a
 *   non-negative integer, T < 0, tx outside [0, T] (or ≠ 0 when x = 0), or no repeat purchase at
 *   all (the model is then not identified).
 */
export function fitBgNbd(customers: CustomerHistories): BgNbdFit {
  const d = checkedHistories(customers);
  const n = d.x.length;
  if (n === 0) throw new AnalyticsInputError('customers', 'is empty: the BG/NBD model needs customers');
  let repeats = 0, observed = 0;
  // (A customer observed for T = 0 adds nothing to the likelihood: (α/(α + 0))^r = 1.)
  for (let i = 0; i < n; i++) {
    repeats += d.x[i]!;
    observed += d.T[i]!;
  }
  if (repeats === 0) throw new AnalyticsInputError('customers.x', `is 0 for all ${n} customers: nobody purchased again, so the BG/NBD model cannot be fitted (it needs repeat purchases)`);
  // Start: a purchase rate of the observed mean (r = 1, α = 1/rate) and a drop-out of p = 1/2.
  const fit = fitted((keep) => bgNbdObjective({ x: pick(d.x, keep), tx: pick(d.tx, keep), T: pick(d.T, keep) }), n, [1, Math.max(observed, 1e-9) / repeats, 1, 1]);
  const [r, alpha, a, b] = fit.p as [number, number, number, number];
  const se = fit.se;
  return {
    r, alpha, a, b,
    standardErrors: se ? { r: se[0]!, alpha: se[1]!, a: se[2]!, b: se[3]! } : null,
    logLikelihood: fit.logLikelihood, customers: n, iterations: fit.iterations, converged: fit.converged,
  };
}

/** The BG/NBD log-likelihood of the histories at the given parameters (FHL 2005, eq. 6). */
export function bgNbdLogLikelihood(params: BgNbdParameters, customers: CustomerHistories): number {
  const d = checkedHistories(customers);
  const f = bgNbdObjective(d);
  return -f(Float64Array.from([params.r, params.alpha, params.a, params.b], Math.log), new Float64Array(4)) * d.x.length;
}

/**
 * ₂F₁(a, b; c; z) for 0 ≤ z < 1 by its power series, summed until a term no longer changes the sum
 * (the BG/NBD's arguments are positive, so the terms are too and the sum has no cancellation).
 */
export function hypergeometric2F1(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) return NaN;
  let term = 1;
  let sum = 1;
  for (let k = 0; k < 1_000_000; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
    sum += term;
    if (Math.abs(term) <= 1e-16 * Math.abs(sum)) break;
  }
  return sum;
}

/** E[X(t)]: purchases a new customer makes in (0, t] (FHL 2005, eq. 7). */
export function expectedPurchases(params: BgNbdParameters, t: number): number {
  const { r, alpha, a, b } = params;
  if (t === 0) return 0;
  return ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hypergeometric2F1(r, b, a + b - 1, t / (alpha + t)));
}

/** P(alive | x, tx, T) (FHL 2005, eq. 11; the companion note "Computing P(alive) using the BG/NBD model"). */
export function probabilityAlive(params: BgNbdParameters, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  return 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
}

/** E[Y(t) | x, tx, T]: purchases in the next t after T by a customer with that history (FHL 2005, eq. 10). */
export function conditionalExpectedPurchases(params: BgNbdParameters, t: number, x: number, tx: number, T: number): number {
  if (t === 0) return 0;
  const { r, alpha, a, b } = params;
  const head = (a + b + x - 1) / (a - 1);
  const bracket = 1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hypergeometric2F1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  return (head * bracket) * (x > 0 ? probabilityAlive(params, x, tx, T) : 1);
}

/**
 * The Gamma-Gamma log-likelihood over θ = ln(p, q, γ): per customer
 * ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln γ + (px − 1) ln m + px ln x − (px + q) ln(γ + m x),
 * regrouped so that a customer costs one logarithm and one division per evaluation.
 */
function gammaGammaObjective(x: Float64Array, m: Float64Array): Objective {
  const n = x.length;
  const { values, counts } = groups(x);
  const k = values.length;
  const mx = new Float64Array(n);
  let k1 = 0, k2 = 0;
  for (let i = 0; i < n; i++) {
    mx[i] = m[i]! * x[i]!;
    k1 += x[i]! * (Math.log(m[i]!) + Math.log(x[i]!));
    k2 += Math.log(m[i]!);
  }
  return (theta, gradient) => {
    const p = Math.exp(theta[0]!), q = Math.exp(theta[1]!), gamma = Math.exp(theta[2]!);
    let sl = 0, sxl = 0, si = 0, sxi = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.log(gamma + mx[i]!);
      const inv = 1 / (gamma + mx[i]!);
      sl += l;
      sxl += x[i]! * l;
      si += inv;
      sxi += x[i]! * inv;
    }
    const lgamma = Math.log(gamma);
    let ll = -n * logGamma(q) + n * q * lgamma + p * k1 - k2 - p * sxl - q * sl;
    let dp = k1 - sxl;
    let dq = n * lgamma - sl - n * digamma(q);
    for (let j = 0; j < k; j++) {
      const px = p * values[j]!;
      ll += counts[j]! * (logGamma(px + q) - logGamma(px));
      const psi = digamma(px + q);
      dp += counts[j]! * values[j]! * (psi - digamma(px));
      dq += counts[j]! * psi;
    }
    const dgamma = (n * q) / gamma - p * sxi - q * si;
    gradient[0] = (-dp * p) / n;
    gradient[1] = (-dq * q) / n;
    gradient[2] = (-dgamma * gamma) / n;
    return -ll / n;
  };
}

/**
 * Fits the Gamma-Gamma spend model (Fader & Hardie 2013, eq. 3 marginalised) by maximum likelihood
 * from each repeat customer's number of repeat transactions x ≥ 1 and their mean value m > 0.
 * @throws AnalyticsInputError naming the argument: lengths differ, x not a positive integer, m not
 *   positive and finite, fewer than two customers.
 */
export function fitGammaGamma(spend: { x: ArrayLike<number>; m: ArrayLike<number> }): GammaGammaFit {
  if (spend === null || typeof spend !== 'object' || typeof spend.x?.length !== 'number') throw new AnalyticsInputError('spend.x', 'must be an array of repeat-transaction counts');
  const n = spend.x.length;
  if (spend.m?.length !== n) throw new AnalyticsInputError('spend.m', `must be an array as long as spend.x (${n})`);
  if (n < 2) throw new AnalyticsInputError('spend', `has ${n} repeat customer(s): the Gamma-Gamma model needs at least two customers with repeat purchases`);
  const x = Float64Array.from(spend.x);
  const m = Float64Array.from(spend.m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(Number.isInteger(x[i]) && x[i]! >= 1)) throw new AnalyticsInputError(`spend.x[${i}]`, `must be a positive integer (repeat transactions), got ${spend.x[i]}`);
    if (!(m[i]! > 0 && Number.isFinite(m[i]))) throw new AnalyticsInputError(`spend.m[${i}]`, `must be a positive finite mean spend, got ${spend.m[i]}`);
    total += m[i]!;
  }
  // Start: p = 1, q = 2, and γ giving the observed mean spend as the prior mean pγ/(q − 1).
  const fit = fitted((keep) => gammaGammaObjective(pick(x, keep), pick(m, keep)), n, [1, 2, total / n]);
  const [p, q, gamma] = fit.p as [number, number, number];
  const se = fit.se;
  return {
    p, q, gamma,
    standardErrors: se ? { p: se[0]!, q: se[1]!, gamma: se[2]! } : null,
    logLikelihood: fit.logLikelihood, customers: n, iterations: fit.iterations, converged: fit.converged,
  };
}

/** E[M | x, m]: a customer's expected mean spend per transaction (Fader & Hardie 2013, eq. 5); with x = 0, the population mean pγ/(q − 1). Null when q ≤ 1 (no finite mean). */
export function expectedSpend(params: GammaGammaParameters, x: number, m: number): number | null {
  const { p, q, gamma } = params;
  if (x === 0) return q > 1 ? (p * gamma) / (q - 1) : null;
  const d = p * x + q - 1;
  return d > 0 ? (p * (gamma + x * m)) / d : null;
}

export interface LifetimeValueOptions {
  /** Periods ahead, in the model's time unit. */
  horizon: number;
  /** Discount rate per time unit (e.g. 10 % a year in weeks: 1.1^(1/52) − 1). */
  discountRate: number;
  /** The horizon is summed in this many equal steps, each discounted at its end (default: one per time unit, at most 520). */
  steps?: number;
}

/**
 * Discounted lifetime value over the horizon: Σᵢ spend · (E[Y(tᵢ)] − E[Y(tᵢ₋₁)]) / (1 + d)^tᵢ over
 * equal steps tᵢ — the discrete sum of Fader, Hardie & Lee's CLV, as the `lifetimes` package computes it.
 */
export function lifetimeValue(params: BgNbdParameters, spend: number, x: number, tx: number, T: number, options: LifetimeValueOptions): number {
  const steps = options.steps ?? Math.min(520, Math.max(1, Math.round(options.horizon)));
  let value = 0;
  let before = 0;
  for (let i = 1; i <= steps; i++) {
    const t = (options.horizon * i) / steps;
    const e = conditionalExpectedPurchases(params, t, x, tx, T);
    value += (spend * (e - before)) / Math.pow(1 + options.discountRate, t);
    before = e;
  }
  return value;
}

export interface CustomerScores {
  /** P(alive | x, tx, T) now. */
  pAlive: Float64Array;
  /** E[Y(horizon) | x, tx, T]. */
  expectedPurchases: Float64Array;
  /** E[M | x, m] (NaN without a spend model or when its mean is not finite). */
  expectedSpend: Float64Array;
  /** Discounted value over the horizon (NaN without spend). */
  lifetimeValue: Float64Array;
}

/**
 * Every customer's P(alive), expected purchases over the horizon and discounted lifetime value:
 * the same definitions as probabilityAlive, conditionalExpectedPurchases and lifetimeValue, batched.
 * ₂F₁(r + x, b + x; a + b + x − 1; z) depends on the customer through x and z only, so its series
 * coefficients are computed once per x, and one pass sums the series at every step's z together.
 */
export function scoreCustomers(params: BgNbdParameters, spend: GammaGammaParameters | null, customers: CustomerHistories & { m?: ArrayLike<number> }, options: LifetimeValueOptions): CustomerScores {
  const { x, tx, T } = checkedHistories(customers);
  const n = x.length;
  const { r, alpha, a, b } = params;
  const steps = options.steps ?? Math.min(520, Math.max(1, Math.round(options.horizon)));
  const times = Float64Array.from({ length: steps }, (_, i) => (options.horizon * (i + 1)) / steps);
  const discount = times.map((t) => Math.pow(1 + options.discountRate, -t));
  const out: CustomerScores = { pAlive: new Float64Array(n), expectedPurchases: new Float64Array(n), expectedSpend: new Float64Array(n), lifetimeValue: new Float64Array(n) };
  // Per x (which decides the form): the series' coefficients cₖ = (A)ₖ(B)ₖ / ((C)ₖ k!) and the ratios cₖ₊₁/cₖ, grown on demand.
  const series = new Map<number, { c: Float64Array; ratio: Float64Array }>();
  const F = new Float64Array(steps);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    // ₂F₁(r + x, b + x; a + b + x − 1; z), or by Euler's transformation
    // (1 − z)^(C−A−B) ₂F₁(C − A, C − B; C; z) = (1 − z)^(a−1−r−x) ₂F₁(a + b − 1 − r, a − 1; C; z),
    // whichever series peaks sooner (the smaller product of the upper parameters): Euler's when a
    // and b are moderate (its coefficients fall with x), the original when they are huge (p nearly
    // the same for everyone). Either power of (1 − z) merges with ((α + T)/(α + T + t))^(r+x).
    const C = a + b + xi - 1;
    const euler = Math.abs((a + b - 1 - r) * (a - 1)) < Math.abs((r + xi) * (b + xi));
    const A = euler ? a + b - 1 - r : r + xi, B = euler ? a - 1 : b + xi;
    const power = euler ? a - 1 : r + xi;
    const aT = alpha + T[i]!;
    const logAT = Math.log(aT);
    // probabilityAlive, with the power by exp and log.
    const alive = xi === 0 ? 1 : 1 / (1 + (a / (b + xi - 1)) * Math.exp((r + xi) * (logAT - Math.log(alpha + tx[i]!))));
    let cached = series.get(xi);
    if (!cached) series.set(xi, (cached = { c: Float64Array.of(1), ratio: Float64Array.of((A * B) / C) }));
    // Four steps at a time, summed to the largest z's convergence (z grows with t): four independent
    // chains per term instead of one.
    for (let s0 = 0; s0 < steps; s0 += 4) {
      const last = Math.min(s0 + 3, steps - 1);
      const z0 = times[s0]! / (aT + times[s0]!);
      const z1 = s0 + 1 <= last ? times[s0 + 1]! / (aT + times[s0 + 1]!) : 0;
      const z2 = s0 + 2 <= last ? times[s0 + 2]! / (aT + times[s0 + 2]!) : 0;
      const z3 = s0 + 3 <= last ? times[s0 + 3]! / (aT + times[s0 + 3]!) : 0;
      const zMax = times[last]! / (aT + times[last]!);
      let { c, ratio } = cached;
      let p0 = 1, p1 = 1, p2 = 1, p3 = 1, f0 = 1, f1 = 1, f2 = 1, f3 = 1, pMax = 1, fMax = 1;
      for (let k = 1; ; k++) {
        if (k >= c.length) {
          const size = c.length * 2 + 16;
          const grownC = new Float64Array(size), grownR = new Float64Array(size);
          grownC.set(c);
          grownR.set(ratio);
          for (let j = c.length; j < size; j++) {
            grownR[j] = ((A + j) * (B + j)) / ((C + j) * (j + 1));
            grownC[j] = grownC[j - 1]! * grownR[j - 1]!;
          }
          cached.c = c = grownC;
          cached.ratio = ratio = grownR;
        }
        const ck = c[k]!;
        p0 *= z0; p1 *= z1; p2 *= z2; p3 *= z3; pMax *= zMax;
        f0 += ck * p0; f1 += ck * p1; f2 += ck * p2; f3 += ck * p3;
        const term = ck * pMax;
        fMax += term;
        // Stop once the largest z's terms are falling (past the peak) and the rest of the series,
        // bounded by the geometric tail term · q / (1 − q), q = the current term ratio, is below
        // 1e-15 of the sum — then added, so the sum is right to about an ulp.
        const q = Math.abs(ratio[k]! * zMax);
        if (q < 1 && Math.abs(term) * q <= 1e-15 * (1 - q) * Math.abs(fMax)) {
          const rk = Math.abs(ratio[k]!);
          f0 += (ck * p0 * rk * z0) / (1 - rk * z0);
          f1 += (ck * p1 * rk * z1) / (1 - rk * z1);
          f2 += (ck * p2 * rk * z2) / (1 - rk * z2);
          f3 += (ck * p3 * rk * z3) / (1 - rk * z3);
          break;
        }
        if (!(Math.abs(fMax) < Infinity) || k > 1_000_000) break;
      }
      const ok = Math.abs(fMax) < Infinity;
      F[s0] = ok ? f0 : hypergeometric2F1(A, B, C, z0);
      if (s0 + 1 <= last) F[s0 + 1] = ok ? f1 : hypergeometric2F1(A, B, C, z1);
      if (s0 + 2 <= last) F[s0 + 2] = ok ? f2 : hypergeometric2F1(A, B, C, z2);
      if (s0 + 3 <= last) F[s0 + 3] = ok ? f3 : hypergeometric2F1(A, B, C, z3);
    }
    const head = (a + b + xi - 1) / (a - 1);
    // Repeat purchases without a positive mean value (refunds) are outside the spend model: such a
    // customer gets the population mean, as one without repeats.
    const mi = Number(customers.m?.[i] ?? NaN);
    const m = spend ? expectedSpend(spend, xi > 0 && mi > 0 ? xi : 0, mi) : null;
    let value = 0, before = 0, expected = 0;
    for (let s = 0; s < steps; s++) {
      // ((α + T)/(α + T + t))^power by exp and log: Math.pow costs several times as much.
      expected = alive * head * (1 - Math.exp(power * (logAT - Math.log(aT + times[s]!))) * F[s]!);
      value += (expected - before) * discount[s]!;
      before = expected;
    }
    out.pAlive[i] = alive;
    out.expectedPurchases[i] = expected;
    out.expectedSpend[i] = m ?? NaN;
    out.lifetimeValue[i] = m === null ? NaN : m * value;
  }
  return out;
}
