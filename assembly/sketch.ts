// DDSketch: a relative-error, fully mergeable quantile sketch.
//
// Source: Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
// Relative-Error Guarantees", PVLDB 12(12), 2019; bucket mapping after the cubically
// interpolated mapping of DataDog's sketches-java.
//
// Mapping. For x = 2^e·(1+m), m ∈ [0,1), L(x) = e + P(m) with P(m) = (6/35)m³ − (3/5)m² + (10/7)m
// is a monotone approximation of log2(x) computed from the bits of x (no log call). Its slope
// against ln(x), (1+m)·P'(m), is at least 10/7 on [0,1] (minimum at m = 0 and m = 2/3), so with
// key(x) = ⌈L(x)·μ⌉ and μ = 1 / ((10/7)·ln γ), γ = (1+α)/(1−α), every bucket (l, u] has
// u/l ≤ γ. The bucket's value is the harmonic mean 2lu/(l+u), whose relative distance to any
// x ∈ (l, u] is at most (γ−1)/(γ+1) = α. This costs about 1% more buckets than an exact log.
//
// Stores. Positive values are counted under key(x), negative ones under −key(|x|) in a second
// store, so in both stores a lower key is a lower value. Each store is a dense array of f64
// counts spanning at most maxBuckets keys; when a new key would exceed that span the lowest
// buckets are collapsed into one ("collapsing lowest" store), so the upper quantiles keep the
// guarantee. |x| below the smallest normal double (2^−1022) counts as zero.
//
// Quantile definition. quantile(q) returns the value of the bucket holding the element of rank
// ⌊q·(n−1)⌋ (0-based) of the sorted input — the "lower" quantile — clamped to [min, max]; it is
// within relative accuracy α of that element. Ranks 0 and n − 1 are the exact min and max.

import { firstBad, pmax, pmin } from './summary';

const A: f64 = 6.0 / 35.0;
const B: f64 = -3.0 / 5.0;
const C: f64 = 10.0 / 7.0;
const MIN_NORMAL: f64 = 2.2250738585072014e-308;
const INITIAL_CAPACITY: i32 = 128;

@unmanaged class Store {
  counts: usize = 0; // f64[cap]
  cap: i32 = 0;
  offset: i32 = 0; // key of counts[0]
  minKey: i32 = i32.MAX_VALUE; // minKey > maxKey while empty
  maxKey: i32 = i32.MIN_VALUE;
}

@unmanaged class Sketch {
  mult: f64 = 0;
  relativeAccuracy: f64 = 0;
  maxBuckets: i32 = 0;
  count: f64 = 0;
  sum: f64 = 0;
  min: f64 = Infinity;
  max: f64 = -Infinity;
  zero: f64 = 0;
  pos: Store = new Store();
  neg: Store = new Store();
}

@inline function slot(s: Store, key: i32): usize {
  return s.counts + (<usize>(key - s.offset) << 3);
}

@inline function keyOf(x: f64, mult: f64): i32 {
  const bits = reinterpret<u64>(x);
  const e = <f64>(<i32>(bits >> 52) - 1023);
  const m = reinterpret<f64>((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000) - 1.0;
  return <i32>Math.ceil((e + ((A * m + B) * m + C) * m) * mult);
}

/** Inverse of L: the x with L(x) = l. */
function unlog(l: f64): f64 {
  const e = Math.floor(l);
  const r = l - e;
  let m = r;
  for (let i = 0; i < 8; i++) {
    const f = ((A * m + B) * m + C) * m - r;
    const d = (3.0 * A * m + 2.0 * B) * m + C;
    m = min(1.0, max(0.0, m - f / d));
  }
  return Math.pow(2.0, e) * (1.0 + m);
}

/** Representative value of a positive key: harmonic mean of the bucket's bounds. */
function valueOf(key: i32, mult: f64): f64 {
  const lo = unlog(<f64>(key - 1) / mult);
  const hi = unlog(<f64>key / mult);
  return lo * (2.0 / (1.0 + lo / hi));
}

/** Makes the store's array cover keys [lo, hi] (hi − lo < maxBuckets), keeping its counts. */
function cover(s: Store, lo: i32, hi: i32, maxBuckets: i32): void {
  if (s.cap > 0 && lo >= s.offset && hi < s.offset + s.cap) return;
  const span = hi - lo + 1;
  let cap = s.cap;
  if (span > cap) cap = min(max(max(cap * 2, span), INITIAL_CAPACITY), maxBuckets);
  const counts = heap.alloc(<usize>cap << 3);
  memory.fill(counts, 0, <usize>cap << 3);
  const offset = lo - ((cap - span) >> 1);
  if (s.minKey <= s.maxKey) {
    memory.copy(
      counts + (<usize>(s.minKey - offset) << 3),
      slot(s, s.minKey),
      <usize>(s.maxKey - s.minKey + 1) << 3,
    );
  }
  if (s.counts != 0) heap.free(s.counts);
  s.counts = counts;
  s.cap = cap;
  s.offset = offset;
}

function storeAdd(s: Store, key: i32, c: f64, maxBuckets: i32): void {
  if (s.minKey > s.maxKey) {
    cover(s, key, key, maxBuckets);
    s.minKey = key;
    s.maxKey = key;
  } else if (key < s.minKey) {
    // Below a full span: the value joins the lowest bucket (already collapsed or about to be).
    if (s.maxKey - key >= maxBuckets) key = s.maxKey - maxBuckets + 1;
    if (key < s.minKey) {
      cover(s, key, s.maxKey, maxBuckets);
      s.minKey = key;
    }
  } else if (key > s.maxKey) {
    if (key - s.minKey >= maxBuckets) {
      const newMin = key - maxBuckets + 1;
      let collapsed: f64 = 0;
      const last = min(newMin - 1, s.maxKey);
      for (let k = s.minKey; k <= last; k++) {
        collapsed += load<f64>(slot(s, k));
        store<f64>(slot(s, k), 0);
      }
      if (s.maxKey < newMin) {
        // Every bucket collapsed: nothing is left to carry over into the new range.
        s.minKey = i32.MAX_VALUE;
        s.maxKey = i32.MIN_VALUE;
      } else {
        s.minKey = newMin;
      }
      cover(s, newMin, key, maxBuckets);
      s.minKey = newMin;
      store<f64>(slot(s, newMin), load<f64>(slot(s, newMin)) + collapsed);
    } else {
      cover(s, s.minKey, key, maxBuckets);
    }
    s.maxKey = key;
  }
  const p = slot(s, key);
  store<f64>(p, load<f64>(p) + c);
}

function addOne(sk: Sketch, x: f64): void {
  if (x >= MIN_NORMAL) {
    const key = keyOf(x, sk.mult);
    const s = sk.pos;
    if (<u32>(key - s.offset) < <u32>s.cap) {
      const p = slot(s, key);
      store<f64>(p, load<f64>(p) + 1.0);
      if (key < s.minKey) s.minKey = key;
      if (key > s.maxKey) s.maxKey = key;
    } else {
      storeAdd(s, key, 1.0, sk.maxBuckets);
    }
  } else if (x <= -MIN_NORMAL) {
    const key = -keyOf(-x, sk.mult);
    const s = sk.neg;
    if (<u32>(key - s.offset) < <u32>s.cap) {
      const p = slot(s, key);
      store<f64>(p, load<f64>(p) + 1.0);
      if (key < s.minKey) s.minKey = key;
      if (key > s.maxKey) s.maxKey = key;
    } else {
      storeAdd(s, key, 1.0, sk.maxBuckets);
    }
  } else {
    sk.zero += 1.0;
  }
}

export function sketchCreate(relativeAccuracy: f64, maxBuckets: i32): usize {
  const sk = new Sketch();
  const gamma = (1.0 + relativeAccuracy) / (1.0 - relativeAccuracy);
  sk.mult = 1.0 / (C * Math.log(gamma));
  sk.relativeAccuracy = relativeAccuracy;
  sk.maxBuckets = maxBuckets;
  return changetype<usize>(sk);
}

export function sketchFree(ptr: usize): void {
  const sk = changetype<Sketch>(ptr);
  if (sk.pos.counts != 0) heap.free(sk.pos.counts);
  if (sk.neg.counts != 0) heap.free(sk.neg.counts);
  heap.free(changetype<usize>(sk.pos));
  heap.free(changetype<usize>(sk.neg));
  heap.free(ptr);
}

/** Adds one finite value. */
export function sketchAdd(ptr: usize, x: f64): void {
  const sk = changetype<Sketch>(ptr);
  addOne(sk, x);
  sk.count += 1.0;
  sk.sum += x;
  if (x < sk.min) sk.min = x;
  if (x > sk.max) sk.max = x;
}

// Recomputes a store's [minKey, maxKey] from its counts: the batch loop below increments
// buckets without tracking the range and calls this once at the end.
function rescan(s: Store): void {
  let lo = -1, hi = -1;
  for (let i = 0; i < s.cap; i++) {
    if (load<f64>(s.counts + (<usize>i << 3)) != 0) {
      if (lo < 0) lo = i;
      hi = i;
    }
  }
  if (lo >= 0) {
    s.minKey = s.offset + lo;
    s.maxKey = s.offset + hi;
  }
}

/** Adds `n` f64s at `data`; adds nothing and returns the first bad index if any is non-finite. */
export function sketchAddMany(ptr: usize, data: usize, n: i32): i32 {
  const bad = firstBad(data, n);
  if (bad >= 0) return bad;
  const sk = changetype<Sketch>(ptr);
  const mult = sk.mult;
  const pos = sk.pos;
  // The positive store's layout lives in locals; it changes only on the slow path.
  let counts = pos.counts, offset = pos.offset, cap = <u32>pos.cap;
  let touched = false;
  let sum: f64 = 0, mn = sk.min, mx = sk.max;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // Two keys per step: the exponent and the cubic of the mantissa in f64x2 lanes.
    const multV = f64x2.splat(mult);
    const minNormal = f64x2.splat(MIN_NORMAL);
    const expBias = f64x2.splat(4503599627370496.0 + 1023.0);
    let sumV = f64x2.splat(0), mnV = f64x2.splat(mn), mxV = f64x2.splat(mx);
    for (; i + 2 <= n; i += 2) {
      const x = v128.load(data + (<usize>i << 3));
      sumV = f64x2.add(sumV, x);
      mnV = f64x2.pmin(mnV, x);
      mxV = f64x2.pmax(mxV, x);
      // e = exponent as f64: the bits placed under 2^52's exponent, minus 2^52 and the bias.
      const e = f64x2.sub(v128.or(i64x2.shr_u(x, 52), i64x2.splat(0x4330000000000000)), expBias);
      const m = f64x2.sub(v128.or(v128.and(x, i64x2.splat(0x000FFFFFFFFFFFFF)), i64x2.splat(0x3FF0000000000000)), f64x2.splat(1.0));
      const poly = f64x2.mul(f64x2.add(f64x2.mul(f64x2.add(f64x2.mul(f64x2.splat(A), m), f64x2.splat(B)), m), f64x2.splat(C)), m);
      const keys = i32x4.trunc_sat_f64x2_s_zero(f64x2.ceil(f64x2.mul(f64x2.add(e, poly), multV)));
      const k0 = i32x4.extract_lane(keys, 0), k1 = i32x4.extract_lane(keys, 1);
      const a0 = <u32>(k0 - offset), a1 = <u32>(k1 - offset);
      if (i64x2.all_true(f64x2.ge(x, minNormal)) && a0 < cap && a1 < cap) {
        const p0 = counts + (<usize>a0 << 3);
        store<f64>(p0, load<f64>(p0) + 1.0);
        const p1 = counts + (<usize>a1 << 3);
        store<f64>(p1, load<f64>(p1) + 1.0);
        touched = true;
        continue;
      }
      if (touched) rescan(pos);
      touched = false;
      addOne(sk, f64x2.extract_lane(x, 0));
      addOne(sk, f64x2.extract_lane(x, 1));
      counts = pos.counts; offset = pos.offset; cap = <u32>pos.cap;
    }
    sum = f64x2.extract_lane(sumV, 0) + f64x2.extract_lane(sumV, 1);
    mn = min(mn, min(f64x2.extract_lane(mnV, 0), f64x2.extract_lane(mnV, 1)));
    mx = max(mx, max(f64x2.extract_lane(mxV, 0), f64x2.extract_lane(mxV, 1)));
  } else {
    // The SIMD path pair by pair (kernels-nosimd.wasm gives the same state, bit for bit).
    let sum0: f64 = 0, sum1: f64 = 0, mn0 = mn, mn1 = mn, mx0 = mx, mx1 = mx;
    for (; i + 2 <= n; i += 2) {
      const x0 = load<f64>(data + (<usize>i << 3)), x1 = load<f64>(data + (<usize>i << 3), 8);
      sum0 += x0;
      sum1 += x1;
      mn0 = pmin(mn0, x0); mn1 = pmin(mn1, x1);
      mx0 = pmax(mx0, x0); mx1 = pmax(mx1, x1);
      if (x0 >= MIN_NORMAL && x1 >= MIN_NORMAL) {
        const a0 = <u32>(keyOf(x0, mult) - offset), a1 = <u32>(keyOf(x1, mult) - offset);
        if (a0 < cap && a1 < cap) {
          const p0 = counts + (<usize>a0 << 3);
          store<f64>(p0, load<f64>(p0) + 1.0);
          const p1 = counts + (<usize>a1 << 3);
          store<f64>(p1, load<f64>(p1) + 1.0);
          touched = true;
          continue;
        }
      }
      if (touched) rescan(pos);
      touched = false;
      addOne(sk, x0);
      addOne(sk, x1);
      counts = pos.counts; offset = pos.offset; cap = <u32>pos.cap;
    }
    sum = sum0 + sum1;
    mn = min(mn, min(mn0, mn1));
    mx = max(mx, max(mx0, mx1));
  }
  for (; i < n; i++) {
    const x = load<f64>(data + (<usize>i << 3));
    sum += x;
    mn = min(mn, x);
    mx = max(mx, x);
    if (x >= MIN_NORMAL) {
      const at = <u32>(keyOf(x, mult) - offset);
      if (at < cap) {
        const p = counts + (<usize>at << 3);
        store<f64>(p, load<f64>(p) + 1.0);
        touched = true;
        continue;
      }
    }
    if (touched) rescan(pos);
    touched = false;
    addOne(sk, x);
    counts = pos.counts; offset = pos.offset; cap = <u32>pos.cap;
  }
  if (touched) rescan(pos);
  sk.count += <f64>n;
  sk.sum += sum;
  sk.min = mn;
  sk.max = mx;
  return -1;
}

/** Writes count, sum, min, max, zero count and bucket count to the six f64 slots at `out`. */
export function sketchStats(ptr: usize, out: usize): void {
  const sk = changetype<Sketch>(ptr);
  store<f64>(out, sk.count);
  store<f64>(out, sk.sum, 8);
  store<f64>(out, sk.min, 16);
  store<f64>(out, sk.max, 24);
  store<f64>(out, sk.zero, 32);
  store<f64>(out, <f64>(span(sk.pos) + span(sk.neg)), 40);
}

@inline function span(s: Store): i32 {
  return s.minKey > s.maxKey ? 0 : s.maxKey - s.minKey + 1;
}

function quantileOf(sk: Sketch, q: f64): f64 {
  if (sk.count == 0) return NaN;
  const rank = q * (sk.count - 1.0);
  // The extremes are known exactly.
  if (rank < 1.0) return sk.min;
  if (rank >= sk.count - 1.0) return sk.max;
  let cum: f64 = 0;
  let value = sk.max;
  let found = false;
  const neg = sk.neg;
  for (let k = neg.minKey; k <= neg.maxKey; k++) {
    cum += load<f64>(slot(neg, k));
    if (cum > rank) { value = -valueOf(-k, sk.mult); found = true; break; }
  }
  if (!found) {
    cum += sk.zero;
    if (cum > rank) { value = 0; found = true; }
  }
  if (!found) {
    const pos = sk.pos;
    for (let k = pos.minKey; k <= pos.maxKey; k++) {
      cum += load<f64>(slot(pos, k));
      if (cum > rank) { value = valueOf(k, sk.mult); break; }
    }
  }
  return min(sk.max, max(sk.min, value));
}

/** Quantiles for the `m` probabilities at `qs`, written to `out`; NaN when empty. */
export function sketchQuantiles(ptr: usize, qs: usize, m: i32, out: usize): void {
  const sk = changetype<Sketch>(ptr);
  for (let i = 0; i < m; i++) {
    store<f64>(out + (<usize>i << 3), quantileOf(sk, load<f64>(qs + (<usize>i << 3))));
  }
}

function mergeStore(into: Store, from: Store, maxBuckets: i32): void {
  for (let k = from.maxKey; k >= from.minKey; k--) {
    const c = load<f64>(slot(from, k));
    if (c != 0) storeAdd(into, k, c, maxBuckets);
  }
}

/** Adds `other` into `ptr`. Both must have been created with the same relative accuracy. */
export function sketchMerge(ptr: usize, other: usize): void {
  const a = changetype<Sketch>(ptr), b = changetype<Sketch>(other);
  if (b.count == 0) return;
  mergeStore(a.pos, b.pos, a.maxBuckets);
  mergeStore(a.neg, b.neg, a.maxBuckets);
  a.zero += b.zero;
  a.count += b.count;
  a.sum += b.sum;
  a.min = min(a.min, b.min);
  a.max = max(a.max, b.max);
}

// ---- Serialization (format documented in docs/sketch-format.md) ----

const MAGIC: u32 = 0x4B535641; // "AVSK"
const VERSION: u8 = 1;
const FLAG_F64_COUNTS: u8 = 1;
const HEADER: i32 = 64;

@inline function isIntegral(c: f64): bool {
  return c == Math.floor(c) && c < 9007199254740992.0;
}

function integralCounts(s: Store): bool {
  for (let k = s.minKey; k <= s.maxKey; k++) if (!isIntegral(load<f64>(slot(s, k)))) return false;
  return true;
}

@inline function varintSize(v: u64): i32 {
  let n = 1;
  while (v >= 0x80) { v >>= 7; n++; }
  return n;
}

function storeSize(s: Store, f64Counts: bool): i32 {
  let n = 8;
  if (f64Counts) return n + (span(s) << 3);
  for (let k = s.minKey; k <= s.maxKey; k++) n += varintSize(<u64>load<f64>(slot(s, k)));
  return n;
}

function flagsOf(sk: Sketch): u8 {
  return integralCounts(sk.pos) && integralCounts(sk.neg) && isIntegral(sk.zero) ? 0 : FLAG_F64_COUNTS;
}

/** Byte length of the serialized sketch. */
export function sketchSerializedSize(ptr: usize): i32 {
  const sk = changetype<Sketch>(ptr);
  const f = flagsOf(sk) == FLAG_F64_COUNTS;
  return HEADER + storeSize(sk.pos, f) + storeSize(sk.neg, f);
}

function writeStore(s: Store, p: usize, f64Counts: bool): usize {
  const n = span(s);
  store<i32>(p, n == 0 ? 0 : s.minKey);
  store<u32>(p, <u32>n, 4);
  p += 8;
  for (let k = s.minKey; k <= s.maxKey; k++) {
    const c = load<f64>(slot(s, k));
    if (f64Counts) { store<f64>(p, c); p += 8; continue; }
    let v = <u64>c;
    while (v >= 0x80) { store<u8>(p++, <u8>(v & 0x7F) | 0x80); v >>= 7; }
    store<u8>(p++, <u8>v);
  }
  return p;
}

/** Writes the serialized sketch (sketchSerializedSize bytes) to `out`. */
export function sketchSerialize(ptr: usize, out: usize): void {
  const sk = changetype<Sketch>(ptr);
  const flags = flagsOf(sk);
  store<u32>(out, MAGIC);
  store<u8>(out, VERSION, 4);
  store<u8>(out, flags, 5);
  store<u16>(out, 0, 6);
  store<f64>(out, sk.relativeAccuracy, 8);
  store<u32>(out, <u32>sk.maxBuckets, 16);
  store<u32>(out, 0, 20);
  store<f64>(out, sk.count, 24);
  store<f64>(out, sk.sum, 32);
  store<f64>(out, sk.min, 40);
  store<f64>(out, sk.max, 48);
  store<f64>(out, sk.zero, 56);
  const p = writeStore(sk.pos, out + HEADER, flags == FLAG_F64_COUNTS);
  writeStore(sk.neg, p, flags == FLAG_F64_COUNTS);
}

// Reads one store into `s`; returns the position after it, or 0 when the bytes are malformed.
function readStore(sk: Sketch, s: Store, p: usize, end: usize, f64Counts: bool): usize {
  if (p + 8 > end) return 0;
  const minKey = load<i32>(p);
  const n = load<u32>(p, 4);
  p += 8;
  if (n > <u32>sk.maxBuckets) return 0;
  if (n > 0 && <i64>minKey + <i64>n - 1 > <i64>i32.MAX_VALUE) return 0;
  for (let i: u32 = 0; i < n; i++) {
    let c: f64 = 0;
    if (f64Counts) {
      if (p + 8 > end) return 0;
      c = load<f64>(p);
      p += 8;
      if (!(c >= 0) || !isFinite(c)) return 0;
    } else {
      let v: u64 = 0, shift: u64 = 0;
      while (true) {
        if (p >= end || shift > 49) return 0;
        const b = load<u8>(p++);
        v |= <u64>(b & 0x7F) << shift;
        shift += 7;
        if ((b & 0x80) == 0) break;
      }
      c = <f64>v;
    }
    if (c != 0) storeAdd(s, minKey + <i32>i, c, sk.maxBuckets);
  }
  return p;
}

/** Relative accuracy stored in serialized bytes, or NaN when the header is not a sketch's. */
export function sketchPeekAccuracy(data: usize, len: i32): f64 {
  if (len < HEADER || load<u32>(data) != MAGIC || load<u8>(data, 4) != VERSION) return NaN;
  return load<f64>(data, 8);
}

/** Rebuilds a sketch from `len` bytes at `data`; returns 0 when they are not a valid encoding. */
export function sketchDeserialize(data: usize, len: i32): usize {
  const acc = sketchPeekAccuracy(data, len);
  if (len < HEADER) return 0;
  const maxBuckets = <i32>load<u32>(data, 16);
  const flags = load<u8>(data, 5);
  if (!(acc >= 1e-6 && acc <= 0.5) || maxBuckets < 1 || maxBuckets > (1 << 20) || (flags & ~FLAG_F64_COUNTS) != 0) return 0;
  const ptr = sketchCreate(acc, maxBuckets);
  const sk = changetype<Sketch>(ptr);
  const end = data + <usize>len;
  const f = flags == FLAG_F64_COUNTS;
  let p = readStore(sk, sk.pos, data + HEADER, end, f);
  if (p != 0) p = readStore(sk, sk.neg, p, end, f);
  const count = load<f64>(data, 24);
  const zero = load<f64>(data, 56);
  const mn = load<f64>(data, 40), mx = load<f64>(data, 48);
  sk.zero = zero;
  sk.count = count;
  sk.sum = load<f64>(data, 32);
  sk.min = mn;
  sk.max = mx;
  const buckets = totalOf(sk.pos) + totalOf(sk.neg) + zero;
  const valid = p == end && zero >= 0 && isFinite(sk.sum) &&
    Math.abs(buckets - count) <= 1e-9 * max(1.0, count) &&
    (count == 0 ? mn == Infinity && mx == -Infinity : isFinite(mn) && isFinite(mx) && mn <= mx);
  if (!valid) {
    sketchFree(ptr);
    return 0;
  }
  return ptr;
}

function totalOf(s: Store): f64 {
  let t: f64 = 0;
  for (let k = s.minKey; k <= s.maxKey; k++) t += load<f64>(slot(s, k));
  return t;
}
