// Automatic order selection: the Hyndman–Khandakar stepwise search of forecast::auto.arima
// (Hyndman & Khandakar 2008; forecast 8.x), by AICc.
import type { ArimaKernelFit, ArimaSpec } from '../kernels/index.js';
import { boxCox } from './boxcox.js';
import { abortReason } from '../runtime/errors.js';
import { boxCoxOf, fitKernel, hasValidVariances, modelOf, regressorsOf, seriesOf, type ArimaModel, type Order } from './arima.js';
import type { TaskOptions } from './stats.js';
import { taskOptions } from './task-options.js';
import { integer, options as objectArg } from './validate.js';

export interface AutoArimaOptions extends TaskOptions {
  /** Seasonal period (default 1: no seasonal part). */
  period?: number;
  maxP?: number;
  maxQ?: number;
  maxSeasonalP?: number;
  maxSeasonalQ?: number;
  maxD?: number;
  maxSeasonalD?: number;
  /**
   * Compare candidates by CSS likelihoods and refit the winner by CSS-ML, as auto.arima's
   * `approximation` (default: n > 150 or period > 12).
   */
  approximation?: boolean;
  /**
   * Regressors, as `arima`'s `xreg` (one value or one row per observation): every candidate is a
   * regression with ARIMA errors, and the differencing tests run on the residuals of the
   * regression of the series on them (with an intercept), as auto.arima's.
   */
  xreg?: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
  /** Box–Cox transform first, as auto.arima's `lambda` (a number or 'auto'); see arima's. */
  lambda?: number | 'auto';
  /** With `lambda`, bias-adjusted forecast means (auto.arima's biasadj). */
  biasadj?: boolean;
  /** Called after each candidate fit. */
  onProgress?: (progress: { tried: number; best: { order: Order; seasonal: Order; aicc: number } | null }) => void;
}

export interface AutoArimaModel extends ArimaModel {
  /** Candidate models fitted during the search. */
  tried: number;
}

/** KPSS level-stationarity statistic (Kwiatkowski et al. 1992; urca::ur.kpss type "mu"). */
export function kpssStatistic(x: ArrayLike<number>, lags: number): number {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i]!;
  mean /= n;
  const e = Float64Array.from({ length: n }, (_, i) => x[i]! - mean);
  let s = 0;
  let eta = 0;
  for (let i = 0; i < n; i++) {
    s += e[i]!;
    eta += s * s;
  }
  eta /= n * n;
  let lrv = 0;
  for (let i = 0; i < n; i++) lrv += e[i]! * e[i]!;
  lrv /= n;
  for (let l = 1; l <= lags; l++) {
    let c = 0;
    for (let t = l; t < n; t++) c += e[t]! * e[t - l]!;
    lrv += (2 * (1 - l / (lags + 1)) * c) / n;
  }
  return eta / lrv;
}

/** urca's KPSS critical values (type "mu") at 10, 5, 2.5 and 1 %, interpolated as forecast::ndiffs does. */
function kpssPValue(stat: number): number {
  const cv = [0.347, 0.463, 0.574, 0.739];
  const pv = [0.1, 0.05, 0.025, 0.01];
  if (stat <= cv[0]!) return pv[0]!;
  if (stat >= cv[3]!) return pv[3]!;
  let i = 0;
  while (stat > cv[i + 1]!) i++;
  return pv[i]! + ((stat - cv[i]!) / (cv[i + 1]! - cv[i]!)) * (pv[i + 1]! - pv[i]!);
}

/**
 * Residuals of the least-squares regression of y on an intercept and the nx regressors at `xreg`
 * (row-major), as auto.arima's lm(x ~ xreg) before its unit-root tests; rows where y is NaN are
 * left out. Throws a RangeError naming options.xreg when the columns are collinear (or constant).
 */
function regressionResiduals(y: Float64Array, xreg: Float64Array, nx: number): Float64Array {
  const k = nx + 1;
  const G = Array.from({ length: k }, () => new Float64Array(k + 1));
  const row = new Float64Array(k);
  for (let t = 0; t < y.length; t++) {
    if (Number.isNaN(y[t]!)) continue;
    row[0] = 1;
    for (let j = 0; j < nx; j++) row[j + 1] = xreg[t * nx + j]!;
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) G[i]![j]! += row[i]! * row[j]!;
      G[i]![k]! += row[i]! * y[t]!;
    }
  }
  // Gauss–Jordan with partial pivoting on [G | Xᵀy]; a pivot ~0 relative to the diagonal is collinearity.
  const scale = Math.max(...G.map((r, i) => Math.abs(r[i]!)));
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let i = c + 1; i < k; i++) if (Math.abs(G[i]![c]!) > Math.abs(G[piv]![c]!)) piv = i;
    if (!(Math.abs(G[piv]![c]!) > 1e-10 * scale)) throw new RangeError('options.xreg: the regressors are collinear (with each other or with a constant)');
    [G[c], G[piv]] = [G[piv]!, G[c]!];
    const pr = G[c]!;
    for (let i = 0; i < k; i++) {
      if (i === c) continue;
      const f = G[i]![c]! / pr[c]!;
      if (f !== 0) for (let j = c; j <= k; j++) G[i]![j]! -= f * pr[j]!;
    }
  }
  const beta = G.map((r, i) => r[k]! / r[i]!);
  const out = new Float64Array(y.length);
  for (let t = 0; t < y.length; t++) {
    let v = y[t]! - beta[0]!;
    for (let j = 0; j < nx; j++) v -= beta[j + 1]! * xreg[t * nx + j]!;
    out[t] = v;
  }
  return out;
}

function isConstant(x: ArrayLike<number>): boolean {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0]) return false;
  return true;
}

function diff(x: ArrayLike<number>, lag: number): Float64Array {
  return Float64Array.from({ length: Math.max(0, x.length - lag) }, (_, i) => x[i + lag]! - x[i]!);
}

/** forecast::ndiffs(test = "kpss", alpha = 0.05): difference while KPSS rejects level stationarity. */
export function ndiffs(x: ArrayLike<number>, maxD = 2): number {
  let series: Float64Array = Float64Array.from(x);
  let d = 0;
  if (isConstant(series)) return 0;
  const rejects = (s: Float64Array) => kpssPValue(kpssStatistic(s, Math.trunc((3 * Math.sqrt(s.length)) / 13))) < 0.05;
  while (d < maxD && series.length > 3 && rejects(series)) {
    d++;
    series = diff(series, 1);
    if (isConstant(series)) return d;
  }
  return d;
}

/** Tricube-weighted local mean of `y` at each index over its `span` nearest neighbours (loess, degree 0). */
function localMean(y: ArrayLike<number>, span: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  const q = Math.min(span, n);
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, Math.min(i - Math.floor(q / 2), n - q));
    const hi = lo + q - 1;
    const h = Math.max(i - lo, hi - i) + 1;
    let sw = 0;
    let s = 0;
    for (let j = lo; j <= hi; j++) {
      const u = Math.abs(j - i) / h;
      const w = (1 - u * u * u) ** 3;
      sw += w;
      s += w * y[j]!;
    }
    out[i] = s / sw;
  }
  return out;
}

/** Centred moving average of length `k`, the window shrinking symmetrically at the ends. */
function movingAverage(y: ArrayLike<number>, k: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  const half = Math.floor(k / 2);
  for (let i = 0; i < n; i++) {
    const r = Math.min(half, i, n - 1 - i);
    let s = 0;
    for (let j = i - r; j <= i + r; j++) s += y[j]!;
    out[i] = s / (2 * r + 1);
  }
  return out;
}

/**
 * Strength of seasonality, max(0, 1 − Var(remainder)/Var(seasonal + remainder)) (Wang, Smith &
 * Hyndman 2006), as forecast::nsdiffs' "seas" test computes it, from an STL-style decomposition
 * (Cleveland et al. 1990) with its inner loop only: each cycle-subseries of the detrended series
 * smoothed by a tricube local mean over 11 cycles (mstl's s.window = 11, degree 0), a low-pass
 * filter (moving averages of m, m and 3) taken off, and the trend a moving average of the
 * deseasonalised series over STL's default t.window. The seasonal part may drift, as in STL.
 * Simplifications: moving averages where STL uses loess for the low-pass and the trend.
 */
export function seasonalStrength(x: ArrayLike<number>, period: number): number {
  const n = x.length;
  if (n < 2 * period + 1) return 0;
  const sWindow = 11;
  let tWindow = Math.ceil((1.5 * period) / (1 - 1.5 / sWindow));
  if (tWindow % 2 === 0) tWindow++;
  let trend: Float64Array = new Float64Array(n);
  let seasonal: Float64Array = new Float64Array(n);
  for (let pass = 0; pass < 2; pass++) {
    const cycle = new Float64Array(n);
    for (let k = 0; k < period; k++) {
      const sub: number[] = [];
      for (let t = k; t < n; t += period) sub.push(x[t]! - trend[t]!);
      const smooth = localMean(sub, sWindow);
      for (let i = 0, t = k; t < n; t += period, i++) cycle[t] = smooth[i]!;
    }
    const low = movingAverage(movingAverage(movingAverage(cycle, period), period), 3);
    seasonal = Float64Array.from(cycle, (c, t) => c - low[t]!);
    trend = movingAverage(Float64Array.from(seasonal, (s, t) => x[t]! - s), tWindow);
  }
  const rem: number[] = [];
  const sr: number[] = [];
  for (let t = 0; t < n; t++) {
    const r = x[t]! - trend[t]! - seasonal[t]!;
    rem.push(r);
    sr.push(r + seasonal[t]!);
  }
  const variance = (v: number[]) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
  };
  return Math.max(0, Math.min(1, 1 - variance(rem) / variance(sr)));
}

interface Candidate {
  order: Order;
  seasonal: Order;
  mean: boolean;
  ic: number;
  fit?: ArimaKernelFit;
  spec?: ArimaSpec;
}

/**
 * Chooses and fits an ARIMA model as forecast::auto.arima (stepwise = TRUE, ic = "aicc"): D from
 * the seasonal strength (> 0.64), d by repeated KPSS tests (5 %), then from the best of
 * (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1) it moves to any better
 * neighbour (each order ±1, p and q or P and Q together ±1, mean on/off) until none improves.
 * Candidates with an AR or MA root within 1.01 of the unit circle, or whose var.coef has a
 * negative or NaN variance (standard errors NaN: forecast's checkarima), are rejected, as
 * auto.arima rejects them.
 * A constant is a mean (d + D = 0) or a drift (d + D = 1), as auto.arima's allowmean/allowdrift.
 */
export async function autoArima(values: ArrayLike<number>, options?: AutoArimaOptions): Promise<AutoArimaModel> {
  const given = seriesOf(values);
  const o = objectArg(options, 'options');
  const run = taskOptions(options);
  const m = o.period === undefined ? 1 : integer(o.period, 'options.period', 1, 1000);
  const maxP = o.maxP === undefined ? 5 : integer(o.maxP, 'options.maxP', 0, 20);
  const maxQ = o.maxQ === undefined ? 5 : integer(o.maxQ, 'options.maxQ', 0, 20);
  const maxSP = m > 1 ? (o.maxSeasonalP === undefined ? 2 : integer(o.maxSeasonalP, 'options.maxSeasonalP', 0, 4)) : 0;
  const maxSQ = m > 1 ? (o.maxSeasonalQ === undefined ? 2 : integer(o.maxSeasonalQ, 'options.maxSeasonalQ', 0, 4)) : 0;
  const maxD = o.maxD === undefined ? 2 : integer(o.maxD, 'options.maxD', 0, 3);
  const maxSD = o.maxSeasonalD === undefined ? 1 : integer(o.maxSeasonalD, 'options.maxSeasonalD', 0, 2);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new TypeError('options.onProgress must be a function');
  const onProgress = o.onProgress as AutoArimaOptions['onProgress'];
  // The transform comes first, as in auto.arima: everything below sees the transformed series.
  const box = boxCoxOf(given, o, m);
  const x = box ? boxCox(given, box.lambda) : given;
  const reg = o.xreg === undefined ? undefined : regressorsOf(o.xreg, x.length, 'options.xreg');
  const nx = reg?.nx ?? 0;
  const present = Float64Array.from(Array.from(x).filter((v) => !Number.isNaN(v)));
  if (present.length < 3) throw new RangeError(`values has ${present.length} non-missing observations; autoArima needs at least 3`);
  if (isConstant(present)) throw new RangeError('values are all equal; a constant series has no ARIMA model to fit');
  // With regressors, d and D are chosen on what the regression leaves (auto.arima's xx).
  const tested = reg ? Float64Array.from(Array.from(regressionResiduals(x, reg.data, nx)).filter((v) => !Number.isNaN(v))) : present;
  const approximation = o.approximation === undefined ? x.length > 150 || m > 12 : Boolean(o.approximation);

  // Differencing orders (on the non-missing values, as a contiguous series).
  let D = 0;
  if (m > 1 && maxSD > 0 && seasonalStrength(tested, m) > 0.64) D = 1;
  const dx = D > 0 ? diff(tested, m) : tested;
  const d = isConstant(dx) ? 0 : ndiffs(dx, maxD);
  // A constant: the mean with d + D = 0, a drift with d + D = 1 (auto.arima's allowmean/allowdrift).
  const allowConstant = d + D <= 1;
  const nstar = x.length - d - D * m;

  let tried = 0;
  const results: Candidate[] = [];
  let best: Candidate | null = null;
  // CSS approximation: ICs from CSS σ² with an offset fitted once, as auto.arima.
  let offset = 0;
  if (approximation) {
    try {
      const base = await fitKernel(x, spec([1, d, 0], [0, D, 0], false, 'css-ml'), run, reg?.data);
      offset = -2 * base.loglik - present.length * Math.log(base.sigma2);
    } catch (e) {
      if (run.signal?.aborted) throw e;
    }
  }

  function spec(order: Order, seasonal: Order, mean: boolean, method: ArimaSpec['method']): ArimaSpec {
    // var.coef for every candidate, as R's arima always computes it: auto.arima rejects a model
    // whose standard errors are NaN (forecast's checkarima).
    return { order, seasonal, period: m, constant: mean, method, maxIter: 100, nx, varCoef: true };
  }

  const progress = () =>
    onProgress?.({ tried, best: best ? { order: best.order, seasonal: best.seasonal, aicc: best.ic } : null });

  /** Fits one candidate: CSS with the offset IC under the approximation, else CSS-ML and its AICc. */
  async function consider(order: Order, seasonal: Order, mean: boolean, approx: boolean): Promise<Candidate> {
    const c: Candidate = { order, seasonal, mean, ic: Infinity };
    const s = spec(order, seasonal, mean, approx ? 'css' : 'css-ml');
    const npar = order[0] + order[2] + seasonal[0] + seasonal[2] + (mean ? 1 : 0) + nx + 1;
    const lost = order[1] + seasonal[1] * m;
    if (present.length - lost > npar + 1) {
      if (run.signal?.aborted) throw abortReason(run.signal); // not throwIfAborted(): Safari < 15.4, Chrome < 100 lack it
      let fit: ArimaKernelFit;
      try {
        fit = await fitKernel(x, s, run, reg?.data);
      } catch (e) {
        // Regressors collinear with this candidate's constant (a drift against a trend column,
        // say): not a usable candidate; the search goes on.
        if (e instanceof RangeError && reg && !run.signal?.aborted) {
          tried++;
          return c;
        }
        throw e;
      }
      tried++;
      const aic = approx ? offset + nstar * Math.log(fit.sigma2) + 2 * npar : fit.aic;
      const ic = aic + (2 * npar * (npar + 1)) / (nstar - npar - 1);
      if (Number.isFinite(ic) && fit.status !== 2 && fit.minRoot >= 1.01 && hasValidVariances(fit)) {
        c.ic = ic;
        c.fit = fit;
        c.spec = s;
      }
    }
    return c;
  }

  const seen = new Set<string>();
  /** A search step: fits the model unless already tried; true when it became the best. */
  async function tryModel(order: Order, seasonal: Order, mean: boolean): Promise<boolean> {
    const k = `${order}|${seasonal}|${mean}`;
    if (seen.has(k) || results.length >= 94) return false;
    seen.add(k);
    const c = await consider(order, seasonal, mean, approximation);
    results.push(c);
    const better = c.ic < (best?.ic ?? Infinity);
    if (better) best = c;
    progress();
    return better;
  }

  const seasonalOn = m > 1;
  let p = Math.min(2, maxP), q = Math.min(2, maxQ), P = seasonalOn ? Math.min(1, maxSP) : 0, Q = seasonalOn ? Math.min(1, maxSQ) : 0;
  let mean = allowConstant;
  await tryModel([p, d, q], [P, D, Q], mean);
  if (await tryModel([0, d, 0], [0, D, 0], mean)) p = q = P = Q = 0;
  if ((maxP > 0 || maxSP > 0) && (await tryModel([maxP > 0 ? 1 : 0, d, 0], [seasonalOn && maxSP > 0 ? 1 : 0, D, 0], mean))) {
    p = maxP > 0 ? 1 : 0;
    P = seasonalOn && maxSP > 0 ? 1 : 0;
    q = Q = 0;
  }
  if ((maxQ > 0 || maxSQ > 0) && (await tryModel([0, d, maxQ > 0 ? 1 : 0], [0, D, seasonalOn && maxSQ > 0 ? 1 : 0], mean))) {
    p = P = 0;
    q = maxQ > 0 ? 1 : 0;
    Q = seasonalOn && maxSQ > 0 ? 1 : 0;
  }
  if (mean && (await tryModel([0, d, 0], [0, D, 0], false))) {
    p = q = P = Q = 0;
    mean = false;
  }
  // Neighbours in auto.arima's order; any improvement restarts the scan from the top.
  const moves: Array<[number, number, number, number]> = [
    [0, 0, -1, 0], [0, 0, 0, -1], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, -1, -1], [0, 0, -1, 1], [0, 0, 1, -1], [0, 0, 1, 1],
    [-1, 0, 0, 0], [0, -1, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [-1, -1, 0, 0], [-1, 1, 0, 0], [1, -1, 0, 0], [1, 1, 0, 0],
  ];
  let improved = true;
  while (improved && results.length < 94) {
    improved = false;
    for (const [dp, dq, dP, dQ] of moves) {
      const np = p + dp, nq = q + dq, nP = P + dP, nQ = Q + dQ;
      if (np < 0 || nq < 0 || nP < 0 || nQ < 0 || np > maxP || nq > maxQ || nP > maxSP || nQ > maxSQ) continue;
      if (await tryModel([np, d, nq], [nP, D, nQ], mean)) {
        [p, q, P, Q] = [np, nq, nP, nQ];
        improved = true;
        break;
      }
    }
    if (!improved && allowConstant && (await tryModel([p, d, q], [P, D, Q], !mean))) {
      mean = !mean;
      improved = true;
    }
  }
  // With the approximation, refit the best candidates by CSS-ML until one is acceptable.
  let chosen: Candidate | null = null;
  const ranked = results.filter((c) => Number.isFinite(c.ic)).sort((a, b) => a.ic - b.ic);
  for (const c of ranked) {
    if (!approximation) {
      chosen = c;
      break;
    }
    const refit = await consider(c.order, c.seasonal, c.mean, false);
    progress();
    if (Number.isFinite(refit.ic)) {
      chosen = refit;
      break;
    }
  }
  if (!chosen || !chosen.fit || !chosen.spec) {
    throw new RangeError('autoArima found no acceptable model (every candidate failed or had a root on the unit circle)');
  }
  const model = modelOf(x, chosen.spec, chosen.fit, reg?.data, box);
  return { ...model, tried };
}
