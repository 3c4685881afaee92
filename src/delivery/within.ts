/** `p`'s value, or null once the clock passes `until` (the timer is cleared either way: a pending one would keep Node alive). */
export async function within<T>(p: Promise<T>, until: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(0, until - Date.now()))))]);
  } finally {
    clearTimeout(timer);
  }
}
