// A seeded pseudo-random source, pure (no Node, no DOM): avila-telemetry/testing re-exports it, the
// synthetic shop draws from it; and Gamma variates from any uniform source (the shop's churn, the
// CLV tests' simulated customers).

/**
 * A seeded random source for `init({ random })` and the test collector's faults: sfc32 (Chris
 * Doty-Humphrey's Small Fast Counter, as PractRand tests it), seeded through splitmix32.
 */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split(), b = split(), c = split(), d = split();
  return () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
}

/** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the shape < 1 boost. */
export function gammaSampler(rnd: () => number): (shape: number) => number {
  const normal = () => {
    // Box–Muller: one of the pair.
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const sample = (shape: number): number => {
    if (shape < 1) return sample(shape + 1) * Math.pow(1 - rnd(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let z: number, v: number;
      do {
        z = normal();
        v = 1 + c * z;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - rnd();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return sample;
}
