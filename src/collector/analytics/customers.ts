// Customer analytics over per-person rows (every engine computes the rows; this file does the rest):
// RFM quintiles and named segments, behavioural segments by our k-means kernel, and BG/NBD plus
// Gamma-Gamma churn and lifetime value (clv.ts). docs/analytics.md defines each.
import { kmeans, silhouette } from '../../analysis/kmeans.js';
import { fitBgNbd, fitGammaGamma, scoreCustomers } from './clv.js';
import {
  AnalyticsInputError, DAY_MS, isObject, parseRange, parseStep, query, show,
  type ClvPerson, type ClvResult, type Range, type RfmPerson, type RfmResult, type RfmSegment, type SegmentsResult, type Step,
} from './query.js';

/** One person's figures inside [from, to): purchases (time order) and activity. */
export interface PersonRow {
  person: string;
  purchases: number;
  /** ms; NaN without purchases. */
  first: number;
  last: number;
  /** Σ amount, and the first purchase's amount (the Gamma-Gamma model's spend is the repeat purchases' mean). */
  total: number;
  firstAmount: number;
  /** Interaction events (track, page, identify) and distinct sessions. */
  events: number;
  sessions: number;
  /** Per event feature: the person's events matching it. */
  counts: number[];
}

export interface PersonRows {
  rows: PersonRow[];
  /** `to` when given, else the latest interaction event in range (ms); null with no events. */
  asOf: number | null;
  invalidAmounts: number;
}

const RANGE_END = 8.64e15;

export interface ParsedCustomers extends Range {
  purchase: Step;
  amount: string;
  /** Whether `to` was given (then it is the time recency is measured at). */
  toGiven: boolean;
}

function amountName(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new AnalyticsInputError(at, `must be the purchase's property holding its value (a non-empty string), got ${show(v)}`);
  return v;
}

function parseCustomers(q: Record<string, unknown>): ParsedCustomers {
  const range = parseRange(q);
  return { ...range, purchase: parseStep(q.purchase, 'purchase'), amount: amountName(q.amount, 'amount'), toGiven: range.to !== RANGE_END };
}

export const parseRfm = (v: unknown) => parseCustomers(query(v, 'rfm'));

export interface ParsedClv extends ParsedCustomers {
  unit: 'day' | 'week';
  horizon: number;
  discountRate: number;
  steps: number;
  people: boolean;
}
export function parseClv(v: unknown): ParsedClv {
  const q = query(v, 'clv');
  const unit = q.unit ?? 'week';
  if (unit !== 'day' && unit !== 'week') throw new AnalyticsInputError('unit', `must be 'day' or 'week', got ${show(unit)}`);
  const year = unit === 'week' ? 52 : 365;
  const horizon = q.horizon ?? year;
  if (typeof horizon !== 'number' || !(horizon > 0 && horizon <= 100 * year)) throw new AnalyticsInputError('horizon', `must be a number of ${unit}s, > 0 and at most 100 years, got ${show(horizon)}`);
  const discountRate = q.discountRate ?? 0.1;
  if (typeof discountRate !== 'number' || !(discountRate >= 0 && discountRate < 10)) throw new AnalyticsInputError('discountRate', `must be a yearly rate in [0, 10), got ${show(discountRate)}`);
  const steps = q.steps ?? 12;
  if (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > 1000) throw new AnalyticsInputError('steps', `must be an integer from 1 to 1000, got ${show(steps)}`);
  if (q.people !== undefined && typeof q.people !== 'boolean') throw new AnalyticsInputError('people', `must be true or false, got ${show(q.people)}`);
  return { ...parseCustomers(q), unit, horizon, discountRate, steps: steps as number, people: q.people !== false };
}

/** A feature as parsed: RFM and activity by name, or an event step counted or shared. */
export type Feature = { kind: 'recency' | 'frequency' | 'monetary' | 'sessions' | 'events' } | { kind: 'count' | 'share'; step: Step; slot: number };
export interface ParsedSegments extends Range {
  features: Feature[];
  names: string[];
  /** Event steps the engines count per person (slot order). */
  steps: Step[];
  purchase: Step | null;
  amount: string | null;
  toGiven: boolean;
  ks: number[];
  log: boolean;
  seed: number;
  silhouetteSample: number;
  labels: boolean;
}
const RFM_FEATURES = ['recency', 'frequency', 'monetary'] as const;
const NAMED_FEATURES = [...RFM_FEATURES, 'sessions', 'events'] as const;

function positiveInt(v: unknown, at: string, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new AnalyticsInputError(at, `must be an integer from ${min} to ${max}, got ${show(v)}`);
  return v as number;
}

export function parseSegments(v: unknown): ParsedSegments {
  const q = query(v, 'segments');
  if (!Array.isArray(q.features) || q.features.length === 0 || q.features.length > 50) throw new AnalyticsInputError('features', `must be an array of 1–50 features (${NAMED_FEATURES.join(', ')}, { count: event }, { share: event }), got ${show(q.features)}`);
  const steps: Step[] = [];
  const names: string[] = [];
  const features = q.features.map((f, i): Feature => {
    if (typeof f === 'string') {
      if (!(NAMED_FEATURES as readonly string[]).includes(f)) throw new AnalyticsInputError(`features[${i}]`, `must be one of ${NAMED_FEATURES.join(', ')} or { count | share: event }, got ${show(f)}`);
      names.push(f);
      return { kind: f as (typeof NAMED_FEATURES)[number] };
    }
    if (isObject(f) && Object.keys(f).length === 1 && ('count' in f || 'share' in f)) {
      const kind = 'count' in f ? 'count' : 'share';
      const step = parseStep(f[kind], `features[${i}].${kind}`);
      steps.push(step);
      names.push(`${kind}(${step.event})`);
      return { kind, step, slot: steps.length - 1 };
    }
    throw new AnalyticsInputError(`features[${i}]`, `must be one of ${NAMED_FEATURES.join(', ')} or { count: event } or { share: event }, got ${show(f)}`);
  });
  const needsPurchases = features.some((f) => (RFM_FEATURES as readonly string[]).includes(f.kind));
  if (needsPurchases && q.purchase === undefined) throw new AnalyticsInputError('purchase', 'is required with the recency, frequency or monetary features (the purchase event)');
  if (needsPurchases && q.amount === undefined) throw new AnalyticsInputError('amount', 'is required with the recency, frequency or monetary features (the purchase property holding its value)');
  let ks: number[];
  if (q.kRange !== undefined) {
    if (q.k !== undefined) throw new AnalyticsInputError('k', 'and kRange are exclusive: give k, or kRange to choose k by silhouette');
    if (!Array.isArray(q.kRange) || q.kRange.length !== 2) throw new AnalyticsInputError('kRange', `must be [min, max], got ${show(q.kRange)}`);
    const lo = positiveInt(q.kRange[0], 'kRange[0]', 2, 20);
    const hi = positiveInt(q.kRange[1], 'kRange[1]', lo, 20);
    ks = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  } else if (q.k !== undefined) ks = [positiveInt(q.k, 'k', 1, 1000)];
  else throw new AnalyticsInputError('k', 'is required (the number of segments), or kRange to choose it by silhouette');
  if (q.log !== undefined && typeof q.log !== 'boolean') throw new AnalyticsInputError('log', `must be true or false, got ${show(q.log)}`);
  if (q.labels !== undefined && typeof q.labels !== 'boolean') throw new AnalyticsInputError('labels', `must be true or false, got ${show(q.labels)}`);
  const range = parseRange(q);
  return {
    ...range,
    features, names, steps,
    purchase: q.purchase === undefined ? null : parseStep(q.purchase, 'purchase'),
    amount: q.amount === undefined ? null : amountName(q.amount, 'amount'),
    toGiven: range.to !== RANGE_END,
    ks,
    log: q.log === true,
    seed: q.seed === undefined ? 0 : positiveInt(q.seed, 'seed', 0, 2 ** 31 - 1),
    silhouetteSample: q.silhouetteSample === undefined ? 2000 : positiveInt(q.silhouetteSample, 'silhouetteSample', 10, 20_000),
    labels: q.labels !== false,
  };
}

/** The grid of named segments over (R, F) scores (the widely used RFM map): rows R = 1…5, columns F = 1…5. */
const GRID: RfmSegment[][] = [
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal', 'loyal'],
  ['promising', 'potential_loyalists', 'potential_loyalists', 'loyal', 'loyal'],
  ['new_customers', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
];
export const RFM_SEGMENTS: readonly RfmSegment[] = ['champions', 'loyal', 'potential_loyalists', 'new_customers', 'promising', 'need_attention', 'about_to_sleep', 'at_risk', 'cannot_lose', 'hibernating'];
export const rfmSegment = (r: number, f: number): RfmSegment => GRID[r - 1]![f - 1]!;

/**
 * Quintile scores 1–5: 1 + ⌊5 · (people with a worse value) / n⌋ — equal values get equal scores,
 * and each score holds about a fifth of the people when values are distinct. `higherIsBetter`:
 * worse means smaller (frequency, monetary); otherwise larger (recency).
 */
export function quintileScores(values: Float64Array, higherIsBetter: boolean): Uint8Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (higherIsBetter ? values[a]! - values[b]! : values[b]! - values[a]!));
  const out = new Uint8Array(n);
  let worse = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0 && values[order[i]!] !== values[order[i - 1]!]) worse = i;
    out[order[i]!] = 1 + Math.floor((5 * worse) / n);
  }
  return out;
}

export function rfm(data: PersonRows): RfmResult {
  const buyers = data.rows.filter((r) => r.purchases > 0);
  const asOf = data.asOf ?? 0;
  const n = buyers.length;
  const recency = Float64Array.from(buyers, (b) => (asOf - b.last) / DAY_MS);
  const R = quintileScores(recency, false);
  const F = quintileScores(Float64Array.from(buyers, (b) => b.purchases), true);
  const M = quintileScores(Float64Array.from(buyers, (b) => b.total), true);
  const people: RfmPerson[] = buyers.map((b, i) => ({
    person: b.person, recencyDays: recency[i]!, frequency: b.purchases, monetary: b.total,
    r: R[i]!, f: F[i]!, m: M[i]!, segment: rfmSegment(R[i]!, F[i]!),
  }));
  const segments = RFM_SEGMENTS.map((segment) => {
    const members = people.filter((p) => p.segment === segment);
    const mean = (f: (p: RfmPerson) => number) => (members.length ? members.reduce((t, p) => t + f(p), 0) / members.length : null);
    return { segment, people: members.length, share: n ? members.length / n : 0, meanRecencyDays: mean((p) => p.recencyDays), meanFrequency: mean((p) => p.frequency), meanMonetary: mean((p) => p.monetary) };
  });
  return { asOf: data.asOf === null ? null : new Date(asOf).toISOString(), people, segments, invalidAmounts: data.invalidAmounts };
}

function featureValue(f: Feature, row: PersonRow, asOf: number): number {
  switch (f.kind) {
    case 'recency': return (asOf - row.last) / DAY_MS;
    case 'frequency': return row.purchases;
    case 'monetary': return row.total;
    case 'sessions': return row.sessions;
    case 'events': return row.events;
    case 'count': return row.counts[f.slot]!;
    case 'share': return row.events ? row.counts[f.slot]! / row.events : 0;
  }
}

/**
 * Standardised features (z-scores, population standard deviation as scikit-learn's StandardScaler;
 * a constant feature is only centred) clustered by k-means (k-means++, seeded); with several k,
 * the one of the highest mean silhouette on a seeded sample.
 */
export async function segments(data: PersonRows, q: ParsedSegments, runner?: KMeansRunner): Promise<SegmentsResult> {
  const needsPurchases = q.features.some((f) => (RFM_FEATURES as readonly string[]).includes(f.kind));
  const rows = needsPurchases ? data.rows.filter((r) => r.purchases > 0) : data.rows.filter((r) => r.events > 0);
  const n = rows.length;
  const d = q.features.length;
  const kMax = q.ks[q.ks.length - 1]!;
  if (n < Math.max(2, kMax)) throw new AnalyticsInputError(q.ks.length > 1 ? 'kRange' : 'k', `asks for ${kMax} segments but only ${n} ${needsPurchases ? 'customers' : 'people'} are in range`);
  const asOf = data.asOf ?? 0;
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      let v = featureValue(q.features[j]!, rows[i]!, asOf);
      if (q.log) {
        if (v < 0) throw new AnalyticsInputError('log', `needs features ≥ 0, but ${q.names[j]} is ${v} for ${rows[i]!.person}`);
        v = Math.log1p(v);
      }
      x[i * d + j] = v;
    }
  const fit = await clusterFeatures(x, d, { ks: q.ks, seed: q.seed, silhouetteSample: q.silhouetteSample, log: q.log, argument: q.ks.length > 1 ? 'kRange' : 'k', ...(runner ? { runner } : {}) });
  return {
    features: q.names, people: n, k: fit.k, centroids: fit.centroids, sizes: fit.sizes, inertia: fit.inertia, silhouette: fit.silhouette,
    labels: q.labels ? rows.map((r, i) => ({ person: r.person, label: fit.labels[i]! })) : null,
  };
}

/** Runs k-means on n × dims rows (standardised, validated): kmeans() of the analysis API, or the Node store's threaded one (kmeans-threads.ts). */
export type KMeansRunner = (data: Float64Array, dims: number, o: { k: number; seed: number; init?: Float64Array }) => Promise<{ centroids: number[][]; labels: Int32Array; inertia: number }>;

/** kmeans() of avila-telemetry/analysis: k-means++ from the seed, or the given start. */
export const kmeansRunner: KMeansRunner = (data, dims, o) => kmeans({ data, dims }, o.init ? { k: o.k, init: { data: o.init, dims } } : { k: o.k, seed: o.seed });

/** A SharedArrayBuffer of this many bytes, or null where there is none (browsers without cross-origin isolation). */
function shared(bytes: number): SharedArrayBuffer | null {
  try {
    return typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(bytes) : null;
  } catch {
    return null;
  }
}

export interface Clusters {
  k: number;
  centroids: number[][];
  sizes: number[];
  labels: Int32Array;
  inertia: number;
  silhouette: { k: number; score: number }[] | null;
}

/**
 * Segments of n rows × d features (row-major, left as they are): standardised to z-scores
 * (population standard deviation, as scikit-learn's StandardScaler; a constant feature is only
 * centred), clustered by k-means (k-means++ seeded, or `init` given in standardised units); with
 * several k, the one of the highest mean silhouette on a seeded sample. Centroids come back in the
 * original units (through expm1 when the features were log1p'd).
 */
export async function clusterFeatures(features: Float64Array, d: number, o: { ks: number[]; seed: number; silhouetteSample: number; log?: boolean; init?: Float64Array; argument?: string; runner?: KMeansRunner }): Promise<Clusters> {
  const run = o.runner ?? kmeansRunner;
  const n = features.length / d;
  const kMax = o.ks[o.ks.length - 1]!;
  const mean = new Float64Array(d), scale = new Float64Array(d);
  for (let i = 0, at = 0; i < n; i++) for (let j = 0; j < d; j++, at++) mean[j]! += features[at]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0, at = 0; i < n; i++)
    for (let j = 0; j < d; j++, at++) {
      const t = features[at]! - mean[j]!;
      scale[j]! += t * t;
    }
  // 1 / σ (a constant feature: 1, so it is only centred), multiplied rather than divided by.
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]! / n) || 1;
  const inverse = scale.map((v) => 1 / v);
  // Into shared memory where there is some: k-means threads read their rows from it without a copy.
  const memory = shared(n * d * 8);
  const x = memory ? new Float64Array(memory) : new Float64Array(n * d);
  for (let i = 0, at = 0; i < n; i++) for (let j = 0; j < d; j++, at++) x[at] = (features[at]! - mean[j]!) * inverse[j]!;
  const points = { data: x, dims: d };
  const distinct = new Set<string>();
  for (let i = 0; i < n && distinct.size < kMax; i++) distinct.add(x.subarray(i * d, (i + 1) * d).join(','));
  if (distinct.size < kMax) throw new AnalyticsInputError(o.argument ?? 'k', `asks for ${kMax} segments but the ${n} people have only ${distinct.size} distinct feature vectors`);
  let best: Awaited<ReturnType<KMeansRunner>> | null = null;
  let bestK = o.ks[0]!;
  let scores: { k: number; score: number }[] | null = null;
  if (o.ks.length === 1) best = await run(x, d, { k: bestK, seed: o.seed, ...(o.init ? { init: o.init } : {}) });
  else {
    scores = [];
    let bestScore = -Infinity;
    for (const k of o.ks) {
      const fit = await run(x, d, { k, seed: o.seed });
      const score = await silhouette(points, fit.labels, n > o.silhouetteSample ? { sampleSize: o.silhouetteSample, seed: o.seed } : {});
      scores.push({ k, score });
      if (score > bestScore) [bestScore, best, bestK] = [score, fit, k];
    }
  }
  const fit = best!;
  const sizes = new Array<number>(bestK).fill(0);
  for (const l of fit.labels) sizes[l]!++;
  const centroids = fit.centroids.map((c) => c.map((z, j) => {
    const v = z * scale[j]! + mean[j]!;
    return o.log ? Math.expm1(v) : v;
  }));
  return { k: bestK, centroids, sizes, labels: fit.labels, inertia: fit.inertia, silhouette: scores };
}

/** BG/NBD and Gamma-Gamma over the customers' purchase histories (clv.ts). */
export function clv(data: PersonRows, q: ParsedClv): ClvResult {
  const buyers = data.rows.filter((r) => r.purchases > 0);
  const unitMs = q.unit === 'week' ? 7 * DAY_MS : DAY_MS;
  const asOf = data.asOf ?? 0;
  const n = buyers.length;
  if (n === 0) throw new AnalyticsInputError('purchase', 'matched no purchase in range: there are no customers to model');
  const x = new Float64Array(n), tx = new Float64Array(n), T = new Float64Array(n), m = new Float64Array(n);
  const repeatIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = buyers[i]!;
    x[i] = b.purchases - 1;
    tx[i] = (b.last - b.first) / unitMs;
    T[i] = (asOf - b.first) / unitMs;
    m[i] = x[i]! > 0 ? (b.total - b.firstAmount) / x[i]! : 0;
    if (x[i]! > 0 && m[i]! > 0) repeatIdx.push(i);
  }
  const bgnbd = fitBgNbd({ x, tx, T });
  const gammaGamma = repeatIdx.length >= 2 ? fitGammaGamma({ x: repeatIdx.map((i) => x[i]!), m: repeatIdx.map((i) => m[i]!) }) : null;
  const perUnit = Math.pow(1 + q.discountRate, unitMs / (365 * DAY_MS)) - 1;
  const scores = scoreCustomers(bgnbd, gammaGamma, { x, tx, T, m }, { horizon: q.horizon, discountRate: perUnit, steps: q.steps });
  let expectedTotal = 0, clvTotal = 0;
  for (let i = 0; i < n; i++) {
    expectedTotal += scores.expectedPurchases[i]!;
    // Customers without a finite E[M] (p·x + q ≤ 1) have no CLV and add nothing.
    if (Number.isFinite(scores.lifetimeValue[i])) clvTotal += scores.lifetimeValue[i]!;
  }
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const people: ClvPerson[] | null = q.people
    ? buyers.map((b, i) => ({
        person: b.person, x: x[i]!, tx: tx[i]!, T: T[i]!, pAlive: scores.pAlive[i]!, expectedPurchases: scores.expectedPurchases[i]!,
        expectedSpend: finite(scores.expectedSpend[i]!), clv: finite(scores.lifetimeValue[i]!),
      }))
    : null;
  return {
    unit: q.unit, asOf: new Date(asOf).toISOString(), customers: n, repeatCustomers: repeatIdx.length, bgnbd, gammaGamma,
    totals: { expectedPurchases: expectedTotal, clv: gammaGamma ? clvTotal : null }, people, invalidAmounts: data.invalidAmounts,
  };
}
