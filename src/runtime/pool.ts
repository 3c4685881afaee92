import { transfer, wrap, type Remote } from 'comlink';
import { reviveError, transferablesOf, type ResultOf, type Task, type WorkerApi } from './protocol.js';

export interface PoolOptions {
  /** URL of avila-telemetry.worker.js. */
  workerUrl: URL | string;
  /** Workers kept alive. Default 1. */
  minWorkers?: number;
  /** Upper bound on workers. Default min(4, hardwareConcurrency − 1), at least 1. */
  maxWorkers?: number;
}

interface Slot {
  worker: Worker;
  api: Remote<WorkerApi>;
  ready: Promise<void>;
  busy: boolean;
}

interface Pending {
  task: Task;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Web Workers running kernels.wasm; tasks queue and go to the first idle worker. */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly maxWorkers: number;
  private closed = false;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly options: PoolOptions,
  ) {
    const cores = typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 2 : 2;
    this.maxWorkers = Math.max(1, options.maxWorkers ?? Math.min(4, cores - 1));
    const min = Math.min(this.maxWorkers, Math.max(0, options.minWorkers ?? 1));
    for (let i = 0; i < min; i++) this.spawn();
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    // A classic worker: works from the ESM and the IIFE build, and under worker-src 'self'.
    const worker = new Worker(this.options.workerUrl);
    const api = wrap<WorkerApi>(worker);
    const slot: Slot = { worker, api, ready: Promise.resolve(api.init(this.module)), busy: false };
    this.slots.push(slot);
    return slot;
  }

  run<T extends Task>(task: T): Promise<ResultOf<T>> {
    if (this.closed) return Promise.reject(new Error('avila-telemetry: the worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve: resolve as (v: unknown) => void, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      this.dispatch(slot, job);
    }
  }

  private async dispatch(slot: Slot, job: Pending): Promise<void> {
    slot.busy = true;
    try {
      await slot.ready;
      const outcome = await slot.api.run(transfer(job.task, transferablesOf(job.task)));
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(reviveError(outcome.error));
    } catch (e) {
      job.reject(e);
    } finally {
      slot.busy = false;
      this.pump();
    }
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots) s.worker.terminate();
    this.slots.length = 0;
    for (const job of this.queue.splice(0)) job.reject(new Error('avila-telemetry: the worker pool is closed'));
  }
}
