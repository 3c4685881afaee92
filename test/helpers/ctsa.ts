// The `arima` npm package (an Emscripten build of the C library ctsa) as a second opinion on
// log-likelihoods. Its wrapper only returns forecasts, so the fitted model's log-likelihood is
// read from its struct (sarimax_set: loglik is the f64 at byte 120 on wasm32).
// ctsa computes loglik = −½·n·(2·value + 1 + log(2·3.14159)): π truncated to 3.14159. We add back
// the difference so the figure is R's −½·n·(2·value + 1 + log 2π).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const load = createRequire(import.meta.url);
// From the working directory (the repository root for npm test and npm run bench), so the
// path also holds inside the bench's bundle.
const dir = join(process.cwd(), 'node_modules/arima');
const Module = load(join(dir, 'wasm/native-sync.js'));
const wasmBinary = load(join(dir, 'wrapper/native.bin.js'));
const mod = Module({ wasmBinary });
const ARIMA = load(join(dir, 'load.js'))(mod);

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

/** Fits (and, with h > 0, forecasts h steps); the log-likelihood in R's convention and the time taken. */
export function ctsaFit(values: number[], order: CtsaOrder, h = 0): { loglik: number; ms: number } {
  const t0 = performance.now();
  const model = new ARIMA({ ...order, verbose: false }).train(values);
  if (h > 0) model.predict(h);
  const ms = performance.now() - t0;
  const raw = mod.HEAPF64[(model.model + 120) / 8] as number;
  const nUsed = values.length - order.d - (order.D ?? 0) * (order.s ?? 0);
  model.destroy();
  return { loglik: raw - 0.5 * nUsed * (Math.log(2 * Math.PI) - Math.log(2 * 3.14159)), ms };
}
