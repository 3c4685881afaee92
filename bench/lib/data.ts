/** Seeded PRNG (mulberry32), so every run and every peer sees the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normals(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r(), v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Lognormal latencies in ms: exp(μ + σ·Z), μ = 3, σ = 1 by default. */
export function lognormal(n: number, seed: number, mu = 3, sigma = 1): Float64Array {
  const z = normals(n, seed);
  for (let i = 0; i < n; i++) z[i] = Math.exp(mu + sigma * z[i]!);
  return z;
}

/** The element of rank ⌊q·(n−1)⌋ of sorted values: the sketch guarantee's reference. */
export function lowerQuantile(sorted: Float64Array, q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}
