// autoArima against R's forecast::auto.arima — what a data scientist would use instead — on the
// same series: AirPassengers and a simulated 1,000-point monthly series. Rows: the speed ratio,
// and whether both chose the same model (order and AICc). R is Debian's r-base-core with
// r-cran-forecast (`npm run bench:setup`); without it the rows are skipped with a loud line.
import { join } from 'node:path';
import { autoArima, ready } from '../src/analysis/index.js';
import { simulate } from '../test/helpers/arima-sim.js';
import { medianMs } from './lib/measure.js';
import { runPeer } from './lib/run-peer.js';
import type { Bench, Comparison } from './lib/types.js';

const AIR_PASSENGERS = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422, 465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337, 360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432];

/** R's auto.arima on `y` (frequency 12): its choice and the median of `runs` timed calls after a warm-up. */
function rAutoArima(y: number[], runs: number): { order: string; aicc: number; ms: number } | null {
  const out = runPeer('Rscript', 'run.R', { 'y.csv': y.map((v) => v.toPrecision(17)).join('\n') }, (dir) => `
    suppressMessages(library(forecast)); y <- ts(scan('${join(dir, 'y.csv')}', quiet = TRUE), frequency = 12)
    fit <- auto.arima(y); t <- c()
    for (i in 1:${runs}) { s <- proc.time()[["elapsed"]]; auto.arima(y); t <- c(t, proc.time()[["elapsed"]] - s) }
    o <- arimaorder(fit); cat(sprintf('(%d,%d,%d)(%d,%d,%d)12 %.6f %.3f\\n', o[1], o[2], o[3], o[4], o[5], o[6], fit$aicc, 1000 * median(t)))`);
  if (!out) return null;
  const [order, aicc, ms] = out.split(' ');
  return { order: order!, aicc: Number(aicc), ms: Number(ms) };
}

const bench: Bench = {
  title: 'autoArima vs R forecast::auto.arima (same series, same choice?)',
  envs: ['node'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const cases: [string, number[]][] = [
      ['AirPassengers', AIR_PASSENGERS],
      ['1,000-point monthly series', Array.from(simulate({ ar: [0.5], sma: [-0.6], period: 12, d: 1, D: 1 }, 1000, 21), (v) => v + 500)],
    ];
    const rows: Comparison[] = [];
    for (const [label, y] of cases) {
      const r = rAutoArima(y, 3);
      if (!r) {
        ctx.log(`!!! R peer SKIPPED for ${label}: Rscript with the forecast package is not installed (npm run bench:setup installs r-base-core and r-cran-forecast)`);
        continue;
      }
      let order = '', aicc = NaN;
      const ours = await medianMs(async () => {
        const m = await autoArima(y, { period: 12 });
        order = `(${m.order})(${m.seasonal.order})12`.replace(/,/g, ',');
        aicc = m.aicc;
      }, { minRuns: 5, minMs: 0, maxRuns: 5 });
      // The same order; AICc differs in the third decimal because R's likelihood starts its
      // diffuse states at κ = 10⁶ where ours takes the exact limit (docs/arima.md).
      const same = order === r.order;
      const dAicc = aicc - r.aicc;
      ctx.log(`${label}: ours ${ours.toFixed(1)} ms → ${order} AICc ${aicc.toFixed(3)}; R ${r.ms.toFixed(0)} ms → ${r.order} AICc ${r.aicc.toFixed(3)}; same order: ${same ? 'yes' : 'NO'}, AICc ours − R ${dAicc.toFixed(3)}`);
      rows.push({ name: `autoArima, ${label} (${same ? 'same order' : 'ANOTHER ORDER'}; AICc ours − R ${dAicc >= 0 ? '+' : ''}${dAicc.toFixed(3)})`, unit: 'ms', ours, peer: r.ms, peerName: 'R forecast::auto.arima', higherIsBetter: false });
    }
    return rows;
  },
};
export default bench;
