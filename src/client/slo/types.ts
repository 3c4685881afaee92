export interface SloOptions {
  metric: string;
  /** Fraction of good events promised, e.g. 0.999. */
  objective: number;
  /** Rolling window, e.g. '30d'. */
  window: string | number;
  /** Whether one value is good. */
  good: (value: number) => boolean;
}

export interface SloStatus {
  name: string;
  objective: number;
  /** Good / total over the window (1 when empty). */
  sli: number;
  total: number;
  good: number;
  /** 1 − (bad fraction / allowed bad fraction): 1 untouched, 0 spent, negative overspent. */
  errorBudgetRemaining: number;
  /** Bad fraction over the last hour divided by the allowed bad fraction: 1 spends the budget exactly over the window. */
  burnRate: number;
}

