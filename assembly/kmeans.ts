// k-means clustering, with scikit-learn's definitions (sklearn.cluster.KMeans, 1.5):
//
//   inertia     Σᵢ ‖xᵢ − c_{label(i)}‖², labels to the nearest centroid (lowest index on ties).
//   k-means++   the greedy variant (Arthur & Vassilvitskii 2007; sklearn's _kmeans_plusplus):
//               first centre uniform; then each step draws 2 + ⌊ln k⌋ candidates with
//               probability ∝ D(x)² and keeps the one that lowers the potential Σ D(x)² most.
//   random      k distinct rows of a random permutation.
//   tol         absolute tolerance = tol · mean over dimensions of the (population) variance;
//               converged when the labels did not change ("strict") or Σⱼ‖cⱼ′ − cⱼ‖² ≤ tol.
//   iteration   sklearn's lloyd_iter: labels from the current centres, new centres as the means
//               of their points. An empty cluster is re-seeded with the point farthest from its
//               centre (descending distance, as sklearn's _relocate_empty_clusters_dense): that
//               point's weight moves from its cluster to the empty one, its label stays.
//   finish      without strict convergence the labels are recomputed from the final centres;
//               inertia is computed from the final centres and labels. One deliberate difference:
//               labels are also recomputed when the last iteration re-seeded an empty cluster
//               (sklearn keeps them, so a re-seeded point could keep a label that is no longer
//               its nearest centre); labels are therefore always those of the nearest centroid.
//
// Assignment runs either as plain Lloyd (every point against every centre) or with Hamerly's
// bounds (Hamerly 2010, "Making k-means even faster"): an upper bound on the distance to the
// assigned centre and a lower bound on the distance to the second nearest skip points whose
// assignment cannot have changed. Bounds are widened by a relative 1e-12 and compared strictly,
// so a skipped point is one whose nearest centre is unambiguous: Hamerly's labels equal Lloyd's.
//
// Distances are computed as Σ(x − c)², not as ‖x‖² − 2x·c + ‖c‖² (sklearn's GEMM form), so there
// is no cancellation to guard against and the data are used as given (sklearn centres them first).

@unmanaged class KMeans {
  n: i32 = 0;
  d: i32 = 0;
  k: i32 = 0;
  hamerly: i32 = 0;
  bounded: i32 = 0;
  relocated: i32 = 0;
  full: i32 = 1;
  iter: i32 = 0;
  data: usize = 0;
  sums: usize = 0;
  centers: usize = 0;
  /** The centres transposed (d × k), for nearest() with d ≥ 3: rebuilt at each assignment pass. */
  transposed: usize = 0;
  next: usize = 0;
  weight: usize = 0;
  labels: usize = 0;
  upper: usize = 0;
  lower: usize = 0;
  half: usize = 0;
  shift: usize = 0;
  rng: u64 = 0;
  tolerance: f64 = 0;
  shiftTotal: f64 = 0;
  inertia: f64 = 0;
  /** Largest and second-largest centre shift of the last iteration, and the centre of the largest. */
  far1: f64 = 0;
  far2: f64 = 0;
  farIdx: i32 = -1;
}

/** Relative widening of Hamerly's bounds against rounding. */
const SLACK: f64 = 1e-12;

@inline function row(base: usize, i: i32, d: i32): usize {
  return base + ((<usize>i * <usize>d) << 3);
}

@inline function f(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function setf(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

@inline function lab(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

@inline function setLab(p: usize, i: i32, x: i32): void {
  store<i32>(p + (<usize>i << 2), x);
}

/** Squared Euclidean distance between the d-vectors at a and b. */
@inline function dist2(a: usize, b: usize, d: i32): f64 {
  let j = 0;
  let acc: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f64x2.splat(0);
    for (; j + 2 <= d; j += 2) {
      const o = <usize>j << 3;
      const t = f64x2.sub(v128.load(a + o), v128.load(b + o));
      v = f64x2.add(v, f64x2.mul(t, t));
    }
    acc = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  } else {
    // The SIMD path's lanes (kernels-nosimd.wasm gives the same bits).
    let a0: f64 = 0, a1: f64 = 0;
    for (; j + 2 <= d; j += 2) {
      const t0 = f(a, j) - f(b, j), t1 = f(a, j + 1) - f(b, j + 1);
      a0 += t0 * t0;
      a1 += t1 * t1;
    }
    acc = a0 + a1;
  }
  for (; j < d; j++) {
    const t = f(a, j) - f(b, j);
    acc += t * t;
  }
  return acc;
}

/** Squared distances to the nearest and the second-nearest centre, set by nearest(). */
let nearD: f64 = 0;
let secondD: f64 = 0;

/**
 * Squared distances from x to centres j and j + 1 as one f64x2, each summed exactly as dist2
 * sums it (for d = 2: both lanes of one pair, squared, then lane 0 + lane 1).
 */
@inline function pairDist(x: usize, xv: v128, centers: usize, j: i32, d: i32): v128 {
  if (d == 2) {
    const c = centers + (<usize>j << 4);
    let a = f64x2.sub(xv, v128.load(c));
    let b = f64x2.sub(xv, v128.load(c, 16));
    a = f64x2.mul(a, a);
    b = f64x2.mul(b, b);
    return f64x2.add(v128.shuffle<f64>(a, b, 0, 2), v128.shuffle<f64>(a, b, 1, 3));
  }
  return f64x2.replace_lane(f64x2.splat(dist2(x, row(centers, j, d), d)), 1, dist2(x, row(centers, j + 1, d), d));
}

/**
 * Squared distances from x to centres j and j + 1 as one f64x2, from the centres transposed
 * (d × k at t): each lane holds one centre, and its sum is made in dist2's order — even
 * dimensions of the pairs in one accumulator, odd in another, their sum, then the last dimension
 * of an odd d — so the bits are dist2's. For d ≥ 3, where dist2 goes centre by centre.
 */
@inline function pairDistT(x: usize, t: usize, j: i32, k: i32, d: i32): v128 {
  let e = f64x2.splat(0);
  let o = f64x2.splat(0);
  let q = 0;
  const stride = <usize>k << 3;
  let col = t + (<usize>j << 3);
  for (; q + 2 <= d; q += 2) {
    const a = f64x2.sub(f64x2.splat(f(x, q)), v128.load(col));
    e = f64x2.add(e, f64x2.mul(a, a));
    const b = f64x2.sub(f64x2.splat(f(x, q + 1)), v128.load(col + stride));
    o = f64x2.add(o, f64x2.mul(b, b));
    col += stride << 1;
  }
  let acc = f64x2.add(e, o);
  if (q < d) {
    const a = f64x2.sub(f64x2.splat(f(x, q)), v128.load(col));
    acc = f64x2.add(acc, f64x2.mul(a, a));
  }
  return acc;
}

/** The k × d centres at c, transposed into d × k at t (for pairDistT). */
function transpose(c: usize, t: usize, k: i32, d: i32): void {
  for (let a = 0; a < k; a++) for (let q = 0; q < d; q++) setf(t, q * k + a, f(c, a * d + q));
}

/**
 * Index of the centre nearest to x (lowest index on ties), its squared distance in nearD and the
 * runner-up's in secondD. Even and odd centres are tracked in the two lanes of a vector with
 * compare-and-bitselect, so the loop has no data-dependent branch (which centre wins is
 * unpredictable, and V8 turns a scalar f64 select into a branch).
 */
function nearest(x: usize, centers: usize, k: i32, d: i32, transposed: usize = 0): i32 {
  let best = 0;
  let bd: f64 = Infinity;
  let sd: f64 = Infinity;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const xv = d >= 2 ? v128.load(x) : f64x2.splat(0);
    let vd = f64x2.splat(Infinity);
    let vs = vd;
    let vi = i64x2.splat(0);
    let vj = i64x2.replace_lane(i64x2.splat(0), 1, 1);
    const two = i64x2.splat(2);
    for (; j + 2 <= k; j += 2) {
      const s = transposed != 0 && d >= 3 ? pairDistT(x, transposed, j, k, d) : pairDist(x, xv, centers, j, d);
      const win = f64x2.lt(s, vd);
      vs = v128.bitselect(vd, v128.bitselect(s, vs, f64x2.lt(s, vs)), win);
      vd = v128.bitselect(s, vd, win);
      vi = v128.bitselect(vj, vi, win);
      vj = i64x2.add(vj, two);
    }
    const d0 = f64x2.extract_lane(vd, 0), d1 = f64x2.extract_lane(vd, 1);
    const s0 = f64x2.extract_lane(vs, 0), s1 = f64x2.extract_lane(vs, 1);
    const i0 = <i32>i64x2.extract_lane(vi, 0), i1 = <i32>i64x2.extract_lane(vi, 1);
    if (d1 < d0 || (d1 == d0 && i1 < i0)) {
      best = i1;
      bd = d1;
      sd = d0 < s1 ? d0 : s1;
    } else {
      best = i0;
      bd = d0;
      sd = d1 < s0 ? d1 : s0;
    }
  }
  for (; j < k; j++) {
    const t = dist2(x, row(centers, j, d), d);
    if (t < bd) {
      sd = bd;
      bd = t;
      best = j;
    } else if (t < sd) {
      sd = t;
    }
  }
  nearD = bd;
  secondD = sd;
  return best;
}

// splitmix64 (Steele, Lea & Flood 2014): a small, well-mixed generator; deterministic per seed.
@inline function nextU64(m: KMeans): u64 {
  m.rng += 0x9e3779b97f4a7c15;
  let z = m.rng;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Uniform in [0, 1). */
@inline function uniform(m: KMeans): f64 {
  return <f64>(nextU64(m) >> 11) * 1.1102230246251565e-16;
}

/**
 * A clustering context over the n×d row-major f64s at `data` (owned by the caller, not modified).
 * `tol` is relative (see the header). Returns the context.
 */
export function kmeansCreate(data: usize, n: i32, d: i32, k: i32, tol: f64, hamerly: i32): usize {
  const m = new KMeans();
  m.n = n;
  m.d = d;
  m.k = k;
  m.hamerly = hamerly;
  m.data = data;
  const kd = (<usize>k * <usize>d) << 3;
  m.centers = heap.alloc(kd);
  m.transposed = heap.alloc(kd);
  m.next = heap.alloc(kd);
  m.sums = heap.alloc(kd);
  m.weight = heap.alloc(<usize>k << 3);
  m.half = heap.alloc(<usize>k << 3);
  m.shift = heap.alloc(<usize>k << 3);
  m.labels = heap.alloc(<usize>n << 2);
  m.upper = heap.alloc(<usize>n << 3);
  m.lower = heap.alloc(<usize>n << 3);
  // Mean per-dimension variance (numpy var, ddof = 0), two-pass.
  let varSum: f64 = 0;
  for (let j = 0; j < d; j++) {
    let s: f64 = 0;
    for (let i = 0; i < n; i++) s += f(row(data, i, d), j);
    const mu = s / <f64>n;
    let ss: f64 = 0;
    for (let i = 0; i < n; i++) {
      const t = f(row(data, i, d), j) - mu;
      ss += t * t;
    }
    varSum += ss / <f64>n;
  }
  m.tolerance = tol * (varSum / <f64>d);
  return changetype<usize>(m);
}

export function kmeansFree(ptr: usize): void {
  const m = changetype<KMeans>(ptr);
  heap.free(m.centers);
  heap.free(m.transposed);
  heap.free(m.next);
  heap.free(m.sums);
  heap.free(m.weight);
  heap.free(m.half);
  heap.free(m.shift);
  heap.free(m.labels);
  heap.free(m.upper);
  heap.free(m.lower);
  heap.free(ptr);
}

export function kmeansSeed(ptr: usize, seed: f64): void {
  changetype<KMeans>(ptr).rng = <u64>seed;
}

/** Forgets labels and bounds before a new start. */
function restart(m: KMeans): void {
  for (let i = 0; i < m.n; i++) setLab(m.labels, i, -1);
  m.bounded = 0;
  m.full = 1;
  m.iter = 0;
}

/** Starts from the k×d centres at `centers`. */
export function kmeansSetCenters(ptr: usize, centers: usize): void {
  const m = changetype<KMeans>(ptr);
  memory.copy(m.centers, centers, (<usize>m.k * <usize>m.d) << 3);
  restart(m);
}

/** Writes the current centres to `out` (k×d). */
export function kmeansGetCenters(ptr: usize, out: usize): void {
  const m = changetype<KMeans>(ptr);
  memory.copy(out, m.centers, (<usize>m.k * <usize>m.d) << 3);
}

export function kmeansLabels(ptr: usize): usize {
  return changetype<KMeans>(ptr).labels;
}

export function kmeansInertia(ptr: usize): f64 {
  return changetype<KMeans>(ptr).inertia;
}

export function kmeansShiftTotal(ptr: usize): f64 {
  return changetype<KMeans>(ptr).shiftTotal;
}

/** Empty clusters re-seeded by the last iteration. */
export function kmeansRelocated(ptr: usize): i32 {
  return changetype<KMeans>(ptr).relocated;
}

export function kmeansTolerance(ptr: usize): f64 {
  return changetype<KMeans>(ptr).tolerance;
}

/** Random initialisation: the first k rows of a seeded permutation (partial Fisher–Yates). */
export function kmeansInitRandom(ptr: usize): void {
  const m = changetype<KMeans>(ptr);
  const n = m.n, d = m.d;
  for (let i = 0; i < n; i++) setLab(m.labels, i, i); // the permutation, in the labels' memory
  for (let c = 0; c < m.k; c++) {
    const j = c + <i32>(uniform(m) * <f64>(n - c));
    const t = lab(m.labels, c);
    setLab(m.labels, c, lab(m.labels, j));
    setLab(m.labels, j, t);
    memory.copy(row(m.centers, c, d), row(m.data, lab(m.labels, c), d), <usize>d << 3);
  }
  restart(m);
}

/**
 * k-means++, first centre: uniform. Sets each point's squared distance to it (in `upper`) and
 * returns the potential Σ D².
 */
export function kmeansPlusPlusFirst(ptr: usize): f64 {
  const m = changetype<KMeans>(ptr);
  const n = m.n, d = m.d;
  restart(m);
  const first = <i32>(uniform(m) * <f64>n);
  memory.copy(m.centers, row(m.data, first, d), <usize>d << 3);
  let pot: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = dist2(row(m.data, i, d), m.centers, d);
    setf(m.upper, i, t);
    pot += t;
  }
  return pot;
}

/**
 * k-means++, centre c (1 ≤ c < k) from `trials` candidates drawn with probability ∝ D²:
 * the candidate giving the lowest potential wins (ties: the earlier draw). `pot` is the current
 * potential; returns the new one. Uses `lower` for the cumulative sums.
 */
export function kmeansPlusPlusNext(ptr: usize, c: i32, trials: i32, pot: f64): f64 {
  const m = changetype<KMeans>(ptr);
  const n = m.n, d = m.d;
  const closest = m.upper, cum = m.lower;
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    s += f(closest, i);
    setf(cum, i, s);
  }
  let bestPot = Infinity;
  let bestId = 0;
  for (let t = 0; t < trials; t++) {
    // np.searchsorted(cumsum, r, side='left'), clipped to n − 1.
    const r = uniform(m) * pot;
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (f(cum, mid) < r) lo = mid + 1;
      else hi = mid;
    }
    const id = lo < n ? lo : n - 1;
    const x = row(m.data, id, d);
    let p: f64 = 0;
    for (let i = 0; i < n; i++) p += min(f(closest, i), dist2(row(m.data, i, d), x, d));
    if (p < bestPot) {
      bestPot = p;
      bestId = id;
    }
  }
  const x = row(m.data, bestId, d);
  memory.copy(row(m.centers, c, d), x, <usize>d << 3);
  for (let i = 0; i < n; i++) setf(closest, i, min(f(closest, i), dist2(row(m.data, i, d), x, d)));
  return bestPot;
}

/** Half the distance from each centre to its nearest other centre (Hamerly's s). */
function halfGaps(m: KMeans): void {
  const k = m.k, d = m.d;
  for (let a = 0; a < k; a++) setf(m.half, a, Infinity);
  for (let a = 0; a < k; a++) {
    for (let b = a + 1; b < k; b++) {
      const t = Math.sqrt(dist2(row(m.centers, a, d), row(m.centers, b, d), d));
      if (t < f(m.half, a)) setf(m.half, a, t);
      if (t < f(m.half, b)) setf(m.half, b, t);
    }
  }
  for (let a = 0; a < k; a++) setf(m.half, a, 0.5 * f(m.half, a) * (1 - SLACK));
}

/**
 * max(a, b) for non-NaN values without a branch: f64.max is slow on x86 (NaN and −0 rules) and
 * V8 compiles a scalar f64 select to a branch; f64x2.pmax is one maxpd.
 */
@inline function maxf(a: f64, b: f64): f64 {
  if (ASC_FEATURE_SIMD) return f64x2.extract_lane(f64x2.pmax(f64x2.splat(a), f64x2.splat(b)), 0);
  return a < b ? b : a; // pmax's rule, so both builds agree on ±0
}

/** Iterations between exact re-summations of the clusters (the sums are updated incrementally in between). */
const RESUM = 32;

@inline function addRow(s: usize, x: usize, d: i32, sign: f64): void {
  for (let j = 0; j < d; j++) setf(s, j, f(s, j) + sign * f(x, j));
}

/**
 * Assigns every point and keeps each cluster's sum and count (`sums`, `weight`) up to date:
 * incrementally (a point that changes cluster moves its row from one sum to the other), and
 * exactly, from scratch, on the first pass of a start, after a re-seeding and every RESUM
 * iterations, so rounding cannot drift. Lloyd and Hamerly run the same schedule in point order,
 * so equal labels give bit-identical sums. Hamerly's bounds are moved by the previous
 * iteration's centre shifts in the same pass. Returns how many labels changed.
 */
function assign(m: KMeans): i32 {
  const n = m.n, d = m.d, k = m.k;
  const data = m.data, centers = m.centers, labels = m.labels, sums = m.sums, weight = m.weight;
  const upper = m.upper, lower = m.lower;
  const full = m.full != 0 || m.iter % RESUM == 0;
  if (full) {
    memory.fill(sums, 0, (<usize>k * <usize>d) << 3);
    memory.fill(weight, 0, <usize>k << 3);
  }
  let changed = 0;
  const bounded = m.hamerly != 0 && k > 1 && m.bounded != 0;
  if (bounded) halfGaps(m);
  const half = m.half, shift = m.shift;
  const far1 = m.far1, far2 = m.far2, farIdx = m.farIdx;
  const t = ASC_FEATURE_SIMD && d >= 3 ? m.transposed : 0;
  if (t != 0) transpose(centers, t, k, d);
  for (let i = 0; i < n; i++) {
    const x = row(data, i, d);
    const prev = lab(labels, i);
    let a = prev;
    if (!bounded) {
      a = nearest(x, centers, k, d, t);
      if (m.hamerly != 0) {
        setf(upper, i, Math.sqrt(nearD) * (1 + SLACK));
        setf(lower, i, Math.sqrt(secondD) * (1 - SLACK));
      }
    } else {
      let u = (f(upper, i) + f(shift, a)) * (1 + SLACK);
      let l = (f(lower, i) - (a == farIdx ? far2 : far1)) * (1 - SLACK);
      const bound = maxf(f(half, a), l);
      if (u >= bound) {
        u = Math.sqrt(dist2(x, row(centers, a, d), d)) * (1 + SLACK);
        if (u >= bound) {
          a = nearest(x, centers, k, d, t);
          u = Math.sqrt(nearD) * (1 + SLACK);
          l = Math.sqrt(secondD) * (1 - SLACK);
        }
      }
      setf(upper, i, u);
      setf(lower, i, l);
    }
    if (a != prev) {
      changed++;
      setLab(labels, i, a);
    }
    if (full) {
      addRow(row(sums, a, d), x, d, 1);
      setf(weight, a, f(weight, a) + 1);
    } else if (a != prev) {
      addRow(row(sums, prev, d), x, d, -1);
      setf(weight, prev, f(weight, prev) - 1);
      addRow(row(sums, a, d), x, d, 1);
      setf(weight, a, f(weight, a) + 1);
    }
  }
  if (m.hamerly != 0 && k > 1) m.bounded = 1;
  m.full = 0;
  m.iter++;
  return changed;
}

/** Moves the n_empty farthest points (from their own centre) into the empty clusters. */
function relocateEmpty(m: KMeans, empty: i32): void {
  const n = m.n, d = m.d, k = m.k;
  const dist = m.lower; // exact distances are needed; the bounds are rebuilt afterwards
  for (let i = 0; i < n; i++) {
    setf(dist, i, dist2(row(m.data, i, d), row(m.centers, lab(m.labels, i), d), d));
  }
  let c = 0;
  for (let e = 0; e < empty; e++) {
    while (f(m.weight, c) != 0) c++;
    let far = 0;
    let fd: f64 = -1;
    for (let i = 0; i < n; i++) {
      const t = f(dist, i);
      if (t > fd) {
        fd = t;
        far = i;
      }
    }
    setf(dist, far, -Infinity);
    const x = row(m.data, far, d);
    const old = lab(m.labels, far);
    for (let j = 0; j < d; j++) {
      setf(row(m.sums, old, d), j, f(row(m.sums, old, d), j) - f(x, j));
      setf(row(m.sums, c, d), j, f(x, j));
    }
    setf(m.weight, old, f(m.weight, old) - 1);
    setf(m.weight, c, 1);
    c++;
  }
  // The move holds for this iteration only (labels are unchanged): sums are rebuilt next pass.
  m.bounded = 0;
  m.full = 1;
}

/**
 * One Lloyd iteration: labels from the current centres, then centres moved to their means.
 * Returns the number of labels that changed; kmeansShiftTotal gives Σ‖shift‖².
 */
export function kmeansIterate(ptr: usize): i32 {
  const m = changetype<KMeans>(ptr);
  const d = m.d, k = m.k;
  const changed = assign(m);
  let empty = 0;
  for (let c = 0; c < k; c++) if (f(m.weight, c) == 0) empty++;
  if (empty > 0) relocateEmpty(m, empty);
  m.relocated = empty;
  for (let c = 0; c < k; c++) {
    const w = f(m.weight, c);
    const s = row(m.next, c, d);
    if (w > 0) {
      const inv = 1 / w;
      const sum = row(m.sums, c, d);
      for (let j = 0; j < d; j++) setf(s, j, f(sum, j) * inv);
    } else {
      memory.copy(s, row(m.centers, c, d), <usize>d << 3);
    }
  }
  commit(m);
  return changed;
}

/**
 * The centres in `next` become the centres: each centre's shift is measured (Hamerly's bounds move
 * by it lazily, in the next assignment pass) and Σ‖shift‖² kept for the tolerance test.
 */
function commit(m: KMeans): void {
  const d = m.d, k = m.k;
  let total: f64 = 0;
  let far1: f64 = 0, far2: f64 = 0;
  let farIdx = -1;
  for (let c = 0; c < k; c++) {
    const p2 = dist2(row(m.next, c, d), row(m.centers, c, d), d);
    total += p2;
    const p = Math.sqrt(p2) * (1 + SLACK);
    setf(m.shift, c, p);
    if (p > far1) {
      far2 = far1;
      far1 = p;
      farIdx = c;
    } else if (p > far2) {
      far2 = p;
    }
  }
  const t = m.centers;
  m.centers = m.next;
  m.next = t;
  m.shiftTotal = total;
  m.far1 = far1;
  m.far2 = far2;
  m.farIdx = farIdx;
}

/**
 * Data-parallel k-means (src/collector/analytics/kmeans-threads.ts): one shard's assignment pass
 * from the current centres — labels, bounds, and the shard's per-cluster sums and counts
 * (kmeansSums, kmeansWeights) — without moving the centres. Returns how many labels changed.
 */
export function kmeansAssign(ptr: usize): i32 {
  return assign(changetype<KMeans>(ptr));
}

/** The shard's per-cluster sums of rows (k × d) after kmeansAssign. */
export function kmeansSums(ptr: usize): usize {
  return changetype<KMeans>(ptr).sums;
}

/** The shard's per-cluster counts (k) after kmeansAssign. */
export function kmeansWeights(ptr: usize): usize {
  return changetype<KMeans>(ptr).weight;
}

/** Moves the centres to `centers` (k × d, computed from every shard's sums) as kmeansIterate would. */
export function kmeansMove(ptr: usize, centers: usize): void {
  const m = changetype<KMeans>(ptr);
  memory.copy(m.next, centers, (<usize>m.k * <usize>m.d) << 3);
  commit(m);
}

/**
 * Ends a run: with `relabel`, labels are recomputed from the final centres (sklearn does so
 * unless the labels converged strictly). Computes the inertia and returns it.
 */
export function kmeansFinish(ptr: usize, relabel: i32): f64 {
  const m = changetype<KMeans>(ptr);
  const n = m.n, d = m.d;
  let inertia: f64 = 0;
  const t = ASC_FEATURE_SIMD && d >= 3 && relabel != 0 ? m.transposed : 0;
  if (t != 0) transpose(m.centers, t, m.k, d);
  for (let i = 0; i < n; i++) {
    const x = row(m.data, i, d);
    if (relabel != 0) {
      setLab(m.labels, i, nearest(x, m.centers, m.k, d, t));
      inertia += nearD;
    } else {
      inertia += dist2(x, row(m.centers, lab(m.labels, i), d), d);
    }
  }
  m.inertia = inertia;
  return inertia;
}

/**
 * Nearest centre of each of the n rows at `data` among the k at `centers` (lowest index on ties),
 * into the i32s at `out`. Returns Σ of the squared distances.
 */
export function kmeansPredict(data: usize, n: i32, d: i32, centers: usize, k: i32, out: usize): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    setLab(out, i, nearest(row(data, i, d), centers, k, d));
    total += nearD;
  }
  return total;
}

/**
 * One mini-batch step (Sculley 2010, in sklearn's batched form, _minibatch_update_dense): the n
 * rows at `data` are assigned to their nearest centre; each centre that received m points with
 * sum s moves to (c·w + s)/(w + m) and its count w grows by m. `sums` is k×d scratch, `counts`
 * k f64s kept by the caller. Returns the batch's inertia against the centres before the step.
 */
export function kmeansMiniBatch(data: usize, n: i32, d: i32, centers: usize, counts: usize, k: i32, sums: usize, seen: usize): f64 {
  memory.fill(sums, 0, (<usize>k * <usize>d) << 3);
  memory.fill(seen, 0, <usize>k << 3);
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = row(data, i, d);
    const a = nearest(x, centers, k, d);
    total += nearD;
    const s = row(sums, a, d);
    for (let j = 0; j < d; j++) setf(s, j, f(s, j) + f(x, j));
    setf(seen, a, f(seen, a) + 1);
  }
  for (let c = 0; c < k; c++) {
    const b = f(seen, c);
    if (b == 0) continue;
    const w = f(counts, c);
    const nw = w + b;
    const inv = 1 / nw;
    const cc = row(centers, c, d), s = row(sums, c, d);
    for (let j = 0; j < d; j++) setf(cc, j, (f(cc, j) * w + f(s, j)) * inv);
    setf(counts, c, nw);
  }
  return total;
}

/**
 * Silhouette coefficients (Rousseeuw 1987; sklearn.metrics.silhouette_samples, Euclidean) of rows
 * [start, end) among all n rows, labels 0…k−1 at `labels`, cluster sizes as f64s at `sizes`:
 * a = mean distance to the other members of its cluster, b = smallest mean distance to another
 * cluster, s = (b − a)/max(a, b), 0 for a singleton or when a = b = 0. `sums` is k f64s scratch.
 * Returns Σ s over the rows.
 */
export function silhouetteRange(data: usize, n: i32, d: i32, labels: usize, k: i32, sizes: usize, sums: usize, start: i32, end: i32): f64 {
  let total: f64 = 0;
  for (let i = start; i < end; i++) {
    memory.fill(sums, 0, <usize>k << 3);
    const x = row(data, i, d);
    for (let j = 0; j < n; j++) {
      const c = lab(labels, j);
      setf(sums, c, f(sums, c) + Math.sqrt(dist2(x, row(data, j, d), d)));
    }
    const own = lab(labels, i);
    const size = f(sizes, own);
    if (size <= 1) continue;
    const a = f(sums, own) / (size - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c == own || f(sizes, c) == 0) continue;
      b = min(b, f(sums, c) / f(sizes, c));
    }
    const den = max(a, b);
    if (den > 0) total += (b - a) / den;
  }
  return total;
}
