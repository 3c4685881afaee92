// The delivery chaos scenario's parts, shared by the Chromium test and the stress loop.
import type { Page } from 'playwright-core';

/** The client options of the chaos scenario: quick batches, retries and circuit. */
export const chaosConfig = (collectorUrl: string) => ({
  endpoint: `${collectorUrl}/collect`,
  delivery: { batch: { intervalMs: 1000 }, retry: { baseMs: 200, maxMs: 2000 }, circuit: { failures: 8, cooldownMs: 1000 } },
});

/** Faults of the scenario: 30 % 500, 5 % 429 (Retry-After 1 s), 5 % connection resets. */
export const CHAOS_FAULTS = { failRate: 0.3, rate429: 0.05, retryAfterSeconds: 1, resetRate: 0.05 };

/** Tracks 'chaos' events numbered from…to−1 for `tab`, yielding to the page every 50. */
export function trackRange(page: Page, tab: string, from: number, to: number): Promise<void> {
  return page.evaluate(
    async ({ tab, from, to }) => {
      const c = (window as any).client;
      for (let i = from; i < to; i++) {
        c.track('chaos', { tab, n: i });
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
      }
    },
    { tab, from, to },
  );
}
