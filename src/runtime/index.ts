import {
  Kernels,
  compileKernels,
  defaultWasmUrl,
  instantiateKernels,
  instantiateKernelsSync,
  KernelLoadError,
  type KernelSource,
} from '../kernels/index.js';
import { execute } from './execute.js';
import type { ResultOf, Task } from './protocol.js';

export interface RuntimeOptions {
  /** kernels.wasm: a compiled Module, its bytes or its URL. Default: kernels.wasm next to this bundle. */
  wasm?: KernelSource;
  /** 'auto' (workers where available), false (always inline) or the worker script's URL. */
  worker?: 'auto' | false | string | URL;
  minWorkers?: number;
  maxWorkers?: number;
}

/** Something that runs tasks off this thread (the Web Worker pool). */
export interface TaskRunner {
  run<T extends Task>(task: T): Promise<ResultOf<T>>;
  close(): void;
}

/** Starts workers for a compiled module, or returns null where workers cannot run. */
export type WorkerBackend = (module: WebAssembly.Module, options: RuntimeOptions) => TaskRunner | null;

/**
 * Where kernels run. `kernels` is an instance on the calling thread for synchronous use
 * (QuantileSketch, streaming detectors); `run` sends bulk tasks to the worker pool when there
 * is one, else runs them inline.
 */
export interface Runtime extends TaskRunner {
  readonly kernels: Kernels;
  readonly module: WebAssembly.Module;
  readonly mode: 'workers' | 'inline';
}

/**
 * Compiles and instantiates kernels.wasm. With a worker backend (browser builds), bulk tasks go
 * to Web Workers; without one (the edge build), everything runs inline.
 */
export async function createRuntime(options: RuntimeOptions = {}, workers?: WorkerBackend | null): Promise<Runtime> {
  const source = options.wasm ?? defaultWasmUrl();
  if (source === undefined) {
    throw new KernelLoadError(
      "avila-telemetry: no kernels.wasm location is known here; pass the `wasm` option (on Cloudflare Workers, the Module from `import wasm from 'avila-telemetry/kernels.wasm'`).",
    );
  }
  const module = await compileKernels(source);
  // Chromium forbids synchronous instantiation of big modules on a page's main thread only.
  const instance = typeof document === 'undefined' ? instantiateKernelsSync(module) : await instantiateKernels(module);
  const kernels = new Kernels(instance);
  const pool = options.worker === false || !workers ? null : workers(module, options);
  if (pool) return { kernels, module, mode: 'workers', run: (task) => pool.run(task), close: () => pool.close() };
  return {
    kernels,
    module,
    mode: 'inline',
    run: (task) => {
      try {
        return Promise.resolve(execute(kernels, task));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    close() {},
  };
}
