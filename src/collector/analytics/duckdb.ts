// The analytics queries in DuckDB SQL, over the events table (duckdb.ts's schema): the same
// definitions as the in-memory engine (engine.ts, docs/analytics.md), computed where the data is.
// Orders are (time in ms, id) throughout, as in the engine. Funnels chain steps with ASOF joins
// (each step's earliest match after the previous one), so a funnel costs a few sorts of the steps'
// events, not a join per pair of them.
import { DDSketch } from './ddsketch.js';
import { clv, parseClv, parseRfm, parseSegments, rfm, segments, type PersonRow, type PersonRows } from './customers.js';
import { experimentResult, periodStart, SESSION_SKETCH_ALPHA, sessionRow, sortCredits, type RowSpec } from './engine.js';
import { threadedKMeans } from './kmeans-threads.js';
import { metricPoint, parseQuality, seriesQuality } from './series-quality.js';
import {
  DAY_MS, dayString, parseApp, parseAttribution, parseExperiment, parseFunnel, parseRetention, parseSessions,
  type Analytics, type AttributionModel, type FunnelResult, type FunnelStepResult, type ParsedFunnel, type Step,
} from './query.js';

export type Query = (sql: string, params: (string | number | boolean | null)[]) => Promise<Record<string, unknown>[]>;

/** Collects parameters, handing out `$n` placeholders. */
class Params {
  readonly values: (string | number | boolean | null)[] = [];
  add(v: string | number | boolean | null): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** A JSON pointer to a top-level property (RFC 6901 escapes). */
const pointer = (key: string) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** SQL true when the row's properties match a step (name, then each filter by JSON type and value). */
function stepSql(p: Params, step: Step): string {
  const parts = [`name = ${p.add(step.event)}`];
  for (const [k, v] of step.where) {
    const at = p.add(pointer(k));
    if (typeof v === 'string') parts.push(`(json_type(properties, ${at}) = 'VARCHAR' AND json_extract_string(properties, ${at}) = ${p.add(v)})`);
    else if (typeof v === 'boolean') parts.push(`(json_type(properties, ${at}) = 'BOOLEAN' AND json_extract_string(properties, ${at}) = ${p.add(String(v))})`);
    else parts.push(`(json_type(properties, ${at}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') AND TRY_CAST(json_extract_string(properties, ${at}) AS DOUBLE) = ${p.add(v)})`);
  }
  return `(${parts.join(' AND ')})`;
}

/**
 * `alias` (anonymousId → the userId it was first seen with) and `ev` (the app's track, page and
 * identify events with their person and time in ms), as in engine.ts's byPerson().
 */
function base(p: Params, app: string): string {
  const a = p.add(app);
  return `alias AS (
    SELECT anonymous_id AS anon, arg_min(user_id, (epoch_ms(ts), id)) AS uid FROM events
    WHERE app = ${a} AND type IN ('track', 'page', 'identify') AND user_id IS NOT NULL AND anonymous_id IS NOT NULL GROUP BY 1),
  ev AS (
    SELECT coalesce(e.user_id, a.uid, e.anonymous_id) AS person, epoch_ms(e.ts) AS t, e.id, e.type, e.name, e.properties, e.session_id, e.context
    FROM events e LEFT JOIN alias a ON a.anon = e.anonymous_id
    WHERE e.app = ${a} AND e.type IN ('track', 'page', 'identify') AND coalesce(e.user_id, a.uid, e.anonymous_id) IS NOT NULL)`;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * Per person, the deepest entry — the earliest (time, then id or position) among equals — from
 * the chain c{n−1} (columns p0…, t0…): an aggregate, not a sort.
 */
function pick(n: number): string {
  const depth = ['1', ...Array.from({ length: n - 1 }, (_, k) => `(p${k + 1} IS NOT NULL)::INT`)].join(' + ');
  const cols = ['depth', ...Array.from({ length: n }, (_, k) => `t${k}`)];
  return `scored AS (SELECT *, ${depth} AS depth FROM c${n - 1}),
      picked AS (SELECT person, arg_min(struct_pack(${cols.map((c) => `${c} := ${c}`).join(', ')}), (-depth, t0, p0)) AS b FROM scored GROUP BY person),
      best AS (SELECT person, ${cols.map((c) => `b.${c} AS ${c}`).join(', ')} FROM picked)`;
}

function funnelSql(p: Params, app: string, q: ParsedFunnel): string {
  const n = q.steps.length;
  const from = p.add(q.from);
  const to = p.add(q.to);
  // Added on first use: DuckDB refuses parameters a statement does not use (one-step funnels have no window).
  let windowParam: string | null = null;
  const w = () => (windowParam ??= p.add(q.windowMs));
  const flags = q.steps.map((s, k) => `${stepSql(p, s)}${k === 0 ? ` AND t >= ${from} AND t < ${to}` : ''} AS s${k}`).join(', ');
  const any = q.steps.map((_, k) => `s${k}`).join(' OR ');
  const bd = q.breakdown === null ? 'NULL' : `json_extract_string(properties, ${p.add(pointer(q.breakdown))})`;
  // Step events (strict: every event, for "the very next one").
  const steps = `steps AS (SELECT * FROM (SELECT person, t, id, ${bd} AS bd, ${flags} FROM ev) WHERE ${q.order === 'strict' ? 'true' : any})`;
  const entry = `entry AS (SELECT person, first(bd ORDER BY t, id) AS bd FROM steps WHERE s0 GROUP BY person)`;
  let reached: string;
  let times: string[];
  if (q.order === 'any') {
    const lasts = q.steps.map((_, k) => `max(CASE WHEN s${k} THEN t END) OVER w AS l${k}`).join(', ');
    const spans = q.steps
      .map((_, k) => {
        if (k === 0) return 'min(CASE WHEN l0 IS NOT NULL THEN 0 END) AS sp0';
        const ls = Array.from({ length: k + 1 }, (_, j) => `l${j}`);
        return `min(CASE WHEN ${ls.map((l) => `${l} IS NOT NULL`).join(' AND ')} THEN greatest(${ls.join(', ')}) - least(${ls.join(', ')}) END) AS sp${k}`;
      })
      .join(', ');
    const depth = ['1', ...q.steps.slice(1).map((_, k) => `coalesce(sp${k + 1} <= ${w()}, false)::INT`)].join(' + ');
    reached = `lasts AS (SELECT person, ${lasts} FROM steps WINDOW w AS (PARTITION BY person ORDER BY t, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),
      spans AS (SELECT person, ${spans} FROM lasts GROUP BY person),
      best AS (SELECT *, ${depth} AS depth FROM spans WHERE sp0 IS NOT NULL)`;
    times = q.steps.slice(1).map((_, k) => `sp${k + 1}`);
  } else if (q.order === 'strict') {
    // Strict: each step the very next event — an equi-join on the position within the person.
    const ranked = `ranked AS (SELECT *, row_number() OVER (PARTITION BY person ORDER BY t, id) AS pos FROM steps)`;
    const chain = [`c0 AS (SELECT person, pos AS p0, t AS t0 FROM ranked WHERE s0)`];
    for (let k = 1; k < n; k++) {
      const within = `r.t <= c.t0 + ${w()}`;
      chain.push(
        `c${k} AS (SELECT c.*, CASE WHEN ${within} THEN r.pos END AS p${k}, CASE WHEN ${within} THEN r.t END AS t${k} FROM c${k - 1} c LEFT JOIN (SELECT person, pos, t FROM ranked WHERE s${k}) r ON c.person = r.person AND r.pos = c.p${k - 1} + 1)`,
      );
    }
    reached = `${ranked}, ${chain.join(', ')}, ${pick(n)}`;
    times = q.steps.slice(1).map((_, k) => `t${k + 1} - t${k}`);
  } else {
    // Ordered: from each entry, each step's earliest event after the previous match — an ASOF join
    // on the (time, id) order itself, so no sort numbers the events first.
    const key = (t: string, id: string) => `struct_pack(t := ${t}, id := ${id})`;
    const chain = [`c0 AS (SELECT person, id AS p0, t AS t0 FROM steps WHERE s0)`];
    for (let k = 1; k < n; k++) {
      const within = `c.p${k - 1} IS NOT NULL AND r.t <= c.t0 + ${w()}`;
      chain.push(
        `c${k} AS (SELECT c.*, CASE WHEN ${within} THEN r.id END AS p${k}, CASE WHEN ${within} THEN r.t END AS t${k} FROM c${k - 1} c
          ASOF LEFT JOIN (SELECT person, t, id FROM steps WHERE s${k}) r ON c.person = r.person AND ${key('r.t', 'r.id')} > ${key(`c.t${k - 1}`, `c.p${k - 1}`)})`,
      );
    }
    reached = `${chain.join(', ')}, ${pick(n)}`;
    times = q.steps.slice(1).map((_, k) => `t${k + 1} - t${k}`);
  }
  const counts = q.steps.map((_, k) => `count(*) FILTER (WHERE depth >= ${k + 1}) AS n${k}`).join(', ');
  const quantiles = times.map((x, k) => `quantile_cont(${x}, [0.5, 0.9]) FILTER (WHERE depth >= ${k + 2}) AS q${k + 1}`).join(', ');
  return `WITH ${base(p, app)}, ${steps}, ${entry}, ${reached}
    SELECT grouping(entry.bd) AS total, entry.bd AS bd, ${counts}${quantiles ? `, ${quantiles}` : ''}
    FROM best JOIN entry USING (person) GROUP BY GROUPING SETS ((), (entry.bd))`;
}

function funnelSteps(q: ParsedFunnel, row: Record<string, unknown>): FunnelStepResult[] {
  return q.steps.map((s, k) => {
    const people = num(row[`n${k}`]);
    const prev = k === 0 ? null : num(row[`n${k - 1}`]);
    const first = num(row.n0);
    const qs = (k === 0 ? null : (row[`q${k}`] as (number | null)[] | null)) ?? null;
    return {
      event: s.event,
      people,
      fromPrevious: prev === null || prev === 0 ? null : people / prev,
      fromFirst: k === 0 || first === 0 ? null : people / first,
      medianMs: numOrNull(qs?.[0]),
      p90Ms: numOrNull(qs?.[1]),
    };
  });
}

/** Per person with an interaction event in range: the rows customers.ts works on (engine.ts's personRows, in SQL). */
async function personRows(run: (sql: string, p: Params) => Promise<Record<string, unknown>[]>, app: string, s: RowSpec): Promise<PersonRows> {
  const p = new Params();
  const counts = s.steps.map((step, k) => `, count(*) FILTER (WHERE ${stepSql(p, step)}) AS c${k}`).join('');
  let purchases = '';
  let joined = ', 0 AS purchases, NULL AS first, NULL AS last, 0 AS total, 0 AS first_amount, 0 AS invalid';
  if (s.purchase) {
    const at = p.add(pointer(s.amount!));
    purchases = `, pur AS (SELECT person, t, id, CASE WHEN json_type(properties, ${at}) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN TRY_CAST(json_extract_string(properties, ${at}) AS DOUBLE) END AS amount FROM r WHERE ${stepSql(p, s.purchase)}),
      buy AS (SELECT person, count(*) AS purchases, min(t) AS first, max(t) AS last, sum(coalesce(amount, 0)) AS total,
        arg_min(coalesce(amount, 0), (t, id)) AS first_amount, count(*) FILTER (WHERE amount IS NULL) AS invalid FROM pur GROUP BY person)`;
    joined = ', coalesce(buy.purchases, 0) AS purchases, buy.first, buy.last, coalesce(buy.total, 0) AS total, coalesce(buy.first_amount, 0) AS first_amount, coalesce(buy.invalid, 0) AS invalid';
  }
  const sql = `WITH ${base(p, app)}, r AS (SELECT * FROM ev WHERE t >= ${p.add(s.from)} AND t < ${p.add(s.to)}),
    act AS (SELECT person, count(*) AS events, count(DISTINCT session_id) AS sessions, max(t) AS latest${counts} FROM r GROUP BY person)${purchases}
    SELECT act.*${joined} FROM act${s.purchase ? ' LEFT JOIN buy USING (person)' : ''}`;
  let latest = -Infinity;
  let invalidAmounts = 0;
  const rows: PersonRow[] = (await run(sql, p)).map((r) => {
    latest = Math.max(latest, num(r.latest));
    invalidAmounts += num(r.invalid);
    return {
      person: String(r.person), purchases: num(r.purchases), first: r.first === null ? NaN : num(r.first), last: r.last === null ? NaN : num(r.last),
      total: num(r.total), firstAmount: num(r.first_amount), events: num(r.events), sessions: num(r.sessions), counts: s.steps.map((_, k) => num(r[`c${k}`])),
    };
  });
  rows.sort((a, b) => (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
  return { rows, asOf: s.toGiven ? s.to : latest === -Infinity ? null : latest, invalidAmounts };
}

/** The queries in SQL over an events table, through `query` (the DuckDB store's). */
export function duckdbAnalytics(query: Query): Analytics {
  const run = async (sql: string, p: Params) => query(sql, p.values);
  return {
    async rfm(input) {
      const app = parseApp(input, null);
      const q = parseRfm(input);
      return rfm(await personRows(run, app, { ...q, steps: [] }));
    },
    async clv(input) {
      const app = parseApp(input, null);
      const q = parseClv(input);
      return clv(await personRows(run, app, { ...q, steps: [] }), q);
    },
    async segments(input) {
      const app = parseApp(input, null);
      const q = parseSegments(input);
      return segments(await personRows(run, app, q), q, threadedKMeans);
    },
    async quality(input) {
      const app = parseApp(input, null);
      const q = parseQuality(input);
      const p = new Params();
      const rows = await run(`SELECT epoch_ms(ts) AS t, epoch_ms(received_at) AS received, properties::VARCHAR AS properties FROM events
        WHERE app = ${p.add(app)} AND type = 'metric' AND name = ${p.add(q.metric)} AND epoch_ms(ts) >= ${p.add(q.from)} AND epoch_ms(ts) < ${p.add(q.to)}`, p);
      return seriesQuality(rows.map((r) => metricPoint({ timestamp: new Date(num(r.t)).toISOString(), receivedAt: new Date(num(r.received)).toISOString(), properties: JSON.parse(String(r.properties)) as Record<string, unknown> })), q);
    },
    async funnel(input) {
      const app = parseApp(input, null);
      const q = parseFunnel(input);
      const p = new Params();
      const rows = await run(funnelSql(p, app, q), p);
      const total = rows.find((r) => num(r.total) === 1);
      const empty = Object.fromEntries(q.steps.map((_, k) => [`n${k}`, 0]));
      const result: FunnelResult = { order: q.order, windowMs: q.windowMs, steps: funnelSteps(q, total ?? empty), breakdown: null };
      if (q.breakdown !== null) {
        result.breakdown = rows
          .filter((r) => num(r.total) === 0)
          .map((r) => ({ value: (r.bd as string | null) ?? null, steps: funnelSteps(q, r) }))
          .sort((a, b) => b.steps[0]!.people - a.steps[0]!.people || (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1));
      }
      return result;
    },

    async retention(input) {
      const app = parseApp(input, null);
      const q = parseRetention(input);
      const p = new Params();
      const day = (t: string) => `floor(${t} / ${DAY_MS}.0)::BIGINT`;
      const bucket = (t: string) => (q.period === 'day' ? day(t) : `floor((${day(t)} + 3) / 7.0)::BIGINT`);
      const sql = `WITH ${base(p, app)},
        firsts AS (SELECT person, min(t) AS first FROM ev WHERE ${stepSql(p, q.start)} GROUP BY person),
        cohort AS (SELECT person, ${bucket('first')} AS c FROM firsts WHERE first >= ${p.add(q.from)} AND first < ${p.add(q.to)}),
        back AS (SELECT DISTINCT person, ${bucket('t')} AS b FROM ev WHERE ${stepSql(p, q.returning)})
        SELECT c, 0 AS i, count(*) AS n FROM cohort GROUP BY c
        UNION ALL
        SELECT cohort.c, back.b - cohort.c AS i, count(*) AS n FROM cohort JOIN back USING (person)
        WHERE back.b - cohort.c BETWEEN 1 AND ${p.add(q.periods - 1)} GROUP BY 1, 2`;
      const cohorts = new Map<number, number[]>();
      for (const r of await run(sql, p)) {
        const c = num(r.c);
        let counts = cohorts.get(c);
        if (!counts) cohorts.set(c, (counts = new Array(q.periods).fill(0)));
        counts[num(r.i)] = num(r.n);
      }
      return {
        period: q.period,
        cohorts: [...cohorts.keys()].sort((a, b) => a - b).map((c) => {
          const counts = cohorts.get(c)!;
          return { start: periodStart(c, q.period), size: counts[0]!, counts, rates: counts.map((x) => x / counts[0]!) };
        }),
      };
    },

    async sessions(input) {
      const app = parseApp(input, null);
      const q = parseSessions(input);
      const p = new Params();
      const lnGamma = Math.log((1 + SESSION_SKETCH_ALPHA) / (1 - SESSION_SKETCH_ALPHA));
      const sql = `WITH s AS (
          SELECT app, min(epoch_ms(ts)) AS first, max(epoch_ms(ts)) - min(epoch_ms(ts)) AS d, count(*) AS n, count(*) FILTER (WHERE type = 'page') AS pages
          FROM events WHERE app = ${p.add(app)} AND type IN ('track', 'page') AND session_id IS NOT NULL GROUP BY app, session_id),
        k AS (SELECT app, floor(first / ${DAY_MS}.0)::BIGINT AS day, d, n, pages,
          CASE WHEN d > 1e-9 THEN ceil(ln(d) / ${p.add(lnGamma)})::BIGINT END AS key FROM s WHERE first >= ${p.add(q.from)} AND first < ${p.add(q.to)})
        SELECT app, day, key, count(*) AS sessions, sum((n = 1)::INT) AS bounces, sum(n) AS events, sum(pages) AS pages, sum(d) AS duration
        FROM k GROUP BY app, day, key`;
      const groups = new Map<string, { app: string; day: string; n: number; bounces: number; events: number; pages: number; duration: number; sketch: DDSketch }>();
      for (const r of await run(sql, p)) {
        const key = `${r.app}\u0000${r.day}`;
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { app: String(r.app), day: dayString(num(r.day) * DAY_MS), n: 0, bounces: 0, events: 0, pages: 0, duration: 0, sketch: new DDSketch(SESSION_SKETCH_ALPHA) }));
        g.n += num(r.sessions);
        g.bounces += num(r.bounces);
        g.events += num(r.events);
        g.pages += num(r.pages);
        g.duration += num(r.duration);
        g.sketch.addBucket(numOrNull(r.key), num(r.sessions));
      }
      return { rows: [...groups.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0)).map(sessionRow) };
    },

    async attribution(input) {
      const app = parseApp(input, null);
      const q = parseAttribution(input);
      const p = new Params();
      // Channels are read once per candidate row (with a context, or a channel-like property) and
      // materialized: the JSON and regex work is the query's main cost.
      const str = (key: string) => `CASE WHEN contains(properties::VARCHAR, '"${key}"') AND json_type(properties, '/${key}') = 'VARCHAR' THEN nullif(json_extract_string(properties, '/${key}'), '') END`;
      const HOST = `'^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#:]+)'`;
      const channels = `raw AS (SELECT person, t, id, session_id, properties, json_extract_string(context, ['/page/url', '/page/referrer']) AS page FROM ev
          WHERE context IS NOT NULL OR contains(properties::VARCHAR, '"channel"') OR contains(properties::VARCHAR, '"utm_source"')),
        split AS (SELECT person, t, id, session_id, properties, coalesce(page[1], '') AS url, coalesce(page[2], '') AS ref FROM raw),
        parts AS (SELECT person, t, id, session_id, ${str('channel')} AS c1, ${str('utm_source')} AS c2,
            CASE WHEN contains(url, 'utm_source=') THEN regexp_extract(url, '[?&]utm_source=([^&#]*)', 1) END AS u,
            CASE WHEN ref <> '' THEN regexp_extract(ref, ${HOST}, 1) END AS rh, CASE WHEN ref <> '' THEN regexp_extract(url, ${HOST}, 1) END AS uh FROM split),
        ch AS MATERIALIZED (SELECT person, t, id, coalesce(session_id, 'event:' || id) AS sess,
            coalesce(c1, c2, CASE WHEN u <> '' THEN url_decode(replace(u, '+', ' ')) END, CASE WHEN rh <> '' AND rh <> uh THEN rh END) AS channel FROM parts)`;
      const lookback = p.add(q.lookbackMs);
      const half = p.add(q.halfLifeMs);
      // Per conversion, aggregates and joins rather than window sorts: the touches' count, the
      // first and last (by time, then id), and the newest age (time decay's weights are relative to it).
      const sql = `WITH ${base(p, app)},
        ${channels},
        touches AS (SELECT person, min(struct_pack(t := t, id := id, channel := channel)) AS k FROM ch WHERE channel IS NOT NULL GROUP BY person, sess),
        conv AS (SELECT person, t, id FROM ev WHERE ${stepSql(p, q.conversion)} AND t >= ${p.add(q.from)} AND t < ${p.add(q.to)}),
        pairs AS MATERIALIZED (SELECT c.id AS cid, c.t - tc.k.t AS age, tc.k.channel AS channel, struct_pack(t := tc.k.t, id := tc.k.id) AS touch_at
          FROM conv c JOIN touches tc ON tc.person = c.person AND (tc.k.t < c.t OR (tc.k.t = c.t AND tc.k.id <= c.id)) AND tc.k.t >= c.t - ${lookback}),
        stats AS (SELECT cid, count(*) AS n, min(touch_at) AS first_at, max(touch_at) AS last_at, min(age) AS newest FROM pairs GROUP BY cid),
        weighted AS MATERIALIZED (SELECT pairs.*, n, touch_at = first_at AS is_first, touch_at = last_at AS is_last, pow(2, -(age - newest) / ${half}) AS decay FROM pairs JOIN stats USING (cid)),
        decays AS (SELECT cid, sum(decay) AS total FROM weighted GROUP BY cid),
        credited AS (SELECT channel, is_first::INT AS first, is_last::INT AS last, 1.0 / n AS linear, decay / total AS time_decay,
            CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5 WHEN is_first OR is_last THEN 0.4 ELSE 0.2 / (n - 2) END AS position FROM weighted JOIN decays USING (cid))
        SELECT channel, sum(first) AS first, sum(last) AS last, sum(linear) AS linear, sum(time_decay) AS time_decay, sum(position) AS position, NULL AS conversions FROM credited GROUP BY channel
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM conv) - (SELECT count(*) FROM stats)`;
      const rows = await run(sql, p);
      const direct = num(rows.find((r) => r.channel === null)?.conversions);
      const totals = new Map<AttributionModel, Map<string, number>>(q.models.map((m) => [m, new Map()]));
      let conversions = direct;
      for (const r of rows) {
        if (r.channel === null) continue;
        conversions += num(r.first);
        for (const m of q.models) totals.get(m)!.set(String(r.channel), num(r[m]));
      }
      for (const m of q.models) {
        const t = totals.get(m)!;
        for (const [k, v] of t) if (v === 0) t.delete(k);
        if (direct > 0) t.set('direct', (t.get('direct') ?? 0) + direct);
      }
      return { conversions, models: Object.fromEntries([...totals].map(([m, t]) => [m, sortCredits(t)])) };
    },

    async experiment(input) {
      const app = parseApp(input, null);
      const q = parseExperiment(input);
      const p = new Params();
      const window = q.windowMs === null ? '' : `AND g.t <= f.t + ${p.add(q.windowMs)}`;
      const sql = `WITH ${base(p, app)},
        exp AS (SELECT person, t, id, json_extract_string(properties, '/variant') AS v FROM ev
          WHERE name = '$experiment' AND json_type(properties, '/experiment') = 'VARCHAR' AND json_extract_string(properties, '/experiment') = ${p.add(q.experiment)}
            AND json_type(properties, '/variant') = 'VARCHAR' AND t >= ${p.add(q.from)} AND t < ${p.add(q.to)}),
        firsts AS (SELECT person, count(DISTINCT v) AS nv, first(v ORDER BY t, id) AS v, first(t ORDER BY t, id) AS t, first(id ORDER BY t, id) AS id FROM exp GROUP BY person),
        goals AS (SELECT person, t, id FROM ev WHERE ${stepSql(p, q.goal)}),
        converted AS (SELECT DISTINCT f.person FROM firsts f JOIN goals g ON g.person = f.person AND (g.t > f.t OR (g.t = f.t AND g.id > f.id)) ${window})
        SELECT CASE WHEN nv = 1 THEN v END AS v, count(*) AS exposures, count(converted.person) AS conversions
        FROM firsts LEFT JOIN converted USING (person) GROUP BY 1`;
      const counts = new Map<string, { exposures: number; conversions: number }>();
      let excluded = 0;
      for (const r of await run(sql, p)) {
        if (r.v === null) excluded = num(r.exposures);
        else counts.set(String(r.v), { exposures: num(r.exposures), conversions: num(r.conversions) });
      }
      return experimentResult(q, counts, excluded);
    },
  };
}
