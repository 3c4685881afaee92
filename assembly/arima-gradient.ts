// Exact gradients of the two ARIMA objectives (arima.ts), by forward-mode differentiation of
// the code that computes them: the AR transforms (partrans), the expansion of the seasonal
// polynomials, the stationary autocovariances (acov's linear system, reusing its LU), and then
// either the Chandrasekhar recursions (exact likelihood of a complete series) or the CSS
// residual recursion. R's optim differentiates numerically (central differences, 2 objective
// evaluations per parameter, accurate to ~1e-7); these cost about one filter pass per parameter
// and are exact to rounding, which lets BFGS converge tightly in fewer iterations.
//
// Everything here expects expand(), demean() and (for the likelihood) acov() to have run at the
// same parameters: it reads φ, θ, ψ, γ, the first row of the state covariance and the
// transformed parameters (m.work) they left.
import { Arima, constantSlope, differenceInto, f, series, setf } from './arima-model';

const XMAX: f64 = 1.7976931348623157e308;

/** Row k (parameter k) of a per-parameter derivative block. */
@inline function row(base: usize, m: Arima, k: i32): usize {
  return base + (<usize>(k * m.ds) << 3);
}

/**
 * Jacobian of R's partrans for one block of n raw values at `raw`: jac[k·n + i] = ∂out_i/∂raw_k,
 * forward mode through tanh and the Durbin–Levinson recursion (scratch: 4n f64s at `tmp`).
 */
function partransJacobian(n: i32, raw: usize, jac: usize, tmp: usize): void {
  const out = tmp, work = tmp + (<usize>n << 3), dout = tmp + (<usize>(2 * n) << 3), dwork = tmp + (<usize>(3 * n) << 3);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const t = Math.tanh(f(raw, j));
      setf(out, j, t);
      setf(work, j, t);
      const dt: f64 = j == k ? 1 - t * t : 0;
      setf(dout, j, dt);
      setf(dwork, j, dt);
    }
    for (let j = 1; j < n; j++) {
      const a = f(out, j), da = f(dout, j);
      for (let i = 0; i < j; i++) {
        const o = f(out, j - i - 1), d = f(dout, j - i - 1);
        setf(work, i, f(work, i) - a * o);
        setf(dwork, i, f(dwork, i) - da * o - a * d);
      }
      for (let i = 0; i < j; i++) {
        setf(out, i, f(work, i));
        setf(dout, i, f(dwork, i));
      }
    }
    for (let i = 0; i < n; i++) setf(jac, k * n + i, f(dout, i));
  }
}

/**
 * ∂φ/∂θₖ and ∂θ/∂θₖ for every parameter k into m.dphi, m.dtheta (zero rows for the constant).
 * m.work[0…narma) holds the transformed parameters v that expand() used.
 */
export function expandDerivatives(m: Arima, params: usize, trans: i32): void {
  const mp = m.mp, mq = m.mq, msp = m.msp, msq = m.msq, ns = m.ns, narma = m.narma, r = m.r;
  const v = m.work, jac = m.jac;
  const sjac = jac + (<usize>(mp * mp) << 3);
  const tmp = sjac + (<usize>(msp * msp) << 3);
  if (trans != 0) {
    if (mp > 0) partransJacobian(mp, params, jac, tmp);
    if (msp > 0) partransJacobian(msp, params + (<usize>(mp + mq) << 3), sjac, tmp);
  }
  const dv = m.dsc + (<usize>(4 * m.npar) << 3);
  for (let k = 0; k < m.npar; k++) {
    const dphi = row(m.dphi, m, k), dtheta = row(m.dtheta, m, k);
    memory.fill(dphi, 0, <usize>(r + 1) << 3);
    memory.fill(dtheta, 0, <usize>(r + 1) << 3);
    if (k >= narma) continue;
    // dv = ∂v/∂params_k: a Jacobian row within the AR blocks when transformed, else a unit vector.
    memory.fill(dv, 0, <usize>narma << 3);
    if (trans != 0 && k < mp) {
      for (let i = 0; i < mp; i++) setf(dv, i, f(jac, k * mp + i));
    } else if (trans != 0 && k >= mp + mq && k < mp + mq + msp) {
      const kk = k - mp - mq;
      for (let i = 0; i < msp; i++) setf(dv, mp + mq + i, f(sjac, kk * msp + i));
    } else {
      setf(dv, k, 1);
    }
    for (let i = 0; i < mp; i++) setf(dphi, i, f(dv, i));
    for (let i = 0; i < mq; i++) setf(dtheta, i, f(dv, mp + i));
    for (let j = 0; j < msp; j++) {
      const S = f(v, mp + mq + j), dS = f(dv, mp + mq + j);
      const at = (j + 1) * ns;
      setf(dphi, at - 1, f(dphi, at - 1) + dS);
      for (let i = 0; i < mp; i++) setf(dphi, at + i, f(dphi, at + i) - f(dv, i) * S - f(v, i) * dS);
    }
    for (let j = 0; j < msq; j++) {
      const S = f(v, mp + mq + msp + j), dS = f(dv, mp + mq + msp + j);
      const at = (j + 1) * ns;
      setf(dtheta, at - 1, f(dtheta, at - 1) + dS);
      for (let i = 0; i < mq; i++) setf(dtheta, at + i, f(dtheta, at + i) + f(dv, mp + i) * S + f(v, mp + i) * dS);
    }
  }
}

/** θ_j with θ₀ = 1 (zero past q); likewise its derivative row with ∂θ₀ = 0. */
@inline function th(theta: usize, q: i32, j: i32): f64 {
  return j == 0 ? 1 : (j <= q ? f(theta, j - 1) : 0);
}

@inline function dth(dtheta: usize, q: i32, j: i32): f64 {
  return j == 0 || j > q ? 0 : f(dtheta, j - 1);
}

/**
 * Derivatives of acov()'s results — ψ, γ(0…r) and the state covariance's first row — for every
 * parameter, from those of φ and θ. The (p+1)-system for γ is solved again with acov's LU.
 */
export function acovDerivatives(m: Arima): void {
  const p = m.p, q = m.q, r = m.r, n1 = p + 1;
  const phi = m.phi, theta = m.theta, gamma = m.gamma, psi = m.psi, A = m.sys;
  for (let k = 0; k < m.npar; k++) {
    const dphi = row(m.dphi, m, k), dtheta = row(m.dtheta, m, k);
    const dpsi = row(m.dpsi, m, k), dgam = row(m.dgam, m, k), drow0 = row(m.drow0, m, k);
    if (k >= m.narma) {
      memory.fill(dgam, 0, <usize>(r + 1) << 3);
      memory.fill(drow0, 0, <usize>(r + 1) << 3);
      continue;
    }
    setf(dpsi, 0, 0);
    for (let j = 1; j <= r; j++) {
      let v = dth(dtheta, q, j);
      for (let i = 1; i <= min(j, p); i++) v += f(dphi, i - 1) * f(psi, j - i) + f(phi, i - 1) * f(dpsi, j - i);
      setf(dpsi, j, v);
    }
    const dc = dgam + (<usize>(r + 1) << 3);
    for (let kk = 0; kk <= r; kk++) {
      let v: f64 = 0;
      for (let j = max(kk, 1); j <= q; j++) v += dth(dtheta, q, j) * f(psi, j - kk);
      for (let j = kk; j <= q; j++) v += th(theta, q, j) * f(dpsi, j - kk);
      setf(dc, kk, v);
    }
    if (p > 0) {
      // A dγ = dc − (∂A)γ, where row kk of (∂A)γ is −Σᵢ ∂φᵢ γ(|kk − i|).
      for (let kk = 0; kk <= p; kk++) {
        let v = f(dc, kk);
        for (let i = 1; i <= p; i++) v += f(dphi, i - 1) * f(gamma, abs(kk - i));
        setf(dgam, kk, v);
      }
      for (let col = 0; col < n1; col++) {
        const pv = load<i32>(m.piv + (<usize>col << 2));
        if (pv != col) {
          const t = f(dgam, col);
          setf(dgam, col, f(dgam, pv));
          setf(dgam, pv, t);
        }
        const bc = f(dgam, col);
        for (let rw = col + 1; rw < n1; rw++) setf(dgam, rw, f(dgam, rw) - f(A, rw * n1 + col) * bc);
      }
      for (let rw = n1 - 1; rw >= 0; rw--) {
        let v = f(dgam, rw);
        for (let j = rw + 1; j < n1; j++) v -= f(A, rw * n1 + j) * f(dgam, j);
        setf(dgam, rw, v / f(A, rw * n1 + rw));
      }
      for (let kk = p + 1; kk <= r; kk++) {
        let v = f(dc, kk);
        for (let i = 1; i <= p; i++) v += f(dphi, i - 1) * f(gamma, kk - i) + f(phi, i - 1) * f(dgam, kk - i);
        setf(dgam, kk, v);
      }
    } else {
      for (let kk = 0; kk <= r; kk++) setf(dgam, kk, f(dc, kk));
    }
    for (let kk = 1; kk < r; kk++) {
      let v: f64 = 0;
      for (let mm = 0; mm <= r - 1 - kk; mm++) {
        const j = kk + mm;
        v += f(dphi, j) * f(gamma, mm + 1) + f(phi, j) * f(dgam, mm + 1);
        v += dth(dtheta, q, j) * f(psi, mm) + th(theta, q, j) * f(dpsi, mm);
      }
      setf(drow0, kk, v);
    }
    setf(drow0, 0, f(dgam, 0));
    setf(drow0, r, 0);
  }
}

/**
 * The exact (profile) likelihood objective ½(log(ssq/ν) + Σlog Fₜ/ν) of a complete series and
 * its gradient into g (per parameter, in the units the objective reads them), differentiating
 * ckms() in arima.ts step by step. Returns the objective (XMAX when not finite).
 */
export function ckmsGradient(m: Arima, g: usize): f64 {
  const r = m.r, phi = m.phi, row0 = m.row0, K = m.K, L = m.L, a = m.a, tv = m.tmpv;
  const z = series(m), start = m.nd, n = m.n, np = m.npar;
  const dsc = m.dsc;
  const dF = dsc, dssq = dsc + (<usize>np << 3), dsum = dsc + (<usize>(2 * np) << 3), dz = dsc + (<usize>(3 * np) << 3);
  setf(a, r, 0);
  for (let i = 0; i < r; i++) {
    const v = f(phi, i) * f(row0, 0) + f(row0, i + 1);
    setf(K, i, v);
    setf(L, i, v);
    setf(a, i, 0);
  }
  const slope = constantSlope(m);
  for (let k = 0; k < np; k++) {
    const dphi = row(m.dphi, m, k), drow0 = row(m.drow0, m, k);
    const da = row(m.da, m, k), dK = row(m.dK, m, k), dL = row(m.dL, m, k);
    for (let i = 0; i < r; i++) {
      const v = f(dphi, i) * f(row0, 0) + f(phi, i) * f(drow0, 0) + f(drow0, i + 1);
      setf(dK, i, v);
      setf(dL, i, v);
      setf(da, i, 0);
    }
    setf(da, r, 0);
    setf(dL, r, 0);
    setf(dF, k, f(drow0, 0));
    setf(dssq, k, 0);
    setf(dsum, k, 0);
    setf(dz, k, k >= m.narma ? slope : 0);
  }
  let F = f(row0, 0);
  let ssq: f64 = 0, sumlog: f64 = 0;
  let converged = false;
  for (let t = start; t < n; t++) {
    const v = f(z, t) - f(a, 0);
    const kv = v / F;
    ssq += v * kv;
    const a0 = f(a, 0), l0 = f(L, 0), c = l0 / F;
    sumlog += Math.log(F);
    for (let i = 0; i < r; i++) setf(tv, i, f(phi, i) * l0 + f(L, i + 1));
    for (let k = 0; k < np; k++) {
      const dphi = row(m.dphi, m, k), da = row(m.da, m, k), dK = row(m.dK, m, k);
      const dFk = f(dF, k);
      const dv = f(dz, k) - f(da, 0);
      const dkv = (dv - kv * dFk) / F;
      setf(dssq, k, f(dssq, k) + dv * kv + v * dkv);
      setf(dsum, k, f(dsum, k) + dFk / F);
      const da0 = f(da, 0);
      for (let i = 0; i < r; i++) {
        setf(da, i, f(dphi, i) * a0 + f(phi, i) * da0 + f(da, i + 1) + f(dK, i) * kv + f(K, i) * dkv);
      }
      if (converged) continue;
      const dL = row(m.dL, m, k);
      const dl0 = f(dL, 0);
      const dc = (dl0 - c * dFk) / F;
      for (let i = 0; i < r; i++) {
        const dtl = f(dphi, i) * l0 + f(phi, i) * dl0 + f(dL, i + 1);
        const dKi = f(dK, i);
        setf(dL, i, dtl - dKi * c - f(K, i) * dc);
        setf(dK, i, dKi - dtl * c - f(tv, i) * dc);
      }
      setf(dF, k, dFk - dl0 * c - l0 * dc);
    }
    for (let i = 0; i < r; i++) setf(a, i, f(phi, i) * a0 + f(a, i + 1) + f(K, i) * kv);
    if (converged) continue;
    let big: f64 = 0;
    for (let i = 0; i < r; i++) {
      const tl = f(tv, i);
      setf(L, i, tl - f(K, i) * c);
      setf(K, i, f(K, i) - tl * c);
      big = max(big, Math.abs(tl * c));
    }
    const dFs = l0 * c;
    F -= dFs;
    if (Math.abs(dFs) <= 1e-15 * F && big <= 1e-15 * max(1.0, F)) converged = true;
  }
  const nu = <f64>(n - start);
  m.ssq = ssq;
  m.sumlog = sumlog;
  m.nu = n - start;
  const value = 0.5 * (Math.log(ssq / nu) + sumlog / nu);
  if (!isFinite(value)) return XMAX;
  for (let k = 0; k < np; k++) setf(g, k, 0.5 * (f(dssq, k) / ssq + f(dsum, k) / nu));
  return value;
}

/**
 * The CSS objective ½ log(ssq/ν) and its gradient into g, differentiating cssValue() in
 * arima.ts: eₜ = wₜ − Σφⱼwₜ₋ⱼ − Σθⱼeₜ₋ⱼ (eₜ = 0 before the conditioning values), so
 * ∂eₜ = ∂w·(1 − Σφⱼ) − Σ∂φⱼ wₜ₋ⱼ − Σ(∂θⱼ eₜ₋ⱼ + θⱼ ∂eₜ₋ⱼ), the last q of them kept in a ring per
 * parameter. Residuals go to m.resid as cssValue's. Returns the objective (XMAX when not finite).
 */
export function cssGradient(m: Arima, g: usize): f64 {
  const n = m.n, w = m.w, phi = m.phi, theta = m.theta, resid = m.resid;
  const p = m.p, q = m.q, ncond = m.ncond, np = m.npar, mask = m.ringMask, ring = m.ring;
  const rs = mask + 1;
  differenceInto(m, w);
  const dssq = m.dsc;
  let sumphi: f64 = 0;
  for (let j = 0; j < p; j++) sumphi += f(phi, j);
  const dconst = constantSlope(m) * (1 - sumphi);
  memory.fill(ring, 0, <usize>(np * rs) << 3);
  for (let k = 0; k < np; k++) setf(dssq, k, 0);
  for (let l = 0; l < ncond; l++) setf(resid, l, 0);
  let ssq: f64 = 0;
  let nu = 0;
  for (let l = ncond; l < n; l++) {
    let e = f(w, l);
    for (let j = 0; j < p; j++) e -= f(phi, j) * f(w, l - j - 1);
    const jmax = min(l - ncond, q);
    for (let j = 0; j < jmax; j++) e -= f(theta, j) * f(resid, l - j - 1);
    setf(resid, l, e);
    const ok = !isNaN(e);
    if (ok) {
      nu++;
      ssq += e * e;
    }
    for (let k = 0; k < np; k++) {
      const dphi = row(m.dphi, m, k), dtheta = row(m.dtheta, m, k);
      const rk = ring + (<usize>(k * rs) << 3);
      let de: f64 = k >= m.narma ? dconst : 0;
      if (k < m.narma) {
        for (let j = 0; j < p; j++) de -= f(dphi, j) * f(w, l - j - 1);
        for (let j = 0; j < jmax; j++) de -= f(dtheta, j) * f(resid, l - j - 1);
      }
      for (let j = 0; j < jmax; j++) de -= f(theta, j) * f(rk, (l - j - 1) & mask);
      setf(rk, l & mask, de);
      if (ok) setf(dssq, k, f(dssq, k) + e * de);
    }
  }
  m.ssq = ssq;
  m.nu = nu;
  const value = 0.5 * Math.log(ssq / <f64>nu);
  if (!isFinite(value)) return XMAX;
  for (let k = 0; k < np; k++) setf(g, k, f(dssq, k) / ssq);
  return value;
}
