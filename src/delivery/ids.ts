const hex: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Random bytes come from a pool filled 4 KiB at a time: one crypto.getRandomValues call per id
// costs more than the rest of track() (measured: bench/track.bench.ts).
const POOL = 4096;
const pool = new Uint8Array(POOL);
let poolAt = POOL;

function random(bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const n = bytes.length;
  if (poolAt + n > POOL) {
    if (typeof crypto !== 'undefined' && crypto.getRandomValues) crypto.getRandomValues(pool);
    else for (let i = 0; i < POOL; i++) pool[i] = Math.floor(Math.random() * 256);
    poolAt = 0;
  }
  bytes.set(pool.subarray(poolAt, poolAt + n));
  poolAt += n;
  return bytes;
}

let lastMs = 0;
let counter = 0;

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix time in ms, then random bits. Within one millisecond a 12-bit
 * counter in rand_a keeps ids from this client in creation order.
 */
export function uuidv7(nowMs = Date.now()): string {
  const b = random(new Uint8Array(16));
  if (nowMs <= lastMs) {
    nowMs = lastMs;
    counter = (counter + 1) & 0xfff;
    if (counter === 0) nowMs = ++lastMs;
  } else {
    lastMs = nowMs;
    counter = ((b[6]! & 0x07) << 8) | b[7]!; // random start, room to count up
  }
  const ms = nowMs;
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((counter >> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += hex[b[i]!]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/** `n` random bytes as lowercase hex (W3C trace ids: 16 bytes, span ids: 8). */
export function randomHex(n: number): string {
  const b = random(new Uint8Array(n));
  let s = '';
  for (let i = 0; i < n; i++) s += hex[b[i]!]!;
  return /^0+$/.test(s) ? randomHex(n) : s; // all-zero ids are invalid
}
