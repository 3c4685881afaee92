// The k-means benchmarks' inputs, shared by every peer: Gaussian blobs and a seeded start.
import { rng } from './data.js';

export interface Case {
  n: number;
  dims: number;
  k: number;
}

export const CASES: Case[] = [
  { n: 100_000, dims: 8, k: 16 },
  { n: 1_000_000, dims: 2, k: 8 },
];

/** Overlapping Gaussian blobs (k centres uniform in a box, σ = 1.5) and k starting rows picked by a seeded draw. */
export function dataset({ n, dims, k }: Case, seed: number): { rows: number[][]; flat: Float64Array; start: number[][] } {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const centres = Array.from({ length: k }, () => Array.from({ length: dims }, () => 20 * r()));
  const flat = new Float64Array(n * dims);
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * k)]!;
    const row = c.map((v) => v + 1.5 * normal());
    flat.set(row, i * dims);
    rows.push(row);
  }
  const start = Array.from({ length: k }, () => rows[Math.floor(r() * n)]!.slice());
  return { rows, flat, start };
}

