import type { SloStatus } from './types.js';

/** An SLO's status before any value (or before its code arrived). */
export function emptyStatus(name: string, objective: number): SloStatus {
  return { name, objective, sli: 1, total: 0, good: 0, errorBudgetRemaining: 1, burnRate: 0 };
}
