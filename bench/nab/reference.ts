// NAB's published baselines, reimplemented from NAB's source (numenta/NAB at ea702d7) for
// validating the scorer end to end.

/** erfc(x) to ~1e-15 relative: the Maclaurin series of erf below 0.5, Lentz's continued fraction above. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) {
    // erf(x) = 2/√π Σ (−1)ⁿ x^{2n+1} / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0; // below the smallest double
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated by Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const a = n / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/**
 * NAB's windowed Gaussian as coded at ea702d7 (nab/detectors/gaussian): the mean and population
 * standard deviation (σ = 1e-6 when 0) of a window that grows to 6,400 records, refitted after
 * every record while it grows and after every 100 records once full; each record scores
 * 1 − Q(|x − mean|/σ), Q the normal upper tail 0.5·erfc(z/√2) — so 0.5 at the mean and → 1 far on
 * either side — against the fit made before it (0 for the first record).
 */
export function windowedGaussian(values: Float64Array, windowSize = 6400, stepSize = 100): Float64Array {
  const out = new Float64Array(values.length);
  let window: number[] = [];
  let step: number[] = [];
  let mean = 0;
  let std = 1;
  const refit = () => {
    mean = window.reduce((a, b) => a + b, 0) / window.length;
    std = Math.sqrt(window.reduce((a, b) => a + (b - mean) * (b - mean), 0) / window.length);
    if (std === 0) std = 1e-6;
  };
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (window.length > 0) out[i] = 1 - 0.5 * erfc(Math.abs(x - mean) / std / Math.SQRT2);
    if (window.length < windowSize) {
      window.push(x);
      refit();
    } else {
      step.push(x);
      if (step.length === stepSize) {
        window = window.slice(stepSize).concat(step);
        step = [];
        refit();
      }
    }
  }
  return out;
}
