import type { Kernels } from '../kernels/index.js';
import { kernelsNow, runtime } from './runtime.js';
import type { DetectorConfig } from '../runtime/protocol.js';
import type { TaskOptions } from './stats.js';
import { taskOptions } from './task-options.js';
import { finiteNumber, integer, oneOf, options as objectArg, toFloat64 } from './validate.js';

/**
 * Each adaptive method's threshold cross-validated on NAB, as printed by `npm run bench:nab`: at
 * window 1000, the mean of the thresholds that maximise the standard-profile score on each half of
 * the files (fixed for the whole corpus, as NAB requires).
 */
const NAB_THRESHOLDS = { seasonal: 0.866, likelihood: 0.814, auto: 0.867, context: 0.716 }; // context: at rest 75, 3/3, range learned from 300 points (given: 0.713)

export type DetectorMethod = 'zscore' | 'robust' | 'iqr' | 'ewma' | 'seasonal' | 'cusum' | 'likelihood' | 'auto' | 'context';
/** In kernel code order (assembly/detect.ts, assembly/adaptive.ts, assembly/context.ts). */
export const DETECTOR_METHODS: readonly DetectorMethod[] = ['zscore', 'robust', 'iqr', 'ewma', 'seasonal', 'cusum', 'likelihood', 'auto', 'context'];
/** Methods whose score is in [0, 1] (assembly/adaptive.ts, assembly/context.ts), measured on NAB (bench/nab/). */
export const ADAPTIVE_METHODS: readonly DetectorMethod[] = ['seasonal', 'cusum', 'likelihood', 'auto', 'context'];

/** Default |score| above which a point is an anomaly, per method. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DetectorMethod, number>> = {
  zscore: 3,
  robust: 3.5, // Iglewicz & Hoaglin's cut-off for the modified z-score
  iqr: 1.5, // Tukey's fences
  ewma: 3,
  // Scores in [0, 1): z / (1 + z). The defaults are cross-validated on NAB (bench/nab/cv.ts): at
  // the default window, the mean of the thresholds chosen on each half of the files (standard
  // profile) — not the in-sample best, which was fitted to the very files it is scored on.
  seasonal: NAB_THRESHOLDS.seasonal,
  // Page's decision interval: the CUSUM sum passing h = 10 (score (10/5)/(1 + 10/5) = 2/3). NAB's
  // cross-validated 0.699 lies above it: slow shifts, restarted at h, would never be reported.
  cusum: 2 / 3,
  likelihood: NAB_THRESHOLDS.likelihood,
  auto: NAB_THRESHOLDS.auto,
  context: NAB_THRESHOLDS.context,
};
export const DEFAULT_WINDOW = 60;
/**
 * watch()'s detector when none is named: the best cross-validated on NAB (`npm run bench:nab`:
 * 'context' with its range learned, 60.5 standard, against 'auto' 46.2).
 */
export const DEFAULT_WATCH_DETECTOR: DetectorMethod = 'context';
/** Window of the adaptive methods' statistics (bench/nab/: long windows score best on real telemetry). */
export const ADAPTIVE_WINDOW = 1000;
/** Points the adaptive methods need before scoring. */
export const ADAPTIVE_MIN_SAMPLES = 100;
/** 'context': points after a score ≥ 0.75 that score 0 (CAD's rest period; chosen on NAB, bench/nab/). */
export const CONTEXT_REST = 75;
/** 'context' without a range: points its range is learned from (at most 600). */
export const CONTEXT_LEARN = 300;
const MAX_WINDOW = 1 << 24;

export interface DetectorOptions {
  method: DetectorMethod;
  /** Trailing points the statistics use (for 'ewma', the span: α = 2/(window + 1); for 'context', the rest period after a report, default 75). Default 60, at least 2. */
  window?: number;
  /** |score| above which a point is an anomaly. Default: zscore 3, robust 3.5, iqr 1.5 (k), ewma 3. */
  threshold?: number;
  /** Points needed before the first is scored. Default `window` ('context' without a range: 300, the points its range is learned from, at most 600 of them). */
  minSamples?: number;
  /** 'context' only: the value range, when known; values outside it count as its ends. Absent: learned — the min and max of the first min(minSamples, 600) values, widened by any later value outside it (docs/anomalies.md). */
  range?: [number, number];
  /** 'context' only: fired contexts carried into the next step (1–15). Default 3. */
  maxActive?: number;
  /** 'context' only: most facts on the left of a context learned from a partial match (1–64). Default 3. */
  maxLeft?: number;
}

export interface Anomaly {
  /** Position of the point in the input (for a streaming detector: in everything pushed). */
  index: number;
  value: number;
  /** Signed score; anomalous when |score| > threshold. ±Infinity when the window has no spread. */
  score: number;
  /** The centre the point was judged against: mean (zscore, ewma), median (robust, iqr), the forecast (seasonal), or the centre of the levels predicted (context; NaN without a prediction). */
  expected: number;
  method: DetectorMethod;
  threshold: number;
}

export interface ResolvedDetectorOptions {
  method: DetectorMethod;
  code: number;
  window: number;
  threshold: number;
  minSamples: number;
  range?: [number, number];
  maxActive?: number;
  maxLeft?: number;
}

/** The runtime's configuration of a resolved detector (src/runtime/protocol.ts). */
export function detectorConfig(o: ResolvedDetectorOptions): DetectorConfig {
  return {
    method: o.code, window: o.window, threshold: o.threshold, minSamples: o.minSamples,
    ...(o.range ? { range: o.range } : {}),
    ...(o.maxActive !== undefined ? { maxActive: o.maxActive } : {}),
    ...(o.maxLeft !== undefined ? { maxLeft: o.maxLeft } : {}),
  };
}

function contextOptions(o: Record<string, unknown>, method: DetectorMethod, argument: string): Pick<ResolvedDetectorOptions, 'range' | 'maxActive' | 'maxLeft'> {
  for (const k of ['range', 'maxActive', 'maxLeft'] as const) {
    if (o[k] !== undefined && method !== 'context') throw new TypeError(`${argument}.${k} applies to method 'context' only, not '${method}'`);
  }
  const out: Pick<ResolvedDetectorOptions, 'range' | 'maxActive' | 'maxLeft'> = {};
  if (o.range !== undefined) {
    if (!Array.isArray(o.range) || o.range.length !== 2) throw new TypeError(`${argument}.range must be [min, max], got ${JSON.stringify(o.range)}`);
    const lo = finiteNumber(o.range[0], `${argument}.range[0]`), hi = finiteNumber(o.range[1], `${argument}.range[1]`);
    if (!(hi > lo)) throw new RangeError(`${argument}.range must have min < max, got [${lo}, ${hi}]`);
    out.range = [lo, hi];
  }
  if (o.maxActive !== undefined) out.maxActive = integer(o.maxActive, `${argument}.maxActive`, 1, 15);
  if (o.maxLeft !== undefined) out.maxLeft = integer(o.maxLeft, `${argument}.maxLeft`, 1, 64);
  return out;
}

export function resolveDetectorOptions(value: unknown, argument = 'options'): ResolvedDetectorOptions {
  if (value === undefined) throw new TypeError(`${argument} is required: { method: ${DETECTOR_METHODS.map((m) => `'${m}'`).join(' | ')} }`);
  const o = objectArg(value, argument);
  const method = oneOf(o.method, `${argument}.method`, DETECTOR_METHODS);
  const adaptive = ADAPTIVE_METHODS.includes(method);
  const extra = contextOptions(o, method, argument);
  const window = o.window === undefined ? (method === 'context' ? CONTEXT_REST : adaptive ? ADAPTIVE_WINDOW : DEFAULT_WINDOW) : integer(o.window, `${argument}.window`, 2, MAX_WINDOW);
  const threshold = o.threshold === undefined ? DEFAULT_THRESHOLDS[method] : finiteNumber(o.threshold, `${argument}.threshold`);
  if (threshold <= 0) throw new RangeError(`${argument}.threshold must be > 0, got ${threshold}`);
  if (adaptive && threshold >= 1) throw new RangeError(`${argument}.threshold must be below 1 for method '${method}' (its scores are in [0, 1]), got ${threshold}`);
  const minSamples =
    o.minSamples !== undefined ? integer(o.minSamples, `${argument}.minSamples`, 1, Number.MAX_SAFE_INTEGER)
    : method === 'context' ? (extra.range ? window : CONTEXT_LEARN)
    : adaptive ? Math.min(window, ADAPTIVE_MIN_SAMPLES) : window;
  return { method, code: DETECTOR_METHODS.indexOf(method), window, threshold, minSamples, ...extra };
}

/**
 * Flags anomalies in a series, each point judged only against the points before it (see
 * assembly/detect.ts for each method's definition). Points before `minSamples` are not scored.
 * @throws TypeError/RangeError naming the argument for bad values or options.
 */
export async function detectAnomalies(values: ArrayLike<number>, options: DetectorOptions, task?: TaskOptions): Promise<Anomaly[]> {
  const o = resolveDetectorOptions(options);
  const data = toFloat64(values, 'values', 0);
  const rt = await runtime();
  // Reported values are read from the caller's input, which no worker ever receives.
  const config = detectorConfig(o);
  const r = await rt.run((owned) => ({ op: 'detect', values: owned ? data.slice() : data, ...config }), taskOptions(task, 'task'));
  const out: Anomaly[] = new Array(r.index.length);
  for (let i = 0; i < r.index.length; i++) {
    const index = r.index[i]!;
    out[i] = { index, value: values[index]!, score: r.score[i]!, expected: r.expected[i]!, method: o.method, threshold: o.threshold };
  }
  return out;
}

export interface StreamingDetector {
  /** Scores the value against the history, then adds it; the anomaly, or null. */
  push(value: number): Anomaly | null;
  /** Pushes many values in one call; the anomalies among them. */
  pushMany(values: ArrayLike<number>): Anomaly[];
  /** Forgets the history. */
  reset(): void;
  /** Values pushed so far. */
  readonly count: number;
  dispose(): void;
}

interface Handle {
  kernels: Kernels;
  ptr: number;
}

const registry =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Handle>((h) => {
        if (h.ptr !== 0) h.kernels.detectorFree(h.ptr);
      })
    : null;

class Detector implements StreamingDetector {
  readonly #h: Handle;
  readonly #o: ResolvedDetectorOptions;
  #count = 0;

  constructor(o: ResolvedDetectorOptions) {
    const kernels = kernelsNow('createDetector()');
    this.#o = o;
    this.#h = { kernels, ptr: kernels.detectorOpen(detectorConfig(o)) };
    registry?.register(this, this.#h, this);
  }

  get count(): number {
    return this.#count;
  }

  #live(): Handle {
    if (this.#h.ptr === 0) throw new Error('avila-telemetry: this detector was disposed');
    return this.#h;
  }

  push(value: number): Anomaly | null {
    const h = this.#live();
    const x = finiteNumber(value, 'value');
    const r = h.kernels.detectorPush(h.ptr, x);
    const index = this.#count++;
    if (r.flag !== 1) return null;
    return { index, value: x, score: r.score, expected: r.expected, method: this.#o.method, threshold: this.#o.threshold };
  }

  pushMany(values: ArrayLike<number>): Anomaly[] {
    const h = this.#live();
    const data = toFloat64(values, 'values', 0);
    const r = h.kernels.detectorPushMany(h.ptr, data, 'values');
    const base = this.#count;
    this.#count += data.length;
    return Array.from(r.index, (index, i) => ({
      index: base + index,
      value: data[index]!,
      score: r.score[i]!,
      expected: r.expected[i]!,
      method: this.#o.method,
      threshold: this.#o.threshold,
    }));
  }

  reset(): void {
    const h = this.#live();
    h.kernels.detectorReset(h.ptr);
    this.#count = 0;
  }

  dispose(): void {
    if (this.#h.ptr === 0) return;
    registry?.unregister(this);
    this.#h.kernels.detectorFree(this.#h.ptr);
    this.#h.ptr = 0;
  }
}

/**
 * A streaming detector whose window lives in WebAssembly memory. Synchronous: call
 * `await ready()` first. Same definitions as detectAnomalies.
 */
export function createDetector(options: DetectorOptions): StreamingDetector {
  return new Detector(resolveDetectorOptions(options));
}
