// NAB's published detector outputs as a compact fixture for the scorer's external test
// (test/unit/nab-published.test.ts), made from ../shared/data/nab (numenta/NAB at ea702d7, MIT) by
// `node scripts/nab.mjs published`: each file's length and windows (as record indices), and for
// five published detectors the records whose score is ≥ NAB's own threshold per profile — which
// is all a scorer needs — with NAB's final_results.json and the null detector's raw scores.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { loadCorpus } from './corpus.js';
import type { Profile } from './scorer.js';

export const PUBLISHED = ['ARTime', 'numenta', 'contextOSE', 'knncad', 'windowedGaussian'] as const;

export interface PublishedFixture {
  source: string;
  files: { name: string; length: number; windows: [number, number][] }[];
  profiles: Record<string, Profile>;
  /** NAB's null detector's raw score per profile (thresholds.json), the normalisation's zero. */
  nullRaw: Record<string, number>;
  /** Per detector and profile: NAB's threshold, and per file the records scored ≥ it. */
  detections: Record<string, Record<string, { threshold: number; records: number[][] }>>;
  /** NAB's final_results.json for these detectors. */
  final: Record<string, Record<string, number>>;
}

export function makePublishedFixture(dir: string): PublishedFixture {
  const { series, profiles } = loadCorpus(dir);
  const thresholds = JSON.parse(readFileSync(join(dir, 'results/thresholds.json'), 'utf8')) as Record<string, Record<string, { score: number; threshold: number }>>;
  const final = JSON.parse(readFileSync(join(dir, 'results/final_results.json'), 'utf8')) as Record<string, Record<string, number>>;
  const index = new Map(series.map((s, i) => [s.name, i]));
  const detections: PublishedFixture['detections'] = {};
  for (const detector of PUBLISHED) {
    const rows = gunzipSync(readFileSync(join(dir, `results/${detector}.csv.gz`))).toString('utf8').trim().split('\n').slice(1);
    const scores = series.map((s) => new Float64Array(s.length).fill(NaN));
    const next = new Int32Array(series.length);
    for (const row of rows) {
      const comma = row.lastIndexOf(',');
      const f = index.get(row.slice(0, comma));
      if (f === undefined) throw new Error(`${detector}: unknown file in ${row}`);
      scores[f]![next[f]!++] = Number(row.slice(comma + 1));
    }
    series.forEach((s, f) => {
      if (next[f] !== s.length) throw new Error(`${detector}: ${s.name} has ${next[f]} scores for ${s.length} records`);
    });
    detections[detector] = Object.fromEntries(
      Object.keys(profiles).map((p) => {
        const threshold = thresholds[detector]![p]!.threshold;
        return [p, { threshold, records: scores.map((s) => Array.from(s.keys()).filter((i) => s[i]! >= threshold)) }];
      }),
    );
  }
  return {
    source: 'numenta/NAB at commit ea702d7 (MIT licence): data/, labels/combined_windows.json, config/profiles.json, results/ (see ../shared/data/nab/SOURCE.md)',
    files: series.map(({ name, length, windows }) => ({ name, length, windows })),
    profiles,
    nullRaw: Object.fromEntries(Object.keys(profiles).map((p) => [p, thresholds.null![p]!.score])),
    detections,
    final: Object.fromEntries(PUBLISHED.map((d) => [d, final[d]!])),
  };
}

export function writePublishedFixture(dir: string, out: string): void {
  writeFileSync(out, gzipSync(JSON.stringify(makePublishedFixture(dir))));
}

export function readPublishedFixture(path: string): PublishedFixture {
  return JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as PublishedFixture;
}
