// Turns arbitrary values into JSON-safe properties, deterministically. Documented in
// docs/client.md ("Properties"): functions and symbols dropped, BigInt to string, cycles cut,
// Date to ISO, strings capped, depth capped, prototype-polluting keys dropped.

export interface SanitizeLimits {
  /** Characters per string. Default 8192. */
  maxStringLength: number;
  /** Nesting depth of objects and arrays. Default 5. */
  maxDepth: number;
  /** Keys per object and items per array. Default 200. */
  maxKeys: number;
}

export const DEFAULT_SANITIZE: SanitizeLimits = { maxStringLength: 8192, maxDepth: 5, maxKeys: 200 };

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/** Counts what sanitizing had to change, so hosts can see their data was altered. */
export interface SanitizeReport {
  changed: number;
}

function cap(s: string, limits: SanitizeLimits, report: SanitizeReport): string {
  if (s.length <= limits.maxStringLength) return s;
  report.changed++;
  return s.slice(0, limits.maxStringLength) + '…';
}

function value(v: unknown, depth: number, seen: unknown[], limits: SanitizeLimits, report: SanitizeReport): unknown {
  switch (typeof v) {
    case 'string':
      return cap(v, limits, report);
    case 'number':
      if (Number.isFinite(v)) return v;
      report.changed++;
      return null;
    case 'boolean':
      return v;
    case 'bigint':
      report.changed++;
      return cap(v.toString(), limits, report);
    case 'undefined':
      return undefined;
    case 'function':
    case 'symbol':
      report.changed++;
      return undefined;
  }
  if (v === null) return null;
  if (v instanceof Date) {
    const t = v.getTime();
    if (Number.isNaN(t)) report.changed++;
    return Number.isNaN(t) ? null : v.toISOString();
  }
  if (seen.includes(v)) {
    report.changed++;
    return '[Circular]';
  }
  if (depth >= limits.maxDepth) {
    report.changed++;
    return Array.isArray(v) ? '[Array]' : '[Object]';
  }
  seen.push(v);
  try {
    if (v instanceof Error) return { name: cap(v.name, limits, report), message: cap(v.message, limits, report), stack: v.stack ? cap(v.stack, limits, report) : undefined };
    if (Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Set) {
      const items = Array.from(v as ArrayLike<unknown> | Set<unknown>);
      if (items.length > limits.maxKeys) report.changed++;
      return items.slice(0, limits.maxKeys).map((x) => {
        const out = value(x, depth + 1, seen, limits, report);
        return out === undefined ? null : out;
      });
    }
    return object(v as object, depth, seen, limits, report);
  } finally {
    seen.pop();
  }
}

/**
 * An object's (or Map's) entries, sanitized. A key whose getter or value throws goes missing
 * (counted); the other keys are kept.
 */
function object(source: object, depth: number, seen: unknown[], limits: SanitizeLimits, report: SanitizeReport): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let keys: unknown[];
  const map = source instanceof Map ? source : null;
  try {
    keys = map ? [...map.keys()] : Object.keys(source);
  } catch {
    report.changed++;
    return out;
  }
  let n = 0;
  for (const k of keys) {
    let key: string;
    let v: unknown;
    try {
      key = typeof k === 'string' ? k : String(k);
      if (FORBIDDEN.has(key)) {
        report.changed++;
        continue;
      }
      if (n >= limits.maxKeys) {
        report.changed++;
        break;
      }
      v = value(map ? map.get(k) : (source as Record<string, unknown>)[key], depth + 1, seen, limits, report);
    } catch {
      report.changed++;
      continue;
    }
    if (v === undefined) continue;
    out[cap(key, limits, report)] = v;
    n++;
  }
  return out;
}

/**
 * Sanitized copy of event properties. Never throws: a getter or proxy that throws makes that
 * key go missing (counted).
 */
export function sanitizeProperties(input: unknown, limits: SanitizeLimits, report: SanitizeReport): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    report.changed++;
    return input === undefined ? {} : { value: value(input, 1, [], limits, report) ?? null };
  }
  return flat(input, limits) ?? object(input, 0, [input], limits, report);
}

/**
 * The common case, cheaply: a plain object whose values are strings within the cap, finite
 * numbers, booleans or null, with allowed keys and no symbol keys — checked in one pass, then
 * copied with a spread (V8 clones such objects fast). The result is what the general path gives
 * for it. Anything else returns null and takes the general path.
 */
function flat(source: object, limits: SanitizeLimits): Record<string, unknown> | null {
  try {
    if (Object.getPrototypeOf(source) !== Object.prototype || Object.getOwnPropertySymbols(source).length > 0) return null;
    let n = 0;
    for (const key in source) {
      const v = (source as Record<string, unknown>)[key];
      // undefined (dropped by the general path), bigint, function, symbol, objects, NaN, ±Infinity, long strings: the general path.
      const plain = v === null || typeof v === 'boolean' || (typeof v === 'number' ? v - v === 0 : typeof v === 'string' && v.length <= limits.maxStringLength);
      if (!plain || ++n > limits.maxKeys || FORBIDDEN.has(key) || key.length > limits.maxStringLength) return null;
    }
    return { ...(source as Record<string, unknown>) };
  } catch {
    return null; // a throwing getter or proxy: the general path reports it key by key
  }
}

/** A string argument (event name, user id): strings kept (capped), numbers converted, else null. */
export function sanitizeName(input: unknown, limits: SanitizeLimits, report: SanitizeReport): string | null {
  if (typeof input === 'string') return input.length ? cap(input, limits, report) : null;
  if (typeof input === 'number' && Number.isFinite(input)) {
    report.changed++;
    return String(input);
  }
  return null;
}
