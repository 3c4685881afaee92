// ARIMA and seasonal ARIMA with R's definitions (stats::arima; forecast::Arima for AICc/BIC).
// The fit runs in one kernel call (assembly/arima.ts documents the model, likelihood and optimiser).
import type { ArimaKernelFit, ArimaMethod, ArimaSpec } from '../kernels/index.js';
import { boxCox, boxCoxLambda, invBoxCox } from './boxcox.js';
import { runtime } from './runtime.js';
import type { TaskOptions } from './stats.js';
import { taskOptions } from './task-options.js';
import { integer, oneOf, options as objectArg } from './validate.js';

export type Order = [number, number, number];

export interface ArimaOptions extends TaskOptions {
  /** [p, d, q] */
  order: Order;
  /** Seasonal part: [P, D, Q] and the period (≥ 2). */
  seasonal?: { order: Order; period: number };
  /** Estimate a mean; default true when d + D = 0, and ignored otherwise (as R). */
  includeMean?: boolean;
  /** Estimate a drift (a linear trend, forecast::Arima's include.drift); only with d + D = 1. Default false. */
  includeDrift?: boolean;
  /** 'css-ml' (default): conditional sum of squares to start, then exact ML; 'ml'; 'css'. */
  method?: ArimaMethod;
  /** BFGS iterations per phase (default 100, as R's optim). */
  maxIter?: number;
  /**
   * Regressors (R's `xreg`, statsmodels' `exog`): one value per observation for a single
   * regressor, or one row of values per observation for several. The model is then regression
   * with ARIMA errors, yₜ = Σ βⱼ xⱼₜ (+ mean or drift) + ARIMA noise, as R's arima; forecasts need
   * the regressors' future rows (`forecast(h, { xreg })`). Values must be finite.
   */
  xreg?: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
  /**
   * Box–Cox transform before fitting, as forecast::Arima's `lambda`: a number, or 'auto' for
   * Guerrero's choice (forecast::BoxCox.lambda, lower bound −0.9). Coefficients, σ², residuals,
   * log-likelihood and criteria are on the transformed scale; forecasts and intervals are
   * transformed back. λ ≤ 0 needs positive values (λ = 0 is the log).
   */
  lambda?: number | 'auto';
  /** With `lambda`, forecast means bias-adjusted (forecast's biasadj: the back-transformed mean, not median). Default false. */
  biasadj?: boolean;
  /**
   * Compute `varCoef` and `se` (default true, as R always does). They cost n + 1 gradient
   * evaluations (n coefficients) — 15–45 % of a fit; false leaves them NaN.
   */
  varCoef?: boolean;
}

export interface ArimaCoefficients {
  ar: number[];
  ma: number[];
  sar: number[];
  sma: number[];
  /** The estimated mean, or null when none is estimated. */
  mean: number | null;
  /** The estimated drift (slope per step), or null. */
  drift: number | null;
  /** The regressors' coefficients, in options.xreg's column order (empty without regressors). */
  xreg: number[];
}

export interface ForecastOptions extends TaskOptions {
  /** Prediction interval levels in percent (default [80, 95]). */
  level?: number[];
  /** The regressors over the horizon (one value, or one row, per step); required with xreg. */
  xreg?: ArrayLike<number> | ArrayLike<ArrayLike<number>>;
}

export interface Forecast {
  mean: number[];
  /** Standard error of each step's forecast (on the transformed scale when the model has a lambda). */
  se: number[];
  /** lower[i][h] and upper[i][h]: bounds of the level[i] interval at step h + 1. */
  lower: number[][];
  upper: number[][];
  level: number[];
}

export interface ArimaModel {
  order: Order;
  seasonal: { order: Order; period: number };
  method: ArimaMethod;
  coef: ArimaCoefficients;
  /**
   * R's var.coef: the estimated covariance matrix of the coefficients, in coef's order (ar, ma,
   * sar, sma, the mean or drift, then xreg) — the inverse of n.used × the objective's Hessian,
   * through the AR transform's Jacobian for ML, as R computes it.
   */
  varCoef: number[][];
  /**
   * Standard errors of the coefficients (√ of varCoef's diagonal; NaN where it is not positive,
   * or with `varCoef: false`).
   */
  se: ArimaCoefficients;
  /** The Box–Cox λ the series was transformed with (null: none), and whether forecasts are bias-adjusted. */
  lambda: number | null;
  biasadj: boolean;
  /** Innovation variance, as R reports it (exact-likelihood σ² for ML, CSS σ² for 'css'). */
  sigma2: number;
  logLik: number;
  /** NaN for method 'css', as R. */
  aic: number;
  aicc: number;
  bic: number;
  /** Standardised one-step innovations (R's residuals); NaN at missing values. */
  residuals: Float64Array;
  /** Observations in the likelihood: non-missing values minus d + D·period. */
  nobs: number;
  /** False when the optimiser stopped at its iteration limit or failed: the best model found is returned. */
  converged: boolean;
  iterations: number;
  /** Notes about the fit (for instance CSS giving a non-stationary start, as R would stop with). */
  warnings: string[];
  /** Point forecasts and prediction intervals for `h` steps after the data. */
  forecast(h: number, options?: ForecastOptions): Promise<Forecast>;
}

const MAX = { p: 20, q: 20, P: 4, Q: 4, d: 3, D: 2, period: 1000 };

function orderOf(value: unknown, argument: string, max: [number, number, number]): Order {
  if (!Array.isArray(value) || value.length !== 3) {
    throw new TypeError(`${argument} must be an array of three non-negative integers, got ${Array.isArray(value) ? `${value.length} values` : typeof value}`);
  }
  return value.map((v, i) => integer(v, `${argument}[${i}]`, 0, max[i]!)) as Order;
}

/** The series as a Float64Array: numbers, NaN allowed as gaps, ±Infinity refused. */
export function seriesOf(values: unknown, argument = 'values'): Float64Array {
  if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${argument} must be an array or typed array of numbers`);
  }
  const src = values as ArrayLike<unknown>;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (typeof v !== 'number') throw new TypeError(`${argument}[${i}] is ${v === null ? 'null' : typeof v}; ${argument} must contain numbers (NaN for a gap)`);
    if (v === Infinity || v === -Infinity) throw new RangeError(`${argument}[${i}] is ${v}; use NaN for a missing value`);
    out[i] = v;
  }
  return out;
}

/**
 * Regressors → row-major values and their count: a list of numbers is one regressor, a list of
 * rows several. Exactly `rows` entries (one `per` observation or forecast step), every row as
 * wide as the first, every value finite.
 */
export function regressorsOf(value: unknown, rows: number, argument: string, per = 'observation'): { data: Float64Array; nx: number } {
  if (value === null || typeof value !== 'object' || typeof (value as ArrayLike<unknown>).length !== 'number') {
    throw new TypeError(`${argument} must be an array of numbers (one regressor) or of rows of numbers`);
  }
  const src = value as ArrayLike<unknown>;
  if (src.length !== rows) throw new RangeError(`${argument} has ${src.length} rows; it needs ${rows}, one per ${per}`);
  const first = src[0];
  const nested = rows > 0 && first !== null && typeof first === 'object';
  const nx = nested ? (first as ArrayLike<unknown>).length : 1;
  if (!(nx >= 1)) throw new RangeError(`${argument}[0] is an empty row`);
  const data = new Float64Array(rows * nx);
  for (let i = 0; i < rows; i++) {
    const row = src[i];
    if (nested !== (row !== null && typeof row === 'object')) throw new TypeError(`${argument}[${i}] is ${nested ? 'not a row' : 'a row'}; use numbers for one regressor, rows for several`);
    const cells: ArrayLike<unknown> = nested ? (row as ArrayLike<unknown>) : [row];
    if (cells.length !== nx) throw new RangeError(`${argument}[${i}] has ${cells.length} values; every row needs ${nx}`);
    for (let j = 0; j < nx; j++) {
      const v = cells[j];
      const at = nested ? `${argument}[${i}][${j}]` : `${argument}[${i}]`;
      if (typeof v !== 'number') throw new TypeError(`${at} is ${v === null ? 'null' : typeof v}; regressors must be numbers`);
      if (!Number.isFinite(v)) throw new RangeError(`${at} is ${v}; regressors must be finite`);
      data[i * nx + j] = v;
    }
  }
  return { data, nx };
}

/** A model's Box–Cox transform: λ, and whether forecasts are bias-adjusted. */
export interface BoxCoxChoice {
  lambda: number;
  biasadj: boolean;
}

/**
 * options.lambda / options.biasadj → the transform (null without lambda): 'auto' is Guerrero's λ
 * as forecast's BoxCox(x, "auto") (BoxCox.lambda with lower −0.9) at the series' period. λ ≤ 0
 * needs every value positive.
 */
export function boxCoxOf(values: Float64Array, o: Record<string, unknown>, period: number): BoxCoxChoice | null {
  if (o.biasadj !== undefined && typeof o.biasadj !== 'boolean') throw new TypeError('options.biasadj must be a boolean');
  if (o.lambda === undefined) {
    if (o.biasadj === true) throw new TypeError('options.biasadj needs options.lambda (it adjusts back-transformed forecasts)');
    return null;
  }
  let lambda: number;
  if (o.lambda === 'auto') lambda = boxCoxLambda(values, period, -0.9);
  else if (typeof o.lambda === 'number' && Number.isFinite(o.lambda)) lambda = o.lambda;
  else throw new TypeError(`options.lambda must be a finite number or 'auto', got ${String(o.lambda)}`);
  if (lambda <= 0) {
    for (let i = 0; i < values.length; i++) {
      if (values[i]! <= 0) throw new RangeError(`values[${i}] is ${values[i]}; a Box–Cox transform with lambda ${lambda} ≤ 0 needs positive values`);
    }
  }
  return { lambda, biasadj: o.biasadj === true };
}

/** Validated options → the kernel's spec (nx regressors, already validated by regressorsOf). */
export function specOf(values: Float64Array, o: Record<string, unknown>, nx = 0): ArimaSpec {
  const order = orderOf(o.order, 'options.order', [MAX.p, MAX.d, MAX.q]);
  let seasonal: Order = [0, 0, 0];
  let period = 0;
  if (o.seasonal !== undefined) {
    const s = objectArg(o.seasonal, 'options.seasonal');
    seasonal = orderOf(s.order, 'options.seasonal.order', [MAX.P, MAX.D, MAX.Q]);
    if (seasonal.some((v) => v > 0)) period = integer(s.period, 'options.seasonal.period', 2, MAX.period);
    else if (s.period !== undefined) integer(s.period, 'options.seasonal.period', 1, MAX.period);
  }
  const differenced = order[1] + seasonal[1] > 0;
  if (o.includeMean !== undefined && typeof o.includeMean !== 'boolean') throw new TypeError('options.includeMean must be a boolean');
  const includeMean = !differenced && o.includeMean !== false;
  if (o.includeDrift !== undefined && typeof o.includeDrift !== 'boolean') throw new TypeError('options.includeDrift must be a boolean');
  if (o.includeDrift === true && order[1] + seasonal[1] !== 1) {
    throw new RangeError(`options.includeDrift needs d + D = 1 (a drift is a constant of the once-differenced series), got d + D = ${order[1] + seasonal[1]}`);
  }
  const constant = includeMean || o.includeDrift === true;
  const method = o.method === undefined ? 'css-ml' : oneOf(o.method, 'options.method', ['css-ml', 'ml', 'css'] as const);
  const maxIter = o.maxIter === undefined ? 100 : integer(o.maxIter, 'options.maxIter', 1, 10000);
  if (o.varCoef !== undefined && typeof o.varCoef !== 'boolean') throw new TypeError('options.varCoef must be a boolean');
  const spec: ArimaSpec = { order, seasonal, period: Math.max(period, 1), constant, method, maxIter, varCoef: o.varCoef !== false, nx };
  // Enough data: every parameter and σ² need observations beyond the differencing.
  let present = 0;
  let first = NaN;
  let allEqual = true;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    present++;
    if (Number.isNaN(first)) first = v;
    else if (v !== first) allEqual = false;
  }
  const lost = order[1] + seasonal[1] * spec.period;
  const npar = order[0] + order[2] + seasonal[0] + seasonal[2] + (constant ? 1 : 0) + nx;
  const needed = lost + npar + 2 + (method === 'ml' ? 0 : order[0] + seasonal[0] * spec.period);
  if (present < needed) {
    throw new RangeError(`values has ${present} non-missing observation${present === 1 ? '' : 's'}; ARIMA(${order})(${seasonal})${spec.period > 1 ? spec.period : ''} needs at least ${needed}`);
  }
  if (allEqual) throw new RangeError('values are all equal; a constant series has no ARIMA model to fit');
  return spec;
}

/**
 * Φ⁻¹(p), the standard normal quantile (Wichura 1988, algorithm AS 241, PPND16: about 1e-16
 * relative accuracy).
 */
export function normalQuantile(p: number): number {
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * (((((((2509.0809287301226727 * r + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
      13731.693765509461125) * r + 1971.5909503065514427) * r + 133.14166789178437745) * r + 3.387132872796366608)) /
      (((((((5226.495278852545925 * r + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) * r + 687.1870074920579083) * r + 42.313330701600911252) * r + 1);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let v: number;
  if (r <= 5) {
    r -= 1.6;
    v = (((((((7.7454501427834140764e-4 * r + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
      3.64784832476320460504) * r + 5.7694972214606914055) * r + 4.6303378461565452959) * r + 1.42343711074968357734) /
      (((((((1.05075007164441684324e-9 * r + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) * r + 1.6763848301838038494) * r + 2.05319162663775882187) * r + 1);
  } else {
    r -= 5;
    v = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
      0.29656057182850489123) * r + 1.7848265399172913358) * r + 5.4637849111641143699) * r + 6.6579046435011037772) /
      (((((((2.04426310338993978564e-15 * r + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) * r + 0.13692988092273580531) * r + 0.59983220655588793769) * r + 1);
  }
  return q < 0 ? -v : v;
}

/** forecast::Arima's AICc and BIC from R's AIC: npar = #coef + 1, n* = n − d − D·period. */
function criteria(aic: number, npar: number, nstar: number): { aicc: number; bic: number } {
  const k = npar + 1;
  return { aicc: aic + (2 * k * (k + 1)) / (nstar - k - 1), bic: aic + k * (Math.log(nstar) - 2) };
}

/** Fits once through the runtime; the raw kernel result. */
export async function fitKernel(values: Float64Array, spec: ArimaSpec, run: TaskOptions, xreg?: Float64Array): Promise<ArimaKernelFit> {
  const rt = await runtime();
  const fit = await rt.run(
    (owned) => ({ op: 'arima.fit', values: owned ? values.slice() : values, spec, ...(xreg ? { xreg: owned ? xreg.slice() : xreg } : {}) }),
    run,
  );
  if (fit.status === 3) {
    throw new RangeError('options.xreg: the regressors are collinear on the differenced series (with each other or the mean or drift, or differenced to zero, as a linear trend by d + D ≥ 2)');
  }
  return fit;
}

/** The kernel's coefficient vector (ar, ma, sar, sma[, constant], xreg) by name. */
function named(spec: ArimaSpec, c: number[]): ArimaCoefficients {
  const [p, d, q] = spec.order;
  const [P, D, Q] = spec.seasonal;
  const narma = p + q + P + Q;
  const k = narma + (spec.constant ? 1 : 0);
  return {
    ar: c.slice(0, p),
    ma: c.slice(p, p + q),
    sar: c.slice(p + q, p + q + P),
    sma: c.slice(p + q + P, narma),
    mean: spec.constant && d + D === 0 ? c[narma]! : null,
    drift: spec.constant && d + D > 0 ? c[narma]! : null,
    xreg: c.slice(k, k + (spec.nx ?? 0)),
  };
}

/**
 * forecast's checkarima(): every variance on varCoef's diagonal is a number ≥ 0 (so that each
 * standard error is a number). False without varCoef.
 */
export function hasValidVariances(fit: ArimaKernelFit): boolean {
  const v = fit.varCoef;
  if (!v) return false;
  const k = fit.coef.length;
  for (let i = 0; i < k; i++) if (!(v[i * k + i]! >= 0)) return false;
  return true;
}

export function modelOf(values: Float64Array, spec: ArimaSpec, fit: ArimaKernelFit, xreg?: Float64Array, box?: BoxCoxChoice | null): ArimaModel {
  const [, d] = spec.order;
  const [, D] = spec.seasonal;
  const k = fit.coef.length;
  const coef = named(spec, Array.from(fit.coef));
  const v = fit.varCoef;
  const varCoef = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (v ? v[i * k + j]! : NaN)));
  const se = named(spec, varCoef.map((row, i) => (row[i]! > 0 ? Math.sqrt(row[i]!) : NaN)));
  const nstar = values.length - d - D * spec.period;
  const { aicc, bic } = criteria(fit.aic, fit.coef.length, nstar);
  const warnings: string[] = [];
  if (fit.cssFallback) warnings.push('CSS gave a non-stationary AR part (R stops there); ML was started from zero instead');
  if (fit.status === 1) warnings.push('the optimiser reached maxIter; the best model found is returned');
  if (fit.status === 2) warnings.push('the optimiser failed (non-finite likelihood); the best model found is returned');
  if (v && !hasValidVariances(fit)) {
    warnings.push("the Hessian is not positive definite at the estimate: varCoef has negative or NaN variances and their standard errors are NaN (R's 'NaNs produced')");
  }
  return {
    order: spec.order,
    seasonal: { order: spec.seasonal, period: spec.period },
    method: spec.method,
    coef,
    varCoef,
    se,
    lambda: box?.lambda ?? null,
    biasadj: box?.biasadj ?? false,
    sigma2: fit.sigma2,
    logLik: fit.loglik,
    aic: fit.aic,
    aicc,
    bic,
    residuals: fit.residuals,
    nobs: fit.nUsed,
    converged: fit.status === 0,
    iterations: fit.iterations,
    warnings,
    forecast: (h, options) => forecastOf(values, spec, fit, h, options, xreg, box),
  };
}

async function forecastOf(
  values: Float64Array, spec: ArimaSpec, fit: ArimaKernelFit, h: number, options?: ForecastOptions, xreg?: Float64Array,
  box?: BoxCoxChoice | null,
): Promise<Forecast> {
  const steps = integer(h, 'h', 1, 100_000);
  const o = objectArg(options, 'options');
  const nx = spec.nx ?? 0;
  let newxreg: Float64Array | undefined;
  if (nx > 0) {
    if (o.xreg === undefined) throw new TypeError(`options.xreg is required: the model has ${nx} regressor${nx === 1 ? '' : 's'}, so forecasts need their ${steps} future rows`);
    const future = regressorsOf(o.xreg, steps, 'options.xreg', 'forecast step');
    if (future.nx !== nx) throw new RangeError(`options.xreg has ${future.nx} regressor${future.nx === 1 ? '' : 's'} per row; the model was fitted with ${nx}`);
    newxreg = future.data;
  } else if (o.xreg !== undefined) {
    throw new TypeError('options.xreg given, but the model has no regressors');
  }
  let level = [80, 95];
  if (o.level !== undefined) {
    if (!Array.isArray(o.level) || o.level.length === 0) throw new TypeError('options.level must be a non-empty array of percentages');
    level = o.level.map((l, i) => {
      if (typeof l !== 'number' || !(l > 0 && l < 100)) throw new RangeError(`options.level[${i}] must be a percentage in (0, 100), got ${String(l)}`);
      return l;
    });
  }
  const rt = await runtime();
  const r = await rt.run(
    (owned) => ({
      op: 'arima.forecast', values: owned ? values.slice() : values, spec, coef: fit.coef.slice(), h: steps,
      ...(xreg && newxreg ? { xreg: owned ? xreg.slice() : xreg, newxreg } : {}),
    }),
    taskOptions(options),
  );
  const mean = Array.from(r.mean);
  const se = Array.from(r.variance, (v) => Math.sqrt(v * fit.sigma2));
  const z = level.map((l) => normalQuantile(0.5 + l / 200));
  const lower = z.map((zi) => mean.map((m, i) => m - zi * se[i]!));
  const upper = z.map((zi) => mean.map((m, i) => m + zi * se[i]!));
  if (!box) return { mean, se, lower, upper, level };
  // Back to the data's scale, as forecast.Arima: bounds map through the (monotone) inverse; the
  // mean is the back-transformed median, or with biasadj its mean (se² as the variance).
  const back = (x: number[]) => Array.from(invBoxCox(x, box.lambda));
  return {
    mean: Array.from(invBoxCox(mean, box.lambda, box.biasadj ? se.map((v) => v * v) : undefined)),
    se,
    lower: lower.map(back),
    upper: upper.map(back),
    level,
  };
}

/**
 * Fits a (seasonal) ARIMA model as R's stats::arima: exact Gaussian likelihood by a Kalman filter
 * (missing values as gaps), CSS, or CSS then ML; AR parts kept stationary through R's parameter
 * transform, MA parts made invertible; with `xreg`, regression with ARIMA errors; with `lambda`,
 * on the Box–Cox scale (forecast::Arima); standard errors as R's var.coef. The whole fit is one
 * call into the kernels.
 * @throws RangeError/TypeError naming the argument: bad orders, period < 2 with a seasonal part,
 *   too few observations, a constant series, ±Infinity (NaN is a gap), regressors of the wrong
 *   shape, not finite, or collinear.
 */
export async function arima(values: ArrayLike<number>, options: ArimaOptions): Promise<ArimaModel> {
  const raw = seriesOf(values);
  const o = objectArg(options, 'options');
  const x = o.xreg === undefined ? undefined : regressorsOf(o.xreg, raw.length, 'options.xreg');
  const spec = specOf(raw, o, x?.nx ?? 0);
  const box = boxCoxOf(raw, o, spec.period);
  const series = box ? boxCox(raw, box.lambda) : raw;
  const fit = await fitKernel(series, spec, taskOptions(options), x?.data);
  return modelOf(series, spec, fit, x?.data, box);
}
