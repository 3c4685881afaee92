import type { WorkerBackend } from './index.js';
import { workerSlot } from './worker-slot.js';

/** The browser backend: Web Workers running dist/avila-telemetry.worker.js. */
export const webWorkers: WorkerBackend = {
  url(option) {
    if (typeof Worker === 'undefined') return null;
    if (option && option !== 'auto') return option;
    try {
      return new URL('./avila-telemetry.worker.js', import.meta.url);
    } catch {
      return null;
    }
  },
  slot: workerSlot,
};
