// Entry of dist/avila-telemetry.worker.js: one kernels instance per worker, driven through comlink.

import { expose, transfer } from 'comlink';
import { Kernels, instantiateKernelsSync } from '../kernels/index.js';
import { Executor } from './execute.js';
import { toWireError, transferablesOf, type Outcome, type Task, type WorkerApi } from './protocol.js';

let executor: Executor | null = null;

const api: WorkerApi = {
  init(module: WebAssembly.Module): void {
    // Synchronous instantiation is allowed off the main thread and saves a round trip.
    executor = new Executor(new Kernels(instantiateKernelsSync(module)));
  },
  run(task: Task): Outcome<unknown> {
    try {
      if (!executor) throw new Error('avila-telemetry worker: init() was not called');
      const value = executor.run(task);
      return transfer({ ok: true, value }, transferablesOf(value));
    } catch (e) {
      return { ok: false, error: toWireError(e) };
    }
  },
};

expose(api);
