// watch(metric): a streaming detector fed every value of the metric. Its code and the kernels
// load on first use; values recorded meanwhile wait in a PendingTap and are scored in order.
import type { PartsLink } from '../parts.js';
import { PendingTap, type Taps } from './taps.js';
import type { AnomalyEvent, WatchOptions } from './types.js';

export interface RuleDeps {
  taps: Taps;
  link: PartsLink;
  fail: (e: unknown) => void;
  /** Values each rule holds while its code loads (ClientConfig.maxPendingValues). */
  maxPending: number;
  onPendingDrop: () => void;
}

export function watchMetric(d: RuleDeps, metric: string, options: WatchOptions, onAnomaly: (a: AnomalyEvent) => void): () => void {
  const pending = new PendingTap(d.maxPending, d.onPendingDrop);
  const untap = d.taps.add(metric, pending);
  let stopped = false;
  let dispose: (() => void) | null = null;
  d.link.whenRuntime((runtime) => {
    if (stopped) return;
    d.link.parts().then(
      (p) => {
        if (stopped) return;
        try {
          const watcher = new p.Watcher(metric, options, runtime, onAnomaly, d.fail);
          dispose = () => watcher.dispose();
          pending.attach(watcher);
        } catch (e) {
          // Bad options: reported, and the rule holds nothing more.
          d.fail(e);
          untap();
          pending.close();
        }
      },
      () => {}, // reported once by the link
    );
  });
  return () => {
    stopped = true;
    untap();
    pending.close();
    dispose?.();
  };
}
