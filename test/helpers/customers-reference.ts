// Plain, brute-force RFM for the tests (docs/analytics.md, "RFM"): per person by the reference's
// own identity merge, scores by counting who is worse, segments by the usual R–F rules written
// as conditions (not as the engine's grid).
import type { AnalyticsEvent } from '../../src/collector/analytics/engine.js';
import type { ParsedCustomers } from '../../src/collector/analytics/customers.js';
import { people } from './analytics-reference.js';

const DAY = 86_400_000;

function segmentOf(r: number, f: number): string {
  if (r <= 2 && f <= 2) return 'hibernating';
  if (r <= 2 && f <= 4) return 'at_risk';
  if (r <= 2) return 'cannot_lose';
  if (r === 3 && f <= 2) return 'about_to_sleep';
  if (r === 3 && f === 3) return 'need_attention';
  if (r <= 4 && f >= 4) return 'loyal';
  if (r === 4 && f === 1) return 'promising';
  if (r === 5 && f === 1) return 'new_customers';
  if (f <= 3) return 'potential_loyalists';
  return 'champions';
}

/** Score: 1 + ⌊5 · #(strictly worse) / n⌋, by counting. */
function score(values: number[], i: number, worse: (other: number, mine: number) => boolean): number {
  const below = values.filter((v) => worse(v, values[i]!)).length;
  return 1 + Math.floor((5 * below) / values.length);
}

export function referenceRfm(all: AnalyticsEvent[], app: string, q: ParsedCustomers) {
  const byPerson = people(all, app);
  let latest = -Infinity;
  const buyers: { person: string; last: number; n: number; total: number }[] = [];
  let invalid = 0;
  for (const [person, list] of byPerson) {
    let n = 0, last = -Infinity, total = 0;
    for (const e of list) {
      if (e.ts < q.from || e.ts >= q.to) continue;
      latest = Math.max(latest, e.ts);
      if (e.name !== q.purchase.event || !q.purchase.where.every(([k, v]) => e.properties[k] === v)) continue;
      n++;
      last = Math.max(last, e.ts);
      const v = e.properties[q.amount];
      if (typeof v === 'number') total += v;
      else invalid++;
    }
    if (n > 0) buyers.push({ person, last, n, total });
  }
  const asOf = q.toGiven ? q.to : latest;
  const recency = buyers.map((b) => (asOf - b.last) / DAY);
  const freq = buyers.map((b) => b.n);
  const money = buyers.map((b) => b.total);
  const rows = buyers.map((b, i) => {
    const r = score(recency, i, (o, m) => o > m);
    const f = score(freq, i, (o, m) => o < m);
    const m = score(money, i, (o, mine) => o < mine);
    return { person: b.person, recencyDays: recency[i]!, frequency: b.n, monetary: b.total, r, f, m, segment: segmentOf(r, f) };
  });
  rows.sort((a, b) => (a.person < b.person ? -1 : 1));
  return { asOf: buyers.length ? new Date(asOf).toISOString() : null, people: rows, invalidAmounts: invalid };
}
