// Seasonal ARIMA(p,d,q)(P,D,Q)s with R's definitions (stats::arima, R 4.x: arima.R and arima.c).
//
// Model: φ(B)Φ(Bˢ)(1 − B)ᵈ(1 − Bˢ)ᴰ(xₜ − μ) = θ(B)Θ(Bˢ)εₜ, with MA terms carrying a plus sign
// (θ(B) = 1 + θ₁B + …), as R and statsmodels. μ is estimated only when d + D = 0. With d + D = 1
// the constant is instead a drift β (forecast::Arima's include.drift, R's xreg = 1:n): the model
// is fitted to xₜ − βt, so the differenced series has mean β (d = 1) or sβ (D = 1).
//
// State space (R's makeARIMA): Harvey's form of the ARMA part, r = max(p′, q′ + 1) with p′, q′ the
// expanded seasonal orders, plus the d′ = d + sD differencing states; Z = (1, 0…0, Δ).
// Initial state covariance: the stationary covariance of the ARMA part (computed exactly from the
// ARMA autocovariances, see q0()), and κ = 1e6 on the diffuse differencing states.
// Exact likelihood (ARIMA_Like): Kalman filter; a missing value (NaN) is a prediction step with no
// update; observations whose prediction variance ("gain") is ≥ 1e4 (the diffuse start) do not
// enter the likelihood. The ML objective is the profile ½(log(ssq/ν) + Σlog gain/ν).
// CSS (ARIMA_CSS): differenced series, residuals conditional on the first d + sD + p + sP values,
// objective ½ log(ssq/ν).
// On a complete series both objectives run in arima-recursions.ts (the Chandrasekhar filter, the
// CSS recursion) with exact gradients; with gaps the likelihood uses R's filter here.
// Optimiser: R's BFGS (optim's vmmin) on the parameters divided by parscale (1 for ARMA terms,
// 10·s.e.(mean) for the mean), maxit 100; exact gradients where available (reltol 1e-12 for the
// likelihood, R's 1.49e-8 for CSS), else R's central differences (ndeps 1e-3, reltol 1.49e-8)
// and a polishing run. AR parts are optimised through R's partrans (tanh then Durbin–Levinson), so every
// iterate is stationary; MA parts are made invertible after the fit (maInvert: roots inside the
// unit circle are reflected), as R does.
// Reported as R: n.used = #non-missing − d − sD; σ² = ssq/n.used (ML) or CSS ssq/ν;
// loglik = −½(2·n.used·value + n.used + n.used·log 2π); aic = −2 loglik + 2(#coef + 1) (NaN for CSS).

import { Arima, constantSlope, dxColumn, f, luSolve, setf, zeros } from './arima-model';
import { acovDerivatives, chandrasekhar, css, cssReverse, expandDerivatives, partransJacobian } from './arima-recursions';

const KAPPA: f64 = 1e6;
const XMAX: f64 = 1.7976931348623157e308;
const LOG2PI: f64 = 1.8378770664093453;

// Methods.
const CSS_ML = 0;
const ML = 1;
const CSS = 2;

// ---------------------------------------------------------------------------------------------
// Parameters

/** R's partrans: raw → PACF by tanh → AR coefficients by the Durbin–Levinson recursion. */
function partrans(n: i32, raw: usize, out: usize, work: usize): void {
  for (let j = 0; j < n; j++) {
    const v = Math.tanh(f(raw, j));
    setf(out, j, v);
    setf(work, j, v);
  }
  for (let j = 1; j < n; j++) {
    const a = f(out, j);
    for (let k = 0; k < j; k++) setf(work, k, f(work, k) - a * f(out, j - k - 1));
    for (let k = 0; k < j; k++) setf(out, k, f(work, k));
  }
}

/** R's invpartrans: AR coefficients → PACF (backwards Durbin–Levinson) → atanh. */
function invpartrans(n: i32, phi: usize, out: usize, work: usize): void {
  for (let j = 0; j < n; j++) {
    setf(out, j, f(phi, j));
    setf(work, j, f(phi, j));
  }
  for (let j = n - 1; j > 0; j--) {
    const a = f(out, j);
    for (let k = 0; k < j; k++) setf(work, k, (f(out, k) + a * f(out, j - k - 1)) / (1 - a * a));
    for (let k = 0; k < j; k++) setf(out, k, f(work, k));
  }
  for (let j = 0; j < n; j++) setf(out, j, Math.atanh(f(out, j)));
}

/**
 * R's ARIMA_transPars: parameters (ar, ma, sar, sma[, mean]) → the expanded φ (length p) and
 * θ (length q). With `trans`, the AR parts are read through partrans.
 */
function expand(m: Arima, params: usize, trans: i32): void {
  const mp = m.mp, mq = m.mq, msp = m.msp, msq = m.msq, ns = m.ns;
  const v = m.work; // transformed copy of the parameters
  for (let i = 0; i < m.narma; i++) setf(v, i, f(params, i));
  if (trans != 0) {
    const tmp = m.work + (<usize>m.narma << 3);
    if (mp > 0) partrans(mp, params, v, tmp);
    if (msp > 0) partrans(msp, params + (<usize>(mp + mq) << 3), v + (<usize>(mp + mq) << 3), tmp);
  }
  const phi = m.phi, theta = m.theta;
  for (let i = 0; i < m.p; i++) setf(phi, i, i < mp ? f(v, i) : 0);
  for (let i = 0; i < m.q; i++) setf(theta, i, i < mq ? f(v, i + mp) : 0);
  for (let j = 0; j < msp; j++) {
    const sj = f(v, j + mp + mq);
    setf(phi, (j + 1) * ns - 1, f(phi, (j + 1) * ns - 1) + sj);
    for (let i = 0; i < mp; i++) setf(phi, (j + 1) * ns + i, f(phi, (j + 1) * ns + i) - f(v, i) * sj);
  }
  for (let j = 0; j < msq; j++) {
    const sj = f(v, j + mp + mq + msp);
    setf(theta, (j + 1) * ns - 1, f(theta, (j + 1) * ns - 1) + sj);
    for (let i = 0; i < mq; i++) setf(theta, (j + 1) * ns + i, f(theta, (j + 1) * ns + i) + f(v, i + mp) * sj);
  }
}

// ---------------------------------------------------------------------------------------------
// Initial state covariance

/**
 * Stationary covariance of the ARMA state (σ² = 1) into Pn[0..r, 0..r]. Autocovariances γ(0…p)
 * solve γ(k) − Σφᵢγ(|k−i|) = Σ_{j≥k} θⱼψ_{j−k}; the state's first row is
 * Cov(yₜ, αₜ[k]) = Σₘ φ_{k+m+1}γ(m+1) + θ_{k+m}ψₘ, and the rest follows from the transition
 * equation P = TPTᵀ + RRᵀ element by element, from the bottom-right corner. This is the matrix
 * R's getQ0 (Gardner et al. 1980) computes; it is obtained here in O(r² + p³).
 * Returns false when the AR part is not stationary (singular system or negative variance).
 */
function acov(m: Arima): bool {
  const p = m.p, q = m.q, r = m.r;
  const phi = m.phi, theta = m.theta, gamma = m.gamma, psi = m.psi;
  // ψ weights 0…r, with θ₀ = 1.
  for (let j = 0; j <= r; j++) {
    let v: f64 = j == 0 ? 1 : (j <= q ? f(theta, j - 1) : 0);
    for (let i = 1; i <= min(j, p); i++) v += f(phi, i - 1) * f(psi, j - i);
    setf(psi, j, v);
  }
  // c_k = Σ_{j=k}^{q} θⱼ ψ_{j−k}, kept in gamma[r+1+k] temporarily.
  const cbase = gamma + (<usize>(r + 1) << 3);
  for (let k = 0; k <= r; k++) {
    let v: f64 = 0;
    for (let j = k; j <= q; j++) v += (j == 0 ? 1 : f(theta, j - 1)) * f(psi, j - k);
    setf(cbase, k, v);
  }
  if (p > 0) {
    // (p+1)×(p+1) system, Gaussian elimination with partial pivoting.
    const n1 = p + 1;
    const A = m.sys;
    memory.fill(A, 0, (<usize>n1 * <usize>n1) << 3);
    for (let k = 0; k <= p; k++) {
      setf(A, k * n1 + k, f(A, k * n1 + k) + 1);
      for (let i = 1; i <= p; i++) {
        const col = abs(k - i);
        setf(A, k * n1 + col, f(A, k * n1 + col) - f(phi, i - 1));
      }
      setf(gamma, k, f(cbase, k));
    }
    for (let col = 0; col < n1; col++) {
      let piv = col;
      let best = Math.abs(f(A, col * n1 + col));
      for (let row = col + 1; row < n1; row++) {
        const v = Math.abs(f(A, row * n1 + col));
        if (v > best) {
          best = v;
          piv = row;
        }
      }
      if (!(best > 1e-300)) return false;
      if (piv != col) {
        for (let j = 0; j < n1; j++) {
          const t = f(A, col * n1 + j);
          setf(A, col * n1 + j, f(A, piv * n1 + j));
          setf(A, piv * n1 + j, t);
        }
      }
      // LU kept (multipliers below the diagonal, pivots in m.piv) for the gradient's solves.
      store<i32>(m.piv + (<usize>col << 2), piv);
      const inv = 1 / f(A, col * n1 + col);
      for (let row = col + 1; row < n1; row++) {
        const fac = f(A, row * n1 + col) * inv;
        if (fac == 0) continue;
        for (let j = col + 1; j < n1; j++) setf(A, row * n1 + j, f(A, row * n1 + j) - fac * f(A, col * n1 + j));
        setf(A, row * n1 + col, fac);
      }
    }
    luSolve(m, gamma);
    for (let k = p + 1; k <= r; k++) {
      let v = f(cbase, k);
      for (let i = 1; i <= p; i++) v += f(phi, i - 1) * f(gamma, k - i);
      setf(gamma, k, v);
    }
  } else {
    for (let k = 0; k <= r; k++) setf(gamma, k, f(cbase, k));
  }
  if (!(f(gamma, 0) > 0) || !isFinite(f(gamma, 0))) return false;
  // First row: Cov(yₜ, αₜ[k]).
  const row0 = m.row0;
  for (let k = 0; k < r; k++) {
    let v: f64 = 0;
    for (let mm = 0; mm <= r - 1 - k; mm++) {
      const ph: f64 = k + mm < p ? f(phi, k + mm) : 0;
      const th: f64 = k + mm == 0 ? 1 : (k + mm <= q ? f(theta, k + mm - 1) : 0);
      v += ph * f(gamma, mm + 1) + th * f(psi, mm);
    }
    setf(row0, k, v);
  }
  setf(row0, 0, f(gamma, 0));
  setf(row0, r, 0);
  return true;
}

/** Pn (stride rd) = the stationary ARMA covariance from acov(), κ on the differencing states. */
function q0(m: Arima, Pn: usize): bool {
  if (!acov(m)) return false;
  const p = m.p, q = m.q, r = m.r, rd = m.rd;
  const phi = m.phi, theta = m.theta, row0 = m.row0;
  for (let i = 0; i < rd * rd; i++) setf(Pn, i, 0);
  for (let k = 0; k < r; k++) {
    setf(Pn, k, f(row0, k));
    setf(Pn, k * rd, f(row0, k));
  }
  const g0 = f(row0, 0);
  for (let i = r - 1; i >= 1; i--) {
    const phi1: f64 = i < p ? f(phi, i) : 0;
    const thi: f64 = i <= q ? f(theta, i - 1) : 0;
    for (let k = r - 1; k >= i; k--) {
      const phk: f64 = k < p ? f(phi, k) : 0;
      const thk: f64 = k <= q ? f(theta, k - 1) : 0;
      const next: f64 = i + 1 < r && k + 1 < r ? f(Pn, (i + 1) + rd * (k + 1)) : 0;
      const v = phi1 * phk * g0 + phi1 * f(row0, k + 1) + phk * f(row0, i + 1) + next + thi * thk;
      setf(Pn, i + rd * k, v);
      setf(Pn, k + rd * i, v);
    }
  }
  for (let i = 0; i < m.nd; i++) setf(Pn, (m.r + i) * (rd + 1), KAPPA);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Likelihood

/**
 * R's ARIMA_Like from the initial state (a = 0, P = Pn): fills ssq, sumlog, nu and, with
 * `wantResid`, the standardised innovations; `steps` (default: all) limits the observations
 * read. Once the prediction covariance stops changing (max |ΔP| ≤ 1e-13 with no missing value
 * since) the filter is in steady state: gain and Kalman gain are reused and only the state is
 * updated. Returns false when Q0 fails.
 */
function kalman(m: Arima, wantResid: bool, steps: i32 = -1): bool {
  const rd = m.rd, r = m.r, d = m.nd, p = m.p, q = m.q, n = steps < 0 ? m.n : steps;
  const a = m.a, anew = m.anew, P = m.P, Pnew = m.Pnew, mm = m.mm, M = m.M;
  const phi = m.phi, theta = m.theta, delta = m.delta, x = m.x;
  for (let i = 0; i < rd; i++) setf(a, i, 0);
  if (!q0(m, Pnew)) return false;
  let ssq: f64 = 0, sumlog: f64 = 0;
  let nu = 0;
  let steady = false;
  let gain: f64 = 0;
  for (let l = 0; l < n; l++) {
    predictState(m);
    if (l > 0 && !steady) predictCovariance(m);
    const y = f(x, l);
    if (!isNaN(y)) {
      let resid0 = y - f(anew, 0);
      for (let i = 0; i < d; i++) resid0 -= f(delta, i) * f(anew, r + i);
      if (!steady) {
        gain = f(Pnew, 0);
        for (let i = 0; i < d; i++) gain += f(delta, i) * f(Pnew, r + i);
        for (let i = 0; i < rd; i++) {
          let tmp = f(Pnew, i);
          for (let k = 0; k < d; k++) tmp += f(Pnew, i + rd * (r + k)) * f(delta, k);
          setf(M, i, tmp);
        }
        for (let i = 0; i < d; i++) gain += f(delta, i) * f(M, r + i);
      }
      if (gain < 1e4) {
        nu++;
        ssq += resid0 * resid0 / gain;
        sumlog += Math.log(gain);
      }
      if (wantResid) setf(m.resid, l, resid0 / Math.sqrt(gain));
      for (let i = 0; i < rd; i++) setf(a, i, f(anew, i) + f(M, i) * resid0 / gain);
      if (!steady) {
        let change: f64 = 0;
        for (let i = 0; i < rd; i++) {
          const mi = f(M, i) / gain;
          for (let j = 0; j < rd; j++) {
            const v = f(Pnew, i + rd * j) - mi * f(M, j);
            const o = i + rd * j;
            const dv = Math.abs(v - f(P, o));
            if (dv > change) change = dv;
            setf(P, o, v);
          }
        }
        if (l > m.nd && change <= 1e-13) steady = true;
      }
    } else {
      steady = false;
      for (let i = 0; i < rd; i++) setf(a, i, f(anew, i));
      memory.copy(P, Pnew, (<usize>rd * <usize>rd) << 3);
      if (wantResid) setf(m.resid, l, NaN);
    }
  }
  m.ssq = ssq;
  m.sumlog = sumlog;
  m.nu = nu;
  return true;
}

/** anew = T a: the ARMA part's companion shift, then the differencing states (R's ARIMA_Like). */
function predictState(m: Arima): void {
  const r = m.r, rd = m.rd, d = m.nd, p = m.p, a = m.a, anew = m.anew, phi = m.phi, delta = m.delta;
  for (let i = 0; i < r; i++) {
    let tmp: f64 = i < r - 1 ? f(a, i + 1) : 0;
    if (i < p) tmp += f(phi, i) * f(a, 0);
    setf(anew, i, tmp);
  }
  if (d > 0) {
    for (let i = r + 1; i < rd; i++) setf(anew, i, f(a, i - 1));
    let tmp = f(a, 0);
    for (let i = 0; i < d; i++) tmp += f(delta, i) * f(a, r + i);
    setf(anew, r, tmp);
  }
}

/** Pnew = T P Tᵀ + R Rᵀ (R's ARIMA_Like, both branches). */
function predictCovariance(m: Arima): void {
  const rd = m.rd, r = m.r, d = m.nd, p = m.p, q = m.q;
  const P = m.P, Pnew = m.Pnew, mm = m.mm, phi = m.phi, theta = m.theta, delta = m.delta;
  if (d == 0) {
    const p0 = f(P, 0);
    for (let i = 0; i < r; i++) {
      const vi: f64 = i == 0 ? 1 : (i - 1 < q ? f(theta, i - 1) : 0);
      const phii: f64 = i < p ? f(phi, i) : 0;
      for (let j = 0; j < r; j++) {
        let tmp: f64 = j == 0 ? vi : (j - 1 < q ? vi * f(theta, j - 1) : 0);
        const phij: f64 = j < p ? f(phi, j) : 0;
        tmp += phii * phij * p0;
        if (i < r - 1 && j < r - 1) tmp += f(P, i + 1 + r * (j + 1));
        if (j < r - 1) tmp += phii * f(P, j + 1);
        if (i < r - 1) tmp += phij * f(P, i + 1);
        setf(Pnew, i + r * j, tmp);
      }
    }
    return;
  }
  // mm = T P
  for (let i = 0; i < r; i++) {
    const phii: f64 = i < p ? f(phi, i) : 0;
    for (let j = 0; j < rd; j++) {
      let tmp = phii * f(P, rd * j);
      if (i < r - 1) tmp += f(P, i + 1 + rd * j);
      setf(mm, i + rd * j, tmp);
    }
  }
  for (let j = 0; j < rd; j++) {
    let tmp = f(P, rd * j);
    for (let k = 0; k < d; k++) tmp += f(delta, k) * f(P, r + k + rd * j);
    setf(mm, r + rd * j, tmp);
  }
  for (let i = 1; i < d; i++) for (let j = 0; j < rd; j++) setf(mm, r + i + rd * j, f(P, r + i - 1 + rd * j));
  // Pnew = mm Tᵀ
  for (let i = 0; i < r; i++) {
    const phii: f64 = i < p ? f(phi, i) : 0;
    for (let j = 0; j < rd; j++) {
      let tmp = phii * f(mm, j);
      if (i < r - 1) tmp += f(mm, rd * (i + 1) + j);
      setf(Pnew, j + rd * i, tmp);
    }
  }
  for (let j = 0; j < rd; j++) {
    let tmp = f(mm, j);
    for (let k = 0; k < d; k++) tmp += f(delta, k) * f(mm, rd * (r + k) + j);
    setf(Pnew, j + rd * r, tmp);
  }
  for (let i = 1; i < d; i++) for (let j = 0; j < rd; j++) setf(Pnew, j + rd * (r + i), f(mm, rd * (r + i - 1) + j));
  for (let i = 0; i <= q; i++) {
    const vi: f64 = i == 0 ? 1 : f(theta, i - 1);
    for (let j = 0; j <= q; j++) setf(Pnew, i + rd * j, f(Pnew, i + rd * j) + vi * (j == 0 ? 1 : f(theta, j - 1)));
  }
}

/** The constant the recursions subtract from the differenced series: μ, or lag·β for a drift. */
function setConstant(m: Arima, params: usize): void {
  const c: f64 = m.mean != 0 ? f(params, m.narma) : 0;
  m.zc = m.nd == 0 ? c : c * <f64>(m.d > 0 ? 1 : m.ns);
  if (m.nx == 0) return;
  // The regressors' part, differenced: the recursions read Δy − ΔX·β (series()).
  const n = m.n, dxa = m.dxa;
  memory.copy(dxa, m.dx, <usize>n << 3);
  for (let j = 0; j < m.nx; j++) {
    const b = f(params, m.xoff + j), col = dxColumn(m, j);
    if (b != 0) for (let t = 0; t < n; t++) setf(dxa, t, f(dxa, t) - b * f(col, t));
  }
}

/**
 * The series less its constant and regressors into m.x, for R's Kalman filter and the forecast's
 * differencing states: yₜ − μ, or yₜ − β·t (t = 1…n) for a drift, less Σ βⱼ Xⱼ(t). Sets m.zc
 * (and the differenced series the recursions read) too.
 */
function demean(m: Arima, params: usize): void {
  setConstant(m, params);
  const c: f64 = m.mean != 0 ? f(params, m.narma) : 0;
  if (m.nd == 0) {
    for (let i = 0; i < m.n; i++) setf(m.x, i, f(m.y, i) - c);
  } else {
    for (let i = 0; i < m.n; i++) setf(m.x, i, f(m.y, i) - c * <f64>(i + 1));
  }
  for (let j = 0; j < m.nx; j++) {
    const b = f(params, m.xoff + j), col = m.xr + (<usize>(j * m.n) << 3);
    for (let i = 0; i < m.n; i++) setf(m.x, i, f(m.x, i) - b * f(col, i));
  }
}

/** The objective R minimises (armaCSS or armafn) at `params` (natural units). */
function objective(m: Arima, params: usize): f64 {
  m.fncount++;
  m.ready = 0;
  expand(m, params, m.css != 0 ? 0 : m.trans);
  setConstant(m, params);
  if (m.css != 0) return css(m, 0);
  if (m.fast != 0) return acov(m) ? chandrasekhar(m, false, false, 0) : XMAX;
  demean(m, params);
  if (!kalman(m, false)) return XMAX;
  const s2 = m.ssq / <f64>m.nu;
  const v = 0.5 * (Math.log(s2) + m.sumlog / <f64>m.nu);
  return isFinite(v) ? v : XMAX;
}

/** Whether the objective has an exact gradient: CSS always, the likelihood on a complete series. */
@inline function exactGradient(m: Arima): bool {
  return m.css != 0 || m.fast != 0;
}

/**
 * The objective and its exact gradient (natural units) at `params` (arima-recursions.ts). With
 * `residuals`, objective() has just run at these params and left the CSS residuals.
 */
function objectiveGradient(m: Arima, params: usize, g: usize, residuals: bool = false): f64 {
  m.fncount++;
  m.ready = 0;
  const trans = m.css != 0 ? 0 : m.trans;
  expand(m, params, trans);
  expandDerivatives(m, params, trans);
  setConstant(m, params);
  if (m.css != 0) return cssReverse(m, g, residuals);
  if (!acov(m)) return XMAX;
  acovDerivatives(m);
  return chandrasekhar(m, false, false, g);
}

// ---------------------------------------------------------------------------------------------
// Optimiser: R's vmmin (BFGS) on parameters divided by parscale, numerical gradient as optim's.

const NDEPS: f64 = 1e-3;
const RELTOL: f64 = 1.490116119384765625e-8;
// R stops where its 1e-3 finite differences stop being informative, which can leave ~1e-4 of
// log-likelihood on the table; a second BFGS run with finer differences finishes the job.
const POLISH_NDEPS: f64 = 1e-6;
const POLISH_RELTOL: f64 = 1e-13;
const POLISH_MAXIT = 50;
// Exact gradients (arima-gradient.ts) make a much tighter test cheap: a few more iterations.
const EXACT_RELTOL: f64 = 1e-12;
let ndeps: f64 = NDEPS;
let reltol: f64 = RELTOL;
const STEPREDN: f64 = 0.2;
const ACCTOL: f64 = 0.0001;
const RELTEST: f64 = 10.0;

/** f at the scaled point u (u · parscale → m.par). */
function fscaled(m: Arima, u: usize): f64 {
  for (let i = 0; i < m.npar; i++) setf(m.par, i, f(u, i) * f(m.scale, i));
  return objective(m, m.par);
}

/**
 * f at the scaled point u for a BFGS trial point likely to be accepted, leaving what its gradient
 * there will need (m.ready = 1): with an exact likelihood gradient the gradient itself, computed
 * in the same forward pass (in m.gt, scaled); for CSS the residuals, which the adjoint pass reads.
 */
function ftrial(m: Arima, u: usize): f64 {
  if (!exactGradient(m)) return fscaled(m, u);
  for (let i = 0; i < m.npar; i++) setf(m.par, i, f(u, i) * f(m.scale, i));
  let v: f64;
  if (m.css != 0) {
    v = objective(m, m.par);
  } else {
    v = objectiveGradient(m, m.par, m.gt);
    for (let i = 0; i < m.npar; i++) setf(m.gt, i, f(m.gt, i) * f(m.scale, i));
  }
  m.ready = 1;
  return v;
}

/**
 * The gradient in scaled units at u: exact where available, else optim's central differences;
 * false if a value is not finite.
 */
function gradient(m: Arima, u: usize, g: usize): bool {
  if (exactGradient(m)) {
    const ready = m.ready != 0;
    m.ready = 0;
    if (ready && m.css == 0) {
      memory.copy(g, m.gt, <usize>m.npar << 3);
    } else {
      for (let i = 0; i < m.npar; i++) setf(m.par, i, f(u, i) * f(m.scale, i));
      if (!(objectiveGradient(m, m.par, g, ready) < XMAX)) return false;
      for (let i = 0; i < m.npar; i++) setf(g, i, f(g, i) * f(m.scale, i));
    }
    for (let i = 0; i < m.npar; i++) if (!isFinite(f(g, i))) return false;
    return true;
  }
  for (let i = 0; i < m.npar; i++) {
    const ui = f(u, i);
    setf(u, i, ui + ndeps);
    const v1 = fscaled(m, u);
    setf(u, i, ui - ndeps);
    const v2 = fscaled(m, u);
    setf(u, i, ui);
    const gi = (v1 - v2) / (2 * ndeps);
    if (!isFinite(gi) || v1 >= XMAX || v2 >= XMAX) return false;
    setf(g, i, gi);
  }
  return true;
}

let bfgsValue: f64 = 0;
let bfgsIter: i32 = 0;

/**
 * Carries the CSS phase's inverse-Hessian approximation (m.B) over to the ML phase, whose AR
 * parameters are the raw values at `raw` that partrans maps to CSS's coefficients: with J the
 * Jacobian of that map, the ML Hessian near the optimum is ≈ JᵀHJ (the two objectives differ by
 * the Σlog F/ν term, small and smooth), so B becomes J⁻¹BJ⁻ᵀ. BFGS then starts with a good
 * model of the curvature and needs fewer iterations; it corrects any mismatch as it goes.
 * Returns false (B unusable) if J is singular or the result is not positive on the diagonal.
 */
function seedHessian(m: Arima, raw: usize): bool {
  const n = m.npar;
  // Where tanh is flat (|raw| > 3: a partial autocorrelation beyond ±0.995) J is nearly singular
  // and J⁻¹ would blow the curvature up: start ML from the identity instead.
  for (let i = 0; i < m.mp; i++) if (Math.abs(f(raw, i)) > 3) return false;
  for (let i = 0; i < m.msp; i++) if (Math.abs(f(raw, m.mp + m.mq + i)) > 3) return false;
  const Jinv = zeros(n * n), full = zeros(n * n), jac = zeros(n * n), tmp = zeros(2 * n * n + 4 * n);
  let ok = true;
  for (let i = 0; i < n; i++) setf(Jinv, i * n + i, 1);
  for (let part = 0; part < 2 && ok; part++) {
    const len = part == 0 ? m.mp : m.msp;
    const off = part == 0 ? 0 : m.mp + m.mq;
    if (len == 0) continue;
    // jac[k·len + i] = ∂out_i/∂raw_k, so J[i][k] = jac[k·len + i]: transposed into `full`, inverted.
    partransJacobian(len, raw + (<usize>off << 3), jac, tmp);
    for (let i = 0; i < len; i++) for (let k = 0; k < len; k++) setf(full, i * len + k, f(jac, k * len + i));
    ok = invert(full, len, tmp);
    if (ok) for (let i = 0; i < len; i++) for (let k = 0; k < len; k++) setf(Jinv, (off + i) * n + off + k, f(full, i * len + k));
  }
  if (ok) {
    // full = J⁻¹B (B symmetric, its lower triangle stored), then B = full·J⁻ᵀ.
    const B = m.B;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s: f64 = 0;
        for (let k = 0; k < n; k++) s += f(Jinv, i * n + k) * (k >= j ? f(B, k * n + j) : f(B, j * n + k));
        setf(full, i * n + j, s);
      }
    }
    for (let i = 0; i < n && ok; i++) {
      for (let j = 0; j <= i; j++) {
        let s: f64 = 0;
        for (let k = 0; k < n; k++) s += f(full, i * n + k) * f(Jinv, j * n + k);
        setf(B, i * n + j, s);
      }
      ok = f(B, i * n + i) > 0 && isFinite(f(B, i * n + i));
    }
  }
  heap.free(Jinv); heap.free(full); heap.free(jac); heap.free(tmp);
  return ok;
}

/** R's BFGS, then the polishing run from its result; status of R's run unless polishing failed. */
function minimise(m: Arima, maxit: i32): i32 {
  // With exact gradients the likelihood is minimised to EXACT_RELTOL; the CSS objective, which
  // only starts ML or ranks candidates (or is the user's 'css' fit), keeps R's reltol.
  const exact = exactGradient(m) && m.css == 0;
  ndeps = NDEPS;
  reltol = exact ? EXACT_RELTOL : RELTOL;
  let status = bfgs(m, maxit);
  let iter = bfgsIter;
  // R reports non-convergence when BFGS hits maxit (ridges of near-cancelling AR and MA roots
  // are slow going); we restart it from where it stopped, with a fresh Hessian, up to 3 times.
  // (Not for the CSS objective: it only starts ML, or ranks candidates in autoArima.)
  for (let restart = 0; restart < 3 && status == 1 && m.css == 0; restart++) {
    status = bfgs(m, maxit);
    iter += bfgsIter;
  }
  reltol = RELTOL;
  // The polishing run is for numerical gradients on the exact likelihood (a series with gaps).
  if (status == 2 || m.css != 0 || exact) {
    bfgsIter = iter;
    return status;
  }
  const value = bfgsValue;
  const save = m.work2;
  memory.copy(save, m.u, <usize>m.npar << 3);
  ndeps = POLISH_NDEPS;
  reltol = POLISH_RELTOL;
  const polished = bfgs(m, POLISH_MAXIT);
  ndeps = NDEPS;
  reltol = RELTOL;
  if (polished == 2 || !(bfgsValue <= value)) {
    memory.copy(m.u, save, <usize>m.npar << 3);
    bfgsValue = value;
  } else if (polished == 0) {
    status = 0; // the polishing run met its (stricter) convergence test
  }
  bfgsIter = iter + bfgsIter;
  return status;
}

/**
 * Minimises from the scaled start in m.u (updated in place). Returns 0 converged, 1 iteration
 * limit, 2 failure (non-finite start or gradient). bfgsValue holds the minimum.
 */
function bfgs(m: Arima, maxit: i32): i32 {
  const n = m.npar;
  const b = m.u, g = m.g, t = m.t, X = m.X, c = m.c, B = m.B;
  const exact = exactGradient(m);
  // Start from the inverse Hessian seedHessian() left in m.B, once, instead of the identity.
  const keep = m.seeded != 0;
  m.seeded = 0;
  let fval = ftrial(m, b);
  bfgsIter = 0;
  if (!(fval < XMAX)) {
    bfgsValue = fval;
    return 2;
  }
  let Fmin = fval;
  bfgsValue = Fmin;
  if (maxit <= 0 || n == 0) return 0;
  if (!gradient(m, b, g)) return 2;
  let gradcount = 1;
  let iter = 1;
  // A seeded Hessian is not fresh: if its first step fails, BFGS retries from steepest descent.
  let ilast = keep ? 0 : gradcount;
  let count = 0;
  do {
    if (ilast == gradcount) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) setf(B, i * n + j, 0);
        setf(B, i * n + i, 1);
      }
    }
    for (let i = 0; i < n; i++) {
      setf(X, i, f(b, i));
      setf(c, i, f(g, i));
    }
    let gradproj: f64 = 0;
    for (let i = 0; i < n; i++) {
      let s: f64 = 0;
      for (let j = 0; j <= i; j++) s -= f(B, i * n + j) * f(g, j);
      for (let j = i + 1; j < n; j++) s -= f(B, j * n + i) * f(g, j);
      setf(t, i, s);
      gradproj += s * f(g, i);
    }
    if (exact && ilast < gradcount && -gradproj <= 2 * reltol * (Math.abs(Fmin) + reltol)) {
      // With an exact gradient and a Hessian approximation built from it, the quasi-Newton step
      // predicts a decrease within the convergence tolerance (about −gradproj/2): converged.
      count = n;
      ilast = gradcount;
    } else if (gradproj < 0) {
      let steplength: f64 = 1;
      let accpoint = false;
      do {
        count = 0;
        for (let i = 0; i < n; i++) {
          const bi = f(X, i) + steplength * f(t, i);
          setf(b, i, bi);
          if (RELTEST + f(X, i) == RELTEST + bi) count++;
        }
        if (count < n) {
          // The full quasi-Newton step is usually accepted: evaluate it with what its gradient
          // needs. Shortened steps are rarer; their gradient, if accepted, comes separately.
          fval = steplength == 1 || m.css != 0 ? ftrial(m, b) : fscaled(m, b);
          accpoint = isFinite(fval) && fval < XMAX && fval <= Fmin + gradproj * steplength * ACCTOL;
          if (!accpoint) {
            steplength *= STEPREDN;
            // With an exact gradient, once even the shortened step's predicted decrease is within
            // the convergence tolerance, no step left to try can make progress along this
            // direction: the line search has failed (vmmin would shrink on to steps below
            // rounding). As in vmmin, a failure retries from steepest descent unless the
            // Hessian approximation is already fresh.
            if (exact && -gradproj * steplength <= reltol * (Math.abs(Fmin) + reltol)) {
              for (let i = 0; i < n; i++) setf(b, i, f(X, i));
              fval = Fmin;
              count = n;
            }
          }
        }
      } while (!(count == n || accpoint));
      const enough = Math.abs(fval - Fmin) > reltol * (Math.abs(Fmin) + reltol);
      if (!enough) {
        count = n;
        Fmin = fval;
        // vmmin then retries from steepest descent, in case its Hessian approximation (built
        // from numerical gradients) had stalled. With an exact gradient whose quasi-Newton step
        // also predicted no more than that decrease, this is the minimum: stop.
        if (exact && -gradproj <= 2 * reltol * (Math.abs(Fmin) + reltol)) ilast = gradcount;
      }
      if (count < n) {
        Fmin = fval;
        if (!gradient(m, b, g)) {
          bfgsValue = Fmin;
          bfgsIter = iter;
          return 2;
        }
        gradcount++;
        iter++;
        let D1: f64 = 0;
        for (let i = 0; i < n; i++) {
          setf(t, i, steplength * f(t, i));
          setf(c, i, f(g, i) - f(c, i));
          D1 += f(t, i) * f(c, i);
        }
        if (D1 > 0) {
          let D2: f64 = 0;
          for (let i = 0; i < n; i++) {
            let s: f64 = 0;
            for (let j = 0; j <= i; j++) s += f(B, i * n + j) * f(c, j);
            for (let j = i + 1; j < n; j++) s += f(B, j * n + i) * f(c, j);
            setf(X, i, s);
            D2 += s * f(c, i);
          }
          D2 = 1 + D2 / D1;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j <= i; j++) {
              setf(B, i * n + j, f(B, i * n + j) + (D2 * f(t, i) * f(t, j) - f(X, i) * f(t, j) - f(t, i) * f(X, j)) / D1);
            }
          }
        } else {
          ilast = gradcount;
        }
      } else if (ilast < gradcount) {
        count = 0;
        ilast = gradcount;
      }
    } else {
      count = 0;
      if (ilast == gradcount) count = n;
      else ilast = gradcount;
    }
    if (iter >= maxit) break;
    // vmmin restarts its Hessian every 2n gradients; with exact gradients we keep it (fewer
    // iterations on ridges, the same optimum).
    if (!exactGradient(m) && gradcount - ilast > 2 * n) ilast = gradcount;
  } while (count != n || ilast != gradcount);
  // vmmin leaves b at the last trial point; the minimum found is at X when the final step failed.
  if (fval > Fmin || !(fval < XMAX)) for (let i = 0; i < n; i++) setf(b, i, f(X, i));
  bfgsValue = Fmin;
  bfgsIter = iter;
  return iter < maxit ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Polynomial roots (Aberth–Ehrlich iteration), for arCheck and maInvert.

/**
 * Roots of 1 + c₁z + … + c_k z^k (coefficients at `coef`, c₁…c_k) into re/im (k each).
 * Returns false if the iteration did not converge.
 */
function polyroots(coef: usize, k: i32, re: usize, im: usize): bool {
  // Monic form: z^k + (c_{k−1}/c_k) z^{k−1} + … + 1/c_k.
  const ck = f(coef, k - 1);
  // Initial guesses on a circle of radius from the Cauchy-like bound.
  let radius: f64 = 0;
  for (let i = 0; i < k; i++) {
    const ci: f64 = i == 0 ? 1 : f(coef, i - 1);
    radius = max(radius, Math.pow(Math.abs(ci / ck), 1.0 / <f64>(k - i)));
  }
  for (let i = 0; i < k; i++) {
    const ang = 2 * Math.PI * <f64>i / <f64>k + 0.4;
    setf(re, i, radius * Math.cos(ang));
    setf(im, i, radius * Math.sin(ang));
  }
  for (let iter = 0; iter < 500; iter++) {
    let moved: f64 = 0;
    for (let i = 0; i < k; i++) {
      const zr = f(re, i), zi = f(im, i);
      // p(z) and p'(z) by Horner, monic: coefficients a_k = 1, a_j = c_j/c_k (c_0 = 1).
      let pr: f64 = 1, pi: f64 = 0, dr: f64 = 0, di: f64 = 0;
      for (let j = k - 1; j >= 0; j--) {
        // d = d·z + p ; p = p·z + a_j
        const ndr = dr * zr - di * zi + pr, ndi = dr * zi + di * zr + pi;
        dr = ndr;
        di = ndi;
        const aj: f64 = (j == 0 ? 1 : f(coef, j - 1)) / ck;
        const npr = pr * zr - pi * zi + aj, npi = pr * zi + pi * zr;
        pr = npr;
        pi = npi;
      }
      // ratio = p/p'
      const den = dr * dr + di * di;
      if (den == 0) continue;
      const rr = (pr * dr + pi * di) / den, ri = (pi * dr - pr * di) / den;
      // s = Σ 1/(z − z_j)
      let sr: f64 = 0, si: f64 = 0;
      for (let j = 0; j < k; j++) {
        if (j == i) continue;
        const ar = zr - f(re, j), ai = zi - f(im, j);
        const dd = ar * ar + ai * ai;
        if (dd == 0) continue;
        sr += ar / dd;
        si -= ai / dd;
      }
      // w = ratio / (1 − ratio·s)
      const br = 1 - (rr * sr - ri * si), bi = -(rr * si + ri * sr);
      const bd = br * br + bi * bi;
      if (bd == 0) continue;
      const wr = (rr * br + ri * bi) / bd, wi = (ri * br - rr * bi) / bd;
      setf(re, i, zr - wr);
      setf(im, i, zi - wi);
      moved = max(moved, Math.sqrt(wr * wr + wi * wi) / max(1.0, Math.sqrt(zr * zr + zi * zi)));
    }
    if (moved < 1e-14) return true;
  }
  return true;
}

/**
 * Smallest root modulus of the expanded AR polynomial 1 − φ₁z − … and MA polynomial 1 + θ₁z + …
 * at the current φ, θ (2 when neither has a term), as forecast::auto.arima checks its candidates.
 */
function minRoot(m: Arima): f64 {
  let best: f64 = 2;
  const deg = max(m.p, m.q);
  const coef = zeros(deg + 1), re = zeros(deg + 1), im = zeros(deg + 1);
  for (let pass = 0; pass < 2; pass++) {
    const src = pass == 0 ? m.phi : m.theta;
    const len = pass == 0 ? m.p : m.q;
    let k = 0;
    for (let i = 0; i < len; i++) if (Math.abs(f(src, i)) > 1e-8) k = i + 1;
    if (k == 0) continue;
    for (let i = 0; i < k; i++) setf(coef, i, pass == 0 ? -f(src, i) : f(src, i));
    polyroots(coef, k, re, im);
    for (let i = 0; i < k; i++) best = min(best, Math.sqrt(f(re, i) * f(re, i) + f(im, i) * f(im, i)));
  }
  heap.free(coef);
  heap.free(re);
  heap.free(im);
  return best;
}

/** R's arCheck: all roots of 1 − φ₁z − … − φ_p z^p outside the unit circle. */
function arCheck(m: Arima, ar: usize, n: i32): bool {
  let p = 0;
  for (let i = 0; i < n; i++) if (f(ar, i) != 0) p = i + 1;
  if (p == 0) return true;
  const coef = m.work, re = m.work + 256, im = m.work + 512;
  for (let i = 0; i < p; i++) setf(coef, i, -f(ar, i));
  polyroots(coef, p, re, im);
  for (let i = 0; i < p; i++) {
    if (Math.sqrt(f(re, i) * f(re, i) + f(im, i) * f(im, i)) <= 1) return false;
  }
  return true;
}

/**
 * R's maInvert: roots of 1 + θ₁z + … inside the unit circle are replaced by their inverses and
 * the polynomial rebuilt. Works in place on the q values at `ma`.
 */
function maInvert(m: Arima, ma: usize, q: i32): void {
  let q0 = 0;
  for (let i = 0; i < q; i++) if (f(ma, i) != 0) q0 = i + 1;
  if (q0 == 0) return;
  const coef = m.work, re = m.work + 256, im = m.work + 512;
  for (let i = 0; i < q0; i++) setf(coef, i, f(ma, i));
  polyroots(coef, q0, re, im);
  let any = false;
  for (let i = 0; i < q0; i++) if (f(re, i) * f(re, i) + f(im, i) * f(im, i) < 1) any = true;
  if (!any) return;
  if (q0 == 1) {
    setf(ma, 0, 1 / f(ma, 0));
    for (let i = 1; i < q; i++) setf(ma, i, 0);
    return;
  }
  for (let i = 0; i < q0; i++) {
    const zr = f(re, i), zi = f(im, i), mod2 = zr * zr + zi * zi;
    if (mod2 < 1) {
      setf(re, i, zr / mod2);
      setf(im, i, -zi / mod2);
    }
  }
  // x = Π (1 − z/root): x ← c(x, 0) − c(0, x)/root, complex arithmetic.
  const xr = m.work + 768, xi = m.work + 1024;
  setf(xr, 0, 1);
  setf(xi, 0, 0);
  for (let k = 0; k < q0; k++) {
    const rr = f(re, k), ri = f(im, k), dd = rr * rr + ri * ri;
    const ir = rr / dd, ii = -ri / dd; // 1/root
    setf(xr, k + 1, 0);
    setf(xi, k + 1, 0);
    for (let j = k + 1; j >= 1; j--) {
      const pr = f(xr, j - 1), pi = f(xi, j - 1);
      setf(xr, j, f(xr, j) - (pr * ir - pi * ii));
      setf(xi, j, f(xi, j) - (pr * ii + pi * ir));
    }
  }
  for (let i = 0; i < q0; i++) setf(ma, i, f(xr, i + 1));
  for (let i = q0; i < q; i++) setf(ma, i, 0);
}

// ---------------------------------------------------------------------------------------------
// Entry points

// Spec layout (i32s): p, d, q, P, D, Q, period, includeMean, method, maxit, varCoef (0/1), nx
// (regressors, read when an xreg pointer is given: row-major n × nx f64s).
// Result layout (f64s) at `out`:
//   0 status (0 ok, 1 not converged, 2 optimiser failure, 3 collinear regressors), 1 loglik,
//   2 sigma2, 3 aic,
//   4 iterations, 5 nUsed, 6 objective value, 7 method used (0/1/2), 8 CSS fallback flag,
//   9 function evaluations, 10 smallest root modulus, 16… coefficients (ar, ma, sar, sma,
//   mean or drift, xreg), then n residuals, then (with varCoef) the npar × npar var.coef.
export const ARIMA_HEADER = 16;

function create(y: usize, n: i32, spec: usize, xreg: usize = 0): Arima {
  const m = new Arima();
  m.n = n;
  m.y = y;
  m.mp = load<i32>(spec);
  m.d = load<i32>(spec, 4);
  m.mq = load<i32>(spec, 8);
  m.msp = load<i32>(spec, 12);
  m.sd = load<i32>(spec, 16);
  m.msq = load<i32>(spec, 20);
  m.ns = load<i32>(spec, 24);
  m.mean = load<i32>(spec, 28);
  m.narma = m.mp + m.mq + m.msp + m.msq;
  m.nx = xreg != 0 ? load<i32>(spec, 44) : 0;
  m.xoff = m.narma + m.mean;
  m.npar = m.xoff + m.nx;
  m.p = m.mp + m.ns * m.msp;
  m.q = m.mq + m.ns * m.msq;
  m.r = max(m.p, m.q + 1);
  m.nd = m.d + m.ns * m.sd;
  m.rd = m.r + m.nd;
  m.ncond = m.d + m.ns * m.sd + m.p;
  const rd = m.rd, r = m.r;
  m.x = zeros(n);
  m.w = zeros(n);
  m.resid = zeros(n);
  m.phi = zeros(r + 1); // zero past p: the fast filter's loops run to r unguarded
  m.theta = zeros(m.q);
  m.delta = zeros(m.nd);
  m.a = zeros(rd + 1);
  m.anew = zeros(rd);
  m.M = zeros(rd + 1);
  m.P = zeros(rd * rd);
  m.Pnew = zeros(rd * rd);
  m.mm = zeros(rd * rd);
  m.gamma = zeros(2 * r + 4);
  m.psi = zeros(r + 2);
  m.sys = zeros((m.p + 1) * (m.p + 1));
  m.row0 = zeros(r + 2);
  m.K = zeros(r + 1);
  m.L = zeros(r + 1);
  m.tmpv = zeros(r + 1);
  m.dx = zeros(n);
  const np = max(m.npar, 1);
  m.par = zeros(np);
  // f64 regions of work: expand (0…2·npar), arCheck/maInvert (0…160), mapAr (160…224), invertMa (224…).
  m.work = zeros(512 + 4 * np);
  m.work2 = zeros(np);
  m.scale = zeros(np);
  m.g = zeros(np);
  m.t = zeros(np);
  m.X = zeros(np);
  m.c = zeros(np);
  m.u = zeros(np);
  m.gt = zeros(np);
  m.B = zeros(np * np);
  m.piv = zeros(m.p + 1);
  m.jac = zeros(2 * np * np + 8 * np);
  m.ds = 2 * r + 4;
  m.dphi = zeros(np * m.ds); m.dtheta = zeros(np * m.ds); m.dpsi = zeros(np * m.ds);
  m.dgam = zeros(np * m.ds); m.drow0 = zeros(np * m.ds);
  m.da = zeros(np * m.ds); m.dK = zeros(np * m.ds); m.dL = zeros(np * m.ds);
  m.dsc = zeros(5 * np);
  let rs = 1;
  while (rs < m.q + 1) rs <<= 1;
  m.ringMask = rs - 1;
  m.ring = zeros(np * rs);
  m.nz = zeros(((2 + 2 * np) * (r + 1) + 1) >> 1);
  m.nzc = zeros(np + 1);
  // Δ: coefficients of (1 − B)ᵈ(1 − Bˢ)ᴰ, negated and without the leading 1 (R's Delta).
  const poly = zeros(m.nd + 1);
  setf(poly, 0, 1);
  let deg = 0;
  for (let i = 0; i < m.d + m.sd; i++) {
    const lag = i < m.d ? 1 : m.ns;
    for (let j = deg + lag; j >= lag; j--) setf(poly, j, f(poly, j) - f(poly, j - lag));
    deg += lag;
  }
  for (let i = 0; i < m.nd; i++) setf(m.delta, i, -f(poly, i + 1));
  heap.free(poly);
  let used = 0;
  for (let i = 0; i < n; i++) if (!isNaN(f(y, i))) used++;
  m.nused = used - m.nd;
  m.fast = used == n ? 1 : 0;
  // The differenced series both recursions read (NaN where a difference touches a gap; the
  // first d + sD values are partial differences, never read).
  memory.copy(m.dx, y, <usize>n << 3);
  for (let i = 0; i < m.d; i++) for (let l = n - 1; l > 0; l--) setf(m.dx, l, f(m.dx, l) - f(m.dx, l - 1));
  for (let i = 0; i < m.sd; i++) for (let l = n - 1; l >= m.ns; l--) setf(m.dx, l, f(m.dx, l) - f(m.dx, l - m.ns));
  if (m.nx > 0) {
    // Regressors (row-major n × nx at xreg) → columns, and their differences as the series'.
    const nx = m.nx;
    m.xr = zeros(n * nx);
    m.dX = zeros(n * nx);
    m.dxa = zeros(n);
    for (let t = 0; t < n; t++) for (let j = 0; j < nx; j++) setf(m.xr, j * n + t, f(xreg, t * nx + j));
    memory.copy(m.dX, m.xr, <usize>(n * nx) << 3);
    for (let j = 0; j < nx; j++) {
      const col = dxColumn(m, j);
      for (let i = 0; i < m.d; i++) for (let l = n - 1; l > 0; l--) setf(col, l, f(col, l) - f(col, l - 1));
      for (let i = 0; i < m.sd; i++) for (let l = n - 1; l >= m.ns; l--) setf(col, l, f(col, l) - f(col, l - m.ns));
    }
  }
  return m;
}

function destroy(m: Arima): void {
  heap.free(m.x); heap.free(m.w); heap.free(m.resid); heap.free(m.phi); heap.free(m.theta);
  heap.free(m.delta); heap.free(m.a); heap.free(m.anew); heap.free(m.M); heap.free(m.P);
  heap.free(m.Pnew); heap.free(m.mm); heap.free(m.gamma); heap.free(m.psi); heap.free(m.sys);
  heap.free(m.row0); heap.free(m.K); heap.free(m.L); heap.free(m.tmpv); heap.free(m.dx);
  heap.free(m.par); heap.free(m.work); heap.free(m.work2); heap.free(m.scale); heap.free(m.g); heap.free(m.t);
  heap.free(m.X); heap.free(m.c); heap.free(m.u); heap.free(m.gt); heap.free(m.B);
  heap.free(m.piv); heap.free(m.jac); heap.free(m.dphi); heap.free(m.dtheta); heap.free(m.dpsi);
  heap.free(m.dgam); heap.free(m.drow0); heap.free(m.da); heap.free(m.dK); heap.free(m.dL);
  heap.free(m.dsc); heap.free(m.ring); heap.free(m.nz); heap.free(m.nzc);
  if (m.nx > 0) {
    heap.free(m.xr); heap.free(m.dX); heap.free(m.dxa);
  }
  heap.free(changetype<usize>(m));
}

// ---------------------------------------------------------------------------------------------
// var.coef

/**
 * Inverts the n × n matrix at `a` in place (Gauss–Jordan, partial pivoting; `w` scratch of
 * 2n² f64s). Returns false when it is singular to working precision.
 */
function invert(a: usize, n: i32, w: usize): bool {
  const c = 2 * n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      setf(w, i * c + j, f(a, i * n + j));
      setf(w, i * c + n + j, i == j ? 1 : 0);
    }
  }
  let scale: f64 = 0;
  for (let i = 0; i < n * n; i++) scale = max(scale, Math.abs(f(a, i)));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(f(w, i * c + col)) > Math.abs(f(w, piv * c + col))) piv = i;
    const pv = f(w, piv * c + col);
    if (!(Math.abs(pv) > 1e-14 * scale)) return false;
    for (let j = 0; j < c; j++) {
      const t = f(w, col * c + j);
      setf(w, col * c + j, f(w, piv * c + j) / pv);
      if (piv != col) setf(w, piv * c + j, t);
    }
    for (let i = 0; i < n; i++) {
      const fac = f(w, i * c + col);
      if (i == col || fac == 0) continue;
      for (let j = 0; j < c; j++) setf(w, i * c + j, f(w, i * c + j) - fac * f(w, col * c + j));
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) setf(a, i * n + j, f(w, i * c + n + j));
  return true;
}

const GRADTRANS_EPS: f64 = 1e-3;

/**
 * R's var.coef at the estimate `coef` (natural units) into `out` (npar², row-major; NaN when the
 * Hessian is singular or not finite): the inverse of n.used × the Hessian of the objective R
 * optimised, in the coordinates it optimised in. For CSS that is the coefficients themselves,
 * solve(hessian · n.used). For ML the AR parts are partrans's raw values: with A = ∂coef/∂raw
 * (R's ARIMA_Gradtrans: forward differences of step 1e-3) the result is
 * Aᵀ (hessian · n.used)⁻¹ A. The Hessian is by differences of the gradient, symmetrised, as
 * optim's: forward differences (step 1e-6 × parscale) of the exact gradient where there is one,
 * else R's central differences (1e-3 × parscale) of its numerical gradient. m.resid is
 * overwritten.
 */
function varCoef(m: Arima, coef: usize, css: bool, out: usize): void {
  const n = m.npar;
  const nn = n * n;
  for (let i = 0; i < nn; i++) setf(out, i, NaN);
  if (n == 0) return;
  m.css = css ? 1 : 0;
  m.trans = css ? 0 : 1;
  m.ready = 0;
  const raw = zeros(n), H = zeros(nn), gp = zeros(n), gm = zeros(n), w = zeros(2 * nn + 4 * n);
  memory.copy(raw, coef, <usize>n << 3);
  if (!css) mapAr(m, raw, false);
  // Scaled units, as the optimiser's: u = raw / parscale.
  for (let i = 0; i < n; i++) setf(m.u, i, f(raw, i) / f(m.scale, i));
  // With an exact gradient, forward differences of step 1e-6 (n + 1 gradients; truncation and
  // rounding both ~1e-7 relative); else optim's central differences of its numerical gradient.
  const exact = exactGradient(m);
  const eps: f64 = exact ? 1e-6 : NDEPS;
  ndeps = NDEPS;
  let ok = !exact || gradient(m, m.u, gm);
  for (let i = 0; i < n && ok; i++) {
    const ui = f(m.u, i);
    setf(m.u, i, ui + eps);
    ok = gradient(m, m.u, gp);
    if (!exact) {
      setf(m.u, i, ui - eps);
      ok = ok && gradient(m, m.u, gm);
    }
    setf(m.u, i, ui);
    const span = exact ? eps : 2 * eps;
    for (let j = 0; j < n; j++) setf(H, i * n + j, (f(gp, j) - f(gm, j)) / (span * f(m.scale, i) * f(m.scale, j)));
  }
  if (ok) {
    const nu = <f64>m.nused;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (f(H, i * n + j) + f(H, j * n + i)) * nu;
        setf(H, i * n + j, v);
        setf(H, j * n + i, v);
      }
      setf(H, i * n + i, f(H, i * n + i) * nu);
    }
    for (let i = 0; i < nn; i++) ok = ok && isFinite(f(H, i));
  }
  if (ok && invert(H, n, w)) {
    // A: identity but for the AR blocks, A[k][i] = ∂coef_i/∂raw_k by R's ARIMA_Gradtrans: forward
    // differences of partrans with step 1e-3 (kept, so that standard errors print as R's; the
    // exact Jacobian would make an AR coefficient's about 0.05 % larger at φ ≈ 0.6).
    const A = zeros(nn);
    for (let i = 0; i < n; i++) setf(A, i * n + i, 1);
    if (!css) {
      const w1 = w, w2 = w + (<usize>n << 3), w3 = w + (<usize>(2 * n) << 3), tmp = w + (<usize>(3 * n) << 3);
      for (let part = 0; part < 2; part++) {
        const len = part == 0 ? m.mp : m.msp;
        const off = part == 0 ? 0 : m.mp + m.mq;
        if (len == 0) continue;
        memory.copy(w1, raw + (<usize>off << 3), <usize>len << 3);
        partrans(len, w1, w2, tmp);
        for (let k = 0; k < len; k++) {
          const v = f(w1, k);
          setf(w1, k, v + GRADTRANS_EPS);
          partrans(len, w1, w3, tmp);
          setf(w1, k, v);
          for (let i = 0; i < len; i++) setf(A, (off + k) * n + off + i, (f(w3, i) - f(w2, i)) / GRADTRANS_EPS);
        }
      }
    }
    // out = Aᵀ H⁻¹ A.
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v: f64 = 0;
        for (let k = 0; k < n; k++) {
          const aki = f(A, k * n + i);
          if (aki == 0) continue;
          for (let l = 0; l < n; l++) v += aki * f(H, k * n + l) * f(A, l * n + j);
        }
        setf(out, i * n + j, v);
      }
    }
    // Exactly symmetric (the inverse is, up to rounding).
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const v = 0.5 * (f(out, i * n + j) + f(out, j * n + i));
        setf(out, i * n + j, v);
        setf(out, j * n + i, v);
      }
    }
    heap.free(A);
  }
  heap.free(raw); heap.free(H); heap.free(gp); heap.free(gm); heap.free(w);
}

/**
 * R's start for the regression coefficients (the mean or drift, then xreg): least squares of the
 * differenced series on the equally differenced regressors (lm(dx ~ dxreg − 1) on the rows
 * without gaps), and parscale 10 × their standard errors. A mean's column is 1, a drift's its
 * lag. Returns false when the columns are collinear.
 */
function regressionStart(m: Arima, coef: usize): bool {
  const k = m.mean + m.nx, n = m.n, dx = m.dx, off = m.narma;
  if (k == 0) return true;
  const G = zeros(k * k), b = zeros(k), row = zeros(k), w = zeros(2 * k * k);
  const lag = -constantSlope(m);
  let cnt = 0;
  for (let t = m.nd; t < n; t++) {
    const v = f(dx, t);
    if (isNaN(v)) continue;
    cnt++;
    if (m.mean != 0) setf(row, 0, lag);
    for (let j = 0; j < m.nx; j++) setf(row, m.mean + j, f(dxColumn(m, j), t));
    for (let i = 0; i < k; i++) {
      setf(b, i, f(b, i) + f(row, i) * v);
      for (let j = 0; j < k; j++) setf(G, i * k + j, f(G, i * k + j) + f(row, i) * f(row, j));
    }
  }
  let ok = cnt > k && invert(G, k, w);
  if (ok) {
    for (let i = 0; i < k; i++) {
      let v: f64 = 0;
      for (let j = 0; j < k; j++) v += f(G, i * k + j) * f(b, j);
      setf(coef, off + i, v);
    }
    let rss: f64 = 0;
    for (let t = m.nd; t < n; t++) {
      let e = f(dx, t);
      if (isNaN(e)) continue;
      if (m.mean != 0) e -= lag * f(coef, off);
      for (let j = 0; j < m.nx; j++) e -= f(dxColumn(m, j), t) * f(coef, off + m.mean + j);
      rss += e * e;
    }
    const s2 = rss / <f64>(cnt - k);
    for (let i = 0; i < k; i++) {
      const se = Math.sqrt(s2 * f(G, i * k + i));
      setf(m.scale, off + i, se > 0 && isFinite(se) ? 10 * se : 1);
    }
  }
  heap.free(G); heap.free(b); heap.free(row); heap.free(w);
  return ok;
}

/** Copies the natural-unit parameters at `coef` into the scaled optimiser start m.u. */
function toScaled(m: Arima, coef: usize): void {
  for (let i = 0; i < m.npar; i++) setf(m.u, i, f(coef, i) / f(m.scale, i));
}

function fromScaled(m: Arima, coef: usize): void {
  for (let i = 0; i < m.npar; i++) setf(coef, i, f(m.u, i) * f(m.scale, i));
}

/**
 * Maps both AR parts of `coef` in place: forward = true is R's undoPars (transformed → natural,
 * partrans), false is R's ARIMA_Invtrans (natural → transformed, invpartrans).
 */
function mapAr(m: Arima, coef: usize, forward: bool): void {
  const tmp = m.work + 1280, out = m.work + 1536;
  for (let part = 0; part < 2; part++) {
    const n = part == 0 ? m.mp : m.msp;
    const off = part == 0 ? 0 : m.mp + m.mq;
    if (n == 0) continue;
    const src = coef + (<usize>off << 3);
    if (forward) partrans(n, src, out, tmp);
    else invpartrans(n, src, out, tmp);
    for (let i = 0; i < n; i++) setf(coef, off + i, f(out, i));
  }
}

function invertMa(m: Arima, coef: usize): bool {
  let changed = false;
  const save = m.work + 1792;
  memory.copy(save, coef, <usize>m.npar << 3);
  if (m.mq > 0) maInvert(m, coef + (<usize>m.mp << 3), m.mq);
  if (m.msq > 0) maInvert(m, coef + (<usize>(m.mp + m.mq + m.msp) << 3), m.msq);
  for (let i = 0; i < m.npar; i++) if (f(save, i) != f(coef, i)) changed = true;
  return changed;
}

/**
 * Residuals (standardised innovations) and ssq at the fitted parameters, as R's final
 * ARIMA_Like. On a complete series the fast filter gives them from observation d + sD on (they
 * differ from R's κ = 1e6 filter by O(1/κ)); the first d + sD, which R reports as innovations over
 * the diffuse prediction variance, come from R's filter run over those observations alone.
 */
function finalFilter(m: Arima): bool {
  if (m.fast == 0) return kalman(m, true);
  if (m.nd > 0 && !kalman(m, true, m.nd)) return false;
  return acov(m) && chandrasekhar(m, true, false, 0) < XMAX;
}

/**
 * The objective at `params` (natural units; AR parts as the raw values partrans reads when mode
 * is 1) and, when `grad` ≠ 0 and an exact gradient applies, that gradient into `grad` (NaN
 * otherwise). mode: 0 CSS, 1 exact likelihood through the AR transforms, 2 on the coefficients.
 * For tests of the gradients against finite differences.
 */
export function arimaObjective(y: usize, n: i32, spec: usize, xreg: usize, params: usize, mode: i32, grad: usize): f64 {
  const m = create(y, n, spec, xreg);
  m.css = mode == 0 ? 1 : 0;
  m.trans = mode == 1 ? 1 : 0;
  let value: f64;
  if (grad != 0 && exactGradient(m)) {
    value = objectiveGradient(m, params, grad);
  } else {
    value = objective(m, params);
    if (grad != 0) for (let i = 0; i < m.npar; i++) setf(grad, i, NaN);
  }
  destroy(m);
  return value;
}

/**
 * Fits the model to the n values at `y` (NaN = missing) in one call. `spec` and the result layout
 * are described above; `out` needs ARIMA_HEADER + npar + n f64s. Returns the status.
 */
export function arimaFit(y: usize, n: i32, spec: usize, xreg: usize, out: usize): i32 {
  const m = create(y, n, spec, xreg);
  const method = load<i32>(spec, 32);
  const maxit = load<i32>(spec, 36);
  const coef = out + (<usize>ARIMA_HEADER << 3);
  for (let i = 0; i < m.npar; i++) setf(coef, i, 0);
  for (let i = 0; i < m.npar; i++) setf(m.scale, i, 1);
  if (!regressionStart(m, coef)) {
    // Collinear regressors (with the mean or drift): no fit; the caller names the argument.
    setf(out, 0, 3);
    destroy(m);
    return 3;
  }
  m.fncount = 0;
  let status = 0;
  let value: f64 = 0;
  let iterations = 0;
  let fallback = 0;
  let cssStatus = 2;
  let used = method;
  if (method == CSS) {
    m.css = 1;
    toScaled(m, coef);
    status = minimise(m, maxit);
    fromScaled(m, coef);
    value = bfgsValue;
    iterations = bfgsIter;
    // Final CSS residuals and σ² at the estimate.
    expand(m, coef, 0);
    demean(m, coef);
    css(m, 0);
    const s2 = m.ssq / <f64>m.nu;
    setf(out, 2, s2);
    setf(out, 3, NaN);
  } else {
    if (method == CSS_ML) {
      m.css = 1;
      toScaled(m, coef);
      cssStatus = bfgs(m, maxit);
      if (cssStatus == 0) fromScaled(m, coef);
      // R stops with "non-stationary AR part from CSS"; we start ML from zero instead.
      const sar = coef + (<usize>(m.mp + m.mq) << 3);
      if (!arCheck(m, coef, m.mp) || !arCheck(m, sar, m.msp)) {
        for (let i = 0; i < m.narma; i++) setf(coef, i, 0);
        fallback = 1;
        used = ML;
      }
    }
    m.css = 0;
    m.trans = 1;
    mapAr(m, coef, false);
    const reflected = invertMa(m, coef);
    // CSS's curvature starts ML (unless CSS failed, or MA roots were reflected: a different point).
    m.seeded = method == CSS_ML && fallback == 0 && !reflected && cssStatus == 0 && exactGradient(m) && seedHessian(m, coef) ? 1 : 0;
    toScaled(m, coef);
    status = minimise(m, maxit);
    fromScaled(m, coef);
    value = bfgsValue;
    iterations = bfgsIter;
    if (invertMa(m, coef)) value = objective(m, coef); // re-evaluate, as R's maxit = 0 refit
    mapAr(m, coef, true);
    m.trans = 0;
    expand(m, coef, 0);
    demean(m, coef);
    if (!finalFilter(m)) status = 2;
    setf(out, 2, m.ssq / <f64>m.nused);
  }
  const nu = <f64>m.nused;
  const loglik = -0.5 * (2 * nu * value + nu + nu * LOG2PI);
  setf(out, 0, <f64>status);
  setf(out, 1, loglik);
  if (method != CSS) setf(out, 3, -2 * loglik + 2 * <f64>m.npar + 2);
  setf(out, 4, <f64>iterations);
  setf(out, 5, nu);
  setf(out, 6, value);
  setf(out, 7, <f64>used);
  setf(out, 8, <f64>fallback);
  setf(out, 9, <f64>m.fncount);
  setf(out, 10, minRoot(m));
  memory.copy(coef + (<usize>m.npar << 3), m.resid, <usize>n << 3);
  if (load<i32>(spec, 40) != 0) varCoef(m, coef, method == CSS, coef + (<usize>(m.npar + n) << 3));
  destroy(m);
  return status;
}

/**
 * Forecasts h steps from the fitted coefficients at `coef` (R's KalmanForecast after the filter
 * has run over the data): means (mean parameter added back) into outMean, prediction variances in
 * units of σ² into outVar. Returns 0, or 2 when the model's covariance cannot be initialised.
 */
export function arimaForecast(y: usize, n: i32, spec: usize, xreg: usize, coef: usize, h: i32, newxreg: usize, outMean: usize, outVar: usize): i32 {
  const m = create(y, n, spec, xreg);
  expand(m, coef, 0);
  demean(m, coef);
  const rd = m.rd, r = m.r, d = m.nd;
  const a = m.a, anew = m.anew, P = m.P, Pnew = m.Pnew, delta = m.delta;
  // The state predicted for the first step: from the fast filter on a complete series (the
  // differencing states are then the last d + sD values, known exactly), else R's filter.
  let predicted = false;
  if (m.fast != 0) {
    predicted = q0(m, P);
    if (predicted) {
      for (let i = 0; i < d; i++) setf(P, (r + i) * (rd + 1), 0);
      chandrasekhar(m, false, true, 0);
    }
    for (let i = 0; i < d; i++) setf(a, r + i, f(m.x, n - 1 - i));
  } else if (kalman(m, false)) {
    predictState(m);
    memory.copy(a, anew, <usize>rd << 3);
    predictCovariance(m);
    memory.copy(P, Pnew, (<usize>rd * <usize>rd) << 3);
    predicted = true;
  }
  if (!predicted) {
    destroy(m);
    return 2;
  }
  const c: f64 = m.mean != 0 ? f(coef, m.narma) : 0;
  for (let l = 0; l < h; l++) {
    if (l > 0) {
      predictState(m);
      memory.copy(a, anew, <usize>rd << 3);
      predictCovariance(m);
      memory.copy(P, Pnew, (<usize>rd * <usize>rd) << 3);
    }
    let fc = f(a, 0);
    for (let i = 0; i < d; i++) fc += f(delta, i) * f(a, r + i);
    // Z P Zᵀ with Z = (1, 0…0, Δ).
    let v = f(P, 0);
    for (let i = 0; i < d; i++) v += 2 * f(delta, i) * f(P, r + i);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) v += f(delta, i) * f(delta, j) * f(P, (r + i) + rd * (r + j));
    // Add back the mean, or the drift at t = n + l + 1, and the regressors' part (newxreg's row l).
    let xb: f64 = 0;
    for (let j = 0; j < m.nx; j++) xb += f(coef, m.xoff + j) * f(newxreg, l * m.nx + j);
    setf(outMean, l, fc + (m.nd == 0 ? c : c * <f64>(n + l + 1)) + xb);
    setf(outVar, l, v);
  }
  destroy(m);
  return 0;
}
