// Streaming detectors of the z-score family. Each point is scored against the history before
// it (no look-ahead), then joins the history.
//
//   zscore  mean and sample standard deviation (ddof = 1, as pandas' rolling().std()) of the
//           trailing `window` points, kept by Welford's update with removal (Welford 1962;
//           sliding form as in Finch 2009) and recomputed exactly every `window` steps so
//           rounding cannot drift. score = (x − mean) / std.
//   robust  median and MAD of the trailing window, MAD scaled by 1.4826 so it estimates σ for
//           normal data (Iglewicz & Hoaglin 1993, R's mad()). score = (x − median) / (1.4826·MAD).
//           The window is kept sorted; the MAD is a k-th smallest of two sorted sequences, O(log w).
//   iqr     Tukey's fences over the trailing window with type-7 quartiles. score = (x − Q3)/IQR
//           above Q3, −(Q1 − x)/IQR below Q1, else 0, so |score| > k ⇔ x outside Q1 − k·IQR,
//           Q3 + k·IQR. expected = median.
//   ewma    exponentially weighted mean and variance with α = 2/(span + 1) (pandas' span),
//           updated as in Finch 2009, "Incremental calculation of weighted mean and variance".
//
// A point is scored once `minSamples` points precede it. When the spread is zero, a point equal
// to the centre scores 0 and any other scores ±Infinity. A point is an anomaly when
// |score| > threshold.

export const ZSCORE = 0;
export const ROBUST = 1;
export const IQR = 2;
export const EWMA = 3;

@unmanaged class Detector {
  method: i32 = 0;
  window: i32 = 0;
  minSamples: i32 = 0;
  threshold: f64 = 0;
  ring: usize = 0;
  head: i32 = 0;
  size: i32 = 0;
  sorted: usize = 0;
  mean: f64 = 0;
  m2: f64 = 0;
  replaced: i32 = 0;
  alpha: f64 = 0;
  seen: f64 = 0;
}

@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

export function detectorCreate(method: i32, window: i32, threshold: f64, minSamples: i32): usize {
  const d = new Detector();
  d.method = method;
  d.window = window;
  d.threshold = threshold;
  d.minSamples = minSamples;
  d.alpha = 2.0 / (<f64>window + 1.0);
  if (method != EWMA) d.ring = heap.alloc(<usize>window << 3);
  if (method == ROBUST || method == IQR) d.sorted = heap.alloc(<usize>window << 3);
  return changetype<usize>(d);
}

export function detectorFree(ptr: usize): void {
  const d = changetype<Detector>(ptr);
  if (d.ring != 0) heap.free(d.ring);
  if (d.sorted != 0) heap.free(d.sorted);
  heap.free(ptr);
}

/** Empties the detector's history. */
export function detectorReset(ptr: usize): void {
  const d = changetype<Detector>(ptr);
  d.head = 0;
  d.size = 0;
  d.mean = 0;
  d.m2 = 0;
  d.replaced = 0;
  d.seen = 0;
}

// First index in sorted[0..n) whose value is >= x.
function lowerBound(a: usize, n: i32, x: f64): i32 {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(a, mid) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Replaces one occurrence of `out` in the sorted window by `x` (or inserts x when out is NaN).
function sortedReplace(a: usize, n: i32, out: f64, x: f64): void {
  let from = n; // position of the hole
  if (out == out) from = lowerBound(a, n, out);
  const to = lowerBound(a, n, x);
  if (from == n) {
    memory.copy(a + (<usize>(to + 1) << 3), a + (<usize>to << 3), <usize>(n - to) << 3);
    store<f64>(a + (<usize>to << 3), x);
  } else if (to <= from) {
    memory.copy(a + (<usize>(to + 1) << 3), a + (<usize>to << 3), <usize>(from - to) << 3);
    store<f64>(a + (<usize>to << 3), x);
  } else {
    // The hole is left of the insertion point: shift (from, to) one step left.
    memory.copy(a + (<usize>from << 3), a + (<usize>(from + 1) << 3), <usize>(to - 1 - from) << 3);
    store<f64>(a + (<usize>(to - 1) << 3), x);
  }
}

@inline function median(a: usize, n: i32): f64 {
  const h = n >> 1;
  return (n & 1) != 0 ? at(a, h) : 0.5 * (at(a, h - 1) + at(a, h));
}

// k-th smallest (0-based) of |a[i] − m| over sorted a[0..n), where p = lowerBound(a, n, m):
// the deviations are two ascending runs, m − a[p−1−j] and a[p+j] − m.
function kthDeviation(a: usize, n: i32, m: f64, p: i32, k: i32): f64 {
  const nl = p, nr = n - p;
  let lo = max(0, k + 1 - nr), hi = min(k + 1, nl);
  while (lo < hi) {
    const i = (lo + hi) >>> 1;
    const j = k + 1 - i;
    if (i < nl && j > 0 && m - at(a, p - 1 - i) < at(a, p + j - 1) - m) lo = i + 1;
    else hi = i;
  }
  const j = k + 1 - lo;
  const left = lo > 0 ? m - at(a, p - lo) : -Infinity;
  const right = j > 0 ? at(a, p + j - 1) - m : -Infinity;
  return max(left, right);
}

@inline function typeSeven(a: usize, n: i32, q: f64): f64 {
  const h = <f64>(n - 1) * q;
  const lo = <i32>h;
  const frac = h - <f64>lo;
  if (lo + 1 >= n || frac == 0) return at(a, lo);
  return at(a, lo) + frac * (at(a, lo + 1) - at(a, lo));
}

@inline function ratio(dev: f64, scale: f64): f64 {
  if (scale > 0) return dev / scale;
  return dev == 0 ? 0 : (dev > 0 ? Infinity : -Infinity);
}

function recompute(d: Detector): void {
  let s: f64 = 0;
  for (let i = 0; i < d.size; i++) s += at(d.ring, i);
  const mean = s / <f64>d.size;
  let s2: f64 = 0, s1: f64 = 0;
  for (let i = 0; i < d.size; i++) {
    const e = at(d.ring, i) - mean;
    s1 += e;
    s2 += e * e;
  }
  d.mean = mean;
  d.m2 = max(0.0, s2 - s1 * s1 / <f64>d.size);
}

/**
 * Scores `x` against the history, then adds it. Writes score and expected to `out` (two f64s).
 * Returns 1 for an anomaly, 0 for a normal point, -1 while fewer than minSamples points precede it.
 */
export function detectorPush(ptr: usize, x: f64, out: usize): i32 {
  const d = changetype<Detector>(ptr);
  const n = d.size;
  const scored = d.seen >= <f64>d.minSamples && (d.method == EWMA ? d.seen >= 1 : n >= 2);
  let score: f64 = NaN, expected: f64 = NaN;
  if (scored) {
    if (d.method == ZSCORE) {
      expected = d.mean;
      score = ratio(x - d.mean, Math.sqrt(d.m2 / <f64>(n - 1)));
    } else if (d.method == ROBUST) {
      const a = d.sorted;
      const m = median(a, n);
      const p = lowerBound(a, n, m);
      const h = n >> 1;
      const mad = (n & 1) != 0
        ? kthDeviation(a, n, m, p, h)
        : 0.5 * (kthDeviation(a, n, m, p, h - 1) + kthDeviation(a, n, m, p, h));
      expected = m;
      score = ratio(x - m, 1.4826 * mad);
    } else if (d.method == IQR) {
      const a = d.sorted;
      const q1 = typeSeven(a, n, 0.25), q3 = typeSeven(a, n, 0.75);
      expected = median(a, n);
      if (x > q3) score = ratio(x - q3, q3 - q1);
      else if (x < q1) score = ratio(x - q1, q3 - q1);
      else score = 0;
    } else {
      expected = d.mean;
      score = ratio(x - d.mean, Math.sqrt(d.m2));
    }
  }
  // Join the history.
  if (d.method == EWMA) {
    if (d.seen == 0) {
      d.mean = x;
      d.m2 = 0;
    } else {
      const diff = x - d.mean;
      const incr = d.alpha * diff;
      d.mean += incr;
      d.m2 = (1.0 - d.alpha) * (d.m2 + diff * incr);
    }
  } else {
    const w = d.window;
    let removed: f64 = NaN;
    if (n == w) removed = at(d.ring, d.head);
    store<f64>(d.ring + (<usize>d.head << 3), x);
    d.head = d.head + 1 == w ? 0 : d.head + 1;
    if (d.method == ZSCORE) {
      if (n < w) {
        d.size = n + 1;
        const delta = x - d.mean;
        d.mean += delta / <f64>(n + 1);
        d.m2 += delta * (x - d.mean);
      } else {
        const old = d.mean;
        d.mean = old + (x - removed) / <f64>w;
        d.m2 = max(0.0, d.m2 + (x - removed) * (x - d.mean + removed - old));
        if (++d.replaced >= w) {
          d.replaced = 0;
          recompute(d);
        }
      }
    } else {
      sortedReplace(d.sorted, n, removed, x);
      if (n < w) d.size = n + 1;
    }
  }
  d.seen += 1;
  store<f64>(out, score);
  store<f64>(out, expected, 8);
  if (!scored) return -1;
  return Math.abs(score) > d.threshold ? 1 : 0;
}

/**
 * Pushes data[start..n) and records anomalies: indices to outIndex (i32), score and expected to
 * outScore / outExpected (f64). Stops after `cap` anomalies. Returns the number recorded; when
 * it equals cap, call again from the index after the last one.
 */
export function detectorPushMany(
  ptr: usize, data: usize, start: i32, n: i32,
  outIndex: usize, outScore: usize, outExpected: usize, cap: i32,
): i32 {
  const tmp = memory.data(16);
  let found = 0;
  for (let i = start; i < n && found < cap; i++) {
    if (detectorPush(ptr, load<f64>(data + (<usize>i << 3)), tmp) == 1) {
      store<i32>(outIndex + (<usize>found << 2), i);
      store<f64>(outScore + (<usize>found << 3), load<f64>(tmp));
      store<f64>(outExpected + (<usize>found << 3), load<f64>(tmp, 8));
      found++;
    }
  }
  return found;
}

/** Pushes `n` values and writes every point's score to `outScore` (NaN while warming up). */
export function detectorScoreMany(ptr: usize, data: usize, n: i32, outScore: usize): void {
  const tmp = memory.data(16);
  for (let i = 0; i < n; i++) {
    detectorPush(ptr, load<f64>(data + (<usize>i << 3)), tmp);
    store<f64>(outScore + (<usize>i << 3), load<f64>(tmp));
  }
}
