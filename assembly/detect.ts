// Streaming detectors of the z-score family. Each point is scored against the history before
// it (no look-ahead), then joins the history.
//
//   zscore  mean and sample standard deviation (ddof = 1, as pandas' rolling().std()) of the
//           trailing `window` points, kept by Welford's update with removal (Welford 1962;
//           sliding form as in Finch 2009) and recomputed exactly every `window` steps so
//           rounding cannot drift. score = (x − mean) / std.
//   robust  median and MAD of the trailing window, MAD scaled by 1.4826 so it estimates σ for
//           normal data (Iglewicz & Hoaglin 1993, R's mad()). score = (x − median) / (1.4826·MAD);
//           where the MAD is 0 (over half the window at the median), 1.2533·mean |x − median|;
//           never below the series' resolution (its smallest non-zero step between consecutive values).
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

import { heapSort } from './select';
import { contextConfigure, contextCreate, contextLoad, contextReset, contextSave, contextStateSize, isContext } from './context';
import { adaptiveCreate, adaptiveLoad, adaptiveReset, adaptiveRun, adaptiveSave, adaptiveStateSize, isAdaptive } from './adaptive';

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
  threshold2: f64 = 0;
  invWindow: f64 = 0;
  invWindowM1: f64 = 0;
  m2Peak: f64 = 0;
  /** robust: the smallest non-zero step between consecutive values so far (0: none yet), the series' resolution. */
  resolution: f64 = 0;
}

@inline function at(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

export function detectorCreate(method: i32, window: i32, threshold: f64, minSamples: i32): usize {
  if (isAdaptive(method)) return adaptiveCreate(method, window, threshold, minSamples);
  if (isContext(method)) return contextCreate(window, threshold, minSamples);
  const d = new Detector();
  d.method = method;
  d.window = window;
  d.threshold = threshold;
  d.minSamples = minSamples;
  d.alpha = 2.0 / (<f64>window + 1.0);
  d.threshold2 = threshold * threshold;
  d.invWindow = 1.0 / <f64>window;
  d.invWindowM1 = 1.0 / <f64>(window - 1);
  if (method != EWMA) d.ring = heap.alloc(<usize>window << 3);
  if (method == ROBUST || method == IQR) d.sorted = heap.alloc(<usize>window << 3);
  return changetype<usize>(d);
}

/** Both detector structs start with their method (an i32). */
@inline function adaptive(ptr: usize): bool {
  return isAdaptive(load<i32>(ptr));
}

/**
 * The `context` detector's value range (NaN, NaN: learned from its first points) and context
 * sizes (assembly/context.ts); only before its first point. Returns 1 when applied, 0 otherwise.
 */
export function detectorConfigure(ptr: usize, lo: f64, hi: f64, maxActive: i32, maxLeft: i32): i32 {
  return isContext(load<i32>(ptr)) ? contextConfigure(ptr, lo, hi, maxActive, maxLeft) : 0;
}

export function detectorFree(ptr: usize): void {
  // An adaptive or context detector is one block.
  if (adaptive(ptr) || isContext(load<i32>(ptr))) {
    heap.free(ptr);
    return;
  }
  const d = changetype<Detector>(ptr);
  if (d.ring != 0) heap.free(d.ring);
  if (d.sorted != 0) heap.free(d.sorted);
  heap.free(ptr);
}

/** Empties the detector's history. */
export function detectorReset(ptr: usize): void {
  if (adaptive(ptr)) return adaptiveReset(ptr);
  if (isContext(load<i32>(ptr))) return contextReset(ptr);
  const d = changetype<Detector>(ptr);
  d.head = 0;
  d.size = 0;
  d.mean = 0;
  d.m2 = 0;
  d.replaced = 0;
  d.seen = 0;
  d.m2Peak = 0;
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
  // Four accumulators, not one: a single chain of dependent additions made this pass (every w
  // points) cost as much as the streaming update itself. Plain f64 lanes, so the SIMD and the
  // no-SIMD builds sum in the same order.
  const n = d.size, ring = d.ring;
  let a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 += at(ring, i);
    a1 += at(ring, i + 1);
    a2 += at(ring, i + 2);
    a3 += at(ring, i + 3);
  }
  let s = (a0 + a2) + (a1 + a3);
  for (; i < n; i++) s += at(ring, i);
  const mean = s / <f64>n;
  let p0: f64 = 0, p1: f64 = 0, p2: f64 = 0, p3: f64 = 0, q0: f64 = 0, q1: f64 = 0, q2: f64 = 0, q3: f64 = 0;
  i = 0;
  for (; i + 4 <= n; i += 4) {
    const e0 = at(ring, i) - mean, e1 = at(ring, i + 1) - mean, e2 = at(ring, i + 2) - mean, e3 = at(ring, i + 3) - mean;
    p0 += e0; p1 += e1; p2 += e2; p3 += e3;
    q0 += e0 * e0; q1 += e1 * e1; q2 += e2 * e2; q3 += e3 * e3;
  }
  let s1 = (p0 + p2) + (p1 + p3), s2 = (q0 + q2) + (q1 + q3);
  for (; i < n; i++) {
    const e = at(ring, i) - mean;
    s1 += e;
    s2 += e * e;
  }
  d.mean = mean;
  d.m2 = max(0.0, s2 - s1 * s1 / <f64>n);
}

// Output of a run: in SCORES mode every point's score (NaN while warming up) and centre go to
// outScore[i − start] / outExpected[i − start], and its flag (1, 0, −1) to outIndex when that is
// not 0; in ANOMALIES mode only anomalies are written, as
// (index, score, expected), up to `cap` of them.
const SCORES = 0;
const ANOMALIES = 1;

// The score is computed here, inside branches that store to memory, so the optimiser cannot turn
// it into a branch-free select that would divide and take a square root for every point.
@inline function emit(
  mode: i32, i: i32, start: i32, found: i32, scored: bool, flag: bool, dev: f64, variance: f64, expected: f64,
  outIndex: usize, outScore: usize, outExpected: usize,
): i32 {
  if (mode == SCORES) {
    const score = scored ? ratio(dev, Math.sqrt(variance)) : NaN;
    store<f64>(outScore + (<usize>(i - start) << 3), score);
    store<f64>(outExpected + (<usize>(i - start) << 3), scored ? expected : NaN);
    if (outIndex != 0) store<i32>(outIndex + (<usize>(i - start) << 2), flag ? 1 : scored ? 0 : -1);
    return found;
  }
  if (!flag) return found;
  store<i32>(outIndex + (<usize>found << 2), i);
  store<f64>(outScore + (<usize>found << 3), ratio(dev, Math.sqrt(variance)));
  store<f64>(outExpected + (<usize>found << 3), expected);
  return found + 1;
}

// The state lives in locals for the whole loop; memory is touched once per call. The anomaly
// test needs no division or square root (dev² > t²·var): scores are computed only when needed.
function runZscore(d: Detector, data: usize, start: i32, n: i32, mode: i32, oi: usize, os: usize, oe: usize, cap: i32): i32 {
  const w = d.window, ring = d.ring, thr2 = d.threshold2, invW = d.invWindow, invWm1 = d.invWindowM1;
  const minSamples = <f64>d.minSamples;
  let mean = d.mean, m2 = d.m2, size = d.size, head = d.head, replaced = d.replaced, seen = d.seen;
  let m2Peak = d.m2Peak;
  let found = 0, i = start;
  // Phase 1, general: the window is filling, or fewer than minSamples points were seen.
  for (; i < n && found < cap && (size < w || seen < minSamples); i++) {
    const x = load<f64>(data + (<usize>i << 3));
    const dev = x - mean;
    const variance = size >= 2 ? m2 / <f64>(size - 1) : 0;
    const scored = seen >= minSamples && size >= 2;
    const flag = scored && dev * dev > thr2 * variance;
    found = emit(mode, i, start, found, scored, flag, dev, variance, mean, oi, os, oe);
    const slot = ring + (<usize>head << 3);
    if (size < w) {
      size++;
      mean += dev / <f64>size;
      m2 += dev * (x - mean);
    } else {
      const removed = load<f64>(slot);
      const old = mean;
      mean = old + (x - removed) * invW;
      m2 += (x - removed) * (x - mean + removed - old);
      if (m2 < 0) m2 = 0;
    }
    store<f64>(slot, x);
    head = head + 1 == w ? 0 : head + 1;
    seen += 1;
  }
  // Phase 2, the hot loop: full window, every point scored; no division, no branch on warm-up.
  const limit = thr2 * invWm1;
  const first = i;
  for (; i < n && found < cap; i++) {
    const x = load<f64>(data + (<usize>i << 3));
    const dev = x - mean;
    const flag = dev * dev > limit * m2;
    if (mode == SCORES || flag) found = emit(mode, i, start, found, true, flag, dev, m2 * invWm1, mean, oi, os, oe);
    const slot = ring + (<usize>head << 3);
    const removed = load<f64>(slot);
    store<f64>(slot, x);
    head = head + 1 == w ? 0 : head + 1;
    const old = mean;
    const diff = x - removed;
    mean = old + diff * invW;
    m2 += diff * (x - mean + removed - old);
    if (m2 > m2Peak) m2Peak = m2;
    // Recompute exactly every w steps, and at once when the spread collapses (a flat stretch
    // after noise): the update's rounding error scales with the largest spread seen, and must
    // not make a constant window look noisy.
    if (++replaced >= w || m2 < m2Peak * 1e-9) {
      d.size = size;
      recompute(d);
      mean = d.mean;
      m2 = d.m2;
      m2Peak = m2;
      replaced = 0;
    }
  }
  seen += <f64>(i - first);
  d.mean = mean; d.m2 = m2; d.size = size; d.head = head; d.replaced = replaced; d.seen = seen;
  d.m2Peak = m2Peak;
  return mode == SCORES ? i - start : found;
}

function runEwma(d: Detector, data: usize, start: i32, n: i32, mode: i32, oi: usize, os: usize, oe: usize, cap: i32): i32 {
  const alpha = d.alpha, thr2 = d.threshold2;
  const minSamples = max(1.0, <f64>d.minSamples);
  let mean = d.mean, variance = d.m2, seen = d.seen;
  let found = 0, i = start;
  for (; i < n && found < cap; i++) {
    const x = load<f64>(data + (<usize>i << 3));
    const dev = x - mean;
    const scored = seen >= minSamples;
    const flag = scored && dev * dev > thr2 * variance;
    found = emit(mode, i, start, found, scored, flag, dev, variance, mean, oi, os, oe);
    if (seen == 0) {
      mean = x;
      variance = 0;
    } else {
      const incr = alpha * dev;
      mean += incr;
      variance = (1.0 - alpha) * (variance + dev * incr);
    }
    seen += 1;
  }
  d.mean = mean; d.m2 = variance; d.seen = seen;
  return mode == SCORES ? i - start : found;
}

/** robust: the step from the last value, if it is the smallest non-zero one so far, becomes the resolution. */
function learnResolution(d: Detector, x: f64): void {
  const last = load<f64>(d.ring + (<usize>(d.head == 0 ? d.window - 1 : d.head - 1) << 3));
  const step = Math.abs(x - last);
  if (step > 0 && (d.resolution == 0 || step < d.resolution)) d.resolution = step;
}

// robust and iqr: the sorted window dominates the cost, so state stays in the struct.
function runOrdered(d: Detector, data: usize, start: i32, n: i32, mode: i32, oi: usize, os: usize, oe: usize, cap: i32): i32 {
  const w = d.window, a = d.sorted, robust = d.method == ROBUST;
  let found = 0, i = start;
  for (; i < n && found < cap; i++) {
    const x = load<f64>(data + (<usize>i << 3));
    const size = d.size;
    let score: f64 = NaN, expected: f64 = NaN;
    const scored = d.seen >= <f64>d.minSamples && size >= 2;
    if (scored) {
      if (robust) {
        const m = median(a, size);
        const p = lowerBound(a, size, m);
        const h = size >> 1;
        const mad = (size & 1) != 0
          ? kthDeviation(a, size, m, p, h)
          : 0.5 * (kthDeviation(a, size, m, p, h - 1) + kthDeviation(a, size, m, p, h));
        expected = m;
        let scale = 1.4826 * mad;
        if (scale == 0) {
          // More than half the window equals its median (quantised, often-flat telemetry): the
          // mean absolute deviation around the median, × √(π/2) to estimate σ for normal data
          // (the modified z-score's fallback, Iglewicz & Hoaglin 1993; IBM SPSS).
          let sum = 0.0;
          for (let k = 0; k < size; k++) sum += Math.abs(load<f64>(a + (<usize>k << 3)) - m);
          scale = 1.2533141373155003 * (sum / <f64>size);
        }
        // Never below the series' resolution: after a flat window, a change of one step scores 1,
        // not ±∞ (quantised and often-constant telemetry).
        if (scale < d.resolution) scale = d.resolution;
        score = ratio(x - m, scale);
      } else {
        const q1 = typeSeven(a, size, 0.25), q3 = typeSeven(a, size, 0.75);
        expected = median(a, size);
        score = x > q3 ? ratio(x - q3, q3 - q1) : x < q1 ? ratio(x - q1, q3 - q1) : 0;
      }
    }
    const flag = scored && Math.abs(score) > d.threshold;
    found = emit(mode, i, start, found, scored, flag, score, 1.0, expected, oi, os, oe);
    if (robust && size > 0) learnResolution(d, x);
    const slot = d.ring + (<usize>d.head << 3);
    sortedReplace(a, size, size == w ? load<f64>(slot) : NaN, x);
    store<f64>(slot, x);
    if (size < w) d.size = size + 1;
    d.head = d.head + 1 == w ? 0 : d.head + 1;
    d.seen += 1;
  }
  return mode == SCORES ? i - start : found;
}

function run(d: Detector, data: usize, start: i32, n: i32, mode: i32, oi: usize, os: usize, oe: usize, cap: i32): i32 {
  if (isAdaptive(d.method) || isContext(d.method)) return adaptiveRun(changetype<usize>(d), data, start, n, mode == ANOMALIES, oi, os, oe, cap);
  if (d.method == ZSCORE) return runZscore(d, data, start, n, mode, oi, os, oe, cap);
  if (d.method == EWMA) return runEwma(d, data, start, n, mode, oi, os, oe, cap);
  return runOrdered(d, data, start, n, mode, oi, os, oe, cap);
}

/**
 * Scores `x` against the history, then adds it. Writes score and expected to `out` (two f64s).
 * Returns 1 for an anomaly, 0 for a normal point, -1 while fewer than minSamples points precede it.
 */
export function detectorPush(ptr: usize, x: f64, out: usize): i32 {
  const input = memory.data(8), flag = memory.data(4);
  store<f64>(input, x);
  run(changetype<Detector>(ptr), input, 0, 1, SCORES, flag, out, out + 8, 1);
  return load<i32>(flag);
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
  return run(changetype<Detector>(ptr), data, start, n, ANOMALIES, outIndex, outScore, outExpected, cap);
}

/** Pushes `n` values; writes every point's score and centre (NaN while warming up). */
export function detectorScoreMany(ptr: usize, data: usize, n: i32, outScore: usize, outExpected: usize): void {
  run(changetype<Detector>(ptr), data, 0, n, SCORES, 0, outScore, outExpected, n);
}

// ---- State snapshots, so the runtime can re-create a detector on a fresh worker ----
// Internal layout (little-endian): magic "AVDT", version, the scalar state, then the ring's
// first `size` slots as stored. Sorted windows are rebuilt from the ring.

const STATE_MAGIC: u32 = 0x54445641; // "AVDT"
const STATE_HEADER: i32 = 80;

export function detectorStateSize(ptr: usize): i32 {
  if (adaptive(ptr)) return 8 + adaptiveStateSize(ptr);
  if (isContext(load<i32>(ptr))) return 8 + contextStateSize(ptr);
  const d = changetype<Detector>(ptr);
  return STATE_HEADER + (d.method == EWMA ? 0 : d.size << 3);
}

const ADAPTIVE_MAGIC: u32 = 0x41445641; // "AVDA"
const CONTEXT_MAGIC: u32 = 0x43445641; // "AVDC"

export function detectorSaveState(ptr: usize, out: usize): void {
  if (adaptive(ptr)) {
    store<u32>(out, ADAPTIVE_MAGIC);
    store<u32>(out, 1, 4);
    adaptiveSave(ptr, out + 8);
    return;
  }
  if (isContext(load<i32>(ptr))) {
    store<u32>(out, CONTEXT_MAGIC);
    store<u32>(out, 1, 4);
    contextSave(ptr, out + 8);
    return;
  }
  const d = changetype<Detector>(ptr);
  store<u32>(out, STATE_MAGIC);
  store<u32>(out, 1, 4);
  store<i32>(out, d.method, 8);
  store<i32>(out, d.window, 12);
  store<f64>(out, d.threshold, 16);
  store<i32>(out, d.minSamples, 24);
  store<i32>(out, d.size, 28);
  store<i32>(out, d.head, 32);
  store<i32>(out, d.replaced, 36);
  store<f64>(out, d.mean, 40);
  store<f64>(out, d.m2, 48);
  store<f64>(out, d.seen, 56);
  store<f64>(out, d.m2Peak, 64);
  store<f64>(out, d.resolution, 72);
  if (d.method != EWMA) memory.copy(out + STATE_HEADER, d.ring, <usize>d.size << 3);
}

/** A detector rebuilt from detectorSaveState bytes, or 0 when they are not valid. */
export function detectorLoadState(data: usize, len: i32): usize {
  if (len >= 8 && load<u32>(data) == ADAPTIVE_MAGIC) return load<u32>(data, 4) == 1 ? adaptiveLoad(data + 8, len - 8) : 0;
  if (len >= 8 && load<u32>(data) == CONTEXT_MAGIC) return load<u32>(data, 4) == 1 ? contextLoad(data + 8, len - 8) : 0;
  if (len < STATE_HEADER || load<u32>(data) != STATE_MAGIC || load<u32>(data, 4) != 1) return 0;
  const method = load<i32>(data, 8), window = load<i32>(data, 12);
  const size = load<i32>(data, 28), head = load<i32>(data, 32);
  if (method < ZSCORE || method > EWMA || window < 2 || size < 0 || size > window || head < 0 || head >= window) return 0;
  if (len != STATE_HEADER + (method == EWMA ? 0 : size << 3)) return 0;
  const ptr = detectorCreate(method, window, load<f64>(data, 16), load<i32>(data, 24));
  const d = changetype<Detector>(ptr);
  d.size = size;
  d.head = head;
  d.replaced = load<i32>(data, 36);
  d.mean = load<f64>(data, 40);
  d.m2 = load<f64>(data, 48);
  d.seen = load<f64>(data, 56);
  d.m2Peak = load<f64>(data, 64);
  d.resolution = load<f64>(data, 72);
  if (method != EWMA) memory.copy(d.ring, data + STATE_HEADER, <usize>size << 3);
  if (method == ROBUST || method == IQR) {
    memory.copy(d.sorted, d.ring, <usize>size << 3);
    if (size > 1) heapSort(d.sorted, 0, size - 1);
  }
  return ptr;
}
