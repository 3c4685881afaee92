// The NAB corpus from ../shared/data/nab (or NAB_DIR): 58 series, their windows, the profiles.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Profile, ScoredFile } from './scorer.js';

export interface Series extends ScoredFile {
  values: Float64Array;
  timestamps: number[];
}

const ts = (s: string) => Date.parse(s.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1') + 'Z');

export function loadCorpus(dir: string): { series: Series[]; profiles: Record<string, Profile> } {
  const windows = JSON.parse(readFileSync(join(dir, 'labels/combined_windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const series: Series[] = [];
  for (const name of Object.keys(windows).sort()) {
    const lines = readFileSync(join(dir, 'data', name), 'utf8').trim().split('\n').slice(1);
    const timestamps = lines.map((l) => ts(l.split(',')[0]!));
    const values = Float64Array.from(lines, (l) => Number(l.split(',')[1]));
    const index = new Map(timestamps.map((t, i) => [t, i]));
    const w = windows[name]!.map(([a, b]): [number, number] => {
      const l = index.get(ts(a)), r = index.get(ts(b));
      if (l === undefined || r === undefined) throw new Error(`${name}: window ${a} – ${b} is not on a record`);
      return [l, r];
    });
    series.push({ name, length: values.length, windows: w, values, timestamps });
  }
  const found = readdirSync(join(dir, 'data'), { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => readdirSync(join(dir, 'data', d.name)).filter((f) => f.endsWith('.csv')).map((f) => `${d.name}/${f}`));
  if (found.length !== series.length) throw new Error(`windows for ${series.length} files, ${found.length} files in data/`);
  const raw = JSON.parse(readFileSync(join(dir, 'config/profiles.json'), 'utf8')) as Record<string, { CostMatrix: Profile }>;
  const profiles = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, { tpWeight: v.CostMatrix.tpWeight, fpWeight: v.CostMatrix.fpWeight, fnWeight: v.CostMatrix.fnWeight }]));
  return { series, profiles };
}
