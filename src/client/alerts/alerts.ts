// alert(name, options): a rule over the metric's recent values, evaluated once a second. Its code
// loads on first use; values recorded meanwhile are held (PendingTap) and count once it arrives.
import type { Kernels } from '../../kernels/index.js';
import type { RuleDeps } from '../watch/watch.js';
import { PendingTap } from '../watch/taps.js';
import type { AlertEvent, AlertOptions } from './types.js';

interface Rule {
  evaluate(now: number): AlertEvent | null;
}

export class Alerts {
  private readonly rules = new Map<string, { rule: Rule | null; remove: () => void }>();

  constructor(
    private readonly d: RuleDeps,
    private readonly kernels: () => Kernels | null,
  ) {}

  add(name: string, options: AlertOptions): () => void {
    this.rules.get(name)?.remove();
    const pending = new PendingTap(this.d.maxPending, this.d.onPendingDrop);
    const untap = this.d.taps.add(String(options?.metric), pending);
    const entry = { rule: null as Rule | null, remove: () => {} };
    entry.remove = () => {
      untap();
      pending.close();
      if (this.rules.get(name) === entry) this.rules.delete(name);
    };
    this.rules.set(name, entry);
    this.d.link.parts().then(
      (p) => {
        if (this.rules.get(name) !== entry) return;
        try {
          const rule = new p.AlertRule(name, options, (values, q) => {
            // Quantile stats need the kernels: they start loading with the first such rule.
            const k = this.kernels();
            if (!k) void this.d.link.runtime().catch(() => {});
            return k ? k.quantilesSorted(values, [q])[0]! : NaN;
          });
          entry.rule = rule;
          pending.attach(rule);
        } catch (e) {
          this.d.fail(e);
          entry.remove();
        }
      },
      () => {},
    );
    return entry.remove;
  }

  /** Evaluates every loaded rule; the transitions (firing, resolved). */
  evaluate(now: number): AlertEvent[] {
    const out: AlertEvent[] = [];
    for (const { rule } of this.rules.values()) {
      const t = rule?.evaluate(now);
      if (t) out.push(t);
    }
    return out;
  }
}
