const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Random bytes come from a pool filled 4 KiB at a time: one crypto.getRandomValues call per id
// costs more than the rest of track() (measured: bench/track.bench.ts).
const POOL = 4096;

/** Where a client's ids come from: UUIDv7s and random hex, from one pool of random bytes. */
export interface IdSource {
  /**
   * A UUIDv7 (RFC 9562): 48-bit Unix time in ms, then random bits. Within one millisecond a 12-bit
   * counter in rand_a keeps ids from this source in creation order.
   */
  uuidv7(nowMs?: number): string;
  /** `n` random bytes as lowercase hex (W3C trace ids: 16 bytes, span ids: 8), never all zero. */
  randomHex(n: number): string;
}

/**
 * An id source drawing its bytes from `random` ([0, 1), e.g. a seeded generator in tests: the
 * same seed and clock give the same ids) or, without it, from crypto.getRandomValues.
 */
export function idSource(random?: () => number): IdSource {
  const pool = new Uint8Array(POOL);
  let poolAt = POOL;
  let lastMs = 0;
  let counter = 0;
  const refill = () => {
    if (!random && typeof crypto !== 'undefined' && crypto.getRandomValues) crypto.getRandomValues(pool);
    else for (let i = 0; i < POOL; i++) pool[i] = Math.floor((random ?? Math.random)() * 256) & 0xff;
    poolAt = 0;
  };
  const randomHex = (n: number): string => {
    if (poolAt + n > POOL) refill();
    let s = '';
    let zero = true;
    for (let i = poolAt, end = poolAt + n; i < end; i++) {
      const b = pool[i]!;
      if (b !== 0) zero = false;
      s += hex[b]!;
    }
    poolAt += n;
    return zero ? randomHex(n) : s; // all-zero ids are invalid
  };
  const uuidv7 = (nowMs = Date.now()): string => {
    if (poolAt + 10 > POOL) refill();
    const r = poolAt;
    poolAt += 10;
    const p = pool;
    if (nowMs <= lastMs) {
      nowMs = lastMs;
      counter = (counter + 1) & 0xfff;
      if (counter === 0) nowMs = ++lastMs;
    } else {
      lastMs = nowMs;
      counter = ((p[r]! & 0x07) << 8) | p[r + 1]!; // random start, room to count up
    }
    const ms = nowMs;
    // 48-bit time, version 7 + 12-bit counter, variant 10 + 62 random bits (pool bytes r+2 … r+9).
    return (
      hex[Math.floor(ms / 2 ** 40) & 0xff]! + hex[Math.floor(ms / 2 ** 32) & 0xff]! + hex[(ms >>> 24) & 0xff]! + hex[(ms >>> 16) & 0xff]! + '-' +
      hex[(ms >>> 8) & 0xff]! + hex[ms & 0xff]! + '-' +
      hex[0x70 | ((counter >> 8) & 0x0f)]! + hex[counter & 0xff]! + '-' +
      hex[(p[r + 2]! & 0x3f) | 0x80]! + hex[p[r + 3]!]! + '-' +
      hex[p[r + 4]!]! + hex[p[r + 5]!]! + hex[p[r + 6]!]! + hex[p[r + 7]!]! + hex[p[r + 8]!]! + hex[p[r + 9]!]!
    );
  };
  return { uuidv7, randomHex };
}

/** The page's shared source (crypto random): what every client uses unless given `random`. */
export const sharedIds: IdSource = idSource();
export const uuidv7 = sharedIds.uuidv7;
export const randomHex = sharedIds.randomHex;
