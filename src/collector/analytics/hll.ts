// HyperLogLog (Flajolet, Fusy, Gandouet & Meunier, 2007) with 2^p registers over a 64-bit hash
// (two 32-bit murmur3 finalisations of FNV-1a), so no large-range correction is needed; small
// cardinalities use linear counting (Heule, Nunkesser & Hall, 2013, §4). Standard error about
// 1.04/√(2^p): 1.6% at the default p = 12, in 4 KiB.

/** A 32-bit hash of a string: FNV-1a with a seed, then murmur3's finaliser to spread the bits. */
function hash32(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(readonly precision = 12) {
    if (!Number.isInteger(precision) || precision < 4 || precision > 16) throw new RangeError(`HyperLogLog: precision must be an integer in [4, 16], got ${precision}`);
    this.registers = new Uint8Array(1 << precision);
  }

  add(value: string): void {
    const hi = hash32(value, 0);
    const lo = hash32(value, 0x9e3779b9);
    const p = this.precision;
    const index = hi >>> (32 - p);
    // The rank: the position of the first 1 in the remaining 64 − p bits.
    const rest = (hi << p) >>> 0;
    const rank = rest !== 0 ? Math.clz32(rest) + 1 : 32 - p + (lo !== 0 ? Math.clz32(lo) + 1 : 33);
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  merge(other: HyperLogLog): void {
    if (other.precision !== this.precision) throw new RangeError('HyperLogLog.merge: different precisions');
    for (let i = 0; i < this.registers.length; i++) if (other.registers[i]! > this.registers[i]!) this.registers[i] = other.registers[i]!;
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    const m = this.registers.length;
    let sum = 0;
    let zeros = 0;
    for (const r of this.registers) {
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = m === 16 ? 0.673 : m === 32 ? 0.697 : m === 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
    const raw = (alpha * m * m) / sum;
    if (raw <= 2.5 * m && zeros > 0) return m * Math.log(m / zeros);
    return raw;
  }
}
