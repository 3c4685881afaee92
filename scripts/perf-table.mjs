// Prints bench/results/latest.json as the README's markdown performance table.
import { readFileSync } from 'node:fs';

const rows = JSON.parse(readFileSync(new URL('../bench/results/latest.json', import.meta.url), 'utf8'));
const fmt = (x, unit) => {
  if (!Number.isFinite(x)) return '—';
  if (unit === 'fraction') return `${(x * 100).toFixed(3)}%`;
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
};
// The newest run's date, machine and versions head the table; rows measured in an earlier run
// (a filtered run replaces only its own) say so.
const newest = rows.reduce((a, r) => ((r.at ?? '') > (a.at ?? '') ? r : a), rows[0] ?? {});
const chromium = rows.find((r) => r.at === newest.at && r.chromium)?.chromium;
console.log(`Run of ${newest.at ?? 'an unrecorded date'} on ${newest.machine ?? 'an unrecorded machine'}, Node ${newest.node ?? '?'}${chromium ? `, Chromium ${chromium}` : ''}.`);
console.log('');
console.log('| env | benchmark | unit | ours | peer | peer value | ratio |');
console.log('| --- | --- | --- | ---: | --- | ---: | ---: |');
for (const r of rows) {
  const unit = r.unit === 'fraction' ? 'relative error' : r.unit;
  const ratio = Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}×` : '—';
  const carried = r.at !== newest.at ? ` (carried over from ${r.at ?? 'an earlier run'})` : '';
  console.log(`| ${r.env} | ${r.name}${carried} | ${unit} | ${fmt(r.ours, r.unit)} | ${r.peerName} | ${fmt(r.peer, r.unit)} | ${ratio} |`);
}
