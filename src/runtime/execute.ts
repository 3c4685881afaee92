import type { Kernels } from '../kernels/index.js';
import type { ResultOf, Task } from './protocol.js';

/** Runs one task on a kernels instance. The same code runs inline and inside workers. */
export function execute<T extends Task>(kernels: Kernels, task: T): ResultOf<T> {
  return run(kernels, task) as ResultOf<T>;
}

function run(kernels: Kernels, task: Task): unknown {
  switch (task.op) {
    case 'summary':
      return kernels.summary(task.values);
    case 'quantiles':
      return kernels.quantilesSorted(task.values, task.probs);
    case 'detect': {
      const ptr = kernels.detectorCreate(task.method, task.window, task.threshold, task.minSamples);
      try {
        return kernels.detectorPushMany(ptr, task.values);
      } finally {
        kernels.detectorFree(ptr);
      }
    }
    case 'ping':
      return Date.now();
  }
}
