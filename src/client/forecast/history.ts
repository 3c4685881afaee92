// Recent values of each metric, kept from the first record so that forecast() has a history.

/** Recent values of each metric, oldest first; at most `capacity` values and `maxMetrics` metrics. */
export class History {
  private readonly rings = new Map<string, { values: Float64Array; next: number; size: number }>();

  constructor(
    private readonly capacity: number,
    private readonly maxMetrics: number,
  ) {}

  push(metric: string, value: number): void {
    let ring = this.rings.get(metric);
    if (!ring) {
      if (this.rings.size >= this.maxMetrics) return;
      this.rings.set(metric, (ring = { values: new Float64Array(this.capacity), next: 0, size: 0 }));
    }
    ring.values[ring.next] = value;
    ring.next = (ring.next + 1) % this.capacity;
    ring.size = Math.min(ring.size + 1, this.capacity);
  }

  values(metric: string): Float64Array {
    const ring = this.rings.get(metric);
    if (!ring) return new Float64Array(0);
    const out = new Float64Array(ring.size);
    const start = ring.size < this.capacity ? 0 : ring.next;
    for (let i = 0; i < ring.size; i++) out[i] = ring.values[(start + i) % this.capacity]!;
    return out;
  }
}

/** Values forecast() needs at least. */
export const MIN_FORECAST_VALUES = 20;
