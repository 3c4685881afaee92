// Streaming detectors for real telemetry (measured on the Numenta Anomaly Benchmark,
// bench/nab/): scores in [0, 1), each point scored against the history before it.
//
//   seasonal    z-score (window w) of the residual of a seasonal-naive forecast x[t] − x[t − p].
//               The period p is found once, on the first 600 points: the highest local maximum
//               of the sample autocorrelation at lags 3…299 that exceeds 0.3 (Box & Jenkins'
//               ACF); with none, the forecast is x[t − 1] (first differences).
//   cusum       two-sided CUSUM (Page 1954) of the level z-score (window w) with reference k = 1,
//               restarted after it passes h = 10; score from the larger of the two sums / 5.
//   likelihood  Numenta's anomaly likelihood (Ahmad et al. 2017): how far in the tail the mean
//               of the last 10 raw scores (|level z|) lies against the mean and deviation of the
//               last w raw scores — reported as that Gaussian z (the tail probability itself rounds
//               to 1 beyond z ≈ 8 and would tie every strong anomaly).
//   auto        max(|level z|, |seasonal z|): level anomalies (spikes, shifts) and pattern
//               anomalies (a daily shape broken) — the best of these on NAB.
//
// Scores: a z becomes z / (1 + z). Every method reports a point only when its raw
// score exceeds every raw score of the previous `SUPPRESS` points, so one incident is one report
// (NAB counts only a window's first detection and charges every other one as a false positive).

import { contextPush, isContext } from './context';

export const SEASONAL = 4;
export const CUSUM = 5;
export const LIKELIHOOD = 6;
export const AUTO = 7;

const WARM = 600;
const MAX_LAG = 300;
const SUPPRESS = 200;
const SHORT = 10;

// Block layout: the header below, three Win headers, then the f64 arrays at the offsets they
// record. The whole state is one allocation, so a snapshot is a copy of it.
@unmanaged class Adaptive {
  method: i32 = 0; // first, as in detect.ts's Detector: the dispatch reads it
  bytes: i32 = 0;
  window: i32 = 0;
  minSamples: i32 = 0;
  threshold: f64 = 0;
  seen: i32 = 0;
  period: i32 = -1; // -1 not yet known, 0 none (differences)
  // Offsets of the three sliding windows (Win): of x, of the seasonal residuals, of the raw scores.
  level: i32 = 0;
  res: i32 = 0;
  raw: i32 = 0;
  // last MAX_LAG + 1 inputs (seasonal forecast) / first WARM inputs (period search)
  lagRing: i32 = 0; lagHead: i32 = 0;
  warm: i32 = 0;
  // raw scores of the last SUPPRESS points
  supRing: i32 = 0; supHead: i32 = 0; supSize: i32 = 0;
  // cusum
  sp: f64 = 0; sn: f64 = 0;
  // likelihood: short ring of raw scores (the long window is `raw`)
  shortRing: i32 = 0; shortHead: i32 = 0; shortSize: i32 = 0; shortSum: f64 = 0;
}

/** A sliding window kept by running sums, inside the detector's block: its ring is at `ring`. */
@unmanaged class Win {
  ring: i32 = 0;
  head: i32 = 0;
  size: i32 = 0;
  since: i32 = 0;
  sum: f64 = 0;
  sum2: f64 = 0;
}

const HEADER: i32 = (offsetof<Adaptive>() + 7) & ~7;
const WIN: i32 = (offsetof<Win>() + 7) & ~7;

@inline function arr(d: Adaptive, offset: i32): usize {
  return changetype<usize>(d) + <usize>offset;
}

export function isAdaptive(method: i32): bool {
  return method >= SEASONAL && method <= AUTO;
}

/** Bytes of a detector's block, for a window. */
function blockSize(window: i32): i32 {
  return HEADER + 3 * WIN + ((window * 3 + MAX_LAG + 1 + WARM + SUPPRESS + SHORT) << 3);
}

/** Zeroes the block and lays it out: the header, then the arrays. */
function init(p: usize, method: i32, window: i32, threshold: f64, minSamples: i32): void {
  const bytes = blockSize(window);
  memory.fill(p, 0, <usize>bytes);
  const d = changetype<Adaptive>(p);
  d.bytes = bytes;
  d.method = method;
  d.window = window;
  d.threshold = threshold;
  d.minSamples = minSamples;
  d.period = -1;
  let at = HEADER;
  d.level = at; at += WIN;
  d.res = at; at += WIN;
  d.raw = at; at += WIN;
  win(d, d.level).ring = at; at += window << 3;
  win(d, d.res).ring = at; at += window << 3;
  d.lagRing = at; at += (MAX_LAG + 1) << 3;
  d.warm = at; at += WARM << 3;
  d.supRing = at; at += SUPPRESS << 3;
  d.shortRing = at; at += SHORT << 3;
  win(d, d.raw).ring = at;
}

export function adaptiveCreate(method: i32, window: i32, threshold: f64, minSamples: i32): usize {
  const p = heap.alloc(<usize>blockSize(window));
  init(p, method, window, threshold, minSamples);
  return p;
}

export function adaptiveReset(ptr: usize): void {
  const d = changetype<Adaptive>(ptr);
  init(ptr, d.method, d.window, d.threshold, d.minSamples);
}

export function adaptiveStateSize(ptr: usize): i32 {
  return changetype<Adaptive>(ptr).bytes;
}

export function adaptiveSave(ptr: usize, out: usize): void {
  memory.copy(out, ptr, <usize>changetype<Adaptive>(ptr).bytes);
}

/** A detector from adaptiveSave bytes (already checked to be one), or 0. */
export function adaptiveLoad(data: usize, len: i32): usize {
  if (len < HEADER) return 0;
  const d0 = changetype<Adaptive>(data);
  if (d0.bytes != len || !isAdaptive(d0.method) || d0.window < 2) return 0;
  const p = adaptiveCreate(d0.method, d0.window, d0.threshold, d0.minSamples);
  if (changetype<Adaptive>(p).bytes != len) {
    heap.free(p);
    return 0;
  }
  memory.copy(p, data, <usize>len);
  return p;
}

@inline function windowZ(x: f64, mean: f64, sd: f64): f64 {
  if (sd > 0) return Math.abs(x - mean) / sd;
  return x == mean ? 0 : 50;
}

/** Adds x to the window (dropping its oldest past `window` values); re-sums exactly every `window` pushes, as running sums of squares drift. */
function windowPush(d: Adaptive, w: Win, x: f64): void {
  const n = d.window;
  const base = arr(d, w.ring);
  const slot = base + (<usize>w.head << 3);
  if (w.size == n) {
    const old = load<f64>(slot);
    w.sum -= old;
    w.sum2 -= old * old;
  } else w.size++;
  store<f64>(slot, x);
  w.sum += x;
  w.sum2 += x * x;
  w.head = w.head + 1 == n ? 0 : w.head + 1;
  if (++w.since >= n) {
    w.since = 0;
    let sum = 0.0, sum2 = 0.0;
    for (let i = 0; i < w.size; i++) {
      const v = load<f64>(base + (<usize>i << 3));
      sum += v;
      sum2 += v * v;
    }
    w.sum = sum;
    w.sum2 = sum2;
  }
}

@inline function win(d: Adaptive, offset: i32): Win {
  return changetype<Win>(arr(d, offset));
}

@inline function meanOf(sum: f64, size: i32): f64 {
  return size > 0 ? sum / <f64>size : 0;
}

@inline function sdOf(sum: f64, sum2: f64, size: i32): f64 {
  if (size < 2) return 0;
  const m = sum / <f64>size;
  const v = (sum2 - <f64>size * m * m) / <f64>(size - 1);
  return v > 0 ? Math.sqrt(v) : 0;
}

/** The period from the first WARM points (0: none). */
function findPeriod(d: Adaptive): i32 {
  const x = arr(d, d.warm);
  const n = WARM;
  let mean = 0.0;
  for (let i = 0; i < n; i++) mean += load<f64>(x + (<usize>i << 3));
  mean /= <f64>n;
  let c0 = 0.0;
  for (let i = 0; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3)) - mean;
    c0 += v * v;
  }
  if (c0 <= 0) return 0;
  let best = 0;
  let bestValue = 0.3;
  let prev = 0.0, cur = 0.0;
  const maxLag = min(MAX_LAG + 1, n >> 1);
  for (let lag = 1; lag <= maxLag; lag++) {
    let c = 0.0;
    for (let i = lag; i < n; i++) c += (load<f64>(x + (<usize>i << 3)) - mean) * (load<f64>(x + (<usize>(i - lag) << 3)) - mean);
    const next = c / c0;
    // `cur` (lag − 1) is a local maximum when prev ≤ cur ≥ next (strictly above prev).
    if (lag - 1 >= 3 && cur > prev && cur >= next && cur > bestValue) {
      bestValue = cur;
      best = lag - 1;
    }
    prev = cur;
    cur = next;
  }
  return best;
}

/** Largest raw score of the last SUPPRESS points, then `raw` joins them. */
function suppressPush(d: Adaptive, raw: f64): f64 {
  const base = arr(d, d.supRing);
  let m = -Infinity;
  for (let i = 0; i < d.supSize; i++) m = max(m, load<f64>(base + (<usize>i << 3)));
  store<f64>(base + (<usize>d.supHead << 3), raw);
  d.supHead = d.supHead + 1 == SUPPRESS ? 0 : d.supHead + 1;
  if (d.supSize < SUPPRESS) d.supSize++;
  return m;
}

/**
 * Scores `x`, then adds it. Writes the score (in [0, 1)) and the expected value; returns 1 for an
 * anomaly (score > threshold), 0 for a normal point, −1 while warming up (score NaN).
 */
export function adaptivePush(ptr: usize, x: f64, outScore: usize, outExpected: usize): i32 {
  const d = changetype<Adaptive>(ptr);
  const method = d.method;
  // Seasonal forecast from the lag ring (before x joins it).
  const lagBase = arr(d, d.lagRing);
  const seen = d.seen;
  if (seen < WARM) store<f64>(arr(d, d.warm) + (<usize>seen << 3), x);
  if (seen == WARM && d.period < 0) {
    d.period = findPeriod(d);
    if (d.period > 1) {
      // The residual window so far held differences: rebuild it from the warm-up points.
      const r = win(d, d.res);
      r.head = 0; r.size = 0; r.sum = 0; r.sum2 = 0; r.since = 0;
      const wb = arr(d, d.warm);
      for (let i = d.period; i < WARM; i++) windowPush(d, r, load<f64>(wb + (<usize>i << 3)) - load<f64>(wb + (<usize>(i - d.period) << 3)));
    }
  }
  const p = d.period < 0 ? 1 : max(1, d.period);
  let forecast = NaN;
  if (seen >= p) {
    let k = d.lagHead - p;
    if (k < 0) k += MAX_LAG + 1;
    forecast = load<f64>(lagBase + (<usize>k << 3));
  }
  store<f64>(lagBase + (<usize>d.lagHead << 3), x);
  d.lagHead = d.lagHead + 1 == MAX_LAG + 1 ? 0 : d.lagHead + 1;
  d.seen = seen + 1;

  const level = win(d, d.level), res = win(d, d.res);
  const levelMean = meanOf(level.sum, level.size);
  const levelSd = sdOf(level.sum, level.sum2, level.size);
  const levelZ = level.size >= 2 ? windowZ(x, levelMean, levelSd) : 0;
  const signedLevel = levelSd > 0 ? (x - levelMean) / levelSd : 0;
  let raw = 0.0;
  let expected = levelMean;
  if (method == SEASONAL || method == AUTO) {
    let resZ = 0.0;
    if (forecast == forecast) {
      const r = x - forecast;
      const resMean = meanOf(res.sum, res.size);
      resZ = res.size >= 2 ? windowZ(r, resMean, sdOf(res.sum, res.sum2, res.size)) : 0;
      // The forecast corrected by the mean residual of the points before x (never x itself).
      if (method == SEASONAL) expected = forecast + resMean;
      windowPush(d, res, r);
    }
    raw = method == AUTO ? max(levelZ, resZ) : resZ;
  } else if (method == CUSUM) {
    const z = min(10.0, max(-10.0, signedLevel));
    d.sp = max(0.0, d.sp + z - 1.0);
    d.sn = max(0.0, d.sn - z - 1.0);
    raw = max(d.sp, d.sn) / 5.0;
    if (d.sp > 10.0 || d.sn > 10.0) {
      d.sp = 0;
      d.sn = 0;
    }
  } else {
    // likelihood over |level z|: the short mean's standardised distance above the long history.
    // Reported through its z (monotone in the tail probability, which rounds to 1 beyond z ≈ 8).
    const sb = arr(d, d.shortRing);
    if (d.shortSize == SHORT) d.shortSum -= load<f64>(sb + (<usize>d.shortHead << 3));
    else d.shortSize++;
    store<f64>(sb + (<usize>d.shortHead << 3), levelZ);
    d.shortSum += levelZ;
    d.shortHead = d.shortHead + 1 == SHORT ? 0 : d.shortHead + 1;
    const avg = d.shortSum / <f64>d.shortSize;
    const rawWin = win(d, d.raw);
    if (rawWin.size >= 20) {
      const m = meanOf(rawWin.sum, rawWin.size);
      const sd = max(sdOf(rawWin.sum, rawWin.sum2, rawWin.size), 1e-3 * Math.abs(m) + 1e-9);
      raw = max(0.0, (avg - m) / sd);
    }
    windowPush(d, rawWin, levelZ);
  }
  windowPush(d, level, x);
  const previousMax = suppressPush(d, raw);
  store<f64>(outExpected, expected);
  if (seen < d.minSamples) {
    store<f64>(outScore, NaN);
    return -1;
  }
  const score = raw > previousMax ? raw / (1.0 + raw) : 0.0;
  store<f64>(outScore, score);
  return score > d.threshold ? 1 : 0;
}

/** Pushes data[start..n) into an adaptive or a context detector, as detect.ts's run() does for its own methods (see its emit()). */
export function adaptiveRun(ptr: usize, data: usize, start: i32, n: i32, anomaliesOnly: bool, oi: usize, os: usize, oe: usize, cap: i32): i32 {
  const tmp = memory.data(16);
  const context = isContext(load<i32>(ptr));
  let found = 0;
  let i = start;
  for (; i < n && found < cap; i++) {
    const x = load<f64>(data + (<usize>i << 3));
    const flag = context ? contextPush(ptr, x, tmp, tmp + 8) : adaptivePush(ptr, x, tmp, tmp + 8);
    const score = load<f64>(tmp), expected = load<f64>(tmp, 8);
    if (!anomaliesOnly) {
      store<f64>(os + (<usize>(i - start) << 3), score);
      store<f64>(oe + (<usize>(i - start) << 3), flag < 0 ? NaN : expected);
      if (oi != 0) store<i32>(oi + (<usize>(i - start) << 2), flag);
    } else if (flag == 1) {
      store<i32>(oi + (<usize>found << 2), i);
      store<f64>(os + (<usize>found << 3), score);
      store<f64>(oe + (<usize>found << 3), expected);
      found++;
    }
  }
  return anomaliesOnly ? found : i - start;
}
