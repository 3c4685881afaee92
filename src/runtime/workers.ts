import { WorkerPool } from './pool.js';
import type { WorkerBackend } from './index.js';

/** The browser backend: a pool of Web Workers running dist/avila-telemetry.worker.js. */
export const webWorkers: WorkerBackend = (module, options) => {
  if (typeof Worker === 'undefined') return null;
  let url: URL | string;
  if (options.worker && options.worker !== 'auto') url = options.worker;
  else {
    try {
      url = new URL('./avila-telemetry.worker.js', import.meta.url);
    } catch {
      return null;
    }
  }
  return new WorkerPool(module, {
    workerUrl: url,
    minWorkers: options.minWorkers ?? 0,
    ...(options.maxWorkers !== undefined ? { maxWorkers: options.maxWorkers } : {}),
  });
};
