// `context`: contextual anomaly detection over discretised values, after the scheme of Smirnov's
// Contextual Anomaly Detector (CAD OSE, second on the NAB v1.0 board), written here from its
// description. Scores in [0, 1]; each point is scored against the memory built from the points
// before it, then joins it.
//
// Each value is cut into 8 levels of its range, [lo, hi], and written as 3 facts, one per bit
// of the level: fact 2s + bit for bit position s. A context pairs a left set of facts (the previous
// step's facts plus the "neurons", ids of the contexts that fired on it) with a right set (facts
// that followed). Per step:
//   1. the previous left set and the current facts form a zero-level context, created if new;
//   2. every context whose left set was wholly present in the previous left set is "selected": it
//      predicted its right set, and counts how much of it came (total += |right|, correct += hits);
//      it fires when all of it came. When step 1 created a context, partial matches of zero-level
//      contexts (at most `maxLeft` left facts) become potential new contexts;
//   3. the `maxActive` fired contexts fired most often (ties: the newest) become the next left
//      set's neurons, and the potential contexts are stored;
//   4. the prediction for the next step is the union of the right sets of the contexts wholly
//      present in the new left set with the best correct/total ratio.
// score = (1 − fired/selected + created/potential) / 2 when a fact was not predicted, else 0; and,
// as in CAD, 0 for `rest` (= window) points after a score ≥ 0.75 and during the first `rest` points.
//
// The range is given (CAD's and every NAB detector's: the file's min and max), or learned: the
// min and max of the first min(minSamples, 600) points, which are then learned; a later value
// outside it widens the range to take it in, and the memory is rebuilt from the last 600 values
// (a level's facts changed meaning). So the learned range is the extremes seen so far, as the
// given one is the extremes of the whole series. The rebuild lifts NAB's standard score of the
// learned range from 49 to 64 (bench/nab/): most telemetry drifts out of its first range.
//
// Memory is one block of BYTES (< 64 KB, so a snapshot is a copy of it): at most MAX_CONTEXTS
// contexts, MAX_SEMIS left sets and POOL neuron ids, split so that CAD's own context sizes (15/7)
// have room for the left sets and ids their contexts need. A step's working space (up to MAX_POT
// potential contexts) is shared by every detector, outside the block. CAD's memory grows without
// bound (63,000 contexts on a NAB file); this one forgets instead. Before a step that might not
// find room for what it usually stores (65 contexts, 65 left sets, 65 × maxActive neuron ids), the
// eighth of the contexts that predicted worst (lowest correct/total, 0 before any prediction;
// ties: the older) are forgotten, with the left sets left without contexts, and the ids renumbered
// in order; a rare step that stores more finds no room for the rest. A left set that names a
// forgotten context keeps it as DEAD, which is never present: the set is never wholly present
// again, but its other facts can still seed potential contexts. On NAB (bench/nab/, docs/anomalies.md)
// this took CAD's 15/7 from 63.6 (a full memory stored nothing new, and 64 potential contexts a
// step) to 71.3, as NAB's harness ran CAD OSE. Where CAD's original breaks ties by Python's hash
// order, this breaks them by id, so the detector is deterministic.

export const CONTEXT = 8;

const MAX_CONTEXTS = 1536;
const MAX_SEMIS = 1536;
const POOL = 6144;
/** A forgotten context's id where a left set still names it: its flag is never set. */
const DEAD = MAX_CONTEXTS;
const HASH = 4096; // open addressing over left sets, a power of two ≥ 2 × MAX_SEMIS
const MAX_NEURONS = 15;
const MAX_POT = 512;
/**
 * Room kept free before a step: a step stores the zero-level context and its potential ones, 64 or
 * fewer but for rare steps; what finds no room then is not stored.
 */
const STEP_ROOM = 65;
const POT_BYTES = 4 + 2 * MAX_NEURONS; // left mask, right mask, count, pad, ids
const WARM_MAX = 600;
const BASE = 0.75;
const LEVELS = 7.0; // highest level: 3 bits

@unmanaged class Ctx {
  method: i32 = 0; // first, as in detect.ts's Detector: the dispatch reads it
  bytes: i32 = 0;
  window: i32 = 0; // the rest period
  minSamples: i32 = 0;
  threshold: f64 = 0;
  lo: f64 = 0;
  hi: f64 = 0;
  learn: i32 = 0; // 1: the range is learned from the first minSamples points
  maxActive: i32 = 0;
  maxLeft: i32 = 0;
  seen: i32 = 0; // points pushed
  steps: i32 = 0; // points the model has learned
  lastHigh: i32 = 0;
  nCtx: i32 = 0;
  nSemi: i32 = 0;
  nPool: i32 = 0;
  hasLeft: i32 = 0;
  leftMask: i32 = 0;
  leftN: i32 = 0;
  predicted: i32 = 0;
  nPot: i32 = 0;
  ringHead: i32 = 0; // learned range: the last WARM_MAX values
  ringSize: i32 = 0;
}

const HEADER: i32 = (offsetof<Ctx>() + 7) & ~7;
// Offsets of the arrays inside the block.
const O_WARM = HEADER;
const O_TOTAL = O_WARM + WARM_MAX * 8;
const O_CORRECT = O_TOTAL + MAX_CONTEXTS * 4;
const O_ACT = O_CORRECT + MAX_CONTEXTS * 4;
const O_CNEXT = O_ACT + MAX_CONTEXTS * 4;
const O_RIGHT = O_CNEXT + MAX_CONTEXTS * 2;
const O_ZERO = O_RIGHT + MAX_CONTEXTS;
const O_FLAG = O_ZERO + MAX_CONTEXTS;
const O_SMASK = O_FLAG + MAX_CONTEXTS + 8; // + DEAD's flag
const O_SN = O_SMASK + MAX_SEMIS;
const O_SOFF = O_SN + MAX_SEMIS;
const O_SFIRST = O_SOFF + MAX_SEMIS * 2;
const O_SBNEXT = O_SFIRST + MAX_SEMIS * 2;
const O_BUCKET = O_SBNEXT + MAX_SEMIS * 2;
const O_HASH = O_BUCKET + 64 * 2;
const O_POOL = O_HASH + HASH * 2;
const O_LEFT = O_POOL + POOL * 2;
const BYTES: i32 = (O_LEFT + MAX_NEURONS * 2 + 7) & ~7;

// A step's working space, shared by every detector (a step runs start to end, never interleaved
// with another's), kept out of the block so that a snapshot holds only state: the next left
// group's neuron ids, the potential contexts, the fired contexts offered to the next left group.
const S_NEXT = 0;
const S_POT = S_NEXT + (MAX_NEURONS + 1) * 2;
const S_TOPACT = (S_POT + (MAX_POT + 1) * POT_BYTES + 3) & ~3;
const S_TOPID = S_TOPACT + (MAX_NEURONS + 1) * 4;
const SEEN = 2048; // a hash set over the potential list (a power of two ≥ 2 × (MAX_POT + 1))
const S_SEEN = S_TOPID + (MAX_NEURONS + 1) * 2;
const SCRATCH_BYTES: i32 = S_SEEN + SEEN * 2;
let scratch: usize = 0;

/** The step's working space (allocated on the first step). */
function work(): Ctx {
  if (scratch == 0) scratch = heap.alloc(<usize>SCRATCH_BYTES);
  return changetype<Ctx>(scratch);
}

// Typed access to the block's arrays.
@inline function u8at(d: Ctx, o: i32, i: i32): i32 { return <i32>load<u8>(changetype<usize>(d) + <usize>(o + i)); }
@inline function u8set(d: Ctx, o: i32, i: i32, v: i32): void { store<u8>(changetype<usize>(d) + <usize>(o + i), <u8>v); }
@inline function u16at(d: Ctx, o: i32, i: i32): i32 { return <i32>load<u16>(changetype<usize>(d) + <usize>(o + (i << 1))); }
@inline function u16set(d: Ctx, o: i32, i: i32, v: i32): void { store<u16>(changetype<usize>(d) + <usize>(o + (i << 1)), <u16>v); }
@inline function u32at(d: Ctx, o: i32, i: i32): u32 { return load<u32>(changetype<usize>(d) + <usize>(o + (i << 2))); }
@inline function u32set(d: Ctx, o: i32, i: i32, v: u32): void { store<u32>(changetype<usize>(d) + <usize>(o + (i << 2)), v); }

export function isContext(method: i32): bool {
  return method == CONTEXT;
}

function init(p: usize, window: i32, threshold: f64, minSamples: i32): void {
  memory.fill(p, 0, <usize>BYTES);
  const d = changetype<Ctx>(p);
  d.method = CONTEXT;
  d.bytes = BYTES;
  d.window = window;
  d.threshold = threshold;
  d.minSamples = minSamples;
  d.lo = NaN;
  d.hi = NaN;
  d.learn = 1;
  d.maxActive = 3;
  d.maxLeft = 3;
  d.lastHigh = -1;
}

export function contextCreate(window: i32, threshold: f64, minSamples: i32): usize {
  const p = heap.alloc(<usize>BYTES);
  init(p, window, threshold, minSamples);
  return p;
}

/**
 * Sets the value range (NaN, NaN: learned, see above) and the
 * context sizes; only before the first point. Returns 1 when applied.
 */
export function contextConfigure(ptr: usize, lo: f64, hi: f64, maxActive: i32, maxLeft: i32): i32 {
  const d = changetype<Ctx>(ptr);
  if (d.seen > 0 || maxActive < 1 || maxActive > MAX_NEURONS || maxLeft < 1) return 0;
  const given = lo == lo && hi == hi;
  if (given && !(hi >= lo)) return 0;
  d.lo = given ? lo : NaN;
  d.hi = given ? hi : NaN;
  d.learn = given ? 0 : 1;
  d.maxActive = maxActive;
  d.maxLeft = maxLeft;
  return 1;
}

export function contextReset(ptr: usize): void {
  const d = changetype<Ctx>(ptr);
  const lo = d.lo, hi = d.hi, learn = d.learn, ma = d.maxActive, ml = d.maxLeft;
  init(ptr, d.window, d.threshold, d.minSamples);
  if (learn == 0) {
    d.lo = lo;
    d.hi = hi;
    d.learn = 0;
  }
  d.maxActive = ma;
  d.maxLeft = ml;
}

export function contextStateSize(ptr: usize): i32 {
  return changetype<Ctx>(ptr).bytes;
}

export function contextSave(ptr: usize, out: usize): void {
  memory.copy(out, ptr, <usize>BYTES);
}

/** A detector from contextSave bytes, or 0 when they are not one. */
export function contextLoad(data: usize, len: i32): usize {
  if (len != BYTES) return 0;
  const d0 = changetype<Ctx>(data);
  if (d0.method != CONTEXT || d0.bytes != BYTES || d0.window < 1 || d0.nCtx > MAX_CONTEXTS || d0.nSemi > MAX_SEMIS || d0.nPool > POOL) return 0;
  const p = heap.alloc(<usize>BYTES);
  memory.copy(p, data, <usize>BYTES);
  return p;
}

// ---- left sets ("semi-contexts"): a sensor mask and sorted neuron ids ----

function hashOf(mask: i32, ids: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>mask;
  h *= 0x01000193;
  for (let i = 0; i < n; i++) {
    h ^= <u32>load<u16>(ids + (<usize>i << 1));
    h *= 0x01000193;
  }
  return h ^ (h >>> 15);
}

function sameSemi(d: Ctx, s: i32, mask: i32, ids: usize, n: i32): bool {
  if (u8at(d, O_SMASK, s) != mask || u8at(d, O_SN, s) != n) return false;
  const off = u16at(d, O_SOFF, s);
  for (let i = 0; i < n; i++) if (u16at(d, O_POOL, off + i) != <i32>load<u16>(ids + (<usize>i << 1))) return false;
  return true;
}

/** The left set's id, created when missing and there is room (else −1). */
function semiOf(d: Ctx, mask: i32, ids: usize, n: i32): i32 {
  let slot = <i32>(hashOf(mask, ids, n) & (HASH - 1));
  for (;;) {
    const e = u16at(d, O_HASH, slot);
    if (e == 0) break;
    if (sameSemi(d, e - 1, mask, ids, n)) return e - 1;
    slot = (slot + 1) & (HASH - 1);
  }
  if (d.nSemi >= MAX_SEMIS || d.nPool + n > POOL) return -1;
  const s = d.nSemi++;
  u16set(d, O_HASH, slot, s + 1);
  u8set(d, O_SMASK, s, mask);
  u8set(d, O_SN, s, n);
  u16set(d, O_SOFF, s, d.nPool);
  for (let i = 0; i < n; i++) u16set(d, O_POOL, d.nPool + i, <i32>load<u16>(ids + (<usize>i << 1)));
  d.nPool += n;
  u16set(d, O_SFIRST, s, 0);
  u16set(d, O_SBNEXT, s, u16at(d, O_BUCKET, mask));
  u16set(d, O_BUCKET, mask, s + 1);
  return s;
}

/** Finds or creates the context (left set s, right mask); returns its id, or −(id + 1) when it existed, or MIN when full. */
function contextOf(d: Ctx, s: i32, right: i32, zero: bool): i32 {
  let last = -1;
  for (let c = u16at(d, O_SFIRST, s) - 1; c >= 0; c = u16at(d, O_CNEXT, c) - 1) {
    if (u8at(d, O_RIGHT, c) == right) {
      if (zero) u8set(d, O_ZERO, c, 1);
      return -(c + 1);
    }
    last = c;
  }
  if (d.nCtx >= MAX_CONTEXTS) return i32.MIN_VALUE;
  const c = d.nCtx++;
  u32set(d, O_TOTAL, c, 0);
  u32set(d, O_CORRECT, c, 0);
  u32set(d, O_ACT, c, 0);
  u16set(d, O_CNEXT, c, 0);
  u8set(d, O_RIGHT, c, right);
  u8set(d, O_ZERO, c, zero ? 1 : 0);
  // Appended, so a left set's contexts stay in creation order.
  if (last < 0) u16set(d, O_SFIRST, s, c + 1);
  else u16set(d, O_CNEXT, last, c + 1);
  return c;
}

@inline function popcnt6(m: i32): i32 {
  return <i32>popcnt<u32>(<u32>m);
}

/** Facts of left set s present in the current left group (mask `m`, neurons flagged). */
function matchedCount(d: Ctx, s: i32, m: i32): i32 {
  let k = popcnt6(u8at(d, O_SMASK, s) & m);
  const off = u16at(d, O_SOFF, s), n = u8at(d, O_SN, s);
  for (let i = 0; i < n; i++) k += u8at(d, O_FLAG, u16at(d, O_POOL, off + i));
  return k;
}

/** Whether every neuron id of left set s is flagged (its sensor facts, its bucket's mask, are known present). */
@inline function neuronsPresent(d: Ctx, s: i32): bool {
  const off = u16at(d, O_SOFF, s), n = u8at(d, O_SN, s);
  for (let i = 0; i < n; i++) if (u8at(d, O_FLAG, u16at(d, O_POOL, off + i)) == 0) return false;
  return true;
}

function setFlags(d: Ctx, o: i32, n: i32, v: i32): void {
  for (let i = 0; i < n; i++) u8set(d, O_FLAG, u16at(d, o, i), v);
}

/** Appends a potential context: left = facts of s present in the left group, right = `right`. */
function potPush(d: Ctx, s: i32, m: i32, right: i32): void {
  if (d.nPot >= MAX_POT) return;
  const e = scratch + <usize>(S_POT + (d.nPot + 1) * POT_BYTES);
  store<u8>(e, <u8>(u8at(d, O_SMASK, s) & m));
  store<u8>(e, <u8>right, 1);
  const off = u16at(d, O_SOFF, s), n = u8at(d, O_SN, s);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const id = u16at(d, O_POOL, off + i);
    if (u8at(d, O_FLAG, id) != 0) {
      store<u16>(e + 4 + (<usize>k << 1), <u16>id);
      k++;
    }
  }
  store<u8>(e, <u8>k, 2);
  d.nPot++;
}

function potSame(a: usize, b: usize): bool {
  const n = <i32>load<u8>(a, 2);
  if (load<u8>(a) != load<u8>(b) || load<u8>(a, 1) != load<u8>(b, 1) || n != <i32>load<u8>(b, 2)) return false;
  for (let i = 0; i < n; i++) if (load<u16>(a + 4 + (<usize>i << 1)) != load<u16>(b + 4 + (<usize>i << 1))) return false;
  return true;
}

/** A potential pair's hash: its masks, count and neuron ids. */
function potHash(e: usize): u32 {
  const n = <i32>load<u8>(e, 2);
  let h: u32 = 0x811c9dc5 ^ (<u32>load<u8>(e) | (<u32>load<u8>(e, 1) << 8) | (<u32>n << 16));
  h *= 0x01000193;
  for (let i = 0; i < n; i++) {
    h ^= <u32>load<u16>(e + 4 + (<usize>i << 1));
    h *= 0x01000193;
  }
  return h ^ (h >>> 15);
}

/** How many of the pairs first…last (potential list entries) are distinct: pairwise for a few, by a hash set for many. */
function distinctPairs(pot0: usize, first: i32, last: i32): i32 {
  let distinct = 0;
  if (last - first < 16) {
    for (let i = first; i <= last; i++) {
      const e = pot0 + <usize>(i * POT_BYTES);
      let dup = false;
      for (let j = first; j < i && !dup; j++) dup = potSame(e, pot0 + <usize>(j * POT_BYTES));
      if (!dup) distinct++;
    }
    return distinct;
  }
  const table = scratch + <usize>S_SEEN;
  memory.fill(table, 0, <usize>(SEEN * 2));
  for (let i = first; i <= last; i++) {
    const e = pot0 + <usize>(i * POT_BYTES);
    let slot = potHash(e) & (SEEN - 1);
    let dup = false;
    for (;;) {
      const k = <i32>load<u16>(table + (<usize>slot << 1));
      if (k == 0) break;
      if (potSame(e, pot0 + <usize>((k - 1) * POT_BYTES))) {
        dup = true;
        break;
      }
      slot = (slot + 1) & (SEEN - 1);
    }
    if (!dup) {
      store<u16>(table + (<usize>slot << 1), <u16>(i + 1));
      distinct++;
    }
  }
  return distinct;
}

/** Offers context c (fired `act` times) to the top-maxActive list, ordered by (act, id) ascending. */
function topOffer(d: Ctx, n: i32, c: i32, act: u32): i32 {
  const k = d.maxActive;
  const w = changetype<Ctx>(scratch);
  if (n == k) {
    // most fired contexts rank below every kept one: one comparison
    const a0 = u32at(w, S_TOPACT, 0);
    if (act < a0 || (act == a0 && c < u16at(w, S_TOPID, 0))) return n;
  }
  // position: count of entries smaller than (act, c)
  let pos = n;
  while (pos > 0) {
    const a = u32at(w, S_TOPACT, pos - 1), id = u16at(w, S_TOPID, pos - 1);
    if (a < act || (a == act && id < c)) break;
    pos--;
  }
  if (n == k) {
    if (pos == 0) return n; // below every kept one
    // drop the smallest (index 0), shift [1, pos) down
    for (let i = 1; i < pos; i++) {
      u32set(w, S_TOPACT, i - 1, u32at(w, S_TOPACT, i));
      u16set(w, S_TOPID, i - 1, u16at(w, S_TOPID, i));
    }
    u32set(w, S_TOPACT, pos - 1, act);
    u16set(w, S_TOPID, pos - 1, c);
    return n;
  }
  for (let i = n; i > pos; i--) {
    u32set(w, S_TOPACT, i, u32at(w, S_TOPACT, i - 1));
    u16set(w, S_TOPID, i, u16at(w, S_TOPID, i - 1));
  }
  u32set(w, S_TOPACT, pos, act);
  u16set(w, S_TOPID, pos, c);
  return n + 1;
}

/** Step 2 for one selected context c of left set s (matched facts `k`, fully when `full`). */
@inline function visit(d: Ctx, c: i32, full: bool, k: i32, cur: i32, newFlag: bool, s: i32, m: i32): i32 {
  const right = u8at(d, O_RIGHT, c);
  const hits = popcnt6(right & cur);
  const pot = newFlag && u8at(d, O_ZERO, c) != 0 && k <= d.maxLeft;
  if (full) {
    u32set(d, O_TOTAL, c, u32at(d, O_TOTAL, c) + <u32>popcnt6(right));
    if (hits > 0) {
      u32set(d, O_CORRECT, c, u32at(d, O_CORRECT, c) + <u32>hits);
      if (hits == popcnt6(right)) {
        u32set(d, O_ACT, c, u32at(d, O_ACT, c) + 1);
        return 1;
      }
      if (pot) potPush(d, s, m, right & cur);
    }
  } else if (pot && hits > 0) potPush(d, s, m, right & cur);
  return 0;
}

// ---- forgetting (see the header) ----

@inline function nearlyFull(d: Ctx): bool {
  return d.nCtx > MAX_CONTEXTS - STEP_ROOM || d.nSemi > MAX_SEMIS - STEP_ROOM || d.nPool > POOL - STEP_ROOM * d.maxActive;
}

@inline function ratioOf(d: Ctx, c: i32): f64 {
  const total = u32at(d, O_TOTAL, c);
  return total > 0 ? <f64>u32at(d, O_CORRECT, c) / <f64>total : 0.0;
}

/** Whether context a goes before b: the worse predictor, or the older of equals. */
@inline function worse(d: Ctx, a: i32, b: i32): bool {
  const ra = ratioOf(d, a), rb = ratioOf(d, b);
  return ra < rb || (ra == rb && a < b);
}

/** Sifts entry i of the max-heap (by `worse`) of n context ids at O_HASH down. */
function siftDown(d: Ctx, i: i32, n: i32): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let big = l;
    if (l + 1 < n && worse(d, u16at(d, O_HASH, l), u16at(d, O_HASH, l + 1))) big = l + 1;
    const a = u16at(d, O_HASH, i), b = u16at(d, O_HASH, big);
    if (!worse(d, a, b)) return;
    u16set(d, O_HASH, i, b);
    u16set(d, O_HASH, big, a);
    i = big;
  }
}

/** Whether left set s names a forgotten context. */
function namesDead(d: Ctx, s: i32): bool {
  const off = u16at(d, O_SOFF, s), n = u8at(d, O_SN, s);
  for (let i = 0; i < n; i++) if (u16at(d, O_POOL, off + i) == DEAD) return true;
  return false;
}

/** Forgets the worst eighth of the contexts and the left sets left empty; renumbers both in order. The hash table's space is the scratch. */
function forget(d: Ctx): void {
  const n = d.nCtx;
  const k = (n + 7) >> 3;
  // 1. the k worst, by a max-heap of the k worst so far; marked in O_FLAG (all 0 between steps)
  for (let c = 0; c < k; c++) u16set(d, O_HASH, c, c);
  for (let i = (k >> 1) - 1; i >= 0; i--) siftDown(d, i, k);
  for (let c = k; c < n; c++) {
    if (worse(d, c, u16at(d, O_HASH, 0))) {
      u16set(d, O_HASH, 0, c);
      siftDown(d, 0, k);
    }
  }
  for (let i = 0; i < k; i++) u8set(d, O_FLAG, u16at(d, O_HASH, i), 1);
  // 2. each context's left set, in its list link (walked before it is overwritten)
  for (let s = 0; s < d.nSemi; s++) {
    let c = u16at(d, O_SFIRST, s) - 1;
    while (c >= 0) {
      const next = u16at(d, O_CNEXT, c) - 1;
      u16set(d, O_CNEXT, c, s + 1);
      c = next;
    }
    u16set(d, O_SFIRST, s, 0);
    u16set(d, O_SBNEXT, s, 0); // the set's last context while the lists are rebuilt
  }
  // 3. new ids (O_HASH), then the survivors moved down and appended to their sets' lists
  let kept = 0;
  for (let c = 0; c < n; c++) u16set(d, O_HASH, c, u8at(d, O_FLAG, c) != 0 ? DEAD : kept++);
  for (let c = 0; c < n; c++) {
    if (u8at(d, O_FLAG, c) != 0) {
      u8set(d, O_FLAG, c, 0);
      continue;
    }
    const to = u16at(d, O_HASH, c), s = u16at(d, O_CNEXT, c) - 1;
    u32set(d, O_TOTAL, to, u32at(d, O_TOTAL, c));
    u32set(d, O_CORRECT, to, u32at(d, O_CORRECT, c));
    u32set(d, O_ACT, to, u32at(d, O_ACT, c));
    u8set(d, O_RIGHT, to, u8at(d, O_RIGHT, c));
    u8set(d, O_ZERO, to, u8at(d, O_ZERO, c));
    u16set(d, O_CNEXT, to, 0);
    const last = u16at(d, O_SBNEXT, s) - 1;
    if (last < 0) u16set(d, O_SFIRST, s, to + 1);
    else u16set(d, O_CNEXT, last, to + 1);
    u16set(d, O_SBNEXT, s, to + 1);
  }
  // 4. the sets that kept a context, moved down with their neuron ids renamed
  let sets = 0, pool = 0;
  for (let s = 0; s < d.nSemi; s++) {
    if (u16at(d, O_SFIRST, s) == 0) continue;
    const off = u16at(d, O_SOFF, s), m = u8at(d, O_SN, s);
    for (let i = 0; i < m; i++) {
      const id = u16at(d, O_POOL, off + i);
      u16set(d, O_POOL, pool + i, id == DEAD ? DEAD : u16at(d, O_HASH, id));
    }
    u8set(d, O_SMASK, sets, u8at(d, O_SMASK, s));
    u8set(d, O_SN, sets, m);
    u16set(d, O_SOFF, sets, pool);
    u16set(d, O_SFIRST, sets, u16at(d, O_SFIRST, s));
    pool += m;
    sets++;
  }
  // 5. the left group's neurons renamed; forgotten ones leave it
  let left = 0;
  for (let i = 0; i < d.leftN; i++) {
    const id = u16at(d, O_HASH, u16at(d, O_LEFT, i));
    if (id != DEAD) u16set(d, O_LEFT, left++, id);
  }
  d.leftN = left;
  d.nCtx = kept;
  d.nSemi = sets;
  d.nPool = pool;
  // 6. the hash table and the sensor-mask buckets again, without the sets that name a forgotten
  //    context (never looked up, never wholly present)
  memory.fill(changetype<usize>(d) + <usize>O_HASH, 0, <usize>(HASH * 2));
  memory.fill(changetype<usize>(d) + <usize>O_BUCKET, 0, 64 * 2);
  for (let s = 0; s < sets; s++) {
    u16set(d, O_SBNEXT, s, 0);
    if (namesDead(d, s)) continue;
    const mask = u8at(d, O_SMASK, s);
    let slot = <i32>(hashOf(mask, changetype<usize>(d) + <usize>(O_POOL + (u16at(d, O_SOFF, s) << 1)), u8at(d, O_SN, s)) & (HASH - 1));
    while (u16at(d, O_HASH, slot) != 0) slot = (slot + 1) & (HASH - 1);
    u16set(d, O_HASH, slot, s + 1);
    u16set(d, O_SBNEXT, s, u16at(d, O_BUCKET, mask));
    u16set(d, O_BUCKET, mask, s + 1);
  }
}

/** Learns one level (0…7) and returns the raw score before the rest period; without `predict`, the next step's prediction is not made (a replay's points before its last: nothing reads it). */
function learn(d: Ctx, level: i32, predict: bool = true): f64 {
  for (let round = 0; round < 8 && d.nCtx > 0 && nearlyFull(d); round++) forget(d);
  const cur = (1 << (level & 1)) | (1 << (2 + ((level >> 1) & 1))) | (1 << (4 + ((level >> 2) & 1)));
  const err = cur & ~d.predicted;
  const leftIds = changetype<usize>(d) + <usize>O_LEFT;
  // 1. the zero-level context (previous left group → current facts)
  let newFlag = false, newCtx = -1;
  d.nPot = 0;
  const pot0 = changetype<usize>(work()) + <usize>S_POT;
  if (d.hasLeft != 0) {
    const s = semiOf(d, d.leftMask, leftIds, d.leftN);
    if (s >= 0) {
      const c = contextOf(d, s, cur, true);
      if (c >= 0) {
        newFlag = true;
        newCtx = c;
      }
    }
    // entry 0 of the potential list: the zero-level pair, for counting distinct pairs
    store<u8>(pot0, <u8>d.leftMask);
    store<u8>(pot0, <u8>cur, 1);
    store<u8>(pot0, <u8>d.leftN, 2);
    memory.copy(pot0 + 4, leftIds, <usize>d.leftN << 1);
  }
  // 2. contexts selected by the previous left group
  const m = d.leftMask;
  setFlags(d, O_LEFT, d.leftN, 1);
  let selected = 0, fired = 0, top = 0;
  if (d.hasLeft != 0) {
    if (newFlag) {
      // every left set with a fact present, in id order (the potential contexts' order)
      const maxLeft = d.maxLeft;
      for (let s = 0; s < d.nSemi; s++) {
        // A set neither wholly present nor with at most maxLeft facts present does nothing: its
        // count stops as soon as that is known.
        const mask = u8at(d, O_SMASK, s);
        let k = popcnt6(mask & m);
        let missing = popcnt6(mask) - k;
        if (missing > 0 && k > maxLeft) continue;
        const off = u16at(d, O_SOFF, s), n = u8at(d, O_SN, s);
        for (let i = 0; i < n; i++) {
          if (u8at(d, O_FLAG, u16at(d, O_POOL, off + i)) != 0) k++;
          else missing++;
          if (missing > 0 && k > maxLeft) break;
        }
        if (k == 0 || (missing > 0 && k > maxLeft)) continue;
        const full = missing == 0;
        for (let c = u16at(d, O_SFIRST, s) - 1; c >= 0; c = u16at(d, O_CNEXT, c) - 1) {
          if (c == newCtx) continue;
          if (full) selected++;
          if (visit(d, c, full, k, cur, true, s, m)) {
            fired++;
            top = topOffer(d, top, c, u32at(d, O_ACT, c));
          }
        }
      }
    } else {
      // only left sets wholly present matter: those whose sensor mask is within m
      for (let sub = m; ; sub = (sub - 1) & m) {
        for (let s = u16at(d, O_BUCKET, sub) - 1; s >= 0; s = u16at(d, O_SBNEXT, s) - 1) {
          if (!neuronsPresent(d, s)) continue;
          for (let c = u16at(d, O_SFIRST, s) - 1; c >= 0; c = u16at(d, O_CNEXT, c) - 1) {
            selected++;
            if (visit(d, c, true, 0, cur, false, s, m)) {
              fired++;
              top = topOffer(d, top, c, u32at(d, O_ACT, c));
            }
          }
        }
        if (sub == 0) break;
      }
    }
  }
  setFlags(d, O_LEFT, d.leftN, 0);
  // distinct pairs among the zero-level one and the potential ones
  const distinct = distinctPairs(pot0, d.hasLeft != 0 ? 0 : 1, d.nPot);
  // 3. the new left group: current facts + the top neurons, sorted by id
  const nextIds = scratch + <usize>S_NEXT;
  for (let i = 0; i < top; i++) {
    const id = u16at(changetype<Ctx>(scratch), S_TOPID, i);
    let j = i;
    while (j > 0 && <i32>load<u16>(nextIds + (<usize>(j - 1) << 1)) > id) {
      store<u16>(nextIds + (<usize>j << 1), load<u16>(nextIds + (<usize>(j - 1) << 1)));
      j--;
    }
    store<u16>(nextIds + (<usize>j << 1), <u16>id);
  }
  memory.copy(leftIds, nextIds, <usize>top << 1);
  d.leftN = top;
  d.leftMask = cur;
  d.hasLeft = 1;
  let added = 0;
  for (let i = 1; i <= d.nPot; i++) {
    const e = pot0 + <usize>(i * POT_BYTES);
    const s = semiOf(d, <i32>load<u8>(e), e + 4, <i32>load<u8>(e, 2));
    if (s >= 0 && contextOf(d, s, <i32>load<u8>(e, 1), false) >= 0) added++;
  }
  if (!predict) return 0;
  // 4. the prediction: right sets of the best-ratio contexts wholly present in the new left group
  setFlags(d, O_LEFT, top, 1);
  let best = 0.0, predicted = 0;
  for (let sub = cur; ; sub = (sub - 1) & cur) {
    for (let s = u16at(d, O_BUCKET, sub) - 1; s >= 0; s = u16at(d, O_SBNEXT, s) - 1) {
      if (!neuronsPresent(d, s)) continue;
      for (let c = u16at(d, O_SFIRST, s) - 1; c >= 0; c = u16at(d, O_CNEXT, c) - 1) {
        const total = u32at(d, O_TOTAL, c);
        const w = total > 0 ? <f64>u32at(d, O_CORRECT, c) / <f64>total : 0.0;
        if (w > best) {
          best = w;
          predicted = u8at(d, O_RIGHT, c);
        } else if (w == best) predicted |= u8at(d, O_RIGHT, c);
      }
    }
    if (sub == 0) break;
  }
  setFlags(d, O_LEFT, top, 0);
  d.predicted = predicted;
  if (err == 0) return 0;
  const pSel = selected > 0 ? <f64>fired / <f64>selected : 0.0;
  const pAdd = newFlag && distinct > 0 ? <f64>(added + 1) / <f64>distinct : 0.0;
  return (1.0 - pSel + pAdd) / 2.0;
}

function levelOf(d: Ctx, x: f64): i32 {
  let span = d.hi - d.lo;
  if (span == 0) span = LEVELS;
  const v = Math.trunc((x - d.lo) / (span / LEVELS));
  return v >= LEVELS ? 7 : v > 0 ? <i32>v : 0;
}

/** The model's step on x: the score after the rest period. */
function model(d: Ctx, x: f64): f64 {
  const raw = learn(d, levelOf(d, x));
  const i = d.steps++;
  const rested = i < d.window || (d.lastHigh >= 0 && i - d.lastHigh <= d.window);
  if (raw >= BASE) d.lastHigh = i;
  return rested ? 0.0 : raw;
}

/**
 * The mean centre of the predicted levels: those whose fact at each bit position is predicted, or
 * either where the prediction names neither (a context may predict only some bits). NaN without a
 * prediction.
 */
function expectedOf(d: Ctx): f64 {
  if ((d.learn != 0 && d.lo != d.lo) || d.predicted == 0) return NaN;
  // per position, the predicted facts, or both when none is
  let allowed = 0;
  for (let s = 0; s < 3; s++) {
    const pair = (d.predicted >> (2 * s)) & 3;
    allowed |= (pair == 0 ? 3 : pair) << (2 * s);
  }
  let sum = 0, n = 0;
  for (let v = 0; v < 8; v++) {
    const facts = (1 << (v & 1)) | (1 << (2 + ((v >> 1) & 1))) | (1 << (4 + ((v >> 2) & 1)));
    if ((allowed & facts) == facts) {
      sum += v;
      n++;
    }
  }
  if (n == 0) return NaN;
  let span = d.hi - d.lo;
  if (span == 0) span = LEVELS;
  return d.lo + (<f64>sum / <f64>n + 0.5) * (span / LEVELS);
}

/** Keeps x among the last WARM_MAX values (the learned range's memory). */
function remember(d: Ctx, x: f64): void {
  store<f64>(changetype<usize>(d) + <usize>(O_WARM + (d.ringHead << 3)), x);
  d.ringHead = d.ringHead + 1 == WARM_MAX ? 0 : d.ringHead + 1;
  if (d.ringSize < WARM_MAX) d.ringSize++;
}

/** The i-th oldest remembered value. */
@inline function recalled(d: Ctx, i: i32): f64 {
  let k = d.ringHead - d.ringSize + i;
  if (k < 0) k += WARM_MAX;
  return load<f64>(changetype<usize>(d) + <usize>(O_WARM + (k << 3)));
}

/** Sets the range to the remembered values' min and max. */
function fitRange(d: Ctx): void {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < d.ringSize; i++) {
    const v = recalled(d, i);
    lo = min(lo, v);
    hi = max(hi, v);
  }
  d.lo = lo;
  d.hi = hi;
}

/**
 * A learned range that x leaves grows to take it in (it never shrinks: every value so far lies in
 * it), and the memory is rebuilt from the last WARM_MAX values (the levels changed meaning); the
 * rest period carries on.
 */
function relearn(d: Ctx, x: f64): void {
  d.lo = min(d.lo, x);
  d.hi = max(d.hi, x);
  memory.fill(changetype<usize>(d) + <usize>O_TOTAL, 0, <usize>(BYTES - O_TOTAL));
  d.nCtx = 0;
  d.nSemi = 0;
  d.nPool = 0;
  d.hasLeft = 0;
  d.leftMask = 0;
  d.leftN = 0;
  d.predicted = 0;
  for (let i = 0; i < d.ringSize; i++) learn(d, levelOf(d, recalled(d, i)), i == d.ringSize - 1);
}

/**
 * Scores `x`, then learns it. Writes the score and the expected value (the centre of the predicted
 * level); returns 1 for an anomaly (score > threshold), 0 for a normal point, −1 while warming up.
 */
export function contextPush(ptr: usize, x: f64, outScore: usize, outExpected: usize): i32 {
  const d = changetype<Ctx>(ptr);
  if (!isFinite(x)) {
    store<f64>(outScore, NaN);
    store<f64>(outExpected, NaN);
    return -1;
  }
  const seen = d.seen++;
  if (d.learn != 0) {
    if (d.lo != d.lo) {
      // learning the range: keep the point; at the last one, fix the range and learn them all
      remember(d, x);
      if (d.ringSize >= max(min(d.minSamples, WARM_MAX), 1)) {
        fitRange(d);
        for (let i = 0; i < d.ringSize; i++) model(d, recalled(d, i));
      }
      store<f64>(outScore, NaN);
      store<f64>(outExpected, NaN);
      return -1;
    }
  }
  // What the memory predicted before seeing x (before a refit x may cause)
  const expected = expectedOf(d);
  if (d.learn != 0 && (x < d.lo || x > d.hi)) relearn(d, x);
  const score = model(d, x);
  if (d.learn != 0) remember(d, x);
  store<f64>(outExpected, expected);
  if (seen < d.minSamples) {
    store<f64>(outScore, NaN);
    return -1;
  }
  store<f64>(outScore, score);
  return score > d.threshold ? 1 : 0;
}
