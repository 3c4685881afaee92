/** Median wall time in ms of `fn`, after one warm-up, over at least `minRuns` runs and `minMs`. */
export async function medianMs(fn: () => unknown, options: { minRuns?: number; minMs?: number; maxRuns?: number } = {}): Promise<number> {
  const { minRuns = 3, minMs = 400, maxRuns = 50 } = options;
  await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minRuns || (performance.now() - start < minMs && times.length < maxRuns)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

/** Values per second for `n` values processed in `ms` milliseconds. */
export const perSecond = (n: number, ms: number): number => (n / ms) * 1000;
