// Prometheus text exposition format 0.0.4: https://prometheus.io/docs/instrumenting/exposition_formats/

export type Sample = { name: string; labels?: Record<string, string>; value: number };

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';
  samples: Sample[];
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Metric names may only hold [a-zA-Z0-9_:] and must not start with a digit. */
export function metricName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? '_' + s : s;
}

/** UCUM units (as OpenTelemetry instruments carry them) in Prometheus base units: suffix and factor. */
const BASE_UNITS: Record<string, [suffix: string, factor: number]> = {
  d: ['seconds', 86_400],
  h: ['seconds', 3600],
  min: ['seconds', 60],
  s: ['seconds', 1],
  ms: ['seconds', 1e-3],
  us: ['seconds', 1e-6],
  ns: ['seconds', 1e-9],
  By: ['bytes', 1],
  KiBy: ['bytes', 1024],
  MiBy: ['bytes', 1024 ** 2],
  GiBy: ['bytes', 1024 ** 3],
  KBy: ['bytes', 1e3],
  MBy: ['bytes', 1e6],
  GBy: ['bytes', 1e9],
  m: ['meters', 1],
  V: ['volts', 1],
  A: ['amperes', 1],
  J: ['joules', 1],
  W: ['watts', 1],
  g: ['grams', 1],
  Cel: ['celsius', 1],
  '%': ['percent', 1],
};

/**
 * A metric's Prometheus name and the factor its values take, following OpenTelemetry's
 * Prometheus compatibility rules with base units as Prometheus wants them: the unit becomes a
 * suffix in its base unit (ms → `_seconds`, values ÷ 1000), annotations in braces (`{requests}`)
 * are dropped, a unit of `1` on a gauge becomes `_ratio`, `X/Y` becomes `_X_per_Y`, and counters
 * end in `_total`. A suffix the name already has is not added twice.
 */
export function prometheusName(name: string, kind: 'counter' | 'gauge' | 'histogram', unit?: string): { name: string; factor: number } {
  let base = metricName(name);
  let factor = 1;
  const u = (unit ?? '').replace(/\{[^}]*\}/g, '').trim();
  let suffix = '';
  if (u === '1') suffix = kind === 'gauge' ? 'ratio' : '';
  else if (u.includes('/')) {
    const [a, b] = u.split('/', 2) as [string, string];
    const [sa, fa] = BASE_UNITS[a] ?? [metricName(a), 1];
    const [sb, fb] = BASE_UNITS[b] ?? [metricName(b), 1];
    suffix = `${sa}_per_${sb}`;
    factor = fa / fb;
  } else if (u) {
    const known = BASE_UNITS[u];
    suffix = known ? known[0] : metricName(u);
    factor = known ? known[1] : 1;
  }
  if (suffix && !base.endsWith(`_${suffix}`)) base = `${base}_${suffix}`;
  if (kind === 'counter' && !base.endsWith('_total')) base = `${base}_total`;
  return { name: base, factor };
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function toPrometheusText(families: Family[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = s.labels && Object.keys(s.labels).length
        ? '{' + Object.entries(s.labels).map(([k, v]) => `${metricName(k)}="${escapeLabel(v)}"`).join(',') + '}'
        : '';
      lines.push(`${s.name}${labels} ${formatValue(s.value)}`);
    }
  }
  return lines.join('\n') + '\n';
}
