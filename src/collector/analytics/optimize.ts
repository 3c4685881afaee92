// Unconstrained minimisation for the maximum-likelihood fits (clv.ts): BFGS with a backtracking
// Armijo line search on an analytic gradient (Nocedal & Wright, Numerical Optimization, 2nd ed.,
// algorithms 6.1 and 3.1), and the Hessian by central differences of that gradient.

/** f(θ) and, into `gradient`, ∇f(θ). */
export type Objective = (theta: Float64Array, gradient: Float64Array) => number;

export interface Minimum {
  theta: Float64Array;
  value: number;
  iterations: number;
  /** ‖∇f‖∞ ≤ gradientTolerance, or f's predicted or actual decrease fell below its rounding. */
  converged: boolean;
  /** The last BFGS approximation of the inverse Hessian (a warm start for a refit). */
  inverseHessian: Float64Array;
  /** Objective evaluations. */
  evaluations: number;
  /** ∇f at theta. */
  gradient: Float64Array;
}

export interface MinimizeOptions {
  maxIterations?: number;
  /** Stop when every gradient component is at most this (default 1e-9). */
  gradientTolerance?: number;
  /** The largest step any coordinate takes in one iteration (default 4: the fits work on log parameters). */
  maxStep?: number;
  /** A starting inverse Hessian (n × n, row-major), e.g. from a fit on a subsample; default the identity. */
  inverseHessian?: Float64Array;
}

const normInf = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

export function minimize(f: Objective, start: ArrayLike<number>, options: MinimizeOptions = {}): Minimum {
  const { maxIterations = 500, gradientTolerance = 1e-9, maxStep = 4 } = options;
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let evaluations = 1;
  let fx = f(x, g);
  if (!Number.isFinite(fx)) throw new RangeError('the objective is not finite at the starting point');
  // The inverse Hessian approximation, starting from the identity.
  const H = new Float64Array(n * n);
  const identity = () => {
    H.fill(0);
    for (let i = 0; i < n; i++) H[i * n + i] = 1;
  };
  if (options.inverseHessian?.length === n * n) H.set(options.inverseHessian);
  else identity();
  const p = new Float64Array(n);
  const xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const Hy = new Float64Array(n);
  let iterations = 0;
  let still = 0;
  for (; iterations < maxIterations; iterations++) {
    if (normInf(g) <= gradientTolerance) return { theta: x, value: fx, iterations, converged: true, inverseHessian: H, evaluations, gradient: g };
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let j = 0; j < n; j++) v -= H[i * n + j]! * g[j]!;
      p[i] = v;
    }
    let slope = 0;
    for (let i = 0; i < n; i++) slope += p[i]! * g[i]!;
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost to rounding): restart from steepest descent.
      identity();
      for (let i = 0; i < n; i++) p[i] = -g[i]!;
      slope = -g.reduce((t, v) => t + v * v, 0);
    }
    // The decrease a full step promises is below 1e-12 of f: f is within about that of its
    // minimum (for a quadratic, f − f* ≈ −slope / 2), and a gradient summed over many terms is too
    // noisy there to point anywhere — line searches would only halve their way down in noise.
    if (-slope <= 1e-12 * Math.abs(fx)) return { theta: x, value: fx, iterations, converged: true, inverseHessian: H, evaluations, gradient: g };
    const longest = normInf(p);
    let step = longest > maxStep ? maxStep / longest : 1;
    let fNew = NaN;
    let accepted = false;
    for (let tries = 0; tries < 30 && !accepted; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * p[i]!;
      fNew = f(xNew, gNew);
      evaluations++;
      accepted = Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope;
      if (!accepted) step *= 0.5;
    }
    // No sufficient decrease within 2⁻³⁰ of the step: progress is below f's noise.
    if (!accepted) return { theta: x, value: fx, iterations, converged: -slope <= 1e-10 * Math.abs(fx), inverseHessian: H, evaluations, gradient: g };
    still = fx - fNew <= 1e-15 * Math.abs(fx) ? still + 1 : 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i]! - x[i]!;
      y[i] = gNew[i]! - g[i]!;
      sy += s[i]! * y[i]!;
    }
    [x, g, gNew] = [Float64Array.from(xNew), gNew, g];
    fx = fNew;
    if (still >= 3) return { theta: x, value: fx, iterations: iterations + 1, converged: true, inverseHessian: H, evaluations, gradient: g };
    if (sy > 1e-300) {
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      let yHy = 0;
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < n; j++) v += H[i * n + j]! * y[j]!;
        Hy[i] = v;
        yHy += y[i]! * v;
      }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) H[i * n + j] = H[i * n + j]! - rho * (Hy[i]! * s[j]! + s[i]! * Hy[j]!) + (rho * rho * yHy + rho) * s[i]! * s[j]!;
    }
  }
  return { theta: x, value: fx, iterations, converged: normInf(g) <= gradientTolerance, inverseHessian: H, evaluations, gradient: g };
}

/**
 * ∂²f/∂θ² by forward differences of the analytic gradient (symmetrised), n × n row-major: n
 * gradients beyond the one at θ (given, or computed), each column exact to O(h) (h = 1e-6 relative), ample for standard errors.
 */
export function hessian(f: Objective, theta: Float64Array, gradientAt?: Float64Array, relativeStep = 1e-6): Float64Array {
  const n = theta.length;
  const H = new Float64Array(n * n);
  const at = gradientAt ?? new Float64Array(n);
  if (!gradientAt) f(theta, at);
  const plus = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const h = relativeStep * Math.max(1, Math.abs(theta[j]!));
    const moved = Float64Array.from(theta);
    moved[j] = theta[j]! + h;
    f(moved, plus);
    for (let i = 0; i < n; i++) H[i * n + j] = (plus[i]! - at[i]!) / h;
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i] = (H[i * n + j]! + H[j * n + i]!) / 2;
  return H;
}

/** The inverse of a symmetric positive-definite matrix by Cholesky; null when it is not positive definite. */
export function inverseSpd(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let sum = A[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(sum > 0)) return null;
        L[i * n + i] = Math.sqrt(sum);
      } else L[i * n + j] = sum / L[j * n + j]!;
    }
  // Solve L Lᵀ X = I column by column.
  const inv = new Float64Array(n * n);
  const z = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let sum = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) sum -= L[i * n + k]! * z[k]!;
      z[i] = sum / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let sum = z[i]!;
      for (let k = i + 1; k < n; k++) sum -= L[k * n + i]! * inv[k * n + c]!;
      inv[i * n + c] = sum / L[i * n + i]!;
    }
  }
  return inv;
}
