// Metric recording, in what the page loads first: names, kinds and values are checked here. Their
// aggregation per interval and attribute set (Metrics, metrics.ts: sketches, Prometheus text,
// quality scores) and the rules fed by each value (rules.ts: watch, alerts, SLOs, forecasts'
// history) are deferred code, loaded on the first value or rule. Values recorded before it
// arrives are held in order with their times, and so are the calls into it (a rule asked for),
// at most maxPending of them (values beyond are counted in droppedMetricValues); then replayed.
import type { Kernels } from '../../kernels/index.js';
import { within } from '../../delivery/within.js';
import type { MetricPoint } from '../../delivery/encode/otlp.js';
import type { DeferredModule } from '../load-deferred.js';
import type { Family } from '../../runtime/prometheus.js';
import type { MetricKind, MetricOp, MetricOptions, Metrics, MetricSnapshot, MetricsOptions } from './metrics.js';

/** An accepted metric: its name, kind and first options. */
export interface MetricDef {
  name: string;
  kind: MetricKind;
  options: MetricOptions;
}

interface Held {
  op: MetricOp;
  def: MetricDef;
  v: number;
  attrs: Record<string, unknown> | undefined;
  t: number;
}

/** A call into the deferred code, made before it arrived: run in order with the values around it. */
type Call = () => void;

export class Recording {
  #agg: Metrics | null = null;
  #kernels: Kernels | null = null;
  readonly #kinds = new Map<string, MetricDef>();
  #held: (Held | Call)[] = [];
  #loading: Promise<void> | null = null;
  /** Names refused beyond maxMetrics, and the values recorded to them since (or not held while loading). */
  refusedMetrics = 0;
  droppedMetricValues = 0;

  readonly #options: MetricsOptions;
  readonly #now: () => number;
  readonly #onValue: (metric: string, value: number, time: number) => void;
  readonly #load: () => Promise<DeferredModule>;
  readonly #fail: (e: unknown) => void;
  readonly #setup: (m: DeferredModule) => void;

  constructor(
    options: MetricsOptions,
    now: () => number,
    /** Every accepted value, in order, with its time (held values as they are replayed). */
    onValue: (metric: string, value: number, time: number) => void,
    load: () => Promise<DeferredModule>,
    fail: (e: unknown) => void,
    /** Sets up the rest of the deferred code when it arrives, before anything held is replayed. */
    setup: (m: DeferredModule) => void,
    /** The module at hand already (the edge imports it): no holding, no loading. */
    loaded?: DeferredModule,
  ) {
    this.#options = options;
    this.#now = now;
    this.#onValue = onValue;
    this.#load = load;
    this.#fail = fail;
    this.#setup = setup;
    if (loaded) {
      setup(loaded);
      this.#agg = new loaded.Metrics(options, now);
    }
  }

  /**
   * Accepts metric `name` as a `kind` (its first options are kept): null beyond maxMetrics names
   * (counted); throws when the name is already another kind.
   */
  instrument(name: string, kind: MetricKind, options: MetricOptions = {}): MetricDef | null {
    const known = this.#kinds.get(name);
    if (known && known.kind !== kind) throw new TypeError(`metric '${name}' is a ${known.kind}, not a ${kind}`);
    if (known) return known;
    if (this.#kinds.size >= (this.#options.maxMetrics ?? 1000)) {
      this.refusedMetrics++;
      return null;
    }
    const def = { name, kind, options };
    this.#kinds.set(name, def);
    return def;
  }

  /** A value of an accepted metric ('invalid': a refused value, which counts against its quality). */
  write(op: MetricOp, def: MetricDef, v: number, attrs?: Record<string, unknown>): void {
    if (attrs !== undefined && attrs !== null && typeof attrs !== 'object') throw new TypeError(`${def.name}: attributes must be an object, got a ${typeof attrs}`);
    if (op === 'invalid' && !def.options.quality) return;
    const t = this.#now();
    if (this.#agg) {
      this.#agg.observe(op, def.name, def.kind, def.options, v, attrs, t);
      if (op !== 'invalid') this.#onValue(def.name, v, t);
    } else if (this.#held.length < this.#options.maxPending) {
      // A copy: the caller may change its attributes object before the aggregation arrives.
      this.#held.push({ op, def, v, attrs: attrs && !Object.isFrozen(attrs) ? { ...attrs } : attrs, t });
      void this.#start();
    } else this.droppedMetricValues++;
  }

  /**
   * Runs `f` once the deferred code is set up: now, or in order with the values held meanwhile.
   * `bounded`: not when maxPending things wait already (then false, and `f` never runs).
   */
  later(f: Call, bounded = false): boolean {
    if (this.#agg) return f(), true;
    if (bounded && this.#held.length >= this.#options.maxPending) return false;
    this.#held.push(f);
    void this.#start();
    return true;
  }

  /** Loads the deferred code now (once), with nothing to hold. */
  load(): void {
    void this.#start();
  }

  /** Loads the aggregation (once; after a failed load, again on a later value) and replays what was held. */
  #start(): Promise<void> {
    return (this.#loading ??= this.#load().then(
      (m) => {
        this.#setup(m);
        const agg = new m.Metrics(this.#options, this.#now);
        if (this.#kernels) agg.attach(this.#kernels);
        // Set first: a value recorded while the held ones replay (an SLO's good() that records
        // one) goes straight in rather than into a list nobody replays.
        this.#agg = agg;
        for (const h of this.#held.splice(0)) {
          try {
            if (typeof h === 'function') h();
            else {
              agg.observe(h.op, h.def.name, h.def.kind, h.def.options, h.v, h.attrs, h.t);
              if (h.op !== 'invalid') this.#onValue(h.def.name, h.v, h.t);
            }
          } catch (e) {
            // A frozen attributes object whose getter throws, a rule's bad options: reported as at the call.
            this.#fail(e);
          }
        }
      },
      () => {
        // Reported by the loader; the values stay held (bounded) for the next attempt.
        this.#loading = null;
      },
    ));
  }

  /**
   * Resolves once every value recorded so far is aggregated, its code failed to load, or `ms`
   * passed. `load`: load the aggregation even with nothing held (client.ready).
   */
  settled(ms: number, load = false): Promise<void> {
    if (this.#agg || !(this.#held.length || load)) return Promise.resolve();
    return within(this.#start(), Date.now() + ms).then(() => {});
  }

  attach(kernels: Kernels): void {
    this.#kernels = kernels;
    this.#agg?.attach(kernels);
  }

  get unsketched(): number {
    return this.#agg?.unsketched ?? 0;
  }

  /** Points for the interval that ends now (none while the aggregation is loading: its values wait for it). */
  collect(): MetricPoint[] {
    return this.#agg?.collect() ?? [];
  }

  snapshot(): MetricSnapshot[] {
    return this.#agg?.snapshot() ?? [];
  }

  text(extra?: Family[]): string {
    return this.#agg?.text(extra) ?? '';
  }

  dispose(): void {
    this.#agg?.dispose();
    this.#held = [];
  }
}
