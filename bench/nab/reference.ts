// NAB's published baselines, reimplemented from NAB's source (numenta/NAB at ea702d7) for
// validating the scorer end to end.
import { erfc } from '../../src/collector/analytics/stats.js';

export { erfc };

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
