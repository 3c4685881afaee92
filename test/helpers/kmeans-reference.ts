// Brute-force k-means with scikit-learn's definitions (sklearn/cluster/_kmeans.py, _k_means_lloyd.pyx),
// written the plain way — rows as arrays, every distance computed — so tests check the kernel
// against the definition rather than against itself.

export type Row = number[];

export const sqdist = (a: Row, b: Row) => a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0);

/** Nearest centre, lowest index on ties. */
export function nearest(x: Row, centers: Row[]): { label: number; d2: number } {
  let label = 0;
  let d2 = Infinity;
  centers.forEach((c, j) => {
    const t = sqdist(x, c);
    if (t < d2) {
      d2 = t;
      label = j;
    }
  });
  return { label, d2 };
}

/** sklearn's _tolerance: tol × mean over columns of np.var (ddof = 0). */
export function tolerance(X: Row[], tol: number): number {
  const d = X[0]!.length;
  let total = 0;
  for (let j = 0; j < d; j++) {
    const col = X.map((r) => r[j]!);
    const mu = col.reduce((a, b) => a + b, 0) / col.length;
    total += col.reduce((a, b) => a + (b - mu) ** 2, 0) / col.length;
  }
  return (total / d) * tol;
}

export interface ReferenceFit {
  centers: Row[];
  labels: number[];
  inertia: number;
  iterations: number;
  converged: boolean;
}

/** _kmeans_single_lloyd from the given starting centres. */
export function lloydReference(X: Row[], start: Row[], maxIter: number, tol: number): ReferenceFit {
  const k = start.length;
  const d = X[0]!.length;
  const tolAbs = tolerance(X, tol);
  let centers = start.map((c) => c.slice());
  let labels = X.map(() => -1);
  let converged = false;
  let strict = false;
  let iterations = 0;
  let relocated = false;
  for (let it = 0; it < maxIter; it++) {
    const old = labels;
    const assigned = X.map((x) => nearest(x, centers));
    labels = assigned.map((a) => a.label);
    const sums = centers.map(() => new Array<number>(d).fill(0));
    const weight = new Array<number>(k).fill(0);
    X.forEach((x, i) => {
      weight[labels[i]!]!++;
      x.forEach((v, j) => (sums[labels[i]!]![j]! += v));
    });
    // _relocate_empty_clusters_dense: the farthest points from their centre fill the empty clusters.
    const empty = weight.flatMap((w, c) => (w === 0 ? [c] : []));
    relocated = empty.length > 0;
    if (empty.length > 0) {
      const order = X.map((x, i) => ({ i, d: sqdist(x, centers[labels[i]!]!) })).sort((a, b) => b.d - a.d || a.i - b.i);
      empty.forEach((c, e) => {
        const far = order[e]!.i;
        const from = labels[far]!;
        X[far]!.forEach((v, j) => {
          sums[from]![j]! -= v;
          sums[c]![j] = v;
        });
        weight[from]!--;
        weight[c] = 1;
      });
    }
    // _average_centers multiplies by the reciprocal of the weight.
    const next = sums.map((s, c) => (weight[c]! > 0 ? s.map((v) => v * (1 / weight[c]!)) : centers[c]!.slice()));
    const shift = next.reduce((s, c, j) => s + sqdist(c, centers[j]!), 0);
    centers = next;
    iterations = it + 1;
    if (labels.every((l, i) => l === old[i])) {
      strict = converged = true;
      break;
    }
    if (shift <= tolAbs) {
      converged = true;
      break;
    }
  }
  // As sklearn, plus one documented difference: labels are also recomputed when the last
  // iteration re-seeded an empty cluster.
  if (!strict || relocated) labels = X.map((x) => nearest(x, centers).label);
  const inertia = X.reduce((s, x, i) => s + sqdist(x, centers[labels[i]!]!), 0);
  return { centers, labels, inertia, iterations, converged };
}

/** sklearn.metrics.silhouette_score, Euclidean, O(n²). */
export function silhouetteReference(X: Row[], labels: number[]): number {
  const dist = (a: Row, b: Row) => Math.sqrt(sqdist(a, b));
  const clusters = [...new Set(labels)];
  const s = X.map((x, i) => {
    const mean = (c: number) => {
      const members = X.filter((_, j) => labels[j] === c && j !== i);
      return members.reduce((t, y) => t + dist(x, y), 0) / members.length;
    };
    const own = labels[i]!;
    if (labels.filter((l) => l === own).length === 1) return 0;
    const a = mean(own);
    const b = Math.min(...clusters.filter((c) => c !== own).map(mean));
    const den = Math.max(a, b);
    return den > 0 ? (b - a) / den : 0;
  });
  return s.reduce((a, b) => a + b, 0) / s.length;
}

/** Gaussian blobs around `centers` with standard deviation `sd`, `per` points each. */
export function blobs(r: () => number, normal: (r: () => number) => number, centers: Row[], per: number, sd: number): Row[] {
  const out: Row[] = [];
  for (let p = 0; p < per; p++) for (const c of centers) out.push(c.map((v) => v + sd * normal(r)));
  return out;
}
