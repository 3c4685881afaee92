// The page's one runtime. The client (from the script tag or the ESM entry) and the analysis API
// (from `avila-telemetry/analysis`, or `analysis` on the main entry) each hold a lease on it: one
// worker pool, one kernels.wasm fetch and one compile per page (per isolate on Workers), even when
// two copies of the SDK are loaded (a script tag and a bundle). It lives on globalThis under a
// registered symbol so that every copy finds it; see docs/runtime.md.
import { createRuntime, type Runtime, type RuntimeOptions, type WorkerBackend } from './index.js';

/** The first retry of a failed start waits this long; each further failure doubles it. */
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;

interface Failure {
  error: unknown;
  /** Where the failed start looked for its files: other options are a new attempt, made at once. */
  key: string;
  retryAt: number;
  delayMs: number;
}

interface SharedRuntime {
  runtime: Runtime | null;
  starting: Promise<Runtime> | null;
  users: Set<object>;
  failure: Failure | null;
}

const KEY = Symbol.for('avila-telemetry.runtime.v1');

function shared(): SharedRuntime {
  const g = globalThis as { [KEY]?: SharedRuntime };
  return (g[KEY] ??= { runtime: null, starting: null, users: new Set(), failure: null });
}

function sourceKey(options: RuntimeOptions): string {
  const w = options.wasm;
  const wasm = w === undefined ? 'default' : typeof w === 'string' || w instanceof URL ? String(w) : 'given';
  return `${wasm}|${String(options.worker ?? 'auto')}|${String(options.simd ?? 'auto')}`;
}

/**
 * The page's runtime for `user`, started with `options` if nobody started it yet. Later options
 * do not replace a working runtime (that would break its other users); they are a new attempt
 * only after a failed start. A failed start is not retried for the same files before its
 * back-off has passed (5 s, doubling to 5 min): calls in between reject at once with its error.
 */
export function acquireRuntime(user: object, options: RuntimeOptions, workers: WorkerBackend | null): Promise<Runtime> {
  const s = shared();
  s.users.add(user);
  if (s.runtime) return Promise.resolve(s.runtime);
  if (s.starting) return s.starting;
  const key = sourceKey(options);
  const failed = s.failure;
  if (failed && failed.key === key && Date.now() < failed.retryAt) return Promise.reject(failed.error);
  const attempt = createRuntime(options, workers);
  s.starting = attempt;
  attempt.then(
    (rt) => {
      s.starting = null;
      s.failure = null;
      if (s.users.size === 0) rt.close(); // everyone released it while it started
      else s.runtime = rt;
    },
    (error: unknown) => {
      s.starting = null;
      const delayMs = failed ? Math.min(RETRY_MAX_MS, failed.delayMs * 2) : RETRY_FIRST_MS;
      s.failure = { error, key, retryAt: Date.now() + delayMs, delayMs };
    },
  );
  return attempt;
}

/** Gives up `user`'s lease; the runtime closes when it was the last. */
export function releaseRuntime(user: object): void {
  const s = shared();
  if (!s.users.delete(user) || s.users.size > 0 || !s.runtime) return;
  s.runtime.close();
  s.runtime = null;
}

/** The page's runtime when it is up, else null. */
export function currentRuntime(): Runtime | null {
  return shared().runtime;
}
