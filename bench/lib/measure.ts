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

/**
 * Median wall times in ms of `ours` and `peer`, measured in alternating blocks of about
 * `blockMs` each (after a warm-up of `warmupMs` each), so that a machine whose speed drifts
 * during the run (other tenants, clock changes) slows both alike. A peer that throws is
 * reported as NaN and ours is measured alone.
 */
export async function medianPairMs(
  ours: () => unknown,
  peer: () => unknown,
  options: { blocks?: number; blockMs?: number; warmupMs?: number; maxRunsPerBlock?: number } = {},
): Promise<{ ours: number; peer: number; peerError?: Error }> {
  const { blocks = 8, blockMs = 40, warmupMs = 100, maxRunsPerBlock = 2000 } = options;
  let peerError: Error | undefined;
  const sides: { fn: () => unknown; times: number[] }[] = [{ fn: ours, times: [] }];
  try {
    await peer();
    sides.push({ fn: peer, times: [] });
  } catch (e) {
    peerError = e as Error;
  }
  for (const side of sides) {
    const start = performance.now();
    do await side.fn(); while (performance.now() - start < warmupMs);
  }
  for (let b = 0; b < blocks; b++) {
    for (const side of sides) {
      const start = performance.now();
      let runs = 0;
      do {
        const t0 = performance.now();
        await side.fn();
        side.times.push(performance.now() - t0);
        runs++;
      } while (performance.now() - start < blockMs && runs < maxRunsPerBlock);
    }
  }
  const median = (t: number[]): number => (t.length === 0 ? NaN : t.sort((x, y) => x - y)[t.length >> 1]!);
  return { ours: median(sides[0]!.times), peer: sides[1] ? median(sides[1].times) : NaN, ...(peerError ? { peerError } : {}) };
}
