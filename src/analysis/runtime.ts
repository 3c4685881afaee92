import type { Kernels } from '../kernels/index.js';
import { createRuntime, type Health, type Runtime, type RuntimeMetrics, type RuntimeOptions, type WorkerBackend } from '../runtime/index.js';

/**
 * Where and how kernels run: `wasm` (Module, bytes or URL of kernels.wasm), `worker` ('auto',
 * false, or the worker script's URL) and the pool's limits (minWorkers, maxWorkers, maxQueue,
 * taskTimeoutMs, …; see docs/runtime.md).
 */
export type ReadyOptions = RuntimeOptions;

let current: Promise<Runtime> | null = null;
let workers: WorkerBackend | null = null;

/** Lets browser entries run bulk analysis in Web Workers; the edge entry never calls it. */
export function useWorkers(backend: WorkerBackend): void {
  workers = backend;
}
let loaded: Runtime | null = null;

/**
 * Loads the kernels (and, in browsers, prepares the worker pool). Analysis functions call it
 * themselves; await it before using QuantileSketch or createDetector, which are synchronous.
 * Calling it again with options replaces the runtime.
 */
export function ready(options?: ReadyOptions): Promise<void> {
  if (current && options === undefined) return current.then(() => undefined);
  const previous = loaded;
  const next = createRuntime(options ?? {}, workers);
  current = next;
  next.then(
    (rt) => {
      if (current === next) {
        loaded = rt;
        if (previous && previous !== rt) previous.close();
      }
    },
    () => {
      if (current === next) current = null;
    },
  );
  return next.then(() => undefined);
}

/**
 * Lets the analysis functions run on a runtime created elsewhere (the client's), when none is set
 * up yet — one worker pool per page instead of two.
 */
export function shareRuntime(rt: Runtime): void {
  if (current) return;
  current = Promise.resolve(rt);
  loaded = rt;
}

export async function runtime(): Promise<Runtime> {
  if (!current) void ready();
  return current!;
}

/** The loaded kernels on this thread; throws when ready() has not completed. */
export function kernelsNow(caller: string): Kernels {
  if (!loaded) {
    throw new Error(`avila-telemetry: ${caller} needs the kernels loaded first: \`await ready()\``);
  }
  return loaded.kernels;
}

/** Health of the kernel runtime (workers, heartbeat, queue, recent incidents). */
export async function runtimeHealth(): Promise<Health> {
  return (await runtime()).health();
}

/** Task metrics of the kernel runtime; `runtimeMetricsText()` gives them in Prometheus text format. */
export async function runtimeMetrics(): Promise<RuntimeMetrics> {
  return (await runtime()).metrics();
}

export async function runtimeMetricsText(): Promise<string> {
  return (await runtime()).metricsText();
}
