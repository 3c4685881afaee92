const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '30s', '1m', '30d' or a number of ms. */
export function parseDuration(v: string | number | undefined, argument: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number' && v >= 0 && Number.isFinite(v)) return v;
  const m = typeof v === 'string' ? DURATION.exec(v.trim()) : null;
  if (!m) throw new RangeError(`${argument} must be a duration like '30s', '1m', '30d' or ms, got ${JSON.stringify(v)}`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

