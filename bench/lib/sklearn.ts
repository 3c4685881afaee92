// scikit-learn's KMeans as a benchmark peer (Debian's python3-sklearn): from given starting
// centroids, Lloyd, one start, sklearn's tolerance, on every core (OMP_NUM_THREADS); optionally
// after StandardScaler, timed together. The median of `runs` timed fits after a warm-up; null when
// /usr/bin/python3 with sklearn is missing (the caller prints why it skips).
import { cpus } from 'node:os';
import { join } from 'node:path';
import { runPeer } from './run-peer.js';

export const PYTHON = '/usr/bin/python3';

const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export function sklearnKMeans(flat: Float64Array, dims: number, start: Float64Array, runs: number, options: { standardize?: boolean } = {}): { ms: number; inertia: number; iterations: number } | null {
  const out = runPeer(PYTHON, 'run.py', { 'x.bin': bytes(flat), 'c.bin': bytes(start) }, (dir) => `
import time, numpy as np
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
X = np.fromfile('${join(dir, 'x.bin')}', dtype=np.float64).reshape(-1, ${dims})
C = np.fromfile('${join(dir, 'c.bin')}', dtype=np.float64).reshape(-1, ${dims})
def fit():
    Z = ${options.standardize ? 'StandardScaler().fit_transform(X)' : 'X'}
    return KMeans(n_clusters=C.shape[0], init=C, n_init=1, max_iter=300, tol=1e-4, algorithm='lloyd').fit(Z)
fit()
times = []
for _ in range(${runs}):
    t = time.perf_counter(); m = fit(); times.append((time.perf_counter() - t) * 1000)
times.sort()
print(times[len(times) // 2], m.inertia_, m.n_iter_)
`, { OMP_NUM_THREADS: String(cpus().length) });
  if (!out) return null;
  const [ms, inertia, iterations] = out.split(' ').map(Number);
  return { ms: ms!, inertia: inertia!, iterations: iterations! };
}
