import {
  Kernels,
  compileKernels,
  defaultWasmUrl,
  instantiateKernels,
  instantiateKernelsSync,
  hasWasmSimd,
  KernelLoadError,
  type KernelSource,
} from '../kernels/index.js';
import { Executor } from './execute.js';
import type { Health, RuntimeMetrics } from './metrics.js';
import { WorkerPool, type PoolOptions, type RunOptions, type TaskFactory } from './pool.js';
import { toPrometheusText, type Family } from './prometheus.js';
import type { ObjectSpec, ResultOf, Task } from './protocol.js';
import type { Slot } from './slots.js';

export type { Health, HealthCheck, RuntimeMetrics, Status } from './metrics.js';
export type { RunOptions, TaskFactory } from './pool.js';
export { QueueFullError, TimeoutError, WorkerCrashedError } from './errors.js';

export interface RuntimeOptions extends Omit<PoolOptions, 'workerUrl' | 'workerSlot' | 'inlineReason'> {
  /** kernels.wasm: a compiled Module, its bytes or its URL. Default: kernels.wasm next to this bundle. */
  wasm?: KernelSource;
  /** 'auto' (Web Workers where available), false (always on the calling thread) or the worker script's URL. */
  worker?: 'auto' | false | string | URL;
  /**
   * false: load kernels-nosimd.wasm even where WebAssembly SIMD works (results are identical, only
   * slower). Default: chosen by feature detection. Ignored when `wasm` is given.
   */
  simd?: boolean;
}

/** How a build starts workers: the browser builds pass one; the edge build has none. */
export interface WorkerBackend {
  /** The worker script to use, or null where workers cannot run. */
  url(option: RuntimeOptions['worker']): URL | string | null;
  slot(url: URL | string, module: WebAssembly.Module): Slot;
}

/**
 * Where kernels run. `kernels` is an instance on the calling thread for synchronous use
 * (QuantileSketch, streaming detectors); tasks go to the worker pool, or run inline.
 */
export interface Runtime {
  readonly kernels: Kernels;
  readonly module: WebAssembly.Module;
  /** 'inline' where workers are missing, disabled, or failed to start. */
  readonly mode: 'workers' | 'inline';
  run<T extends Task>(make: TaskFactory<T>, options?: RunOptions): Promise<ResultOf<T>>;
  /** A detector or sketch that lives in one worker and survives its replacement. */
  pin(spec: ObjectSpec): number;
  callObject<T extends Task>(id: number, task: T, options?: RunOptions): Promise<ResultOf<T>>;
  unpin(id: number): void;
  health(): Health;
  metrics(): RuntimeMetrics;
  /** The task metrics in Prometheus text format. */
  metricsText(): string;
  close(): void;
}

/** Compiles and instantiates kernels.wasm and starts the pool (workers, or inline). */
export async function createRuntime(options: RuntimeOptions = {}, workers?: WorkerBackend | null): Promise<Runtime> {
  const source = options.wasm ?? defaultWasmUrl(options.simd !== false && hasWasmSimd());
  if (source === undefined) {
    throw new KernelLoadError(
      "avila-telemetry: no kernels.wasm location is known here; pass the `wasm` option (on Cloudflare Workers, the Module from `import wasm from 'avila-telemetry/kernels.wasm'`).",
    );
  }
  const module = await compileKernels(source);
  // Chromium forbids synchronous instantiation of big modules on a page's main thread only.
  const instance = typeof document === 'undefined' ? instantiateKernelsSync(module) : await instantiateKernels(module);
  const kernels = new Kernels(instance);
  const url = options.worker === false || !workers ? null : workers.url(options.worker);
  // Why tasks run on the calling thread, in the words health() reports.
  const inlineReason = options.worker === false ? 'worker: false was set; running on the calling thread' : url === null ? 'no Web Worker in this environment' : undefined;
  const pool = new WorkerPool(module, new Executor(kernels), kernels, {
    ...options,
    workerUrl: url,
    ...(inlineReason ? { inlineReason } : {}),
    ...(workers ? { workerSlot: workers.slot } : {}),
  });
  return {
    kernels,
    module,
    get mode() {
      return pool.mode;
    },
    run: (make, runOptions) => pool.run(make, runOptions),
    pin: (spec) => pool.pin(spec),
    callObject: (id, task, runOptions) => pool.callObject(id, task, runOptions),
    unpin: (id) => pool.unpin(id),
    health: () => pool.health(),
    metrics: () => pool.metrics(),
    metricsText: () => runtimeMetricsText(pool.metrics(), pool.health()),
    close: () => pool.close(),
  };
}

export function runtimeMetricsText(m: RuntimeMetrics, h: Health): string {
  const p = 'avila_runtime_';
  const families: Family[] = [
    {
      name: p + 'tasks_total',
      help: 'Kernel tasks by outcome.',
      type: 'counter',
      samples: Object.entries(m.tasks).map(([outcome, value]) => ({ name: p + 'tasks_total', labels: { outcome }, value })),
    },
    { name: p + 'queue_length', help: 'Tasks waiting for a worker.', type: 'gauge', samples: [{ name: p + 'queue_length', value: m.queue.length }] },
    { name: p + 'queue_length_max', help: 'Longest queue seen.', type: 'gauge', samples: [{ name: p + 'queue_length_max', value: m.queue.max }] },
    {
      name: p + 'workers',
      help: 'Workers by state.',
      type: 'gauge',
      samples: (['active', 'idle', 'starting'] as const).map((state) => ({ name: p + 'workers', labels: { state }, value: m.workers[state] })),
    },
    { name: p + 'workers_replaced_total', help: 'Workers replaced after a crash, timeout or cancellation.', type: 'counter', samples: [{ name: p + 'workers_replaced_total', value: m.workers.replaced }] },
    {
      name: p + 'task_duration_seconds',
      help: 'Task execution time in seconds (DDSketch, 1% relative error).',
      type: 'summary',
      samples: [
        { name: p + 'task_duration_seconds', labels: { quantile: '0.5' }, value: m.executionMs.p50 / 1000 },
        { name: p + 'task_duration_seconds', labels: { quantile: '0.95' }, value: m.executionMs.p95 / 1000 },
        { name: p + 'task_duration_seconds', labels: { quantile: '0.99' }, value: m.executionMs.p99 / 1000 },
        { name: p + 'task_duration_seconds_sum', value: (m.executionMs.mean * m.executionMs.count) / 1000 },
        { name: p + 'task_duration_seconds_count', value: m.executionMs.count },
      ],
    },
    { name: p + 'throughput', help: 'Completed tasks per second over the last 10 s.', type: 'gauge', samples: [{ name: p + 'throughput', value: m.throughput }] },
    {
      name: p + 'health',
      help: 'Health checks: 0 healthy, 1 degraded, 2 unhealthy.',
      type: 'gauge',
      samples: h.checks.map((c) => ({ name: p + 'health', labels: { check: c.name }, value: c.status === 'healthy' ? 0 : c.status === 'degraded' ? 1 : 2 })),
    },
  ];
  return toPrometheusText(families);
}
