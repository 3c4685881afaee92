// The NAB scoring rules (Lavin & Ahmad 2015, "Evaluating Real-time Anomaly Detection Algorithms —
// the Numenta Anomaly Benchmark", arXiv:1510.03336; NAB v1.0's sweeper): windows, probationary
// period, earliest detection per window, sigmoid-weighted true and false positives, one threshold
// per profile for the whole corpus, and the normalisation against the null and perfect detectors.
// Checked against NAB's published results in test/unit/nab-published.test.ts.

export interface Profile {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** One file: its length and its windows as inclusive record index ranges, in order. */
export interface ScoredFile {
  name: string;
  length: number;
  windows: [number, number][];
}

/** σ(y) = 2 / (1 + e^{5y}) − 1, and −1 past y = 3 (a detection far past any window; NAB's scaledSigmoid). */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1;
  return 2 / (1 + Math.exp(5 * y)) - 1;
}

/** Records not scored at the start of a file: 15% of it, at most 750 (15% of 5,000). */
export function probationLength(n: number): number {
  return Math.min(Math.floor(0.15 * n), 0.15 * 5000);
}

/**
 * What a detection at each record would be worth: inside window w, A_TP·σ(y)/σ(−1) with
 * y = −(right − i + 1)/width (−1 at the left edge); outside, A_FP·σ(d) with d the distance past
 * the previous window's right edge in units of its width − 1 (σ = −1 where no window precedes).
 * `window[i]` is the window index or −1 outside, −2 in the probationary period (not scored).
 */
export function recordValues(file: ScoredFile, p: Profile): { value: Float64Array; window: Int32Array } {
  const n = file.length;
  const value = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  const maxTp = scaledSigmoid(-1);
  const probation = probationLength(n);
  let w = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const cur = file.windows[w];
    if (cur && i >= cur[0] && i <= cur[1]) {
      const width = cur[1] - cur[0] + 1;
      value[i] = (scaledSigmoid(-(cur[1] - i + 1) / width) * p.tpWeight) / maxTp;
      window[i] = w;
      if (i === cur[1]) {
        prevRight = i;
        prevWidth = width;
        w++;
      }
    } else {
      const d = prevRight < 0 ? Infinity : Math.abs(prevRight - i) / (prevWidth - 1);
      value[i] = scaledSigmoid(d) * p.fpWeight;
    }
    if (i < probation) window[i] = -2;
  }
  return { value, window };
}

/** Windows that have at least one scored record (the others cannot be hit or missed). */
export function scorableWindows(file: ScoredFile): number[] {
  const probation = probationLength(file.length);
  const out: number[] = [];
  file.windows.forEach(([, right], k) => {
    if (right >= probation) out.push(k);
  });
  return out;
}

/** The raw score of one file for a set of detections (record indices): missed windows cost A_FN. */
export function scoreDetections(file: ScoredFile, detections: Iterable<number>, p: Profile): { score: number; tp: number; fp: number; fn: number } {
  const { value, window } = recordValues(file, p);
  const best = new Map<number, number>();
  let fpScore = 0;
  let fp = 0;
  for (const i of detections) {
    const w = window[i]!;
    if (w === -2) continue;
    if (w === -1) {
      fpScore += value[i]!;
      fp++;
    } else best.set(w, Math.max(best.get(w) ?? -Infinity, value[i]!));
  }
  let score = fpScore;
  let tp = 0;
  let fn = 0;
  for (const w of scorableWindows(file)) {
    const v = best.get(w);
    if (v === undefined) {
      score -= p.fnWeight;
      fn++;
    } else {
      score += v;
      tp++;
    }
  }
  return { score, tp, fp, fn };
}

/**
 * The corpus score at every threshold at once: a record is a detection when its anomaly score is
 * ≥ the threshold. Returns the best threshold and its raw score (NAB's sweep over all distinct
 * scores: points sorted by score, the window-earliest rule applied as they become detections).
 */
export function sweep(files: ScoredFile[], scores: Float64Array[], p: Profile): { threshold: number; score: number } {
  interface Point {
    s: number;
    v: number;
    key: number; // global window id, or -1
  }
  const points: Point[] = [];
  let windows = 0;
  files.forEach((file, f) => {
    const { value, window } = recordValues(file, p);
    const base = windows;
    const scorable = new Set(scorableWindows(file));
    windows += file.windows.length;
    const s = scores[f]!;
    for (let i = 0; i < file.length; i++) {
      const w = window[i]!;
      if (w === -2) continue;
      if (w >= 0 && !scorable.has(w)) continue;
      points.push({ s: s[i]!, v: value[i]!, key: w >= 0 ? base + w : -1 });
    }
  });
  points.sort((a, b) => b.s - a.s);
  const scorableCount = files.reduce((t, f) => t + scorableWindows(f).length, 0);
  const best = new Float64Array(windows).fill(NaN);
  let fpTotal = 0;
  let windowTotal = -p.fnWeight * scorableCount;
  let bestScore = windowTotal; // threshold above every score: nothing detected
  let bestThreshold = Infinity;
  for (let k = 0; k < points.length; k++) {
    const pt = points[k]!;
    if (pt.key < 0) fpTotal += pt.v;
    else {
      const prev = best[pt.key]!;
      if (Number.isNaN(prev)) {
        windowTotal += p.fnWeight + pt.v;
        best[pt.key] = pt.v;
      } else if (pt.v > prev) {
        windowTotal += pt.v - prev;
        best[pt.key] = pt.v;
      }
    }
    // A threshold sits between distinct scores: evaluate once all points with this score are in.
    if (k + 1 < points.length && points[k + 1]!.s === pt.s) continue;
    const total = fpTotal + windowTotal;
    if (total > bestScore) {
      bestScore = total;
      bestThreshold = pt.s;
    }
  }
  return { threshold: bestThreshold, score: bestScore };
}

/**
 * A raw corpus score normalised as NAB's runner does (nabNormalise), with the null detector's raw
 * score computed here: NAB's null detector scores every record 0.5, and its threshold is swept
 * like any other's.
 */
export function normalise(files: ScoredFile[], raw: number, p: Profile): { score: number; nullScore: number; perfectScore: number } {
  const nullScore = sweep(files, files.map((f) => new Float64Array(f.length).fill(0.5)), p).score;
  const perfectScore = files.reduce((t, f) => t + f.windows.length, 0) * p.tpWeight;
  return { score: nabNormalise(files, raw, nullScore, p), nullScore, perfectScore };
}

/**
 * NAB's runner's normalisation (nab/runner.py normalize()): 100·(S − S_null)/(S_perfect − S_null)
 * with S_null the null detector's raw score and S_perfect every window of the label file, probation
 * or not, worth A_TP.
 */
export function nabNormalise(files: ScoredFile[], raw: number, nullRaw: number, p: Profile): number {
  const perfect = files.reduce((t, f) => t + f.windows.length, 0) * p.tpWeight;
  return (100 * (raw - nullRaw)) / (perfect - nullRaw);
}
