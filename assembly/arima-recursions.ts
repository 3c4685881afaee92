// The two objectives' O(n) recursions, each with optional exact gradients: the Chandrasekhar
// filter (exact likelihood of a complete series) and the CSS residual recursion. Gradients come
// from forward-mode differentiation of the code that computes the objective: the AR transforms
// (partrans), the expansion of the seasonal polynomials, the stationary autocovariances (acov's
// linear system, reusing its LU), then the recursion itself. R's optim differentiates
// numerically (central differences, 2 objective evaluations per parameter, accurate to ~1e-7);
// these cost about one recursion per parameter and are exact to rounding, which lets BFGS
// converge tightly in few iterations.
//
// Everything here expects expand(), setConstant() and (for the likelihood) acov() to have run at the
// same parameters (arima.ts): it reads φ, θ, ψ, γ, the first row of the state covariance and the
// transformed parameters (m.work) they left; the derivative helpers likewise.
import { Arima, constantSlope, dxColumn, f, luSolve, series, setf } from './arima-model';

const XMAX: f64 = 1.7976931348623157e308;

/** Row k (parameter k) of a per-parameter derivative block. */
@inline function row(base: usize, m: Arima, k: i32): usize {
  return base + (<usize>(k * m.ds) << 3);
}

/**
 * Jacobian of R's partrans for one block of n raw values at `raw`: jac[k·n + i] = ∂out_i/∂raw_k,
 * forward mode through tanh and the Durbin–Levinson recursion (scratch: 4n f64s at `tmp`).
 */
export function partransJacobian(n: i32, raw: usize, jac: usize, tmp: usize): void {
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
  const p = m.p, q = m.q, r = m.r;
  const phi = m.phi, theta = m.theta, gamma = m.gamma, psi = m.psi;
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
      luSolve(m, dgam);
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
 * ∂zₜ/∂(parameter k) for the filter's input z: the constant's slope (dz[k]), or −ΔX_j(t) for a
 * regressor's coefficient.
 */
@inline function dzAt(m: Arima, dz: usize, k: i32, t: i32): f64 {
  return k < m.xoff ? f(dz, k) : -f(dxColumn(m, k - m.xoff), t);
}

/**
 * Exact likelihood of the differenced (or demeaned) series without missing values by the
 * Chandrasekhar-type recursions of Morf, Sidhu & Kailath (1974): from the stationary start
 * P₁ = P*, Pₜ₊₁ − Pₜ = −LₜLₜᵀ/Fₜ is rank one, so each step costs O(r) instead of O(r²):
 *   vₜ = zₜ − aₜ[0], aₜ₊₁ = Taₜ + Kₜvₜ/Fₜ,
 *   Lₜ₊₁ = TLₜ − Kₜ(Lₜ[0]/Fₜ), Kₜ₊₁ = Kₜ − TLₜ(Lₜ[0]/Fₜ), Fₜ₊₁ = Fₜ − Lₜ[0]²/Fₜ,
 * with K₁ = TP*Zᵀ, F₁ = γ(0), L₁ = K₁. It is the likelihood R's filter approaches as κ → ∞ (its
 * diffuse start excludes the first d + sD observations; differencing removes them exactly).
 * Once L vanishes P no longer changes (steady state): a step is then the state update alone.
 *
 * Returns the profile objective ½(log(ssq/ν) + Σlog Fₜ/ν) (XMAX when not finite) and sets
 * m.ssq, m.sumlog, m.nu. With `resid`, the standardised innovations vₜ/√Fₜ go to m.resid[t]
 * (t ≥ d + sD). With `cov`, m.P (stride rd) must hold P* on entry and is left holding the ARMA
 * state's predicted covariance after the last observation, P* − Σ LₜLₜᵀ/Fₜ, with the predicted
 * state in m.a, for forecasting. With g ≠ 0 the gradient (per parameter, in the units the
 * objective reads them) goes to g: every quantity above differentiated step by step (after the
 * steady state dK and dF stay constant too: their updates are quadratic in L).
 */
export function chandrasekhar(m: Arima, resid: bool, cov: bool, g: usize): f64 {
  const r = m.r, p = m.p, rd = m.rd, phi = m.phi, row0 = m.row0, K = m.K, L = m.L, a = m.a, tv = m.tmpv, P = m.P;
  const z = series(m), zc = m.zc, out = m.resid, start = m.nd, n = m.n;
  const np = g != 0 ? m.npar : 0;
  const dF = m.dsc, dssq = m.dsc + (<usize>np << 3), dsum = m.dsc + (<usize>(2 * np) << 3), dz = m.dsc + (<usize>(3 * np) << 3);
  // phi and L hold zeros past their lengths (index p…r and r), and so does a here (a[r] may hold
  // a differencing state from R's filter), so the loops need no tests.
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
    setf(dz, k, k >= m.narma && k < m.xoff ? slope : 0);
  }
  let F = f(row0, 0);
  let ssq: f64 = 0, sumlog: f64 = 0;
  let t = start;
  while (t < n) {
    const a0 = f(a, 0), l0 = f(L, 0);
    const v = f(z, t) - zc - a0;
    const kv = v / F, c = l0 / F;
    ssq += v * kv;
    sumlog += Math.log(F);
    if (resid) setf(out, t, v / Math.sqrt(F));
    if (cov) {
      // The upper triangle only (P is symmetric): mirrored after the loop.
      for (let i = 0; i < r; i++) {
        const li = f(L, i) / F;
        for (let j = i; j < r; j++) setf(P, i * rd + j, f(P, i * rd + j) - li * f(L, j));
      }
    }
    for (let i = 0; i < p; i++) setf(tv, i, f(phi, i) * l0 + f(L, i + 1));
    for (let i = p; i < r; i++) setf(tv, i, f(L, i + 1));
    for (let k = 0; k < np; k++) {
      const dphi = row(m.dphi, m, k), da = row(m.da, m, k), dK = row(m.dK, m, k), dL = row(m.dL, m, k);
      const dFk = f(dF, k), da0 = f(da, 0), dl0 = f(dL, 0);
      const dv = dzAt(m, dz, k, t) - da0;
      const dkv = (dv - kv * dFk) / F, dc = (dl0 - c * dFk) / F;
      setf(dssq, k, f(dssq, k) + dv * kv + v * dkv);
      setf(dsum, k, f(dsum, k) + dFk / F);
      // φ and its derivatives vanish past p (a pure shift there): the loop is split at p.
      for (let i = 0; i < p; i++) {
        setf(da, i, f(dphi, i) * a0 + f(phi, i) * da0 + f(da, i + 1) + f(dK, i) * kv + f(K, i) * dkv);
        const dtl = f(dphi, i) * l0 + f(phi, i) * dl0 + f(dL, i + 1);
        const dKi = f(dK, i);
        setf(dL, i, dtl - dKi * c - f(K, i) * dc);
        setf(dK, i, dKi - dtl * c - f(tv, i) * dc);
      }
      for (let i = p; i < r; i++) {
        setf(da, i, f(da, i + 1) + f(dK, i) * kv + f(K, i) * dkv);
        const dtl = f(dL, i + 1);
        const dKi = f(dK, i);
        setf(dL, i, dtl - dKi * c - f(K, i) * dc);
        setf(dK, i, dKi - dtl * c - f(tv, i) * dc);
      }
      setf(dF, k, dFk - dl0 * c - l0 * dc);
    }
    let lmax: f64 = 0;
    for (let i = 0; i < r; i++) {
      setf(a, i, (i < p ? f(phi, i) * a0 : 0) + f(a, i + 1) + f(K, i) * kv);
      const tl = f(tv, i);
      const li = tl - f(K, i) * c;
      setf(L, i, li);
      setf(K, i, f(K, i) - tl * c);
      lmax = max(lmax, Math.abs(li));
    }
    F -= l0 * c;
    t++;
    if (lmax * lmax <= 1e-15 * F * F) break;
  }
  if (t < n) {
    const invF = 1 / F, sd = Math.sqrt(F), rest = <f64>(n - t);
    sumlog += rest * Math.log(F);
    for (let k = 0; k < np; k++) setf(dsum, k, f(dsum, k) + rest * f(dF, k) * invF);
    let s2: f64 = 0;
    for (; t < n; t++) {
      const a0 = f(a, 0);
      const v = f(z, t) - zc - a0, kv = v * invF;
      s2 += v * v;
      if (resid) setf(out, t, v / sd);
      for (let k = 0; k < np; k++) {
        const dphi = row(m.dphi, m, k), da = row(m.da, m, k), dK = row(m.dK, m, k);
        const da0 = f(da, 0);
        const dv = dzAt(m, dz, k, t) - da0;
        const dkv = (dv - kv * f(dF, k)) * invF;
        setf(dssq, k, f(dssq, k) + dv * kv + v * dkv);
        for (let i = 0; i < p; i++) {
          setf(da, i, f(dphi, i) * a0 + f(phi, i) * da0 + f(da, i + 1) + f(dK, i) * kv + f(K, i) * dkv);
        }
        for (let i = p; i < r; i++) setf(da, i, f(da, i + 1) + f(dK, i) * kv + f(K, i) * dkv);
      }
      for (let i = 0; i < p; i++) setf(a, i, f(phi, i) * a0 + f(a, i + 1) + f(K, i) * kv);
      for (let i = p; i < r; i++) setf(a, i, f(a, i + 1) + f(K, i) * kv);
    }
    ssq += s2 * invF;
  }
  if (cov) for (let i = 1; i < r; i++) for (let j = 0; j < i; j++) setf(P, i * rd + j, f(P, j * rd + i));
  const nu = <f64>(n - start);
  m.ssq = ssq;
  m.sumlog = sumlog;
  m.nu = n - start;
  const value = 0.5 * (Math.log(ssq / nu) + sumlog / nu);
  if (!isFinite(value)) return XMAX;
  for (let k = 0; k < np; k++) setf(g, k, 0.5 * (f(dssq, k) / ssq + f(dsum, k) / nu));
  return value;
}

/** Indices of the nonzero entries among the first `len` at `src`, into `out` (i32s); their count. */
function nonzeros(src: usize, len: i32, out: usize): i32 {
  let c = 0;
  for (let i = 0; i < len; i++) {
    if (f(src, i) != 0) {
      store<i32>(out + (<usize>c << 2), i);
      c++;
    }
  }
  return c;
}

/** The indices 0…len − 1 into `out` (i32s); len. */
function every(len: i32, out: usize): i32 {
  for (let i = 0; i < len; i++) store<i32>(out + (<usize>i << 2), i);
  return len;
}

@inline function at(list: usize, u: i32): i32 {
  return load<i32>(list + (<usize>u << 2));
}

/**
 * R's ARIMA_CSS: residuals of the differenced series w (less its constant) conditional on its
 * first p + sP values, eₜ = wₜ − Σφⱼwₜ₋ⱼ − Σθⱼeₜ₋ⱼ (eₜ = 0 before), into m.resid; m.ssq, m.nu set (NaN residuals
 * skipped, as R). Returns ½ log(ssq/ν) (XMAX when not finite). With g ≠ 0 its gradient goes to g:
 * ∂eₜ = ∂w·(1 − Σφⱼ) − Σ∂φⱼ wₜ₋ⱼ − Σ(∂θⱼ eₜ₋ⱼ + θⱼ ∂eₜ₋ⱼ), the last q kept in a ring per parameter.
 * Sums run over the nonzero coefficients only: a seasonal model's expanded polynomials are sparse.
 */
export function css(m: Arima, g: usize): f64 {
  const n = m.n, w = series(m), phi = m.phi, theta = m.theta, resid = m.resid;
  const p = m.p, q = m.q, ncond = m.ncond, mask = m.ringMask, ring = m.ring;
  const np = g != 0 ? m.npar : 0;
  const rs = mask + 1, ls = <usize>(m.r + 1) << 2;
  // Lists of nonzero indices: φ, θ, then ∂φ and ∂θ of each parameter. With gaps, φ and θ list
  // every lag, zeros included: as in R, a NaN at any lag makes the residual NaN (0 · NaN), which
  // is then left out of the sum — whatever the coefficient's value.
  const lphi = m.nz, lth = lphi + ls;
  const dense = m.fast == 0;
  const nphi = dense ? every(p, lphi) : nonzeros(phi, p, lphi), nth = dense ? every(q, lth) : nonzeros(theta, q, lth);
  for (let k = 0; k < np; k++) {
    const base = m.nz + (<usize>(2 + 2 * k) * ls);
    store<i32>(m.nzc + (<usize>(2 * k) << 2), nonzeros(row(m.dphi, m, k), p, base));
    store<i32>(m.nzc + (<usize>(2 * k + 1) << 2), nonzeros(row(m.dtheta, m, k), q, base + ls));
  }
  const dssq = m.dsc;
  let sumphi: f64 = 0;
  for (let j = 0; j < p; j++) sumphi += f(phi, j);
  const dconst = constantSlope(m) * (1 - sumphi);
  // The series less its constant enters as wₜ − Σφⱼwₜ₋ⱼ − zc·(1 − Σφⱼ).
  const zw = m.zc, zc = zw * (1 - sumphi);
  memory.fill(ring, 0, <usize>(np * rs) << 3);
  for (let k = 0; k < np; k++) setf(dssq, k, 0);
  for (let l = 0; l < ncond; l++) setf(resid, l, 0);
  let ssq: f64 = 0;
  let nu = 0;
  for (let l = ncond; l < n; l++) {
    let e = f(w, l) - zc;
    for (let u = 0; u < nphi; u++) {
      const j = at(lphi, u);
      e -= f(phi, j) * f(w, l - j - 1);
    }
    const jmax = min(l - ncond, q);
    for (let u = 0; u < nth; u++) {
      const j = at(lth, u);
      if (j >= jmax) break;
      e -= f(theta, j) * f(resid, l - j - 1);
    }
    setf(resid, l, e);
    const ok = !isNaN(e);
    if (ok) {
      nu++;
      ssq += e * e;
    }
    for (let k = 0; k < np; k++) {
      const rk = ring + (<usize>(k * rs) << 3);
      let de: f64 = 0;
      if (k >= m.xoff) {
        // A regressor's coefficient: its differenced column enters as the series does.
        const col = dxColumn(m, k - m.xoff);
        de = -f(col, l);
        for (let u = 0; u < nphi; u++) {
          const j = at(lphi, u);
          de += f(phi, j) * f(col, l - j - 1);
        }
      } else if (k >= m.narma) {
        de = dconst;
      } else {
        const dphi = row(m.dphi, m, k), dtheta = row(m.dtheta, m, k);
        const base = m.nz + (<usize>(2 + 2 * k) * ls);
        const ndp = load<i32>(m.nzc + (<usize>(2 * k) << 2)), ndt = load<i32>(m.nzc + (<usize>(2 * k + 1) << 2));
        for (let u = 0; u < ndp; u++) {
          const j = at(base, u);
          de -= f(dphi, j) * (f(w, l - j - 1) - zw);
        }
        for (let u = 0; u < ndt; u++) {
          const j = at(base + ls, u);
          if (j >= jmax) break;
          de -= f(dtheta, j) * f(resid, l - j - 1);
        }
      }
      for (let u = 0; u < nth; u++) {
        const j = at(lth, u);
        if (j >= jmax) break;
        de -= f(theta, j) * f(rk, (l - j - 1) & mask);
      }
      setf(rk, l & mask, de);
      if (ok) setf(dssq, k, f(dssq, k) + e * de);
    }
  }
  m.ssq = ssq;
  m.nu = nu;
  const value = cssValue(m);
  if (value >= XMAX) return XMAX;
  for (let k = 0; k < np; k++) setf(g, k, f(dssq, k) / ssq);
  return value;
}

/** css()'s value from the m.ssq and m.nu it left. */
function cssValue(m: Arima): f64 {
  const value = 0.5 * Math.log(m.ssq / <f64>m.nu);
  return isFinite(value) ? value : XMAX;
}

/**
 * css() with its gradient by reverse mode, for a series without gaps (every residual finite):
 * the adjoint λₜ = eₜ/ssq − Σθⱼλₜ₊ⱼ₊₁ runs backwards once, then ∂f/∂φⱼ = −Σλₜ(wₜ₋ⱼ₋₁ − zc) and
 * ∂f/∂θⱼ = −Σλₜeₜ₋ⱼ₋₁ for the expanded coefficients any parameter moves, chained to the
 * parameters through ∂φ, ∂θ. About three passes over the series whatever the number of
 * parameters (forward mode costs one per parameter). With gaps, css()'s forward mode.
 */
export function cssReverse(m: Arima, g: usize, residuals: bool = false): f64 {
  const np = m.npar;
  if (m.fast == 0) return css(m, g);
  const value = residuals ? cssValue(m) : css(m, 0);
  if (value >= XMAX || np == 0) return value;
  const n = m.n, ncond = m.ncond, p = m.p, q = m.q;
  const w = series(m), e = m.resid, theta = m.theta, lam = m.w, zc = m.zc;
  const inv = 1 / m.ssq;
  const lth = m.nz + (<usize>(m.r + 1) << 2);
  const nth = nonzeros(theta, q, lth);
  for (let l = n - 1; l >= ncond; l--) {
    let v = f(e, l) * inv;
    for (let u = 0; u < nth; u++) {
      const j = at(lth, u);
      const t = l + j + 1;
      if (t >= n) break;
      v -= f(theta, j) * f(lam, t);
    }
    setf(lam, l, v);
  }
  // The expanded coefficients some parameter moves, and ∂f with respect to each.
  for (let k = 0; k < np; k++) setf(g, k, 0);
  for (let part = 0; part < 2; part++) {
    const len = part == 0 ? p : q;
    for (let j = 0; j < len; j++) {
      let moved = false;
      for (let k = 0; k < m.narma && !moved; k++) moved = f(row(part == 0 ? m.dphi : m.dtheta, m, k), j) != 0;
      if (!moved) continue;
      let s: f64 = 0;
      if (part == 0) {
        for (let l = ncond; l < n; l++) s -= f(lam, l) * (f(w, l - j - 1) - zc);
      } else {
        for (let l = ncond + j + 1; l < n; l++) s -= f(lam, l) * f(e, l - j - 1);
      }
      for (let k = 0; k < m.narma; k++) setf(g, k, f(g, k) + s * f(row(part == 0 ? m.dphi : m.dtheta, m, k), j));
    }
  }
  if (m.mean != 0) {
    let sumphi: f64 = 0;
    for (let j = 0; j < p; j++) sumphi += f(m.phi, j);
    let sl: f64 = 0;
    for (let l = ncond; l < n; l++) sl += f(lam, l);
    setf(g, m.narma, sl * constantSlope(m) * (1 - sumphi));
  }
  if (m.nx > 0) {
    // ∂eₜ/∂βⱼ (direct part) = −ΔXⱼ(t) + Σφᵢ ΔXⱼ(t − i − 1).
    const lphi = m.nz;
    const nphi = nonzeros(m.phi, p, lphi);
    for (let k = m.xoff; k < np; k++) {
      const col = dxColumn(m, k - m.xoff);
      let s: f64 = 0;
      for (let l = ncond; l < n; l++) {
        let v = -f(col, l);
        for (let u = 0; u < nphi; u++) {
          const j = at(lphi, u);
          v += f(m.phi, j) * f(col, l - j - 1);
        }
        s += f(lam, l) * v;
      }
      setf(g, k, s);
    }
  }
  return value;
}
