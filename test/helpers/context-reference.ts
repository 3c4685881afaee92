// The `context` detector (assembly/context.ts) written plainly, for the tests: fact sets as sorted
// arrays keyed by their text, contexts and left sets in Maps and arrays, every left set scanned
// every step. Same limits as the kernel (1,536 contexts, 1,536 left sets, 6,144 neuron ids, 512
// potential contexts a step), same forgetting when the memory is nearly full, same tie-breaks (by id).

export interface ContextReferenceOptions {
  rest: number;
  threshold: number;
  minSamples: number;
  range?: [number, number];
  maxActive?: number;
  maxLeft?: number;
}

interface LeftSet {
  sensors: number[]; // facts 0…5
  neurons: number[]; // context ids, ascending
  contexts: number[]; // ids in creation order
}

interface Context {
  right: number[]; // facts 0…5
  zero: boolean;
  total: number;
  correct: number;
  fired: number;
}

const key = (sensors: number[], neurons: number[]) => `${sensors.join(',')}|${neurons.join(',')}`;

const MAX_CONTEXTS = 1536;
const MAX_SETS = 1536;
const POOL = 6144;
/** A forgotten context's id where a left set still names it: never present, so the set is never wholly present. */
const DEAD = -1;

export class ContextReference {
  readonly #o: Required<Omit<ContextReferenceOptions, 'range'>>;
  #lo = NaN;
  #hi = NaN;
  #learn: boolean;
  #warm: number[] = [];
  #seen = 0;
  #steps = 0;
  #lastHigh = -1;
  #sets: LeftSet[] = [];
  #byKey = new Map<string, number>();
  #contexts: Context[] = [];
  #pool = 0;
  #left: { sensors: number[]; neurons: number[] } | null = null;
  #predicted = new Set<number>();

  constructor(o: ContextReferenceOptions) {
    this.#o = { rest: o.rest, threshold: o.threshold, minSamples: o.minSamples, maxActive: o.maxActive ?? 3, maxLeft: o.maxLeft ?? 3 };
    this.#learn = !o.range;
    if (o.range) [this.#lo, this.#hi] = o.range;
  }

  #set(sensors: number[], neurons: number[]): number {
    const k = key(sensors, neurons);
    const found = this.#byKey.get(k);
    if (found !== undefined) return found;
    if (this.#sets.length >= MAX_SETS || this.#pool + neurons.length > POOL) return -1;
    this.#pool += neurons.length;
    this.#byKey.set(k, this.#sets.length);
    this.#sets.push({ sensors, neurons, contexts: [] });
    return this.#sets.length - 1;
  }

  /** [id, created], or [-1, false] when full. */
  #context(set: number, right: number[], zero: boolean): [number, boolean] {
    const s = this.#sets[set]!;
    for (const c of s.contexts) {
      if (this.#contexts[c]!.right.join() === right.join()) {
        if (zero) this.#contexts[c]!.zero = true;
        return [c, false];
      }
    }
    if (this.#contexts.length >= MAX_CONTEXTS) return [-1, false];
    this.#contexts.push({ right, zero, total: 0, correct: 0, fired: 0 });
    s.contexts.push(this.#contexts.length - 1);
    return [this.#contexts.length - 1, true];
  }

  /** Whether a step may not find room for what it usually stores: 65 contexts, their left sets and neuron ids. */
  #nearlyFull(): boolean {
    return this.#contexts.length > MAX_CONTEXTS - 65 || this.#sets.length > MAX_SETS - 65 || this.#pool > POOL - 65 * this.#o.maxActive;
  }

  /**
   * Forgets the eighth of the contexts that predicted worst (lowest correct/total, 0 before any
   * prediction; ties: the older), then the left sets left without contexts. Ids are renumbered in
   * order; a forgotten id where a left set names it becomes DEAD, and leaves the left group.
   */
  #forget(): void {
    this.forgets++;
    const n = this.#contexts.length;
    const ratio = (c: number) => (this.#contexts[c]!.total > 0 ? this.#contexts[c]!.correct / this.#contexts[c]!.total : 0);
    const order = Array.from({ length: n }, (_, c) => c).sort((a, b) => ratio(a) - ratio(b) || a - b);
    const gone = new Set(order.slice(0, Math.ceil(n / 8)));
    const renumber = new Map<number, number>();
    const contexts: Context[] = [];
    for (let c = 0; c < n; c++) {
      if (gone.has(c)) continue;
      renumber.set(c, contexts.length);
      contexts.push(this.#contexts[c]!);
    }
    const sets: LeftSet[] = [];
    this.#byKey.clear();
    this.#pool = 0;
    for (const s of this.#sets) {
      const kept = s.contexts.filter((c) => !gone.has(c)).map((c) => renumber.get(c)!);
      if (kept.length === 0) continue;
      const neurons = s.neurons.map((id) => renumber.get(id) ?? DEAD);
      // a set naming a forgotten context is never looked up again: the left group names live ones only
      if (!neurons.includes(DEAD)) this.#byKey.set(key(s.sensors, neurons), sets.length);
      sets.push({ sensors: s.sensors, neurons, contexts: kept });
      this.#pool += neurons.length;
    }
    this.#contexts = contexts;
    this.#sets = sets;
    if (this.#left) this.#left = { sensors: this.#left.sensors, neurons: this.#left.neurons.filter((id) => renumber.has(id)).map((id) => renumber.get(id)!) };
  }

  #step(level: number): number {
    for (let round = 0; round < 8 && this.#contexts.length > 0 && this.#nearlyFull(); round++) this.#forget();
    const cur = [0, 1, 2].map((s) => 2 * s + ((level >> s) & 1));
    const error = cur.some((f) => !this.#predicted.has(f));
    const prev = this.#left;
    let created = -1;
    const pairs: string[] = [];
    const potential: [number[], number[], number[]][] = [];
    if (prev) {
      const s = this.#set(prev.sensors, prev.neurons);
      if (s >= 0) {
        const [c, isNew] = this.#context(s, cur, true);
        if (isNew) created = c;
      }
      pairs.push(`${key(prev.sensors, prev.neurons)}>${cur.join()}`);
    }
    const newFlag = created >= 0;
    let selected = 0;
    const fired: number[] = [];
    if (prev) {
      this.#sets.forEach((s) => {
        const sensors = s.sensors.filter((f) => prev.sensors.includes(f));
        const neurons = s.neurons.filter((id) => prev.neurons.includes(id));
        const k = sensors.length + neurons.length;
        if (k === 0) return;
        const full = k === s.sensors.length + s.neurons.length;
        for (const c of s.contexts) {
          if (c === created) continue;
          const ctx = this.#contexts[c]!;
          const hits = ctx.right.filter((f) => cur.includes(f));
          const mayPropose = newFlag && ctx.zero && k <= this.#o.maxLeft && hits.length > 0;
          if (full) {
            selected++;
            ctx.total += ctx.right.length;
            ctx.correct += hits.length;
            if (hits.length > 0 && hits.length === ctx.right.length) {
              ctx.fired++;
              fired.push(c);
              continue;
            }
          }
          if (mayPropose && potential.length < 512) potential.push([sensors, neurons, hits]);
        }
      });
    }
    for (const [sensors, neurons, right] of potential) pairs.push(`${key(sensors, neurons)}>${right.join()}`);
    const distinct = new Set(pairs).size;
    const top = fired
      .sort((a, b) => this.#contexts[a]!.fired - this.#contexts[b]!.fired || a - b)
      .slice(-this.#o.maxActive)
      .sort((a, b) => a - b);
    this.#left = { sensors: cur, neurons: top };
    let added = 0;
    for (const [sensors, neurons, right] of potential) {
      const s = this.#set(sensors, neurons);
      if (s >= 0 && this.#context(s, right, false)[1]) added++;
    }
    let best = 0;
    let predicted: number[] = [];
    for (const s of this.#sets) {
      if (!s.sensors.every((f) => cur.includes(f)) || !s.neurons.every((id) => top.includes(id))) continue;
      for (const c of s.contexts) {
        const ctx = this.#contexts[c]!;
        const w = ctx.total > 0 ? ctx.correct / ctx.total : 0;
        if (w > best) {
          best = w;
          predicted = [...ctx.right];
        } else if (w === best) predicted.push(...ctx.right);
      }
    }
    this.#predicted = new Set(predicted);
    if (!error) return 0;
    const pSelected = selected > 0 ? fired.length / selected : 0;
    const pAdded = newFlag && distinct > 0 ? (added + 1) / distinct : 0;
    return (1 - pSelected + pAdded) / 2;
  }

  #level(x: number): number {
    const span = this.#hi - this.#lo || 7;
    return Math.max(0, Math.min(7, Math.trunc((x - this.#lo) / (span / 7))));
  }

  #model(x: number): number {
    const raw = this.#step(this.#level(x));
    const i = this.#steps++;
    const rested = i < this.#o.rest || (this.#lastHigh >= 0 && i - this.#lastHigh <= this.#o.rest);
    if (raw >= 0.75) this.#lastHigh = i;
    return rested ? 0 : raw;
  }

  #expected(): number {
    if (Number.isNaN(this.#lo) || this.#predicted.size === 0) return NaN;
    // the levels whose fact at each bit is predicted, or either where neither is; their mean level's centre
    const fits = (v: number, s: number) => this.#predicted.has(2 * s + ((v >> s) & 1)) || (!this.#predicted.has(2 * s) && !this.#predicted.has(2 * s + 1));
    const levels = [0, 1, 2, 3, 4, 5, 6, 7].filter((v) => [0, 1, 2].every((s) => fits(v, s)));
    const mean = levels.reduce((a, b) => a + b, 0) / levels.length;
    return this.#lo + (mean + 0.5) * ((this.#hi - this.#lo || 7) / 7);
  }

  /** Score (NaN while warming up) and expected value of x, then x is learned. */
  push(x: number): { score: number; expected: number; flag: -1 | 0 | 1 } {
    const seen = this.#seen++;
    if (this.#learn) {
      if (Number.isNaN(this.#lo)) {
        this.#warm.push(x);
        if (this.#warm.length >= Math.max(1, Math.min(this.#o.minSamples, 600))) {
          [this.#lo, this.#hi] = [Math.min(...this.#warm), Math.max(...this.#warm)];
          for (const v of this.#warm) this.#model(v);
        }
        return { score: NaN, expected: NaN, flag: -1 };
      }
    }
    const expected = this.#expected();
    if (this.#learn) {
      if (x < this.#lo || x > this.#hi) {
        // the range widened to take x in; the memory rebuilt from the last 600 values
        [this.#lo, this.#hi] = [Math.min(this.#lo, x), Math.max(this.#hi, x)];
        this.#sets = [];
        this.#byKey.clear();
        this.#contexts = [];
        this.#pool = 0;
        this.#left = null;
        this.#predicted = new Set();
        for (const v of this.#warm) this.#step(this.#level(v));
      }
    }
    const score = this.#model(x);
    if (this.#learn) {
      this.#warm.push(x);
      if (this.#warm.length > 600) this.#warm.shift();
    }
    if (seen < this.#o.minSamples) return { score: NaN, expected, flag: -1 };
    return { score, expected, flag: score > this.#o.threshold ? 1 : 0 };
  }

  /** Times the memory forgot its worst eighth. */
  forgets = 0;

  get contexts(): number {
    return this.#contexts.length;
  }

  /** Left sets that name a forgotten context. */
  get deadSets(): number {
    return this.#sets.filter((s) => s.neurons.includes(DEAD)).length;
  }
}
