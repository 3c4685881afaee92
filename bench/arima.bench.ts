// ARIMA fit + 12-step forecast: ours (one kernel call per fit) against the `arima` npm package
// (ctsa compiled to WebAssembly) at the same order and method (CSS then ML), and the
// log-likelihood each reached (R's convention; ctsa's truncated π corrected); then autoArima.
// Both on the page's (or Node's) main thread: medians over alternating blocks after a warm-up.
import { arima, autoArima, ready } from '../src/analysis/index.js';
import { simulate } from '../test/helpers/arima-sim.js';
import { loadCtsa } from './lib/ctsa.js';
import { medianMs, medianPairMs } from './lib/measure.js';
import type { Bench, Comparison } from './lib/types.js';

const ORDERS = [
  { name: '(1,1,1)', order: [1, 1, 1] as [number, number, number], model: { ar: [0.5], ma: [0.3], d: 1 } },
  { name: '(2,1,2)', order: [2, 1, 2] as [number, number, number], model: { ar: [0.4, 0.2], ma: [0.3, -0.2], d: 1 } },
  { name: '(0,1,1)(0,1,1)12', order: [0, 1, 1] as [number, number, number], seasonal: [0, 1, 1] as [number, number, number], model: { ma: [-0.4], sma: [-0.6], period: 12, d: 1, D: 1 } },
];

const bench: Bench = {
  title: 'ARIMA fit + 12-step forecast, and autoArima',
  envs: ['node', 'chromium'],
  // Cross-origin isolated, so Chromium's clock has 5 µs resolution instead of 100 µs.
  isolated: true,
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const ctsaFit = await loadCtsa();
    const out: Comparison[] = [];
    for (const n of [144, 1000, 10000]) {
      for (const c of ORDERS) {
        const x = simulate(c.model, n, 42);
        const options = { order: c.order, ...(c.seasonal ? { seasonal: { order: c.seasonal, period: 12 } } : {}) };
        const [P, D, Q] = c.seasonal ?? [0, 0, 0];
        const spec = { p: c.order[0], d: c.order[1], q: c.order[2], P, D, Q, s: c.seasonal ? 12 : 0 };
        const label = `ARIMA${c.name} fit + forecast, n=${n}`;
        let loglik = 0;
        let theirs = NaN;
        // Alternating blocks: the two sides share whatever the machine is doing meanwhile.
        const { ours, peer, peerError } = await medianPairMs(
          async () => {
            const m = await arima(x, options);
            await m.forecast(12);
            loglik = m.logLik;
          },
          () => {
            theirs = ctsaFit(x, spec, 12).loglik;
          },
        );
        if (peerError) ctx.log(`${label}: arima npm failed: ${peerError.message}`);
        ctx.log(`${label}: ours ${ours.toFixed(3)} ms (loglik ${loglik.toFixed(4)}), arima npm ${peer.toFixed(3)} ms (loglik ${theirs.toFixed(4)}), Δloglik ${(loglik - theirs).toExponential(2)}`);
        if (!Number.isFinite(peer)) continue;
        out.push(
          { name: label, unit: 'ms', ours, peer, peerName: 'arima (npm, ctsa)', higherIsBetter: false },
          { name: `${label}, log-likelihood`, unit: 'loglik', ours: loglik, peer: theirs, peerName: 'arima (npm, ctsa)', higherIsBetter: true },
        );
      }
    }
    const seasonal = simulate({ ma: [-0.4], sma: [-0.6], period: 12, d: 1, D: 1 }, 1000, 9);
    let chosen = '';
    const autoMs = await medianMs(async () => {
      const m = await autoArima(seasonal, { period: 12 });
      chosen = `(${m.order})(${m.seasonal.order})12, ${m.tried} fits`;
    }, { minRuns: 5, minMs: 0, maxRuns: 5 });
    ctx.log(`autoArima, 1,000 seasonal points: ${autoMs.toFixed(0)} ms → ${chosen}`);
    out.push({ name: 'autoArima, 1,000 seasonal points', unit: 'ms', ours: autoMs, peer: 100, peerName: 'goal', higherIsBetter: false });
    return out;
  },
};
export default bench;
