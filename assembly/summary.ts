// Summary statistics: count, sum, mean, sample variance, min, max.
//
// Sum: Neumaier's improved Kahan–Babuška summation (Neumaier 1974), kept in four lanes so the
// loop runs at memory bandwidth; the lanes are combined with the same compensation at the end.
// Variance: the corrected two-pass algorithm of Chan, Golub & LeVeque (1983, eq. 1.7),
//   s² = (Σ(x−x̄)² − (Σ(x−x̄))²/n) / (n − 1),
// which is more accurate than Welford's one-pass update (its correction term removes the error
// left in x̄) and, unlike Welford, has no division per value, so it vectorises.
// Definitions match numpy: mean = x.mean(), variance = x.var(ddof=1), R's var().

// Result layout (f64 slots) written to `out`.
// 0 count, 1 sum, 2 mean, 3 variance, 4 min, 5 max

/**
 * Writes count, sum, mean, sample variance (NaN when n < 2), min and max of the `n` f64s at
 * `ptr` into the six f64 slots at `out`. Returns the index of the first non-finite value, or -1.
 */
export function summary(ptr: usize, n: i32, out: usize): i32 {
  const bad = firstBad(ptr, n);
  if (bad >= 0) return bad;
  let sum: f64 = 0, comp: f64 = 0;
  let mn = Infinity, mx = -Infinity;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), c0 = f64x2.splat(0), c1 = f64x2.splat(0);
    let lo0 = f64x2.splat(Infinity), lo1 = lo0, hi0 = f64x2.splat(-Infinity), hi1 = hi0;
    for (; i + 4 <= n; i += 4) {
      const p = ptr + (<usize>i << 3);
      const x0 = v128.load(p), x1 = v128.load(p, 16);
      const t0 = f64x2.add(s0, x0), t1 = f64x2.add(s1, x1);
      const m0 = f64x2.ge(f64x2.abs(s0), f64x2.abs(x0));
      const m1 = f64x2.ge(f64x2.abs(s1), f64x2.abs(x1));
      const big0 = v128.bitselect(s0, x0, m0), small0 = v128.bitselect(x0, s0, m0);
      const big1 = v128.bitselect(s1, x1, m1), small1 = v128.bitselect(x1, s1, m1);
      c0 = f64x2.add(c0, f64x2.add(f64x2.sub(big0, t0), small0));
      c1 = f64x2.add(c1, f64x2.add(f64x2.sub(big1, t1), small1));
      s0 = t0; s1 = t1;
      lo0 = f64x2.pmin(lo0, x0); lo1 = f64x2.pmin(lo1, x1);
      hi0 = f64x2.pmax(hi0, x0); hi1 = f64x2.pmax(hi1, x1);
    }
    // Fold the four lane sums with the same compensation so their error is not reintroduced.
    const lanes = memory.data(32);
    v128.store(lanes, s0);
    v128.store(lanes, s1, 16);
    for (let k = 0; k < 4; k++) {
      const x = load<f64>(lanes + (<usize>k << 3));
      const t = sum + x;
      comp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
    const cc = f64x2.add(c0, c1);
    comp += f64x2.extract_lane(cc, 0) + f64x2.extract_lane(cc, 1);
    const lo = f64x2.pmin(lo0, lo1), hi = f64x2.pmax(hi0, hi1);
    mn = min(f64x2.extract_lane(lo, 0), f64x2.extract_lane(lo, 1));
    mx = max(f64x2.extract_lane(hi, 0), f64x2.extract_lane(hi, 1));
  } else {
    // The SIMD path's arithmetic lane by lane (kernels-nosimd.wasm): both builds give the same bits.
    let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0, c0: f64 = 0, c1: f64 = 0, c2: f64 = 0, c3: f64 = 0;
    let lo0 = Infinity, lo1 = Infinity, lo2 = Infinity, lo3 = Infinity;
    let hi0 = -Infinity, hi1 = -Infinity, hi2 = -Infinity, hi3 = -Infinity;
    for (; i + 4 <= n; i += 4) {
      const p = ptr + (<usize>i << 3);
      const x0 = load<f64>(p), x1 = load<f64>(p, 8), x2 = load<f64>(p, 16), x3 = load<f64>(p, 24);
      const t0 = s0 + x0, t1 = s1 + x1, t2 = s2 + x2, t3 = s3 + x3;
      c0 += Math.abs(s0) >= Math.abs(x0) ? (s0 - t0) + x0 : (x0 - t0) + s0;
      c1 += Math.abs(s1) >= Math.abs(x1) ? (s1 - t1) + x1 : (x1 - t1) + s1;
      c2 += Math.abs(s2) >= Math.abs(x2) ? (s2 - t2) + x2 : (x2 - t2) + s2;
      c3 += Math.abs(s3) >= Math.abs(x3) ? (s3 - t3) + x3 : (x3 - t3) + s3;
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
      lo0 = pmin(lo0, x0); lo1 = pmin(lo1, x1); lo2 = pmin(lo2, x2); lo3 = pmin(lo3, x3);
      hi0 = pmax(hi0, x0); hi1 = pmax(hi1, x1); hi2 = pmax(hi2, x2); hi3 = pmax(hi3, x3);
    }
    for (let k = 0; k < 4; k++) {
      const x = k == 0 ? s0 : k == 1 ? s1 : k == 2 ? s2 : s3;
      const t = sum + x;
      comp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
      sum = t;
    }
    comp += (c0 + c2) + (c1 + c3);
    mn = min(pmin(lo0, lo2), pmin(lo1, lo3));
    mx = max(pmax(hi0, hi2), pmax(hi1, hi3));
  }
  for (; i < n; i++) {
    const x = load<f64>(ptr + (<usize>i << 3));
    const t = sum + x;
    comp += Math.abs(sum) >= Math.abs(x) ? (sum - t) + x : (x - t) + sum;
    sum = t;
    if (x < mn) mn = x;
    if (x > mx) mx = x;
  }
  sum += comp;
  const mean = n > 0 ? sum / <f64>n : NaN;
  let variance = NaN;
  if (n > 1) {
    let d1: f64 = 0, d2: f64 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const mv = f64x2.splat(mean);
      let a0 = f64x2.splat(0), a1 = a0, q0 = a0, q1 = a0;
      for (; j + 4 <= n; j += 4) {
        const p = ptr + (<usize>j << 3);
        const e0 = f64x2.sub(v128.load(p), mv), e1 = f64x2.sub(v128.load(p, 16), mv);
        a0 = f64x2.add(a0, e0); a1 = f64x2.add(a1, e1);
        q0 = f64x2.add(q0, f64x2.mul(e0, e0)); q1 = f64x2.add(q1, f64x2.mul(e1, e1));
      }
      const a = f64x2.add(a0, a1), q = f64x2.add(q0, q1);
      d1 = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
      d2 = f64x2.extract_lane(q, 0) + f64x2.extract_lane(q, 1);
    } else {
      let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
      for (; j + 4 <= n; j += 4) {
        const p = ptr + (<usize>j << 3);
        const e0 = load<f64>(p) - mean, e1 = load<f64>(p, 8) - mean, e2 = load<f64>(p, 16) - mean, e3 = load<f64>(p, 24) - mean;
        a0 += e0; a1 += e1; a2 += e2; a3 += e3;
        q0 += e0 * e0; q1 += e1 * e1; q2 += e2 * e2; q3 += e3 * e3;
      }
      d1 = (a0 + a2) + (a1 + a3);
      d2 = (q0 + q2) + (q1 + q3);
    }
    for (; j < n; j++) {
      const e = load<f64>(ptr + (<usize>j << 3)) - mean;
      d1 += e;
      d2 += e * e;
    }
    variance = max(0.0, (d2 - d1 * d1 / <f64>n) / <f64>(n - 1));
  }
  store<f64>(out, <f64>n);
  store<f64>(out, sum, 8);
  store<f64>(out, mean, 16);
  store<f64>(out, variance, 24);
  store<f64>(out, n > 0 ? mn : NaN, 32);
  store<f64>(out, n > 0 ? mx : NaN, 40);
  return -1;
}

/** f64x2.pmin of one lane: b < a ? b : a (differs from min() on ±0). */
@inline export function pmin(a: f64, b: f64): f64 {
  return b < a ? b : a;
}

/** f64x2.pmax of one lane: a < b ? b : a. */
@inline export function pmax(a: f64, b: f64): f64 {
  return a < b ? b : a;
}

/** Index of the first non-finite value or -1; x − x is NaN exactly for NaN and ±Infinity. */
export function firstBad(ptr: usize, n: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let acc0 = f64x2.splat(0), acc1 = acc0;
    for (; i + 4 <= n; i += 4) {
      const p = ptr + (<usize>i << 3);
      const x0 = v128.load(p), x1 = v128.load(p, 16);
      acc0 = f64x2.add(acc0, f64x2.sub(x0, x0));
      acc1 = f64x2.add(acc1, f64x2.sub(x1, x1));
    }
    const a = f64x2.add(acc0, acc1);
    const t = f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1);
    if (t != t) i = 0; // some value is non-finite: locate it with the scalar loop from the start
    else if (i == n) return -1;
  }
  for (; i < n; i++) {
    const x = load<f64>(ptr + (<usize>i << 3));
    if (x - x != 0) return i;
  }
  return -1;
}
