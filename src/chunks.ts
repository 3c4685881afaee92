// The SDK's own chunks (the sending side, the deferred code, the on-demand code): how they load and
// what a page that cannot load one is told. Loaded once; a failure is reported and not tried again
// before a back-off has passed (5 s, doubling up to 5 minutes), so a missing file costs one request
// per back-off, not one per call.
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 5 * 60_000;

/**
 * `load`, once; `what` names the chunk in the error (chunkError), which goes to `report` the first
 * time it fails — one actionable error, not one per attempt.
 */
export function lazily<T>(load: () => Promise<T>, what: string, report: (e: Error) => void): () => Promise<T> {
  let loading: Promise<T> | null = null;
  let error: Error | null = null;
  let failedAt = 0;
  let delay = 0;
  return () => {
    if (loading) return loading;
    if (error && Date.now() < failedAt + delay) return Promise.reject(error);
    return (loading = load().then(
      (m) => m,
      (cause: unknown) => {
        loading = null;
        failedAt = Date.now();
        error = chunkError(what, cause);
        if (!delay) report(error);
        delay = delay ? Math.min(RETRY_MAX_MS, 2 * delay) : RETRY_FIRST_MS;
        throw error;
      },
    ));
  };
}

/**
 * What to tell a user whose page could not load a chunk (`what` it holds), and what that means
 * for the page (`meaning`).
 */
export function chunkError(what: string, cause: unknown, meaning = 'Tracking and delivery are not affected.'): Error {
  const reason = (cause as Error)?.message ?? String(cause);
  const fileHint =
    typeof location !== 'undefined' && location.protocol === 'file:'
      ? ' Pages opened from file:// cannot load modules: serve the page over http(s) (for example `npx serve`).'
      : " Serve the files of the package's dist/ folder next to the script (the script tag), or see docs/bundlers.md.";
  return new Error(`avila-telemetry: could not load its ${what}: ${reason}.${fileHint} ${meaning}`, { cause });
}
