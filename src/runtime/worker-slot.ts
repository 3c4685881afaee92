import { transfer, wrap, type Remote } from 'comlink';
import { transferablesOf, type Outcome, type WorkerApi } from './protocol.js';
import { slotId, type Slot } from './slots.js';

export function workerSlot(url: URL | string, module: WebAssembly.Module): Slot {
  // A classic worker: works from the ESM and the IIFE build, and under worker-src 'self'.
  const worker = new Worker(url);
  const api: Remote<WorkerApi> = wrap<WorkerApi>(worker);
  const now = performance.now();
  const slot: Slot = {
    id: slotId(),
    kind: 'worker',
    state: 'starting',
    ready: Promise.resolve(api.init(module)),
    run(task, transferInput) {
      return api.run(transferInput ? transfer(task, transferablesOf(task)) : task) as Promise<Outcome<unknown>>;
    },
    kill() {
      slot.state = 'dead';
      worker.terminate();
    },
    onDeath: null,
    startedAt: now,
    idleSince: now,
    lastSeen: now,
    pingSentAt: 0,
  };
  const die = (reason: string) => {
    if (slot.state === 'dead') return;
    slot.onDeath?.(reason);
  };
  worker.addEventListener('error', (e) => {
    e.preventDefault();
    die(e.message ? `uncaught error in the worker: ${e.message}` : `the worker script ${String(url)} failed to load or crashed`);
  });
  worker.addEventListener('messageerror', () => die('a message from the worker could not be deserialized'));
  return slot;
}
