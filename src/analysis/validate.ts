// Argument checks of the analysis API. Every failure names the argument, says what was wrong
// and what is allowed: TypeError for a wrong type, RangeError for a value out of range.

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') return `a ${typeof value}`;
  return String(value);
}

/**
 * Numeric input as a Float64Array: a caller's Float64Array as it is (never modified: kernels copy
 * it into linear memory, and the worker pool transfers a copy), anything else converted.
 * Array-likes are checked element by element; non-finite values are found later by the kernels,
 * in one pass at memory speed.
 */
export function toFloat64(values: unknown, argument: string, minLength = 1): Float64Array {
  let out: Float64Array;
  if (values instanceof Float64Array) {
    out = values;
  } else if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      throw new TypeError(`${argument} must hold numbers, got a ${values.constructor.name}`);
    }
    out = new Float64Array(values as unknown as ArrayLike<number>);
  } else if (
    values !== null &&
    typeof values === 'object' &&
    typeof (values as ArrayLike<unknown>).length === 'number'
  ) {
    const src = values as ArrayLike<unknown>;
    const n = src.length;
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`${argument} must be an array of numbers`);
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = src[i];
      if (typeof v !== 'number') {
        throw new TypeError(`${argument}[${i}] is ${show(v)}; ${argument} must contain numbers only`);
      }
      out[i] = v;
    }
  } else {
    throw new TypeError(`${argument} must be an array or typed array of numbers, got ${show(values)}`);
  }
  if (out.length < minLength) {
    throw new RangeError(
      `${argument} has ${out.length} value${out.length === 1 ? '' : 's'}; at least ${minLength} ${minLength === 1 ? 'is' : 'are'} needed`,
    );
  }
  return out;
}

export function finiteNumber(value: unknown, argument: string): number {
  if (typeof value !== 'number') throw new TypeError(`${argument} must be a number, got ${show(value)}`);
  if (!Number.isFinite(value)) throw new RangeError(`${argument} must be a finite number, got ${value}`);
  return value;
}

export function probability(value: unknown, argument: string): number {
  const p = finiteNumber(value, argument);
  if (p < 0 || p > 1) throw new RangeError(`${argument} must be in [0, 1], got ${p}`);
  return p;
}

export function probabilities(values: unknown, argument: string): number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(`${argument} must be an array of probabilities in [0, 1], got ${show(values)}`);
  }
  const list = Array.from(values as ArrayLike<unknown>);
  if (list.length === 0) throw new RangeError(`${argument} must not be empty`);
  return list.map((p, i) => probability(p, `${argument}[${i}]`));
}

export function integer(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${argument} must be an integer, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${argument} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, argument: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new (typeof value === 'string' ? RangeError : TypeError)(
      `${argument} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

export function options(value: unknown, argument: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${argument} must be an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}
