import type { Executor } from './execute.js';
import { toWireError, type Outcome, type Task } from './protocol.js';

/** Somewhere tasks run: a Web Worker, or the calling thread when workers are unavailable. */
export interface Slot {
  readonly id: number;
  readonly kind: 'worker' | 'inline';
  state: 'starting' | 'idle' | 'busy' | 'dead';
  /** Resolves when the slot can take tasks; rejects if it cannot start. */
  readonly ready: Promise<void>;
  run(task: Task, transferInput: boolean): Promise<Outcome<unknown>>;
  /** Stops it for good (terminates the worker). */
  kill(): void;
  /** Called once if the slot dies by itself (uncaught error in the worker, failed start). */
  onDeath: ((reason: string) => void) | null;
  startedAt: number;
  idleSince: number;
  lastSeen: number;
  pingSentAt: number;
}

let nextId = 1;

/** A process-wide slot id. */
export const slotId = (): number => nextId++;

export function inlineSlot(executor: Executor): Slot {
  const now = performance.now();
  const slot: Slot = {
    id: slotId(),
    kind: 'inline',
    state: 'starting',
    ready: Promise.resolve(),
    run(task) {
      try {
        return Promise.resolve({ ok: true, value: executor.run(task) });
      } catch (e) {
        return Promise.resolve({ ok: false, error: toWireError(e) });
      }
    },
    kill() {
      slot.state = 'dead';
    },
    onDeath: null,
    startedAt: now,
    idleSince: now,
    lastSeen: now,
    pingSentAt: 0,
  };
  return slot;
}
