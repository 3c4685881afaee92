import { rng } from '../../bench/lib/data.js';

export { rng };

// Reference implementations of the definitions the kernels follow, written the obvious way
// (sorting, exact summation) so tests compare against the definition, not against our code.

/** Exactly rounded sum (Shewchuk 1997, as Python's math.fsum). */
export function fsum(values: ArrayLike<number>): number {
  const partials: number[] = [];
  for (let i = 0; i < values.length; i++) {
    let x = values[i]!;
    let k = 0;
    for (const p of partials) {
      let y = p;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[k++] = lo;
      x = hi;
    }
    partials.length = k;
    partials.push(x);
  }
  return partials.reduce((a, b) => a + b, 0);
}

export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** numpy.quantile(method='linear') / R type 7, with numpy's lerp. */
export function quantileType7(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= sorted.length) return a;
  const b = sorted[lo + 1]!;
  const t = h - lo;
  if (t === 0 || a === b) return a;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** The element of rank ⌊q·(n−1)⌋ of the sorted values. */
export function lowerQuantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

export function mean(values: ArrayLike<number>): number {
  return fsum(values) / values.length;
}

/** Sample variance, two-pass with exact sums. */
export function sampleVariance(values: ArrayLike<number>): number {
  const m = mean(values);
  return fsum(Array.from(values, (x) => (x - m) * (x - m))) / (values.length - 1);
}

export function median(values: ArrayLike<number>): number {
  return quantileType7(sortedCopy(values), 0.5);
}

/** R's mad(): 1.4826 · median(|x − median(x)|). */
export function mad(values: ArrayLike<number>): number {
  const m = median(values);
  return 1.4826 * median(Array.from(values, (x) => Math.abs(x - m)));
}

export function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

export type Distribution = 'uniform' | 'lognormal' | 'pareto' | 'bimodal' | 'mixed-sign';
export const DISTRIBUTIONS: Distribution[] = ['uniform', 'lognormal', 'pareto', 'bimodal', 'mixed-sign'];

export function sample(dist: Distribution, n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (dist) {
      case 'uniform':
        out[i] = r() * 1000;
        break;
      case 'lognormal':
        out[i] = Math.exp(2 + 1.5 * normal(r));
        break;
      case 'pareto':
        out[i] = 1 / Math.pow(1 - r(), 1 / 1.2); // shape 1.2: heavy tail
        break;
      case 'bimodal':
        out[i] = r() < 0.7 ? 20 + 3 * normal(r) : 400 + 40 * normal(r);
        break;
      case 'mixed-sign':
        out[i] = r() < 0.1 ? 0 : (r() < 0.5 ? -1 : 1) * Math.exp(3 * normal(r));
        break;
    }
  }
  return out;
}

// Exact arithmetic on doubles: every finite double is k·2^-1074 for an integer k.
function scaledBigInt(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const sign = bits >> 63n ? -1n : 1n;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = bits & 0xfffffffffffffn;
  const k = exp === 0 ? mant : (mant | 0x10000000000000n) << BigInt(exp - 1);
  return sign * k;
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : (n < 0n ? -n : n).toString(2).length;
}

/** num/den rounded to a double (to within one ulp). */
function ratioToNumber(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const shift = bitLength(num) - bitLength(den) - 64;
  const q = shift >= 0 ? num / (den << BigInt(shift)) : (num << BigInt(-shift)) / den;
  return Number(q) * 2 ** shift;
}

/** The sample variance computed exactly, then rounded: n·Σx² − (Σx)² over n(n − 1). */
export function exactVariance(values: ArrayLike<number>): number {
  let s1 = 0n, s2 = 0n;
  for (let i = 0; i < values.length; i++) {
    const k = scaledBigInt(values[i]!);
    s1 += k;
    s2 += k * k;
  }
  const n = BigInt(values.length);
  // values are k·2^-1074, so Σx² carries 2^-2148
  return ratioToNumber(n * s2 - s1 * s1, n * (n - 1n)) * 2 ** -1074 * 2 ** -1074;
}
