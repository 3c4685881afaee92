// DDSketch (Masson, Rim & Lee, PVLDB 2019) in plain JS for the collector: the same guarantee as
// the SDK's WebAssembly sketch (src/analysis/sketch.ts) — every quantile within relative accuracy α
// of the lower quantile, the value of rank ⌊q·(n − 1)⌋ — with the exact logarithmic mapping
// key(x) = ⌈ln x / ln γ⌉, γ = (1 + α)/(1 − α), so the DuckDB store can bucket in SQL
// (`ceil(ln(x) / ln(γ))`) and hand the buckets here. Values ≤ 0 (and below 1e-9) count in a
// zero bucket; memory is bounded by `maxBuckets` (the lowest buckets merge first).

export class DDSketch {
  readonly alpha: number;
  readonly lnGamma: number;
  private readonly buckets = new Map<number, number>();
  private zeros = 0;
  count = 0;

  constructor(
    alpha = 0.01,
    readonly maxBuckets = 2048,
  ) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError(`DDSketch: alpha must be in (0, 1), got ${alpha}`);
    this.alpha = alpha;
    this.lnGamma = Math.log((1 + alpha) / (1 - alpha));
  }

  /** The bucket of x > 0. */
  key(x: number): number {
    return Math.ceil(Math.log(x) / this.lnGamma);
  }

  add(x: number, n = 1): void {
    if (!(n > 0) || Number.isNaN(x)) return;
    this.count += n;
    if (x <= 1e-9) this.zeros += n;
    else this.addBucket(this.key(x), n, false);
  }

  /** Adds `n` values already bucketed (a key from key(), or null for the zero bucket). */
  addBucket(key: number | null, n: number, counted = true): void {
    if (counted) this.count += n;
    if (key === null) {
      this.zeros += n;
      return;
    }
    this.buckets.set(key, (this.buckets.get(key) ?? 0) + n);
    if (this.buckets.size > this.maxBuckets) this.collapse();
  }

  private collapse(): void {
    const keys = [...this.buckets.keys()].sort((a, b) => a - b);
    const [lowest, next] = [keys[0]!, keys[1]!];
    this.buckets.set(next, this.buckets.get(next)! + this.buckets.get(lowest)!);
    this.buckets.delete(lowest);
  }

  merge(other: DDSketch): void {
    if (other.lnGamma !== this.lnGamma) throw new RangeError('DDSketch.merge: the sketches have different accuracies');
    this.count += other.count;
    this.zeros += other.zeros;
    for (const [k, n] of other.buckets) this.addBucket(k, n, false);
  }

  /** The q-quantile (lower, rank ⌊q·(n − 1)⌋) within relative accuracy α; null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.floor(q * (this.count - 1));
    let seen = this.zeros;
    if (rank < seen) return 0;
    for (const k of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(k)!;
      if (rank < seen) return (2 * Math.exp(k * this.lnGamma)) / (1 + Math.exp(this.lnGamma));
    }
    return null;
  }
}
