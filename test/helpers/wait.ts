export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 100 ms until it returns a truthy value, which it resolves to. */
export async function until<T>(cond: () => T | Promise<T>, timeoutMs: number, what = 'a condition'): Promise<NonNullable<T>> {
  const t = Date.now();
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
