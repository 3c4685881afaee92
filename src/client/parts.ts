// The client's way to the code it loads on first use (src/client/on-demand.ts: the worker
// runtime, detectors, alert rules, forecasts, Web Vitals) and to the page's one runtime.
// A failure is reported once through on('error') and not retried before a back-off has passed,
// so a missing file costs one request, not one per call.
import type { Runtime, RuntimeOptions } from '../runtime/index.js';
import type { OnDemandParts } from './on-demand.js';

const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export class PartsLink {
  private loading: Promise<OnDemandParts> | null = null;
  private loadError: Error | null = null;
  private loadFailedAt = 0;
  private loadDelay = 0;
  private starting: Promise<Runtime> | null = null;
  private reported = new Set<string>();
  /** The page's runtime once this client holds a lease on it. */
  current: Runtime | null = null;
  /** Waiting for the runtime: called once a start succeeds, even one after a failed start. */
  private readonly waiting: ((rt: Runtime) => void)[] = [];
  /** This client's lease on the page's runtime. */
  private readonly lease = Object.freeze({ holder: 'avila-telemetry client' });
  private closed = false;

  constructor(
    private readonly load: () => Promise<OnDemandParts>,
    private readonly options: RuntimeOptions,
    private readonly workers: boolean,
    private readonly report: (e: Error) => void,
  ) {}

  /** Reports an error once per distinct message (a failure repeats on every call that meets it). */
  private reportOnce(e: unknown): Error {
    const error = e instanceof Error ? e : new Error(String(e));
    if (!this.reported.has(error.message)) {
      this.reported.add(error.message);
      this.report(error);
    }
    return error;
  }

  parts(): Promise<OnDemandParts> {
    if (this.loading) return this.loading;
    if (this.loadError && Date.now() < this.loadFailedAt + this.loadDelay) return Promise.reject(this.loadError);
    const attempt = this.load().then(
      (parts) => {
        this.loadError = null;
        this.loadDelay = 0;
        return parts;
      },
      (cause: unknown) => {
        this.loading = null;
        this.loadFailedAt = Date.now();
        this.loadDelay = this.loadDelay ? Math.min(RETRY_MAX_MS, 2 * this.loadDelay) : RETRY_FIRST_MS;
        throw (this.loadError = this.reportOnce(partsError(cause)));
      },
    );
    this.loading = attempt;
    return attempt;
  }

  /** The page's runtime (started with this client's options if nobody started it). */
  runtime(): Promise<Runtime> {
    if (this.current) return Promise.resolve(this.current);
    if (this.starting) return this.starting;
    const attempt = this.parts().then((p) => p.acquireRuntime(this.lease, this.options, this.workers ? p.webWorkers : null));
    this.starting = attempt;
    attempt.then(
      (rt) => {
        this.starting = null;
        if (this.closed) return;
        this.current = rt;
        for (const f of this.waiting.splice(0)) f(rt);
      },
      (e: unknown) => {
        this.starting = null;
        this.reportOnce(e);
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
    this.waiting.push(f);
    void this.runtime().catch(() => {});
  }

  /** Gives up this client's lease (the runtime stays up while the analysis API or others use it). */
  close(): void {
    this.closed = true;
    this.current = null;
    this.waiting.length = 0;
    void this.loading?.then((p) => p.releaseRuntime(this.lease), () => {});
  }
}

/** What to tell a user whose page could not load the on-demand chunk. */
function partsError(cause: unknown): Error {
  const reason = (cause as Error)?.message ?? String(cause);
  const fileHint =
    typeof location !== 'undefined' && location.protocol === 'file:'
      ? ' Pages opened from file:// cannot load modules: serve the page over http(s) (for example `npx serve`).'
      : ' Serve the files of the package\'s dist/ folder next to the script (the script tag), or see docs/bundlers.md.';
  return new Error(`avila-telemetry: could not load its on-demand code (watch, forecasts, analysis): ${reason}.${fileHint} Tracking and delivery are not affected.`, { cause });
}
