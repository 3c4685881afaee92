// The calls that wait for the deferred code (deferred.ts: metric aggregation, the rules, the rest
// of the client that can wait, extras.ts), in the page's first script. The first call loads it;
// until it arrives, the calls — every metric value with its time, every rule asked for, every
// span that ended — are held in order, at most `max` of them (the host counts what is refused),
// then run in that order. Values recorded after it arrived go straight in.
import { within } from '../delivery/within.js';
import type { DeferredModule } from './load-deferred.js';

export class Later {
  #ready = false;
  #disposed = false;
  #held: (() => void)[] = [];
  #loading: Promise<void> | null = null;

  readonly #max: number;
  readonly #load: () => Promise<DeferredModule>;
  readonly #setup: (m: DeferredModule) => void;
  readonly #fail: (e: unknown) => void;

  constructor(
    max: number,
    load: () => Promise<DeferredModule>,
    /** Sets up the deferred code when it arrives, before anything held runs. */
    setup: (m: DeferredModule) => void,
    fail: (e: unknown) => void,
    /** The module at hand already (the edge imports it): nothing is held or loaded. */
    loaded?: DeferredModule,
  ) {
    this.#max = max;
    this.#load = load;
    this.#setup = setup;
    this.#fail = fail;
    if (loaded) {
      setup(loaded);
      this.#ready = true;
    }
  }

  /**
   * Runs `f` once the deferred code is set up: now, or in order with the calls held meanwhile.
   * `bounded`: not when `max` calls wait already (then false, and `f` never runs).
   */
  run(f: () => void, bounded = false): boolean {
    if (this.#disposed) return false;
    if (this.#ready) return f(), true;
    if (bounded && this.#held.length >= this.#max) return false;
    this.#held.push(f);
    this.load();
    return true;
  }

  /** Loads the deferred code (once; after a failed load, again on a later call). */
  load(): Promise<void> {
    if (this.#ready || this.#disposed) return Promise.resolve();
    return (this.#loading ??= this.#load().then(
      (m) => {
        if (this.#disposed) return; // the client shut down meanwhile: nothing is set up (no timers)
        this.#setup(m);
        // Set first: a call made while the held ones run (an SLO's good() that records a value)
        // goes straight in rather than into a list nobody runs.
        this.#ready = true;
        for (const f of this.#held.splice(0)) {
          try {
            f();
          } catch (e) {
            this.#fail(e); // reported as at the call
          }
        }
      },
      () => {
        // Reported by the loader; the calls stay held (bounded) for the next attempt.
        this.#loading = null;
      },
    ));
  }

  /**
   * Resolves once every call held so far ran, the code failed to load, or `ms` passed. `load`:
   * load the deferred code even with nothing held (client.ready).
   */
  settled(ms: number, load = false): Promise<void> {
    if (this.#ready || !(this.#held.length || load)) return Promise.resolve();
    return within(this.load(), Date.now() + ms).then(() => {});
  }

  /** After shutdown: what is held goes, and nothing more is held, loaded or set up. */
  dispose(): void {
    this.#disposed = true;
    this.#held = [];
  }
}
