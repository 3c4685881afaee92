// The client's way to the code it loads on first use (src/client/on-demand.ts: the worker
// runtime, detectors, alert rules, forecasts, Web Vitals) and to the page's one runtime.
// A failure is reported once through on('error') and not retried before a back-off has passed
// (lazy.ts), so a missing file costs one request, not one per call.
import type { Runtime, RuntimeOptions } from '../runtime/index.js';
import type { OnDemandParts } from './on-demand.js';

export class PartsLink {
  #starting: Promise<Runtime> | null = null;
  /** The page's runtime once this client holds a lease on it. */
  current: Runtime | null = null;
  /** Waiting for the runtime: called once a start succeeds, even one after a failed start. */
  readonly #waiting: ((rt: Runtime) => void)[] = [];
  /** This client's lease on the page's runtime. */
  readonly #lease = Object.freeze({ holder: 'avila-telemetry client' });
  #closed = false;
  /** Whether this client asked for the runtime (and so may hold a lease to give back). */
  #leasing = false;

  readonly #options: RuntimeOptions;
  readonly #workers: boolean;
  readonly #reportOnce: (e: unknown) => void;

  /**
   * `parts`: the on-demand chunk, loaded once (a failure reported once, retried after a back-off).
   * `reportOnce`: reports an error once per distinct message (a failure repeats on every call that meets it).
   */
  constructor(
    readonly parts: () => Promise<OnDemandParts>,
    options: RuntimeOptions,
    workers: boolean,
    reportOnce: (e: unknown) => void,
  ) {
    this.#options = options;
    this.#workers = workers;
    this.#reportOnce = reportOnce;
  }

  /** The page's runtime (started with this client's options if nobody started it). */
  runtime(): Promise<Runtime> {
    if (this.current) return Promise.resolve(this.current);
    if (this.#starting) return this.#starting;
    this.#leasing = true;
    const attempt = this.parts().then((p) => p.acquireRuntime(this.#lease, this.#options, this.#workers ? p.webWorkers : null));
    this.#starting = attempt;
    attempt.then(
      (rt) => {
        this.#starting = null;
        if (this.#closed) return;
        this.current = rt;
        for (const f of this.#waiting.splice(0)) f(rt);
      },
      (e: unknown) => {
        this.#starting = null;
        this.#reportOnce(e);
      },
    );
    return attempt;
  }

  /**
   * Calls `f` with the runtime once this client has it: now, or when a start succeeds — also a
   * later one (after a back-off, or once the analysis API started the page's runtime with files
   * that load), so values held for a watcher are scored then rather than never.
   */
  whenRuntime(f: (rt: Runtime) => void): void {
    if (this.current) return f(this.current);
    this.#waiting.push(f);
    void this.runtime().catch(() => {});
  }

  /** Gives up this client's lease (the runtime stays up while the analysis API or others use it). */
  close(): void {
    this.#closed = true;
    this.current = null;
    this.#waiting.length = 0;
    if (this.#leasing) void this.parts().then((p) => p.releaseRuntime(this.#lease), () => {});
  }
}
