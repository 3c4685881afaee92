import type { Kernels } from '../kernels/index.js';
import type { Health, Runtime, RuntimeMetrics, RuntimeOptions } from '../runtime/index.js';
import { acquireRuntime, currentRuntime } from '../runtime/shared.js';
import { webWorkers } from '../runtime/workers.js';

/**
 * Where and how kernels run: `wasm` (Module, bytes or URL of kernels.wasm), `worker` ('auto',
 * false, or the worker script's URL) and the pool's limits (minWorkers, maxWorkers, maxQueue,
 * taskTimeoutMs, …; see docs/runtime.md).
 */
export type ReadyOptions = RuntimeOptions;

/** This copy of the analysis API's lease on the page's runtime (see runtime/shared.ts). */
const LEASE = Object.freeze({ holder: 'avila-telemetry/analysis' });

/**
 * Loads the kernels (and, in browsers, prepares the worker pool). Analysis functions call it
 * themselves; await it before using QuantileSketch or createDetector, which are synchronous.
 * The page has one runtime, shared with the client: options apply when this call starts it (or
 * retries after a failed start); a runtime already working is kept as it is.
 */
export async function ready(options?: ReadyOptions): Promise<void> {
  await acquireRuntime(LEASE, options ?? {}, webWorkers);
}

export function runtime(): Promise<Runtime> {
  return acquireRuntime(LEASE, {}, webWorkers);
}

/** The loaded kernels on this thread; throws when ready() has not completed. */
export function kernelsNow(caller: string): Kernels {
  const rt = currentRuntime();
  if (!rt) throw new Error(`avila-telemetry: ${caller} needs the kernels loaded first: \`await ready()\``);
  return rt.kernels;
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
