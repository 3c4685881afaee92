// Simulation of (seasonal) ARIMA series with known parameters, seeded (R's arima.sim, written
// from the model equation): burn-in, then integration by the differencing orders.
import { normal, rng } from './reference.js';

export interface SimModel {
  ar?: number[];
  ma?: number[];
  sar?: number[];
  sma?: number[];
  period?: number;
  d?: number;
  D?: number;
  mean?: number;
  sd?: number;
}

/** Expanded polynomial coefficients of (1 − Σaᵢzⁱ)(1 − ΣAⱼz^{sj}) (sign −1, AR) or with + (MA). */
function expand(a: number[], A: number[], s: number, sign: number): number[] {
  const out = new Array<number>(a.length + s * A.length).fill(0);
  a.forEach((v, i) => (out[i] = v));
  A.forEach((V, j) => {
    out[(j + 1) * s - 1]! += V;
    a.forEach((v, i) => (out[(j + 1) * s + i]! += sign * v * V));
  });
  return out;
}

export function simulate(model: SimModel, n: number, seed: number): number[] {
  const r = rng(seed);
  const s = model.period ?? 1;
  const phi = expand(model.ar ?? [], model.sar ?? [], s, -1);
  const theta = expand(model.ma ?? [], model.sma ?? [], s, 1);
  const burn = 200 + 10 * s;
  const sd = model.sd ?? 1;
  const e: number[] = [];
  const w: number[] = [];
  for (let t = 0; t < n + burn; t++) {
    const et = sd * normal(r);
    e.push(et);
    let v = et;
    phi.forEach((c, i) => (v += t - i - 1 >= 0 ? c * w[t - i - 1]! : 0));
    theta.forEach((c, i) => (v += t - i - 1 >= 0 ? c * e[t - i - 1]! : 0));
    w.push(v);
  }
  let x = w.slice(burn).map((v) => v + (model.mean ?? 0));
  for (let k = 0; k < (model.D ?? 0); k++) {
    const y: number[] = [];
    x.forEach((v, t) => y.push(v + (t >= s ? y[t - s]! : 0)));
    x = y;
  }
  for (let k = 0; k < (model.d ?? 0); k++) {
    const y: number[] = [];
    x.forEach((v, t) => y.push(v + (t >= 1 ? y[t - 1]! : 0)));
    x = y;
  }
  return x;
}
