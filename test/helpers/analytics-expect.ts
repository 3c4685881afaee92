// Assertions the analytics tests share (vitest; the benchmark imports analytics-arbitrary.ts, not this).
import { expect } from 'vitest';
import type { ExperimentResult, SessionsRow } from '../../src/collector/analytics/query.js';
import { round } from './analytics-arbitrary.js';
import type { referenceExperiment, referenceSessions } from './analytics-reference.js';

/** Sessions: counts exactly the reference's; each duration quantile within the sketch's 1% of the exact lower quantile. */
export function expectSessionsMatch(got: SessionsRow[], want: ReturnType<typeof referenceSessions>): void {
  expect(got.map(({ durationMs, ...rest }) => round(rest))).toEqual(want.map(({ exact, ...rest }) => round(rest)));
  got.forEach((row, i) => {
    for (const q of ['p50', 'p90', 'p99'] as const) expect(Math.abs(row.durationMs[q] - want[i]!.exact[q])).toBeLessThanOrEqual(0.01 * want[i]!.exact[q] + 1e-9);
  });
}

/** Experiments: exposures and conversions per variant, and the people left out, exactly the reference's. */
export function expectExperimentMatch(got: ExperimentResult, want: ReturnType<typeof referenceExperiment>): void {
  expect(Object.fromEntries(got.variants.map((v) => [v.variant, { exposures: v.exposures, conversions: v.conversions }]))).toEqual(want.variants);
  expect(got.excluded).toBe(want.excluded);
}
