// The messages the page and a kernel worker exchange. Both sides import this file.
// Bulk data always travels as Float64Arrays whose buffers are transferred, never copied twice.

import type { Summary } from '../kernels/index.js';

export type Task =
  | { op: 'summary'; values: Float64Array }
  | { op: 'quantiles'; values: Float64Array; probs: Float64Array }
  | {
      op: 'detect';
      values: Float64Array;
      method: number;
      window: number;
      threshold: number;
      minSamples: number;
    }
  | { op: 'ping' };

export interface DetectResult {
  index: Int32Array;
  score: Float64Array;
  expected: Float64Array;
}

export type ResultOf<T extends Task> = T extends { op: 'summary' }
  ? Summary
  : T extends { op: 'quantiles' }
    ? Float64Array
    : T extends { op: 'detect' }
      ? DetectResult
      : T extends { op: 'ping' }
        ? number
        : never;

/** An error as it crosses the worker boundary: its class name and message. */
export interface WireError {
  name: string;
  message: string;
}

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: WireError };

/** The API a kernel worker exposes through comlink. */
export interface WorkerApi {
  init(module: WebAssembly.Module): void;
  run(task: Task): Outcome<unknown>;
}

/** Buffers to transfer along with a task or its result. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer) out.push(value.buffer);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && !out.includes(v.buffer)) out.push(v.buffer);
    }
  }
  return out;
}

/** Re-creates an error of the class it had on the other side (RangeError stays a RangeError). */
export function reviveError(error: WireError): Error {
  const Ctor =
    error.name === 'RangeError' ? RangeError : error.name === 'TypeError' ? TypeError : Error;
  const e = new Ctor(error.message);
  if (e.name !== error.name) e.name = error.name;
  return e;
}

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}
