// ARIMA through kernels.wasm (assembly/arima.ts holds the definitions). Inputs are validated by
// the caller (src/analysis/arima.ts).
import type { Kernels } from './kernels.js';

export type ArimaMethod = 'css-ml' | 'ml' | 'css';

export interface ArimaSpec {
  /** p, d, q */
  order: [number, number, number];
  /** P, D, Q (zeros without a seasonal part) */
  seasonal: [number, number, number];
  period: number;
  /** A constant: the mean when d + D = 0, a drift (slope in t) when d + D = 1. */
  constant: boolean;
  method: ArimaMethod;
  maxIter: number;
  /** Also compute R's var.coef (one gradient evaluation per parameter more). Default false. */
  varCoef?: boolean;
  /** Number of regressors (R's xreg columns); their values go with each call, row-major. */
  nx?: number;
}

export interface ArimaKernelFit {
  /** 0 converged, 1 iteration limit, 2 optimiser failure, 3 collinear regressors (no fit) */
  status: number;
  loglik: number;
  sigma2: number;
  aic: number;
  iterations: number;
  nUsed: number;
  /** The method of the last phase (css-ml falls back to ml when CSS gives a non-stationary AR part). */
  methodUsed: ArimaMethod;
  cssFallback: boolean;
  evaluations: number;
  /** Smallest modulus among the roots of the expanded AR and MA polynomials (2 when none). */
  minRoot: number;
  /** ar, ma, sar, sma[, mean or drift], xreg */
  coef: Float64Array;
  residuals: Float64Array;
  /** R's var.coef (npar × npar, row-major, coef's order) when the spec asked for it, else null. */
  varCoef: Float64Array | null;
}

const METHODS: ArimaMethod[] = ['css-ml', 'ml', 'css'];
const HEADER = 16;

export function arimaParameterCount(spec: ArimaSpec): number {
  const [p, , q] = spec.order;
  const [P, , Q] = spec.seasonal;
  return p + q + P + Q + (spec.constant ? 1 : 0) + (spec.nx ?? 0);
}

function writeSpec(kn: Kernels, spec: ArimaSpec): number {
  const ptr = kn.reserve(1, 48);
  const [p, d, q] = spec.order;
  const [P, D, Q] = spec.seasonal;
  new Int32Array(kn.raw.memory.buffer, ptr, 12).set([
    p, d, q, P, D, Q, spec.period, spec.constant ? 1 : 0, METHODS.indexOf(spec.method), spec.maxIter, spec.varCoef ? 1 : 0, spec.nx ?? 0,
  ]);
  return ptr;
}

/** The regressors (row-major, n × spec.nx) into scratch `which`, or 0 without any. */
function regressors(kn: Kernels, which: number, spec: ArimaSpec, xreg: Float64Array | null | undefined, rows: number): number {
  const nx = spec.nx ?? 0;
  if (nx === 0) return 0;
  if (!xreg || xreg.length !== rows * nx) throw new RangeError(`xreg must hold ${rows} × ${nx} values, got ${xreg?.length ?? 0}`);
  return kn.copyIn(which, xreg);
}

/** One fit, one call into the kernel. */
export function arimaFitKernel(kn: Kernels, y: Float64Array, spec: ArimaSpec, xreg?: Float64Array | null): ArimaKernelFit {
  const n = y.length;
  const npar = arimaParameterCount(spec);
  const yp = kn.copyIn(0, y);
  const sp = writeSpec(kn, spec);
  const xp = regressors(kn, 3, spec, xreg, n);
  const nvar = spec.varCoef ? npar * npar : 0;
  const out = kn.reserve(2, (HEADER + npar + n + nvar) * 8);
  kn.raw.arimaFit(yp, n, sp, xp, out);
  const r = kn.read(out, HEADER + npar + n + nvar);
  kn.release();
  return {
    status: r[0]!,
    loglik: r[1]!,
    sigma2: r[2]!,
    aic: r[3]!,
    iterations: r[4]!,
    nUsed: r[5]!,
    methodUsed: METHODS[r[7]!]!,
    cssFallback: r[8] === 1,
    evaluations: r[9]!,
    minRoot: r[10]!,
    coef: r.slice(HEADER, HEADER + npar),
    residuals: r.slice(HEADER + npar, HEADER + npar + n),
    varCoef: nvar > 0 ? r.slice(HEADER + npar + n) : null,
  };
}

/** Point forecasts and prediction variances (in units of σ²) for h steps after the data. */
export function arimaForecastKernel(
  kn: Kernels, y: Float64Array, spec: ArimaSpec, coef: Float64Array, h: number,
  xreg?: Float64Array | null, newxreg?: Float64Array | null,
): { mean: Float64Array; variance: Float64Array } {
  const yp = kn.copyIn(0, y);
  const sp = writeSpec(kn, spec);
  const cp = kn.copyIn(2, coef);
  const om = kn.reserve(3, h * 8);
  const ov = kn.reserve(4, h * 8);
  const xp = regressors(kn, 5, spec, xreg, y.length);
  const np = regressors(kn, 6, spec, newxreg, h);
  const status = kn.raw.arimaForecast(yp, y.length, sp, xp, cp, h, np, om, ov);
  const result = { mean: kn.read(om, h), variance: kn.read(ov, h) };
  kn.release();
  if (status !== 0) throw new RangeError('the fitted model has a non-stationary AR part; it cannot forecast');
  return result;
}

/**
 * The fit's objective at `params` and its exact gradient (NaN where none applies), for tests of
 * the gradients: mode 0 CSS, 1 exact likelihood with AR parts through R's partrans, 2 without.
 */
export function arimaObjectiveKernel(
  kn: Kernels, y: Float64Array, spec: ArimaSpec, params: Float64Array, mode: 0 | 1 | 2, xreg?: Float64Array | null,
): { value: number; gradient: Float64Array } {
  const yp = kn.copyIn(0, y);
  const sp = writeSpec(kn, spec);
  const pp = kn.copyIn(2, params);
  const gp = kn.reserve(3, Math.max(params.length, 1) * 8);
  const xp = regressors(kn, 4, spec, xreg, y.length);
  const value = kn.raw.arimaObjective(yp, y.length, sp, xp, pp, mode, gp);
  const gradient = kn.read(gp, params.length);
  kn.release();
  return { value, gradient };
}
