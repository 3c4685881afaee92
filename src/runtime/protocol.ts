// The messages the page and a kernel worker exchange. Both sides import this file.
// Bulk inputs travel as Float64Arrays the SDK owns, transferred rather than copied; results come
// back transferred too.

import type { ArimaKernelFit, ArimaSpec, KMeansFit, KMeansSpec, Summary } from '../kernels/index.js';

export interface DetectorConfig {
  /** The index of the method in DETECTOR_METHODS (src/analysis/detect.ts): 0 zscore … 8 context (assembly/detect.ts). */
  method: number;
  window: number;
  threshold: number;
  minSamples: number;
  /** 'context' only: the value range (absent: learned) and the context sizes (assembly/context.ts). */
  range?: [number, number];
  maxActive?: number;
  maxLeft?: number;
}

export interface SketchConfig {
  relativeAccuracy: number;
  maxBuckets: number;
}

export type ObjectSpec = { kind: 'detector'; config: DetectorConfig } | { kind: 'sketch'; config: SketchConfig };

export type Task =
  | { op: 'summary'; values: Float64Array }
  | { op: 'quantiles'; values: Float64Array; probs: Float64Array }
  | ({ op: 'detect'; values: Float64Array } & DetectorConfig)
  | { op: 'ping' }
  | ({ op: 'kmeans' } & KMeansSpec)
  | { op: 'kmeans.seed'; data: Float64Array; dims: number; k: number; init: 'k-means++' | 'random'; seed: number }
  | { op: 'kmeans.predict'; data: Float64Array; dims: number; centroids: Float64Array }
  | { op: 'kmeans.minibatch'; data: Float64Array; dims: number; centroids: Float64Array; counts: Float64Array }
  | { op: 'silhouette'; data: Float64Array; dims: number; labels: Int32Array; k: number }
  | { op: 'arima.fit'; values: Float64Array; spec: ArimaSpec; xreg?: Float64Array }
  | { op: 'arima.forecast'; values: Float64Array; spec: ArimaSpec; coef: Float64Array; h: number; xreg?: Float64Array; newxreg?: Float64Array }
  // Stateful objects living in one worker (see pool.ts for how they survive its loss).
  | ({ op: 'object.create'; id: number; state?: Uint8Array } & ObjectSpec)
  | { op: 'object.push'; id: number; values: Float64Array }
  | { op: 'object.quantiles'; id: number; probs: Float64Array }
  | { op: 'object.save'; id: number }
  | { op: 'object.dispose'; id: number };

export interface DetectResult {
  index: Int32Array;
  score: Float64Array;
  expected: Float64Array;
}

export interface PingResult {
  /** Linear memory of the worker's kernels, in bytes. */
  memoryBytes: number;
  objects: number;
}

export interface MiniBatchResult {
  centroids: Float64Array;
  counts: Float64Array;
  inertia: number;
}

export type ResultOf<T extends Task> = T extends { op: 'summary' }
  ? Summary
  : T extends { op: 'arima.fit' }
    ? ArimaKernelFit
    : T extends { op: 'arima.forecast' }
      ? { mean: Float64Array; variance: Float64Array }
  : T extends { op: 'kmeans' }
    ? KMeansFit
    : T extends { op: 'kmeans.seed' }
      ? Float64Array
      : T extends { op: 'kmeans.predict' }
        ? { labels: Int32Array; inertia: number }
        : T extends { op: 'kmeans.minibatch' }
          ? MiniBatchResult
          : T extends { op: 'silhouette' }
            ? number
            : T extends { op: 'quantiles' } | { op: 'object.quantiles' }
    ? Float64Array
    : T extends { op: 'detect' }
      ? DetectResult
      : T extends { op: 'ping' }
        ? PingResult
        : T extends { op: 'object.push' }
          ? DetectResult | null
          : T extends { op: 'object.save' }
            ? Uint8Array
            : T extends { op: 'object.create' } | { op: 'object.dispose' }
              ? null
              : never;

/** An error as it crosses the worker boundary. `fatal` marks a wasm trap: the instance is suspect. */
export interface WireError {
  name: string;
  message: string;
  fatal?: boolean;
}

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: WireError };

/** The API a kernel worker exposes through comlink. */
export interface WorkerApi {
  init(module: WebAssembly.Module): void;
  run(task: Task): Outcome<unknown>;
}

/** Buffers to transfer along with a value: those of its typed arrays (top level or one level down). */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (v: unknown) => {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
  };
  if (ArrayBuffer.isView(value)) add(value);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) add(v);
  return out;
}

/** Re-creates an error of the class it had on the other side (RangeError stays a RangeError). */
export function reviveError(error: WireError): Error {
  const Ctor = error.name === 'RangeError' ? RangeError : error.name === 'TypeError' ? TypeError : Error;
  const e = new Ctor(error.message);
  if (e.name !== error.name) e.name = error.name;
  return e;
}

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    return { name: e.name, message: e.message, ...(e instanceof WebAssembly.RuntimeError ? { fatal: true } : {}) };
  }
  return { name: 'Error', message: String(e) };
}
