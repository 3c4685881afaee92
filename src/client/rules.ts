// The rules fed by each metric value — watch() detectors, alert rules, SLOs — and the recent values
// forecast() fits: deferred code (deferred.ts), set up when that chunk arrives. The client's
// calls made before then wait in order with the values recorded around them (later.ts), so a
// rule sees exactly the values recorded after it was asked for, as if it had been there at once.
import type { Kernels } from '../kernels/index.js';
import { Alerts } from './alerts/alerts.js';
import type { AlertEvent, AlertOptions } from './alerts/types.js';
import { History } from './forecast/history.js';
import { trackSlo } from './slo/slos.js';
import type { SloOptions, SloStatus } from './slo/types.js';
import { Taps } from './watch/taps.js';
import type { AnomalyEvent, WatchOptions } from './watch/types.js';
import { watchMetric, type RuleDeps } from './watch/watch.js';

export class Rules {
  private readonly taps = new Taps();
  private readonly recent: History;
  private readonly alerts: Alerts;
  private readonly deps: RuleDeps;

  constructor(deps: Omit<RuleDeps, 'taps'>, historySize: number, kernels: () => Kernels | null) {
    this.deps = { ...deps, taps: this.taps };
    this.recent = new History(historySize, 50);
    this.alerts = new Alerts(this.deps, kernels);
  }

  /** A value of `metric`, recorded at `time`. */
  push(metric: string, value: number, time: number): void {
    this.recent.push(metric, value);
    this.taps.push(metric, value, time);
  }

  /** The recent values of `metric`, oldest first (forecast()). */
  values(metric: string): Float64Array {
    return this.recent.values(metric);
  }

  watch(metric: string, options: WatchOptions, onAnomaly: (a: AnomalyEvent) => void): () => void {
    return watchMetric(this.deps, metric, options, onAnomaly);
  }

  alert(name: string, options: AlertOptions): () => void {
    return this.alerts.add(name, options);
  }

  slo(name: string, options: SloOptions, now: () => number): () => SloStatus {
    return trackSlo(this.deps, name, options, now);
  }

  /** Evaluates every alert rule: the transitions (firing, resolved). */
  evaluate(now: number): AlertEvent[] {
    return this.alerts.evaluate(now);
  }
}
