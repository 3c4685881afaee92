// Metric recording, in what the page loads first. Names and kinds are checked here, and every
// value goes at once to the rules fed by it (watch, alerts, SLOs, forecasts' history). Their
// aggregation per interval and attribute set (Metrics, metrics.ts: sketches, Prometheus text,
// quality scores) loads with the deferred code on the first value. Values recorded before it
// arrives are held in order with their times (at most maxPending; beyond that they are counted
// in droppedMetricValues) and replayed into it.
import type { Kernels } from '../../kernels/index.js';
import type { MetricPoint } from '../../delivery/encode/otlp.js';
import type { DeferredModule } from '../load-deferred.js';
import type { Family } from '../../runtime/prometheus.js';
import type { MetricKind, MetricOp, MetricOptions, Metrics, MetricSnapshot, MetricsOptions } from './metrics.js';

interface Held {
  op: MetricOp;
  name: string;
  v: number;
  attrs: Record<string, unknown> | undefined;
  t: number;
}

export class Recording {
  private agg: Metrics | null = null;
  private kernels: Kernels | null = null;
  private readonly kinds = new Map<string, { kind: MetricKind; options: MetricOptions }>();
  private held: Held[] = [];
  private loading: Promise<void> | null = null;
  /** Names refused beyond maxMetrics, and the values recorded to them since (or not held while loading). */
  refusedMetrics = 0;
  droppedMetricValues = 0;

  constructor(
    private readonly options: MetricsOptions,
    private readonly now: () => number,
    private readonly onValue: (metric: string, value: number) => void,
    private readonly load: () => Promise<DeferredModule>,
    private readonly fail: (e: unknown) => void,
    /** The module at hand already (the edge imports it): no holding, no loading. */
    loaded?: DeferredModule,
  ) {
    if (loaded) this.agg = new loaded.Metrics(options, now);
  }

  /**
   * Accepts metric `name` as a `kind` (its first options are kept): false beyond maxMetrics names
   * (counted); throws when the name is already another kind.
   */
  instrument(name: string, kind: MetricKind, options: MetricOptions = {}): boolean {
    const known = this.kinds.get(name);
    if (known && known.kind !== kind) throw new TypeError(`metric '${name}' is a ${known.kind}, not a ${kind}`);
    if (known) return true;
    if (this.kinds.size >= (this.options.maxMetrics ?? 1000)) {
      this.refusedMetrics++;
      return false;
    }
    this.kinds.set(name, { kind, options });
    return true;
  }

  /** A value of an accepted metric ('invalid': a refused value, which counts against its quality). */
  write(op: MetricOp, name: string, v: number, attrs?: Record<string, unknown>): void {
    const def = this.kinds.get(name)!;
    if (attrs !== undefined && attrs !== null && typeof attrs !== 'object') throw new TypeError(`${name}: attributes must be an object, got a ${typeof attrs}`);
    if (op === 'invalid' && !def.options.quality) return;
    if (this.agg) this.agg.observe(op, name, def.kind, def.options, v, attrs, this.now());
    else if (this.held.length < this.options.maxPending) {
      // A copy: the caller may change its attributes object before the aggregation arrives.
      this.held.push({ op, name, v, attrs: attrs && !Object.isFrozen(attrs) ? { ...attrs } : attrs, t: this.now() });
      void this.start();
    } else this.droppedMetricValues++;
    if (op !== 'invalid') this.onValue(name, v);
  }

  /** Loads the aggregation (once; after a failed load, again on a later value) and replays what was held. */
  private start(): Promise<void> {
    return (this.loading ??= this.load().then(
      (m) => {
        const agg = new m.Metrics(this.options, this.now);
        if (this.kernels) agg.attach(this.kernels);
        for (const h of this.held.splice(0)) {
          const def = this.kinds.get(h.name)!;
          try {
            agg.observe(h.op, h.name, def.kind, def.options, h.v, h.attrs, h.t);
          } catch (e) {
            // A frozen attributes object whose getter throws: that value, reported as at record time.
            this.fail(e);
          }
        }
        this.agg = agg;
      },
      () => {
        // Reported by the loader; the values stay held (bounded) for the next attempt.
        this.loading = null;
      },
    ));
  }

  /**
   * Resolves once every value recorded so far is aggregated, its code failed to load, or `ms`
   * passed. `load`: load the aggregation even with nothing held (client.ready).
   */
  settled(ms: number, load = false): Promise<void> {
    if (this.agg || !(this.held.length || load)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      (timer as { unref?: () => void }).unref?.();
      void this.start().then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  attach(kernels: Kernels): void {
    this.kernels = kernels;
    this.agg?.attach(kernels);
  }

  get unsketched(): number {
    return this.agg?.unsketched ?? 0;
  }

  /** Points for the interval that ends now (none while the aggregation is loading: its values wait for it). */
  collect(): MetricPoint[] {
    return this.agg?.collect() ?? [];
  }

  snapshot(): MetricSnapshot[] {
    return this.agg?.snapshot() ?? [];
  }

  text(extra?: Family[]): string {
    return this.agg?.text(extra) ?? '';
  }

  dispose(): void {
    this.agg?.dispose();
    this.held = [];
  }
}
