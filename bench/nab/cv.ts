// Honest NAB figures: 2-fold cross-validation. The 58 files are split in two by a hash of their
// name, stratified by category (each category's files alternate between the folds in hash order);
// a detector's parameters and threshold are chosen on one fold and scored on the other, both ways,
// and the two held-out scores averaged. The in-sample figure (chosen and scored on all files, as
// NAB's own scoreboard does) is reported beside it.
import { normalise, scoreDetections, sweep, type Profile, type ScoredFile } from './scorer.js';

/** FNV-1a, 32 bits: a stable hash of a file name (the split must not change between runs). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Fold 0 or 1 of each file (by index): within each category (`category/name.csv`), files alternate in hash order. */
export function folds(names: string[]): number[] {
  const byCategory = new Map<string, number[]>();
  names.forEach((name, i) => {
    const category = name.includes('/') ? name.slice(0, name.indexOf('/')) : '';
    let list = byCategory.get(category);
    if (!list) byCategory.set(category, (list = []));
    list.push(i);
  });
  const fold = new Array<number>(names.length).fill(0);
  for (const list of byCategory.values()) {
    list.sort((a, b) => fnv1a(names[a]!) - fnv1a(names[b]!) || (names[a]! < names[b]! ? -1 : 1));
    list.forEach((i, k) => (fold[i] = k % 2));
  }
  return fold;
}

/** One parameter setting of a detector: its name and its per-file, per-record scores. */
export interface Config {
  name: string;
  scores: Float64Array[];
}

export interface Choice {
  config: string;
  threshold: number;
  /** Normalised score of the files it was chosen on. */
  score: number;
}

/** The best setting and threshold on `files` (indices into the corpus). */
export function choose(files: ScoredFile[], configs: Config[], subset: number[], p: Profile): Choice {
  let best: Choice | null = null;
  const f = subset.map((i) => files[i]!);
  for (const c of configs) {
    const r = sweep(f, subset.map((i) => c.scores[i]!), p);
    const score = normalise(f, r.score, p).score;
    if (!best || score > best.score) best = { config: c.name, threshold: r.threshold, score };
  }
  return best!;
}

/** A setting and threshold applied to `subset`: its normalised score there. */
export function apply(files: ScoredFile[], config: Config, threshold: number, subset: number[], p: Profile): number {
  let raw = 0;
  for (const i of subset) {
    const s = config.scores[i]!;
    const detections: number[] = [];
    for (let k = 0; k < s.length; k++) if (s[k]! >= threshold) detections.push(k);
    raw += scoreDetections(files[i]!, detections, p).score;
  }
  return normalise(subset.map((i) => files[i]!), raw, p).score;
}

export interface Validated {
  inSample: Choice;
  /** Mean of the two held-out scores. */
  crossValidated: number;
  /** What each fold chose, and how it scored on the other. */
  perFold: { trainedOn: number; choice: Choice; heldOut: number }[];
}

export function crossValidate(files: ScoredFile[], configs: Config[], p: Profile, fold = folds(files.map((f) => f.name))): Validated {
  const all = files.map((_, i) => i);
  const half = (k: number) => all.filter((i) => fold[i] === k);
  const perFold = [0, 1].map((k) => {
    const choice = choose(files, configs, half(k), p);
    const config = configs.find((c) => c.name === choice.config)!;
    return { trainedOn: k, choice, heldOut: apply(files, config, choice.threshold, half(1 - k), p) };
  });
  return { inSample: choose(files, configs, all, p), crossValidated: (perFold[0]!.heldOut + perFold[1]!.heldOut) / 2, perFold };
}
