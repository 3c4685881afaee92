// Exact quantiles by selection, without sorting.
//
// Selection: Floyd & Rivest, "Algorithm 489: SELECT" (CACM 18(3), 1975) — expected
// n + min(k, n−k) + o(n) comparisons. A step budget guards against adversarial inputs: past it
// the remaining range is heap-sorted, so the worst case stays O(n log n).
// Interpolation: "linear" as numpy.quantile's default and R's quantile(type = 7):
//   h = (n − 1)·p, q = x₍⌊h⌋₎ + (h − ⌊h⌋)·(x₍⌊h⌋+1₎ − x₍⌊h⌋₎),
// with numpy's lerp (computed from the nearer end when the fraction is ≥ 0.5).

import { firstBad } from './summary';

@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

@inline function put(p: usize, i: i32, x: f64): void {
  store<f64>(p + (<usize>i << 3), x);
}

@inline function swap(p: usize, i: i32, j: i32): void {
  const t = at(p, i);
  put(p, i, at(p, j));
  put(p, j, t);
}

function siftDown(p: usize, base: i32, root: i32, end: i32): void {
  while (true) {
    let child = 2 * root + 1;
    if (child >= end) return;
    if (child + 1 < end && at(p, base + child + 1) > at(p, base + child)) child++;
    if (at(p, base + root) >= at(p, base + child)) return;
    swap(p, base + root, base + child);
    root = child;
  }
}

/** Sorts x[left..right] ascending in place, O(n log n) worst case. */
export function heapSort(p: usize, left: i32, right: i32): void {
  const n = right - left + 1;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(p, left, i, n);
  for (let end = n - 1; end > 0; end--) {
    swap(p, left, left + end);
    siftDown(p, left, 0, end);
  }
}

let budget: i32 = 0;

/** Rearranges x[left..right] so that x[k] is the value of rank k, smaller ones before it, larger after. */
function select(p: usize, left: i32, right: i32, k: i32): void {
  while (right > left) {
    if (--budget < 0) {
      heapSort(p, left, right);
      return;
    }
    if (right - left > 600) {
      // Recurse on a sample to pick pivots that bracket k tightly.
      const n = <f64>(right - left + 1);
      const i = <f64>(k - left + 1);
      const z = Math.log(n);
      const s = 0.5 * Math.exp(2 * z / 3);
      const sd = 0.5 * Math.sqrt(z * s * (n - s) / n) * (i - n / 2 < 0 ? -1 : 1);
      const newLeft = max(left, <i32>Math.floor(<f64>k - i * s / n + sd));
      const newRight = min(right, <i32>Math.floor(<f64>k + (n - i) * s / n + sd));
      select(p, newLeft, newRight, k);
    }
    const t = at(p, k);
    let i = left, j = right;
    swap(p, left, k);
    if (at(p, right) > t) swap(p, left, right);
    while (i < j) {
      swap(p, i, j);
      i++; j--;
      while (at(p, i) < t) i++;
      while (at(p, j) > t) j--;
    }
    if (at(p, left) == t) swap(p, left, j);
    else { j++; swap(p, j, right); }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

@inline function lerp(a: f64, b: f64, t: f64): f64 {
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * Linear-interpolation quantiles of the `n` f64s at `ptr` (which this reorders) for the `m`
 * probabilities at `probs` (each in [0, 1], ascending), written to `out`.
 * Returns the index of the first non-finite value, or -1.
 */
export function quantiles(ptr: usize, n: i32, probs: usize, m: i32, out: usize): i32 {
  const bad = firstBad(ptr, n);
  if (bad >= 0) return bad;
  let left = 0;
  let lastRank = -1;
  let lastValue: f64 = 0, lastNext: f64 = 0;
  for (let q = 0; q < m; q++) {
    const h = <f64>(n - 1) * load<f64>(probs + (<usize>q << 3));
    let lo = <i32>Math.floor(h);
    if (lo > n - 1) lo = n - 1;
    const frac = h - <f64>lo;
    if (lo != lastRank) {
      budget = 64 + 4 * (32 - clz<i32>(n - left));
      select(ptr, left, n - 1, lo);
      left = lo;
      lastRank = lo;
      lastValue = at(ptr, lo);
      // The next order statistic is the smallest value to the right of rank lo.
      let next = lastValue;
      if (lo + 1 < n) {
        next = at(ptr, lo + 1);
        for (let i = lo + 2; i < n; i++) {
          const x = at(ptr, i);
          if (x < next) next = x;
        }
      }
      lastNext = next;
    }
    store<f64>(out + (<usize>q << 3), frac == 0 || lastValue == lastNext ? lastValue : lerp(lastValue, lastNext, frac));
  }
  return -1;
}
