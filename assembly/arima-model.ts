// The ARIMA model's working state, shared by the fit (arima.ts) and its exact gradients
// (arima-gradient.ts). Buffers are f64 arrays in linear memory, addressed through f()/setf().

@unmanaged export class Arima {
  n: i32 = 0;
  x: usize = 0;        // series minus the mean when one is estimated (scratch, n)
  y: usize = 0;        // the series as given (n)
  mp: i32 = 0; mq: i32 = 0; msp: i32 = 0; msq: i32 = 0; ns: i32 = 0;
  d: i32 = 0; sd: i32 = 0;
  narma: i32 = 0;
  mean: i32 = 0;       // 1 when μ (or a drift) is estimated
  nx: i32 = 0;         // regressors (R's xreg), their coefficients at xoff = narma + mean
  xoff: i32 = 0;
  xr: usize = 0;       // regressors as given, column-major (n each)
  dX: usize = 0;       // the same differenced as the series
  dxa: usize = 0;      // the differenced series less the regressors' part (nx > 0)
  npar: i32 = 0;       // narma + mean + nx
  p: i32 = 0;          // expanded AR length
  q: i32 = 0;          // expanded MA length
  r: i32 = 0;
  nd: i32 = 0;         // length of Δ
  rd: i32 = 0;
  ncond: i32 = 0;
  nused: i32 = 0;
  phi: usize = 0; theta: usize = 0; delta: usize = 0;
  a: usize = 0; anew: usize = 0; M: usize = 0;
  P: usize = 0; Pnew: usize = 0; mm: usize = 0;
  gamma: usize = 0; psi: usize = 0; sys: usize = 0; row0: usize = 0;
  // Fast path (no missing values): the differenced series and the CKMS filter's vectors.
  fast: i32 = 0; dx: usize = 0; zc: f64 = 0; K: usize = 0; L: usize = 0; tmpv: usize = 0;
  w: usize = 0; resid: usize = 0;
  par: usize = 0; work: usize = 0; work2: usize = 0; scale: usize = 0;
  trans: i32 = 0;      // ML objective reads AR parts as partrans'd values
  css: i32 = 0;        // objective: 1 CSS, 0 exact likelihood
  ssq: f64 = 0; sumlog: f64 = 0; nu: i32 = 0;
  fncount: i32 = 0;
  // BFGS scratch
  g: usize = 0; t: usize = 0; X: usize = 0; c: usize = 0; B: usize = 0; u: usize = 0;
  // The gradient ftrial() computed with the likelihood at BFGS's last trial point (scaled), and
  // whether that evaluation (its gradient, or for CSS its residuals) is still current.
  gt: usize = 0; ready: i32 = 0;
  seeded: i32 = 0;     // the next bfgs() starts from the inverse Hessian in B (seedHessian)
  // Exact gradients (arima-gradient.ts): LU pivots of acov's system, the Jacobian of the AR
  // transforms, and per parameter (rows of stride `ds`) the derivatives of φ, θ, ψ, γ, the
  // state's first row, and the filter's a, K, L; `ring` the CSS residual derivatives.
  piv: usize = 0; jac: usize = 0; ds: i32 = 0;
  dphi: usize = 0; dtheta: usize = 0; dpsi: usize = 0; dgam: usize = 0; drow0: usize = 0;
  da: usize = 0; dK: usize = 0; dL: usize = 0; dsc: usize = 0; ring: usize = 0; ringMask: i32 = 0;
  // Nonzero-index lists (i32, r + 1 each) of φ, θ and of each parameter's ∂φ, ∂θ; their counts.
  nz: usize = 0; nzc: usize = 0;
}

@inline export function f(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline export function setf(p: usize, i: i32, v: f64): void {
  store<f64>(p + (<usize>i << 3), v);
}

export function zeros(n: i32): usize {
  const bytes = <usize>max(n, 1) << 3;
  const p = heap.alloc(bytes);
  memory.fill(p, 0, bytes);
  return p;
}

/**
 * The series both recursions read: (1 − B)ᵈ(1 − Bˢ)ᴰ y, computed once per fit, less the
 * regressors' part (the same differences of X times β, per evaluation) when there are any. The
 * constant they subtract from it, m.zc (μ, or lag·β for a drift), is set per evaluation by
 * setConstant().
 */
@inline export function series(m: Arima): usize {
  return m.nx > 0 ? m.dxa : m.dx;
}

/** Column j of the differenced regressors. */
@inline export function dxColumn(m: Arima, j: i32): usize {
  return m.dX + (<usize>(j * m.n) << 3);
}

/** d(series)/d(constant): −1 for a mean, −lag for a drift (the differenced trend is lag·β). */
@inline export function constantSlope(m: Arima): f64 {
  return m.nd == 0 ? -1.0 : -<f64>(m.d > 0 ? 1 : m.ns);
}


/**
 * Solves (in place) acov's (p+1)-system for the right-hand side b, with the LU acov() left. Its
 * row interchanges moved whole rows, multipliers included, so all of them apply to b first.
 */
export function luSolve(m: Arima, b: usize): void {
  const n1 = m.p + 1, A = m.sys;
  for (let col = 0; col < n1; col++) {
    const pv = load<i32>(m.piv + (<usize>col << 2));
    if (pv != col) {
      const t = f(b, col);
      setf(b, col, f(b, pv));
      setf(b, pv, t);
    }
  }
  for (let col = 0; col < n1; col++) {
    const bc = f(b, col);
    for (let rw = col + 1; rw < n1; rw++) setf(b, rw, f(b, rw) - f(A, rw * n1 + col) * bc);
  }
  for (let rw = n1 - 1; rw >= 0; rw--) {
    let v = f(b, rw);
    for (let j = rw + 1; j < n1; j++) v -= f(A, rw * n1 + j) * f(b, j);
    setf(b, rw, v / f(A, rw * n1 + rw));
  }
}
