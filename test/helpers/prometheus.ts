// A strict reader of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/): throws on any line the format
// does not allow, so a test that parses an exposition also validates it.

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  type: 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';
  help: string;
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
const SUFFIXES: Record<PromFamily['type'], string[]> = {
  counter: [''],
  gauge: [''],
  untyped: [''],
  summary: ['', '_sum', '_count'],
  histogram: ['_bucket', '_sum', '_count'],
};

function parseValue(s: string, line: number): number {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`line ${line}: bad value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseLabels(s: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = new RegExp(`\\s*(${LABEL})\\s*=\\s*"((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"\\s*(,|$)`, 'y');
  let at = 0;
  while (at < s.length) {
    re.lastIndex = at;
    const m = re.exec(s);
    if (!m) throw new Error(`line ${line}: bad label set {${s}}`);
    if (m[1]! in labels) throw new Error(`line ${line}: label ${m[1]} repeated`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    at = re.lastIndex;
    if (m[3] === '') break;
  }
  return labels;
}

/** Families by name; samples of a summary or histogram include their _sum/_count (and _bucket) lines. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (!text.endsWith('\n')) throw new Error('an exposition must end with a line feed');
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  let current: string | null = null;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(raw);
    if (meta) {
      const [, kind, name, rest = ''] = meta;
      if (!new RegExp(`^${NAME}$`).test(name!)) throw new Error(`line ${line}: bad metric name ${name}`);
      let f = families.get(name!);
      if (!f) families.set(name!, (f = { type: 'untyped', help: '', samples: [] }));
      if (kind === 'TYPE') {
        if (f.samples.length) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        if (!(rest in SUFFIXES)) throw new Error(`line ${line}: unknown type ${rest}`);
        f.type = rest as PromFamily['type'];
      } else f.help = rest;
      current = name!;
      return;
    }
    if (raw.startsWith('#')) return; // a comment
    const m = SAMPLE.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
    const [, name, labelText, value] = m;
    const family = current !== null && SUFFIXES[families.get(current)!.type].some((s) => name === current + s) ? current : name!;
    let f = families.get(family);
    if (!f) families.set(family, (f = { type: 'untyped', help: '', samples: [] }));
    const labels = labelText ? parseLabels(labelText, line) : {};
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`line ${line}: series ${key} appears twice`);
    seen.add(key);
    f.samples.push({ name: name!, labels, value: parseValue(value!, line) });
  });
  return families;
}
