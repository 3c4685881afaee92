// Rules fed every value of a metric (watchers, alert rules, SLOs) and the buffer that holds a
// rule's values while its code is still loading, so that nothing recorded before then is lost:
// `watch()` followed by `record()` in the same task scores every value.

/** Something fed every value of one metric. */
export interface Tap {
  push(value: number, time: number): void;
}

/**
 * Values for a rule whose code has not arrived: kept in order, at most `capacity` of them (the
 * oldest are dropped and counted), then replayed into the rule when it is attached.
 */
export class PendingTap implements Tap {
  private values: Float64Array | null;
  private times: Float64Array | null;
  private head = 0;
  private size = 0;
  private target: Tap | null = null;

  constructor(
    private readonly capacity: number,
    private readonly onDrop: () => void,
  ) {
    this.values = new Float64Array(Math.min(capacity, 64));
    this.times = new Float64Array(this.values.length);
  }

  push(value: number, time: number): void {
    if (this.target) return this.target.push(value, time);
    let values = this.values;
    if (!values) return; // closed
    if (this.size === values.length && values.length < this.capacity) values = this.grow();
    const times = this.times!;
    if (this.size === values.length) {
      // Full: the oldest value goes.
      values[this.head] = value;
      times[this.head] = time;
      this.head = (this.head + 1) % values.length;
      this.onDrop();
      return;
    }
    const at = (this.head + this.size) % values.length;
    values[at] = value;
    times[at] = time;
    this.size++;
  }

  private grow(): Float64Array {
    const n = Math.min(this.capacity, this.values!.length * 2);
    const values = new Float64Array(n), times = new Float64Array(n);
    for (let i = 0; i < this.size; i++) {
      const j = (this.head + i) % this.values!.length;
      values[i] = this.values![j]!;
      times[i] = this.times![j]!;
    }
    this.head = 0;
    this.values = values;
    this.times = times;
    return values;
  }

  /** Values held now. */
  get pending(): number {
    return this.size;
  }

  /** Replays the held values into `target`, in order, then forwards every later one. */
  attach(target: Tap): void {
    const values = this.values, times = this.times;
    if (!values || !times) return;
    this.values = this.times = null;
    for (let i = 0; i < this.size; i++) {
      const j = (this.head + i) % values.length;
      target.push(values[j]!, times[j]!);
    }
    this.size = 0;
    this.target = target;
  }

  /** Stops holding and forwarding (the rule was removed). */
  close(): void {
    this.values = this.times = null;
    this.size = 0;
    this.target = null;
  }
}

/** The rules of each metric. */
export class Taps {
  private readonly byMetric = new Map<string, Set<Tap>>();

  add(metric: string, tap: Tap): () => void {
    let set = this.byMetric.get(metric);
    if (!set) this.byMetric.set(metric, (set = new Set()));
    set.add(tap);
    return () => {
      set!.delete(tap);
      if (set!.size === 0 && this.byMetric.get(metric) === set) this.byMetric.delete(metric);
    };
  }

  push(metric: string, value: number, time: number): void {
    const set = this.byMetric.get(metric);
    if (set) for (const tap of set) tap.push(value, time);
  }
}
