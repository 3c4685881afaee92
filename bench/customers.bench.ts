// Customer analytics against what a data scientist would run instead, on the same data:
// - BG/NBD + Gamma-Gamma fits and CLV scoring of 100,000 customers (simulated from the models)
//   against R doing it the way the BTYD package does (optim L-BFGS-B on the summed log-likelihood,
//   a vectorised ₂F₁ series). Goal: ≤ 200 ms.
// - Segments of 1,000,000 people × 5 features (standardise, then k-means from the same start, on
//   two threads as the DuckDB store runs it) against scikit-learn (StandardScaler + KMeans, Lloyd,
//   every core). Goal: ≥ 1×, same inertia.
// - Data quality of a 1,000,000-point series against numpy computing the same four components
//   vectorised. Goal: ≤ 20 ns a point.
// R and scikit-learn are Debian's (`npm run bench:setup`); without them the rows are skipped with a loud line.
import { join } from 'node:path';
import { quality, ready } from '../src/analysis/index.js';
import { fitBgNbd, fitGammaGamma, scoreCustomers } from '../src/collector/analytics/clv.js';
import { clusterFeatures } from '../src/collector/analytics/customers.js';
import { threadedKMeans } from '../src/collector/analytics/kmeans-threads.js';
import { simulateCustomers } from '../test/helpers/clv-sim.js';
import { rng } from './lib/data.js';
import { medianMs } from './lib/measure.js';
import { runPeer } from './lib/run-peer.js';
import { PYTHON, sklearnKMeans } from './lib/sklearn.js';
import type { Bench, Comparison } from './lib/types.js';

const CLV_CUSTOMERS = 100_000;
const CLV = { horizon: 52, steps: 12, discountRate: Math.pow(1.1, 1 / 52) - 1 };

const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** BG/NBD and Gamma-Gamma in R as BTYD computes them; the median of `runs` timed fits + scorings. */
function rClv(c: { x: Float64Array; tx: Float64Array; T: Float64Array; m: Float64Array }, runs: number): { ms: number; fitMs: number; ll: number; llSpend: number; total: number } | null {
  const out = runPeer('Rscript', 'run.R', { 'x.bin': bytes(c.x), 'tx.bin': bytes(c.tx), 'T.bin': bytes(c.T), 'm.bin': bytes(c.m) }, (dir) => `
    rd <- function(f) readBin(file.path('${dir}', f), 'double', n = ${c.x.length})
    x <- rd('x.bin'); tx <- rd('tx.bin'); T <- rd('T.bin'); m <- rd('m.bin')
    bgLL <- function(p) { r <- exp(p[1]); al <- exp(p[2]); a <- exp(p[3]); b <- exp(p[4])
      A1 <- lgamma(r + x) - lgamma(r) + r * log(al)
      A2 <- lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x)
      A3 <- -(r + x) * log(al + T)
      A4 <- ifelse(x > 0, log(a) - log(pmax(b + x - 1, 1e-300)) - (r + x) * log(al + tx), -Inf)
      -sum(A1 + A2 + log(exp(A3) + exp(A4))) }
    rep <- x > 0 & m > 0; xr <- x[rep]; mr <- m[rep]
    ggLL <- function(p) { pp <- exp(p[1]); q <- exp(p[2]); g <- exp(p[3])
      -sum(lgamma(pp * xr + q) - lgamma(pp * xr) - lgamma(q) + q * log(g) + (pp * xr - 1) * log(mr) + pp * xr * log(xr) - (pp * xr + q) * log(g + mr * xr)) }
    h2f1 <- function(a, b, c, z) { y <- rep(1, length(z)); u <- y; j <- 0
      repeat { j <- j + 1; u <- u * (a + j - 1) * (b + j - 1) / (c + j - 1) * z / j; last <- y; y <- y + u; if (all(y == last)) break }
      y }
    run <- function() {
      s <- proc.time()[['elapsed']]
      f <- optim(c(0, log(mean(T) / mean(x)), 0, 0), bgLL, method = 'L-BFGS-B', lower = -10, upper = 10, control = list(maxit = 1000))
      fitT <- proc.time()[['elapsed']] - s
      r <- exp(f$par[1]); al <- exp(f$par[2]); a <- exp(f$par[3]); b <- exp(f$par[4])
      g <- optim(c(0, log(2), log(mean(mr))), ggLL, method = 'L-BFGS-B', lower = -10, upper = 15, control = list(maxit = 1000))
      pp <- exp(g$par[1]); q <- exp(g$par[2]); gam <- exp(g$par[3])
      alive <- ifelse(x > 0, 1 / (1 + a / (b + x - 1) * ((al + T) / (al + tx))^(r + x)), 1)
      spend <- ifelse(x > 0, pp * (gam + x * m) / (pp * x + q - 1), pp * gam / (q - 1))
      value <- 0; before <- 0
      for (i in 1:${CLV.steps}) { t <- ${CLV.horizon} * i / ${CLV.steps}
        e <- alive * (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t))^(r + x) * h2f1(r + x, b + x, a + b + x - 1, t / (al + T + t)))
        value <- value + spend * (e - before) / (1 + ${CLV.discountRate})^t; before <- e }
      c(proc.time()[['elapsed']] - s, fitT, -f$value, -g$value, sum(value)) }
    res <- sapply(1:${runs + 1}, function(i) run())[, -1, drop = FALSE]
    cat(sprintf('%.6f', c(1000 * median(res[1, ]), 1000 * median(res[2, ]), res[3, 1], res[4, 1], res[5, 1])), '\\n')`);
  if (!out) return null;
  const [ms, fitMs, ll, llSpend, total] = out.split(/\s+/).map(Number);
  return { ms: ms!, fitMs: fitMs!, ll: ll!, llSpend: llSpend!, total: total! };
}

/** People × 5 skewed behavioural features (recency, frequency, spend, sessions, events) from 8 groups. */
function people(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const groups = Array.from({ length: 8 }, () => [5 + 80 * r(), 1 + 6 * r(), 20 + 300 * r(), 1 + 10 * r(), 5 + 60 * r()]);
  const x = new Float64Array(n * 5);
  for (let i = 0; i < n; i++) {
    const g = groups[Math.floor(r() * 8)]!;
    for (let j = 0; j < 5; j++) x[i * 5 + j] = Math.max(0, g[j]! * Math.exp(0.35 * normal()));
  }
  return x;
}

/** A 1 s series with gaps, duplicates, late points, NaN, out-of-range values and a unit jump. */
function series(n: number, seed: number): { timestamps: Float64Array; values: Float64Array } {
  const r = rng(seed);
  const timestamps = new Float64Array(n), values = new Float64Array(n);
  let t = 1.7e12;
  for (let i = 0; i < n; i++) {
    const u = r();
    t += u < 0.01 ? 5000 : u < 0.015 ? 0 : 1000;
    timestamps[i] = u > 0.995 ? t - 3000 : t;
    values[i] = u < 0.002 ? NaN : u > 0.99 && u < 0.991 ? 1e6 : 50 + 10 * r() * (i > n / 2 ? 1000 : 1);
  }
  return { timestamps, values };
}

function numpyQuality(s: { timestamps: Float64Array; values: Float64Array }, runs: number): { ns: number; score: number } | null {
  const out = runPeer(PYTHON, 'run.py', { 't.bin': bytes(s.timestamps), 'v.bin': bytes(s.values) }, (dir) => `
import time, numpy as np
t = np.fromfile('${join(dir, 't.bin')}', dtype=np.float64)
v = np.fromfile('${join(dir, 'v.bin')}', dtype=np.float64)
I = 1000.0; lo, hi = 0.0, 1e5; now = t.max()
def score():
    n = len(t)
    prev = np.maximum.accumulate(np.concatenate(([-np.inf], t[:-1])))
    ahead = t > prev; dup = t == prev
    ins = t[ahead]
    missing = np.maximum(np.rint(np.diff(ins) / I) - 1, 0).sum()
    completeness = len(ins) / (len(ins) + missing)
    finite = np.isfinite(v); ok = finite & (v >= lo) & (v <= hi)
    validity = ok.sum() / n
    w = v[ok]; a = w[:-1]; b = w[1:]
    with np.errstate(divide='ignore', invalid='ignore'):
        ratio = np.abs(b / a); up = np.where(ratio < 1, 1 / ratio, ratio)
    jumps = ((a != 0) & (b != 0) & (a != b) & np.any([np.abs(up - f) <= 0.02 * f for f in (100, 1000, 1024, 1e6, 1048576, 1e9)], axis=0)).sum()
    consistency = max(0.0, 1 - (dup.sum() + (~ahead & ~dup).sum() + jumps) / (n - 1))
    lag = now - t.max(); timeliness = 1.0 if lag <= I else I / lag
    return 25 * (completeness + validity + consistency + timeliness)
score()
times = []
for _ in range(${runs}):
    s = time.perf_counter(); q = score(); times.append((time.perf_counter() - s) * 1e9 / len(t))
times.sort()
print(times[len(times) // 2], q)
`);
  if (!out) return null;
  const [ns, score] = out.split(' ').map(Number);
  return { ns: ns!, score: score! };
}

const bench: Bench = {
  title: 'customer analytics: BG/NBD + CLV vs R (BTYD method), segments vs scikit-learn, data quality vs numpy',
  envs: ['node'],
  async run(ctx) {
    await ready({ wasm: ctx.wasmUrl, worker: false });
    const rows: Comparison[] = [];

    const spend = { p: 6.25, q: 3.74, gamma: 15.44 };
    const c = simulateCustomers(CLV_CUSTOMERS, { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 }, { seed: 42, minT: 27, maxT: 39, spend });
    const repeat = [...c.x.keys()].filter((i) => c.x[i]! > 0);
    let fitMs = 0, ll = NaN, llSpend = NaN, total = NaN;
    const ours = await medianMs(() => {
      const t0 = performance.now();
      const bg = fitBgNbd(c);
      fitMs = performance.now() - t0;
      const gg = fitGammaGamma({ x: repeat.map((i) => c.x[i]!), m: repeat.map((i) => c.m[i]!) });
      const s = scoreCustomers(bg, gg, c, CLV);
      [ll, llSpend, total] = [bg.logLikelihood, gg.logLikelihood, s.lifetimeValue.reduce((a, v) => a + v, 0)];
    }, { minRuns: 9, minMs: 0, maxRuns: 9 });
    const r = rClv(c, 3);
    const label = `BG/NBD + Gamma-Gamma fits and CLV of ${CLV_CUSTOMERS.toLocaleString('en')} customers`;
    ctx.log(`${label}: ours ${ours.toFixed(0)} ms (BG/NBD fit ${fitMs.toFixed(0)} ms; log-likelihood ${ll.toFixed(3)}, spend ${llSpend.toFixed(3)}, Σ CLV ${total.toFixed(0)})`);
    if (!r) ctx.log(`!!! R peer SKIPPED for ${label}: Rscript is not installed (npm run bench:setup installs r-base-core)`);
    else {
      ctx.log(`  R (BTYD method): ${r.ms.toFixed(0)} ms (fit ${r.fitMs.toFixed(0)} ms; log-likelihood ${r.ll.toFixed(3)}, spend ${r.llSpend.toFixed(3)}, Σ CLV ${r.total.toFixed(0)})`);
      rows.push({ name: `${label} (log-likelihood ours − R: ${(ll - r.ll).toFixed(3)})`, unit: 'ms', ours, peer: r.ms, peerName: 'R optim L-BFGS-B, BTYD method', higherIsBetter: false });
    }

    const n = 1_000_000;
    const x = people(n, 7);
    // The same start for both: k rows of the standardised data, picked by a seeded draw.
    const k = 8;
    const mean = [0, 1, 2, 3, 4].map((j) => x.reduce((s, v, i) => (i % 5 === j ? s + v : s), 0) / n);
    const sd = [0, 1, 2, 3, 4].map((j) => Math.sqrt(x.reduce((s, v, i) => (i % 5 === j ? s + (v - mean[j]!) ** 2 : s), 0) / n));
    const pick = rng(3);
    const start = new Float64Array(k * 5);
    for (let c2 = 0; c2 < k; c2++) {
      const row = Math.floor(pick() * n);
      for (let j = 0; j < 5; j++) start[c2 * 5 + j] = (x[row * 5 + j]! - mean[j]!) / sd[j]!;
    }
    const sk = sklearnKMeans(x, 5, start, 3, { standardize: true });
    let inertia = NaN;
    const seg = await medianMs(async () => {
      // As the DuckDB store's segments query runs it: k-means on two worker threads.
      const fit = await clusterFeatures(x, 5, { ks: [k], seed: 0, silhouetteSample: 2000, init: start, runner: threadedKMeans });
      inertia = fit.inertia;
    }, { minRuns: 3, minMs: 0, maxRuns: 3 });
    const segLabel = `segments of ${n.toLocaleString('en')} people × 5 features, k = ${k} (standardise + k-means)`;
    if (!sk) ctx.log(`!!! scikit-learn peer SKIPPED for ${segLabel}: /usr/bin/python3 with sklearn is not installed (npm run bench:setup installs python3-sklearn)`);
    else {
      const rel = (inertia - sk.inertia) / sk.inertia;
      ctx.log(`${segLabel}: ours ${seg.toFixed(0)} ms (inertia ${inertia.toExponential(6)}), scikit-learn ${sk.ms.toFixed(0)} ms (${sk.iterations} it, inertia ${sk.inertia.toExponential(6)}), inertia ours vs sklearn ${(rel * 100).toFixed(4)}%`);
      // −0.0000% and 0.0000% are one row (the name is the row's identity in bench/results).
      const shown = (rel * 100).toFixed(4).replace(/^-(0\.0+)$/, '$1');
      rows.push({ name: `${segLabel}, same start (inertia ours − sklearn: ${shown}%)`, unit: 'ms', ours: seg, peer: sk.ms, peerName: 'scikit-learn StandardScaler + KMeans (lloyd, OMP 2)', higherIsBetter: false });
    }

    const s = series(1_000_000, 5);
    const options = { expectedIntervalMs: 1000, range: [0, 1e5] as [number, number], now: s.timestamps.reduce((a, v) => Math.max(a, v), 0) };
    let score = NaN;
    const qMs = await medianMs(() => {
      score = quality(s, options).score;
    }, { minRuns: 15, minMs: 0, maxRuns: 15 });
    const ns = (qMs * 1e6) / s.timestamps.length;
    const np = numpyQuality(s, 7);
    const qLabel = 'data quality of a 1,000,000-point series, per point';
    if (!np) ctx.log(`!!! numpy peer SKIPPED for ${qLabel}: /usr/bin/python3 with numpy is not installed (npm run bench:setup installs python3-sklearn)`);
    else {
      ctx.log(`${qLabel}: ours ${ns.toFixed(2)} ns (score ${score.toFixed(6)}), numpy ${np.ns.toFixed(2)} ns (score ${np.score.toFixed(6)})`);
      rows.push({ name: `${qLabel} (score ours − numpy: ${(score - np.score).toExponential(1)})`, unit: 'ns', ours: ns, peer: np.ns, peerName: 'numpy, vectorised', higherIsBetter: false });
    }
    return rows;
  },
};
export default bench;
