// The analytics queries' inputs and outputs (docs/analytics.md defines each), and the checks that
// turn a caller's JSON into a normalized query — or an AnalyticsInputError naming the parameter,
// which the HTTP endpoints answer with 400.

export type PropertyValue = string | number | boolean;

/** An event name, or a name with property filters (equality on `properties`). */
export type StepInput = string | { event: string; where?: Record<string, PropertyValue> };

/** Time bounds, ISO 8601 or ms since the epoch; `from` inclusive, `to` exclusive. */
export interface RangeInput {
  from?: string | number;
  to?: string | number;
}

export interface FunnelQuery extends RangeInput {
  /** 1–20 steps; a person enters with a step-1 event inside [from, to). */
  steps: StepInput[];
  /** Every later step must happen within this many ms of the step-1 event. */
  windowMs: number;
  /** `ordered` (default): in order, other events between allowed; `strict`: each step the person's very next track/page/identify event; `any`: in any order. */
  order?: FunnelOrder;
  /** A property of the person's first step-1 event in range ("first touch"). */
  breakdown?: string;
}
export type FunnelOrder = 'ordered' | 'strict' | 'any';

export interface RetentionQuery extends RangeInput {
  /** A person's cohort is the period of their first such event ever; cohorts inside [from, to) are shown. */
  start: StepInput;
  /** The event that counts as coming back. */
  returning: StepInput;
  period: 'day' | 'week';
  /** Periods per cohort, period 0 included (1–400). */
  periods: number;
}

export type SessionsQuery = RangeInput;

export type AttributionModel = 'first' | 'last' | 'linear' | 'time_decay' | 'position';
export const ATTRIBUTION_MODELS: readonly AttributionModel[] = ['first', 'last', 'linear', 'time_decay', 'position'];

export interface AttributionQuery extends RangeInput {
  /** Conversions are these events inside [from, to). */
  conversion: StepInput;
  /** Touchpoints count within this many ms before a conversion. */
  lookbackMs: number;
  /** Default: all five. */
  models?: AttributionModel[];
  /** time_decay's half-life. Default 7 days. */
  halfLifeMs?: number;
}

export interface ExperimentQuery extends RangeInput {
  /** The `experiment` property of `$experiment` events. */
  experiment: string;
  goal: StepInput;
  /** Default `control`. */
  control?: string;
  /** Of the intervals. Default 0.95. */
  confidence?: number;
  /** A goal counts within this many ms of the first exposure. Default: any time after it. */
  windowMs?: number;
  /** The intended split, variant → weight, for the sample-ratio check. Default: equal. */
  shares?: Record<string, number>;
}

export interface Step {
  event: string;
  where: [string, PropertyValue][];
}

export interface Range {
  from: number;
  to: number;
}

export interface FunnelStepResult {
  event: string;
  people: number;
  /** people / the previous step's people; null at step 1 or when that is 0. */
  fromPrevious: number | null;
  fromFirst: number | null;
  /** Time to reach the step: from the previous step's event (ordered, strict), from the first of the steps' events (any). Type 7 quantiles; null at step 1. */
  medianMs: number | null;
  p90Ms: number | null;
}
export interface FunnelResult {
  order: FunnelOrder;
  windowMs: number;
  steps: FunnelStepResult[];
  /** Per breakdown value (null: the property was absent), most step-1 people first. */
  breakdown: { value: string | null; steps: FunnelStepResult[] }[] | null;
}

export interface RetentionCohort {
  /** The period's first day, YYYY-MM-DD (weeks start on Monday, UTC). */
  start: string;
  size: number;
  /** People in the cohort who came back in period i (counts[0] = size). */
  counts: number[];
  rates: number[];
}
export interface RetentionResult {
  period: 'day' | 'week';
  cohorts: RetentionCohort[];
}

export interface SessionsRow {
  app: string;
  /** UTC day of the session's first event. */
  day: string;
  sessions: number;
  /** Share of sessions with a single track or page event. */
  bounceRate: number;
  eventsPerSession: number;
  pagesPerSession: number;
  meanDurationMs: number;
  /** DDSketch quantiles (α = 1%) of duration: last − first event. */
  durationMs: { p50: number; p90: number; p99: number };
}
export interface SessionsResult {
  rows: SessionsRow[];
}

export interface AttributionResult {
  conversions: number;
  /** Per model, credit per channel (credits sum to `conversions`), most credit first. `direct`: conversions with no touchpoint. */
  models: Partial<Record<AttributionModel, { channel: string; credit: number }[]>>;
}

export interface VariantResult {
  variant: string;
  exposures: number;
  conversions: number;
  rate: number;
  /** Against control (null for control itself). */
  vsControl: {
    difference: number;
    /** Two-proportion z-test, two-sided (R's prop.test(correct = FALSE)). */
    pValue: number | null;
    interval: [number, number];
    /** P(rate > control's rate), Beta(1 + conversions, 1 + failures) posteriors. */
    probabilityToBeat: number;
  } | null;
}
export interface ExperimentResult {
  experiment: string;
  control: string;
  variants: VariantResult[];
  /** People exposed to more than one variant: left out of every figure. */
  excluded: number;
  sampleRatio: { statistic: number; df: number; pValue: number; mismatch: boolean } | null;
}

/** Customers: people with a purchase event inside [from, to), valued by a numeric property of it. */
export interface CustomerQuery extends RangeInput {
  /** The purchase event. */
  purchase: StepInput;
  /** The purchase's property holding its value (a JSON number; otherwise the purchase counts with value 0 and is counted in `invalidAmounts`). */
  amount: string;
}

export type RfmQuery = CustomerQuery;
export type RfmSegment = 'champions' | 'loyal' | 'potential_loyalists' | 'new_customers' | 'promising' | 'need_attention' | 'about_to_sleep' | 'at_risk' | 'cannot_lose' | 'hibernating';
export interface RfmPerson {
  person: string;
  /** Days from the last purchase to `asOf`. */
  recencyDays: number;
  /** Purchases in range. */
  frequency: number;
  /** Their summed value. */
  monetary: number;
  /** Quintile scores, 5 best: most recent, most frequent, highest value. */
  r: number;
  f: number;
  m: number;
  segment: RfmSegment;
}
export interface RfmResult {
  /** The time recency is measured at: `to` when given, else the app's latest event in range (null: no events). */
  asOf: string | null;
  people: RfmPerson[];
  /** Per named segment: people, share of customers and mean R, F, M. Every segment, empty ones too, in the table's order. */
  segments: { segment: RfmSegment; people: number; share: number; meanRecencyDays: number | null; meanFrequency: number | null; meanMonetary: number | null }[];
  invalidAmounts: number;
}

/** A per-person feature: purchase RFM (needs `purchase` and `amount`), activity, or the count or share of an event among the person's events in range. */
export type SegmentFeature = 'recency' | 'frequency' | 'monetary' | 'sessions' | 'events' | { count: StepInput } | { share: StepInput };
export interface SegmentsQuery extends RangeInput {
  features: SegmentFeature[];
  /** Needed with recency, frequency or monetary: then the people are the customers; otherwise everyone with an event in range. */
  purchase?: StepInput;
  amount?: string;
  /** Clusters; or give `kRange` to choose k by silhouette. */
  k?: number;
  /** [min, max], 2 ≤ min ≤ max ≤ 20: the k of the highest mean silhouette. */
  kRange?: [number, number];
  /** ln(1 + v) before standardising (for skewed counts and amounts; features must be ≥ 0). Default false. */
  log?: boolean;
  /** Of k-means++ and of the silhouette sample. Default 0. */
  seed?: number;
  /** People the silhouette is computed on (a seeded sample; the cost is quadratic). Default 2,000. */
  silhouetteSample?: number;
  /** Return each person's label. Default true. */
  labels?: boolean;
}
export interface SegmentsResult {
  /** The features' names, in order (`count(name)`, `share(name)` for event features). */
  features: string[];
  people: number;
  k: number;
  /** In the features' original units (after `log`: its inverse, so still the original units). */
  centroids: number[][];
  sizes: number[];
  /** Σ squared distances in standardised units. */
  inertia: number;
  /** Mean silhouette per k tried (kRange), else null. */
  silhouette: { k: number; score: number }[] | null;
  labels: { person: string; label: number }[] | null;
}

export interface ClvQuery extends CustomerQuery {
  /** The models' time unit. Default `week`. */
  unit?: 'day' | 'week';
  /** Periods ahead for expected purchases and value. Default one year in the unit (52 weeks, 365 days). */
  horizon?: number;
  /** Yearly discount rate. Default 0.1. */
  discountRate?: number;
  /** Equal steps the horizon is summed in. Default 12. */
  steps?: number;
  /** Return each customer's figures. Default true. */
  people?: boolean;
}
export interface ClvPerson {
  person: string;
  /** Repeat purchases; the last one's time and the time observed since the first purchase, in the unit. */
  x: number;
  tx: number;
  T: number;
  pAlive: number;
  expectedPurchases: number;
  /** E[M]: null without a spend model. */
  expectedSpend: number | null;
  clv: number | null;
}
export interface ClvResult {
  unit: 'day' | 'week';
  asOf: string;
  customers: number;
  repeatCustomers: number;
  bgnbd: import('./clv.js').BgNbdFit;
  /** Null when fewer than two customers have repeat purchases of positive value. */
  gammaGamma: import('./clv.js').GammaGammaFit | null;
  /** Summed over customers. */
  totals: { expectedPurchases: number; clv: number | null };
  people: ClvPerson[] | null;
  invalidAmounts: number;
}

export interface QualityQuery extends RangeInput {
  /** The metric's name. */
  metric: string;
  expectedIntervalMs: number;
  /** [min, max]: values outside are invalid. */
  range?: [number, number];
  /** Timeliness is measured at this time (ms or ISO). Default: now. */
  now?: string | number;
}

export interface QualityResult {
  metric: string;
  /** One per attribute set, most points first. */
  series: ({ attributes: Record<string, string> } & import('../../analysis/quality.js').QualityScore)[];
}

export interface Analytics {
  funnel(query: FunnelQuery & { app?: string }): Promise<FunnelResult>;
  retention(query: RetentionQuery & { app?: string }): Promise<RetentionResult>;
  sessions(query: SessionsQuery & { app?: string }): Promise<SessionsResult>;
  attribution(query: AttributionQuery & { app?: string }): Promise<AttributionResult>;
  experiment(query: ExperimentQuery & { app?: string }): Promise<ExperimentResult>;
  rfm(query: RfmQuery & { app?: string }): Promise<RfmResult>;
  segments(query: SegmentsQuery & { app?: string }): Promise<SegmentsResult>;
  clv(query: ClvQuery & { app?: string }): Promise<ClvResult>;
  quality(query: QualityQuery & { app?: string }): Promise<QualityResult>;
}

/** A query argument that is missing or wrong; `parameter` is its path (`steps[2].event`). */
export class AnalyticsInputError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter} ${message}`);
    this.name = 'AnalyticsInputError';
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A value as an error message shows it (JSON, cut at 60 characters). */
export const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v)?.slice(0, 60) ?? String(v));
const DAY = 86_400_000;

function name(v: unknown, at: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new AnalyticsInputError(at, `must be a non-empty string of at most 200 characters, got ${show(v)}`);
  return v;
}

export function parseStep(v: unknown, at: string): Step {
  if (typeof v === 'string') return { event: name(v, at), where: [] };
  if (!isObject(v)) throw new AnalyticsInputError(at, `must be an event name or { event, where }, got ${show(v)}`);
  const event = name(v.event, `${at}.event`);
  if (v.where === undefined) return { event, where: [] };
  if (!isObject(v.where)) throw new AnalyticsInputError(`${at}.where`, `must be an object of property → value, got ${show(v.where)}`);
  const where = Object.entries(v.where);
  if (where.length > 20) throw new AnalyticsInputError(`${at}.where`, `may hold at most 20 properties, got ${where.length}`);
  for (const [k, value] of where) {
    if (k.length === 0 || k.length > 200) throw new AnalyticsInputError(`${at}.where`, 'property names must be 1–200 characters');
    if (typeof value !== 'string' && typeof value !== 'boolean' && !(typeof value === 'number' && Number.isFinite(value)))
      throw new AnalyticsInputError(`${at}.where.${k}`, `must be a string, a finite number or a boolean, got ${show(value)}`);
  }
  return { event, where: where as [string, PropertyValue][] };
}

function time(v: unknown, at: string, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  const ms = typeof v === 'number' ? v : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new AnalyticsInputError(at, `must be an ISO 8601 date or ms since the epoch, got ${show(v)}`);
  return ms;
}

export function parseRange(q: Record<string, unknown>): Range {
  const from = time(q.from, 'from', -8.64e15);
  const to = time(q.to, 'to', 8.64e15);
  if (!(from < to)) throw new AnalyticsInputError('to', `must be after from (${show(q.from)}), got ${show(q.to)}`);
  return { from, to };
}

function duration(v: unknown, at: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 3650 * DAY) throw new AnalyticsInputError(at, `must be a duration in ms, > 0 and at most 10 years, got ${show(v)}`);
  return v;
}

/** The query object itself, or an AnalyticsInputError naming `query`. */
export function query(v: unknown, what: string): Record<string, unknown> {
  if (!isObject(v)) throw new AnalyticsInputError('query', `must be an object (the ${what} query), got ${show(v)}`);
  return v;
}

export interface ParsedFunnel extends Range {
  steps: Step[];
  windowMs: number;
  order: FunnelOrder;
  breakdown: string | null;
}
export function parseFunnel(v: unknown): ParsedFunnel {
  const q = query(v, 'funnel');
  if (!Array.isArray(q.steps) || q.steps.length === 0 || q.steps.length > 20) throw new AnalyticsInputError('steps', `must be an array of 1–20 steps, got ${show(q.steps)}`);
  const order = q.order ?? 'ordered';
  if (order !== 'ordered' && order !== 'strict' && order !== 'any') throw new AnalyticsInputError('order', `must be 'ordered', 'strict' or 'any', got ${show(order)}`);
  const breakdown = q.breakdown === undefined || q.breakdown === null ? null : name(q.breakdown, 'breakdown');
  return { ...parseRange(q), steps: q.steps.map((s, i) => parseStep(s, `steps[${i}]`)), windowMs: duration(q.windowMs, 'windowMs'), order, breakdown };
}

export interface ParsedRetention extends Range {
  start: Step;
  returning: Step;
  period: 'day' | 'week';
  periods: number;
}
export function parseRetention(v: unknown): ParsedRetention {
  const q = query(v, 'retention');
  if (q.period !== 'day' && q.period !== 'week') throw new AnalyticsInputError('period', `must be 'day' or 'week', got ${show(q.period)}`);
  if (!Number.isInteger(q.periods) || (q.periods as number) < 1 || (q.periods as number) > 400) throw new AnalyticsInputError('periods', `must be an integer from 1 to 400, got ${show(q.periods)}`);
  return { ...parseRange(q), start: parseStep(q.start, 'start'), returning: parseStep(q.returning, 'returning'), period: q.period, periods: q.periods as number };
}

export function parseSessions(v: unknown): Range {
  return parseRange(v === undefined ? {} : query(v, 'sessions'));
}

export interface ParsedAttribution extends Range {
  conversion: Step;
  lookbackMs: number;
  models: AttributionModel[];
  halfLifeMs: number;
}
export function parseAttribution(v: unknown): ParsedAttribution {
  const q = query(v, 'attribution');
  let models = ATTRIBUTION_MODELS.slice();
  if (q.models !== undefined) {
    if (!Array.isArray(q.models) || q.models.length === 0) throw new AnalyticsInputError('models', `must be a non-empty array of ${ATTRIBUTION_MODELS.join(', ')}, got ${show(q.models)}`);
    q.models.forEach((m, i) => {
      if (!ATTRIBUTION_MODELS.includes(m as AttributionModel)) throw new AnalyticsInputError(`models[${i}]`, `must be one of ${ATTRIBUTION_MODELS.join(', ')}, got ${show(m)}`);
    });
    models = [...new Set(q.models as AttributionModel[])];
  }
  return { ...parseRange(q), conversion: parseStep(q.conversion, 'conversion'), lookbackMs: duration(q.lookbackMs, 'lookbackMs'), models, halfLifeMs: duration(q.halfLifeMs, 'halfLifeMs', 7 * DAY) };
}

export interface ParsedExperiment extends Range {
  experiment: string;
  goal: Step;
  control: string;
  confidence: number;
  windowMs: number | null;
  shares: Record<string, number> | null;
}
export function parseExperiment(v: unknown): ParsedExperiment {
  const q = query(v, 'experiment');
  const confidence = q.confidence ?? 0.95;
  if (typeof confidence !== 'number' || !(confidence > 0 && confidence < 1)) throw new AnalyticsInputError('confidence', `must be a number in (0, 1), got ${show(confidence)}`);
  let shares: Record<string, number> | null = null;
  if (q.shares !== undefined) {
    if (!isObject(q.shares) || Object.keys(q.shares).length < 2) throw new AnalyticsInputError('shares', `must map at least two variants to weights, got ${show(q.shares)}`);
    for (const [k, w] of Object.entries(q.shares)) if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w)) throw new AnalyticsInputError(`shares.${k}`, `must be a positive number, got ${show(w)}`);
    shares = q.shares as Record<string, number>;
  }
  return {
    ...parseRange(q),
    experiment: name(q.experiment, 'experiment'),
    goal: parseStep(q.goal, 'goal'),
    control: q.control === undefined ? 'control' : name(q.control, 'control'),
    confidence,
    windowMs: q.windowMs === undefined ? null : duration(q.windowMs, 'windowMs'),
    shares,
  };
}

/** The app a query reads: the key's, or with an all-apps key, `query.app`. */
export function parseApp(v: unknown, keyApp: string | null): string {
  const asked = isObject(v) ? v.app : undefined;
  if (asked !== undefined && (typeof asked !== 'string' || asked === '')) throw new AnalyticsInputError('app', `must be an app name, got ${show(asked)}`);
  if (keyApp !== null) {
    if (asked !== undefined && asked !== keyApp) throw new AnalyticsInputError('app', `is ${show(asked)} but this key reads app ${show(keyApp)} only`);
    return keyApp;
  }
  if (asked === undefined) throw new AnalyticsInputError('app', 'is required (which app to read)');
  return asked as string;
}

export const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const DAY_MS = DAY;
