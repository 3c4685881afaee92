/**
 * Route names for metrics: a request path becomes a low-cardinality template. Patterns the user
 * gives (`/users/:id`, `/static/*`) win; otherwise segments that look like identifiers (numbers,
 * UUIDs, long hex or random-looking tokens) become `:id`, and paths are cut after `maxDepth`
 * segments. Past `maxRoutes` distinct names, new ones are reported as `{other}` (and counted), so a
 * crawler cannot blow up the metric series.
 */
export interface RouteOptions {
  patterns?: string[];
  /** Distinct route names kept. Default 100. */
  maxRoutes?: number;
  /** Path segments kept. Default 4. */
  maxDepth?: number;
}

export const OTHER_ROUTE = '{other}';

const ID_SEGMENT = [
  /^\d+$/, // 42
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, // UUID
  /^[0-9a-f]{12,}$/i, // hashes, object ids
  /^(?=.*\d)[A-Za-z0-9_-]{20,}$/, // tokens, slugs with random parts
];

interface Compiled {
  template: string;
  parts: string[];
  /** Ends in `*`: matches any deeper path. */
  prefix: boolean;
}

function compile(pattern: string, i: number): Compiled {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
    throw new TypeError(`routes.patterns[${i}] must be a path starting with '/', got ${JSON.stringify(pattern)}`);
  }
  const parts = pattern.split('/').filter(Boolean);
  const prefix = parts[parts.length - 1] === '*';
  if (prefix) parts.pop();
  return { template: pattern, parts, prefix };
}

export class RouteNormalizer {
  private readonly patterns: Compiled[];
  private readonly maxRoutes: number;
  private readonly maxDepth: number;
  private readonly seen = new Set<string>();
  /** Recent paths and their names (bounded): a path seen before costs one lookup. */
  private readonly cache = new Map<string, string>();
  /** Requests whose route was reported as {other} because the cap was reached. */
  overflow = 0;

  constructor(options: RouteOptions = {}) {
    if (options.patterns !== undefined && !Array.isArray(options.patterns)) throw new TypeError('routes.patterns must be an array of path patterns');
    this.patterns = (options.patterns ?? []).map(compile);
    this.maxRoutes = Math.max(1, Math.floor(Number(options.maxRoutes ?? 100)) || 100);
    this.maxDepth = Math.max(1, Math.floor(Number(options.maxDepth ?? 4)) || 4);
  }

  normalize(pathname: string): string {
    const cached = this.cache.get(pathname);
    if (cached !== undefined) return cached;
    const name = this.name(pathname);
    // Only names that made it under the cap are cached: {other} must keep being counted.
    if (name !== OTHER_ROUTE) {
      if (this.cache.size >= 2048) this.cache.clear();
      this.cache.set(pathname, name);
    }
    return name;
  }

  private name(pathname: string): string {
    const segments = pathname.split('/').filter(Boolean);
    const name = this.match(segments) ?? this.guess(segments);
    if (this.seen.has(name)) return name;
    if (this.seen.size >= this.maxRoutes) {
      this.overflow++;
      return OTHER_ROUTE;
    }
    this.seen.add(name);
    return name;
  }

  private match(segments: string[]): string | null {
    for (const p of this.patterns) {
      if (p.prefix ? segments.length < p.parts.length : segments.length !== p.parts.length) continue;
      let ok = true;
      for (let i = 0; i < p.parts.length && ok; i++) ok = p.parts[i]!.startsWith(':') || p.parts[i] === segments[i];
      if (ok) return p.template;
    }
    return null;
  }

  private guess(segments: string[]): string {
    const kept = segments.slice(0, this.maxDepth).map((s) => (ID_SEGMENT.some((re) => re.test(s)) ? ':id' : s.length > 64 ? ':long' : s));
    return '/' + kept.join('/') + (segments.length > this.maxDepth ? '/…' : '');
  }
}
