// The `arima` npm package (an Emscripten build of the C library ctsa) as a second opinion on
// log-likelihoods. Its wrapper only returns forecasts, so the fitted model's log-likelihood is
// read from its struct (sarimax_set: loglik is the f64 at byte 120 on wasm32).
// ctsa computes loglik = −½·n·(2·value + 1 + log(2·3.14159)): π truncated to 3.14159. We add back
// the difference so the figure is R's −½·n·(2·value + 1 + log 2π).
// Loaders: test/helpers/ctsa.ts (Node, the package's synchronous build) and bench/lib/ctsa.ts
// (the asynchronous build, which Chromium's main thread can compile).

export interface CtsaOrder {
  p: number;
  d: number;
  q: number;
  P?: number;
  D?: number;
  Q?: number;
  s?: number;
  /** 0 exact ML (CSS start), 1 CSS */
  method?: number;
}

export type CtsaFit = (values: number[], order: CtsaOrder, h?: number) => { loglik: number; ms: number };

interface CtsaModel {
  model: number;
  train(values: number[]): CtsaModel;
  predict(h: number): unknown;
  destroy(): void;
}

/** The fitting function over a loaded module (its HEAPF64) and the package's ARIMA class. */
export function ctsaFitter(mod: { HEAPF64: Float64Array }, ARIMA: new (options: object) => CtsaModel): CtsaFit {
  /** Fits (and, with h > 0, forecasts h steps); the log-likelihood in R's convention and the time taken. */
  return (values, order, h = 0) => {
    const t0 = performance.now();
    const model = new ARIMA({ ...order, verbose: false }).train(values);
    if (h > 0) model.predict(h);
    const ms = performance.now() - t0;
    const raw = mod.HEAPF64[(model.model + 120) / 8]!;
    const nUsed = values.length - order.d - (order.D ?? 0) * (order.s ?? 0);
    model.destroy();
    return { loglik: raw - 0.5 * nUsed * (Math.log(2 * Math.PI) - Math.log(2 * 3.14159)), ms };
  };
}
