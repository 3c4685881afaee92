// Box–Cox transforms with forecast's definitions (R package forecast 8.x: BoxCox, InvBoxCox,
// BoxCox.lambda with Guerrero's method), for ARIMA on a transformed scale (`lambda` in arima and
// autoArima) and on their own.

/**
 * forecast::BoxCox: (sign(x)·|x|^λ − 1)/λ, or log x when λ = 0. NaN stays NaN. With λ ≤ 0 the
 * values must be positive (the caller checks; log 0 and 0^λ are not finite). For x > 0 it is
 * computed as expm1(λ log x)/λ — the same value, without the cancellation that ruins
 * (x^λ − 1)/λ as λ → 0.
 */
export function boxCox(x: ArrayLike<number>, lambda: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (lambda === 0) out[i] = Math.log(v);
    else if (v > 0) out[i] = Math.expm1(lambda * Math.log(v)) / lambda;
    else out[i] = (Math.sign(v) * Math.abs(v) ** lambda - 1) / lambda;
  }
  return out;
}

/**
 * forecast::InvBoxCox: exp(y) when λ = 0, else sign(λy + 1)·|λy + 1|^(1/λ) (NaN where λ < 0 and
 * y > −1/λ, outside the transform's range), computed as exp(log1p(λy)/λ) where λy + 1 > 0. With `fvar` (the forecast variances on the
 * transformed scale) the bias-adjusted mean, forecast's biasadj: x·(1 + ½·fvar·(1 − λ)/x^(2λ)),
 * the second-order approximation to E[InvBoxCox(Y)].
 */
export function invBoxCox(y: ArrayLike<number>, lambda: number, fvar?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    let x: number;
    if (lambda === 0) {
      x = Math.exp(v);
    } else if (lambda < 0 && v > -1 / lambda) {
      x = NaN;
    } else {
      // (λy + 1)^(1/λ), as exp(log1p(λy)/λ) where λy + 1 > 0 (accurate as λ → 0).
      const u = v * lambda + 1;
      x = u > 0 ? Math.exp(Math.log1p(v * lambda) / lambda) : Math.sign(u) * Math.abs(u) ** (1 / lambda);
    }
    if (fvar) x *= 1 + (0.5 * fvar[i]! * (1 - lambda)) / x ** (2 * lambda);
    out[i] = x;
  }
  return out;
}

/**
 * forecast::BoxCox.lambda(x, method = "guerrero", lower, upper) with x's frequency `period`: 1
 * when the series has no more than two periods; the lower bound raised to 0 when any value is
 * ≤ 0; else Guerrero's (1993) λ, minimising the coefficient of variation of sd/mean^(1 − λ) over
 * the complete subseries of length max(period, 2) taken from the end, found with R's optimize
 * (Brent's method, tol = ε^¼).
 */
export function boxCoxLambda(x: ArrayLike<number>, period = 1, lower = -1, upper = 2): number {
  const n = x.length;
  if (n <= 2 * period) return 1;
  let lo = lower;
  for (let i = 0; i < n; i++) if (x[i]! <= 0) lo = Math.max(lo, 0);
  const len = Math.round(Math.max(2, period));
  const groups = Math.floor(n / len);
  const start = n - groups * len;
  const means = new Float64Array(groups);
  const sds = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < len; i++) {
      const v = x[start + g * len + i]!;
      if (Number.isNaN(v)) continue;
      s += v;
      c++;
    }
    const mean = s / c;
    let ss = 0;
    for (let i = 0; i < len; i++) {
      const v = x[start + g * len + i]!;
      if (!Number.isNaN(v)) ss += (v - mean) ** 2;
    }
    means[g] = mean;
    sds[g] = Math.sqrt(ss / (c - 1));
  }
  const cv = (lam: number): number => {
    const ratio: number[] = [];
    for (let g = 0; g < groups; g++) {
      const r = sds[g]! / means[g]! ** (1 - lam);
      if (!Number.isNaN(r)) ratio.push(r);
    }
    const m = ratio.reduce((a, b) => a + b, 0) / ratio.length;
    const sd = Math.sqrt(ratio.reduce((a, b) => a + (b - m) ** 2, 0) / (ratio.length - 1));
    return sd / m;
  };
  return brentMinimum(cv, lo, upper, Number.EPSILON ** 0.25);
}

/**
 * The minimum of f on [a, b] by Brent's (1973) method — golden-section steps with parabolic
 * interpolation, R's optimize (Brent_fmin): stops when x is within 2·(√ε·|x| + tol/3) of the
 * bracket's middle.
 */
export function brentMinimum(f: (x: number) => number, a: number, b: number, tol: number): number {
  const golden = (3 - Math.sqrt(5)) / 2;
  const eps = Math.sqrt(Number.EPSILON);
  let v = a + golden * (b - a);
  let w = v;
  let x = v;
  let d = 0;
  let e = 0;
  let fx = f(x);
  let fv = fx;
  let fw = fx;
  const tol3 = tol / 3;
  for (;;) {
    const xm = (a + b) / 2;
    const tol1 = eps * Math.abs(x) + tol3;
    const t2 = 2 * tol1;
    if (Math.abs(x - xm) <= t2 - (b - a) / 2) return x;
    let p = 0;
    let q = 0;
    let r = 0;
    if (Math.abs(e) > tol1) {
      // Parabola through (v, fv), (w, fw), (x, fx).
      r = (x - w) * (fx - fv);
      q = (x - v) * (fx - fw);
      p = (x - v) * q - (x - w) * r;
      q = (q - r) * 2;
      if (q > 0) p = -p;
      else q = -q;
      r = e;
      e = d;
    }
    if (Math.abs(p) >= Math.abs(q * 0.5 * r) || p <= q * (a - x) || p >= q * (b - x)) {
      e = x < xm ? b - x : a - x;
      d = golden * e;
    } else {
      d = p / q;
      const u = x + d;
      // Not too close to the bracket's ends.
      if (u - a < t2 || b - u < t2) d = x < xm ? tol1 : -tol1;
    }
    // Not too close to x.
    const u = Math.abs(d) >= tol1 ? x + d : d > 0 ? x + tol1 : x - tol1;
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x;
      else a = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
}
