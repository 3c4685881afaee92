// NAB's published baselines, reimplemented from their descriptions for validating the scorer.

/** Upper-tail probability of N(0,1) at z, read as NAB's 0.1σ table does (z rounded to a tenth; 0 beyond 7σ). */
function tableQ(z: number): number {
  const xs = Math.sign(z) * Math.round(Math.abs(10 * z)); // Python 2 round(): half away from zero
  if (xs > 70) return 0;
  return 0.5 * erfc(xs / 10 / Math.SQRT2);
}

/** erfc with relative error < 1.2e-7 (Numerical Recipes' Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/**
 * NAB's windowed Gaussian: each record's score is P(X > x) for X normal with the mean and
 * (population) standard deviation of up to 1,000 preceding records (0 for the first record;
 * σ = 1e-6 when the window is flat). As published, a value far below the window scores near 1 and
 * one far above near 0 — the detector is reimplemented as described, not improved.
 */
export function windowedGaussian(values: Float64Array, windowSize = 1000): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (n > 0) {
      const mean = sum / n;
      let std = Math.sqrt(Math.max(0, sum2 / n - mean * mean));
      if (std === 0) std = 1e-6;
      out[i] = x < mean ? 1 - tableQ((2 * mean - x - mean) / std) : tableQ((x - mean) / std);
    }
    sum += x;
    sum2 += x * x;
    n++;
    if (n > windowSize) {
      const old = values[i - windowSize]!;
      sum -= old;
      sum2 -= old * old;
      n--;
    }
  }
  return out;
}
