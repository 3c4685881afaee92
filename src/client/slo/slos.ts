// slo(name, options): good/total over a rolling window. Its code loads on first use; values
// recorded meanwhile are held (PendingTap) and counted once it arrives.
import type { RuleDeps } from '../watch/watch.js';
import { PendingTap } from '../watch/taps.js';
import type { Slo } from './slo.js';
import type { SloOptions, SloStatus } from './types.js';
import { emptyStatus } from './status.js';

export function trackSlo(d: RuleDeps, name: string, options: SloOptions, now: () => number): () => SloStatus {
  const pending = new PendingTap(d.maxPending, d.onPendingDrop);
  d.taps.add(String(options?.metric), pending);
  let slo: Slo | null = null;
  d.link.parts().then(
    (p) => {
      try {
        const s = new p.Slo(name, options);
        slo = s;
        pending.attach({
          push: (v, t) => {
            let good = false;
            try {
              good = Boolean(options.good(v));
            } catch (e) {
              d.fail(e);
            }
            s.push(v, t, good);
          },
        });
      } catch (e) {
        d.fail(e);
        pending.close();
      }
    },
    () => {},
  );
  return () => (slo ? slo.status(now()) : emptyStatus(name, Number(options?.objective) || 0));
}
