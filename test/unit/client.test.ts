import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../src/client/index.js';
import { clock, isoTime } from '../../src/client/context.js';
import { DEFAULT_SANITIZE, sanitizeProperties } from '../../src/client/sanitize.js';
import { luhn, scrubText, scrubUrl } from '../../src/client/scrub.js';
import { parseTraceparent, sampledByRatio } from '../../src/client/spans.js';
import { parseCondition } from '../../src/client/alerts/alert-rule.js';
import { parseDuration } from '../../src/client/duration.js';
import { randomHex, uuidv7 } from '../../src/delivery/ids.js';
import { WASM_URL } from '../helpers/analysis.js';

const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.shutdown();
});

function client(extra: Record<string, unknown> = {}) {
  const sent: unknown[] = [];
  const fake = (async (_url: string, init: RequestInit) => {
    sent.push(init.body);
    return new Response('{}', { status: 200 });
  }) as unknown as typeof fetch;
  const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: { fetch: fake, storage: 'memory', compression: false, batch: { intervalMs: 10 } }, ...extra });
  clients.push(c);
  return { c, sent };
}

describe('property sanitizing', () => {
  it('property: any value becomes JSON that stringifies, within the limits, without prototype keys', () => {
    const limits = { ...DEFAULT_SANITIZE, maxStringLength: 50, maxDepth: 3, maxKeys: 10 };
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withObjectString: true }), (v) => {
        const report = { changed: 0 };
        const out = sanitizeProperties({ v, nested: { v } }, limits, report);
        const json = JSON.stringify(out);
        expect(typeof json).toBe('string');
        expect(json).not.toMatch(/"(__proto__|constructor|prototype)":/);
        const depth = (x: unknown): number => (x && typeof x === 'object' ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0);
        expect(depth(out)).toBeLessThanOrEqual(limits.maxDepth + 1);
        const walk = (x: unknown) => {
          if (typeof x === 'string') expect(x.length).toBeLessThanOrEqual(limits.maxStringLength + 1);
          else if (x && typeof x === 'object') Object.values(x).forEach(walk);
        };
        walk(out);
      }),
      { numRuns: 500 },
    );
  });

  it('property: flat objects of primitives (the fast path) follow the same rules as everything else', () => {
    const forbidden = new Set(['__proto__', 'constructor', 'prototype']);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype')), fc.oneof(fc.string({ maxLength: 20 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined))), { maxLength: 15 }),
        (entries) => {
          const input: Record<string, unknown> = {};
          for (const [k, v] of entries) Object.defineProperty(input, k, { value: v, enumerable: true, configurable: true, writable: true });
          const expected: Record<string, unknown> = {};
          for (const k of Object.keys(input)) {
            const v = input[k];
            if (forbidden.has(k) || v === undefined) continue;
            Object.defineProperty(expected, k, { value: typeof v === 'number' && !Number.isFinite(v) ? null : v, enumerable: true, configurable: true, writable: true });
          }
          const got = sanitizeProperties(input, DEFAULT_SANITIZE, { changed: 0 });
          expect(Object.keys(got)).toEqual(Object.keys(expected));
          for (const k of Object.keys(expected)) expect(Object.is(got[k], expected[k])).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('follows the documented rules: functions/symbols dropped, BigInt to string, Date to ISO, cycles cut', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const report = { changed: 0 };
    const out = sanitizeProperties(
      { f() {}, s: Symbol('x'), big: 10n ** 20n, d: new Date(Date.UTC(2026, 0, 2)), bad: new Date(NaN), c: cyclic, nan: NaN, ['__proto__']: { polluted: true }, long: 'x'.repeat(9000), err: new TypeError('boom') },
      DEFAULT_SANITIZE,
      report,
    );
    expect(out).toMatchObject({ big: '100000000000000000000', d: '2026-01-02T00:00:00.000Z', bad: null, c: { a: 1, self: '[Circular]' }, nan: null, err: { name: 'TypeError', message: 'boom' } });
    expect('f' in out || 's' in out).toBe(false);
    expect((out.long as string).length).toBe(8193);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(report.changed).toBeGreaterThanOrEqual(7);
  });
});

describe('scrubbing', () => {
  it('redacts secret query parameters and credentials in URLs', () => {
    expect(scrubUrl('https://u:p@x.test/a?token=abc&q=shoes&api_key=1&reset_password=2')).toBe('https://x.test/a?token=[redacted]&q=shoes&api_key=[redacted]&reset_password=[redacted]');
  });
  it('replaces e-mails, Luhn-valid card numbers and IPs in text, and leaves other numbers', () => {
    expect(luhn('4111111111111111')).toBe(true);
    expect(luhn('4111111111111112')).toBe(false);
    expect(scrubText('mail ana@example.com, card 4111 1111 1111 1111, order 4111111111111112, from 192.168.1.20 or 2001:db8::1')).toBe(
      'mail [email], card [card], order 4111111111111112, from [ip] or [ip]',
    );
  });
});

describe('ids and traces', () => {
  it('clock() follows the timeOrigin + performance.now() timeline within a millisecond, and never goes back', async () => {
    const now = clock();
    let last = now();
    for (let i = 0; i < 30; i++) {
      // Bracketed by the timeline read just before and just after, so that the process being
      // descheduled between two reads (a loaded machine) widens the bracket instead of failing.
      const before = performance.timeOrigin + performance.now();
      const t = now();
      const after = performance.timeOrigin + performance.now();
      // Date.now() has millisecond resolution, both now and when the offset was measured: within
      // 1 ms of the timeline either way (plus the wall clock's drift over a second, far below 0.05 ms).
      expect({ low: t >= before - 1.05, high: t <= after + 1.05 }).toEqual({ low: true, high: true });
      expect(t).toBeGreaterThanOrEqual(last - 1);
      last = t;
      await new Promise((r) => setTimeout(r, 40 + (i % 3) * 200));
    }
  });

  it('property: isoTime(t) equals new Date(t).toISOString()', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 4102444800000, noNaN: true }), (t) => {
        expect(isoTime(t)).toBe(new Date(t).toISOString());
      }),
      { numRuns: 2000 },
    );
    // Consecutive times within and across seconds (the cached part).
    for (let t = 1_700_000_000_990; t < 1_700_000_001_020; t += 0.7) expect(isoTime(t)).toBe(new Date(t).toISOString());
  });

  it('makes UUIDv7 ids that sort in creation order, and valid W3C ids', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(ids.slice().sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(5000);
    expect(randomHex(16)).toMatch(/^[0-9a-f]{32}$/);
  });
  it('parses traceparent (rejecting all-zero ids) and samples by trace id consistently', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', sampled: true });
    expect(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeNull();
    expect(parseTraceparent('garbage')).toBeNull();
    const ids = Array.from({ length: 20000 }, () => randomHex(16));
    const kept = ids.filter((t) => sampledByRatio(t, 0.25)).length / ids.length;
    expect(kept).toBeGreaterThan(0.23);
    expect(kept).toBeLessThan(0.27);
    expect(ids.every((t) => sampledByRatio(t, 0.25) === sampledByRatio(t, 0.25))).toBe(true);
  });
  it('parses alert conditions and durations, naming the argument when wrong', () => {
    expect(parseCondition('p99 > 500')).toMatchObject({ stat: 'p99', threshold: 500 });
    expect(parseDuration('1m', 'for', 0)).toBe(60_000);
    expect(() => parseCondition('p99 >> 5')).toThrow(/options.when must look like 'p99 > 500'/);
    expect(() => parseDuration('soon', 'options.for', 0)).toThrow(/options.for must be a duration/);
  });
});

describe('client', () => {
  it('property: arbitrary arguments to every public method never throw, and every event sent is valid', async () => {
    const { c, sent } = client();
    await c.ready;
    // The harness's own conversions must not throw (String() of { toString: '' } does).
    const str = (v: unknown) => {
      try {
        return String(v);
      } catch {
        return '?';
      }
    };
    const methods: ((v: unknown, w: unknown) => unknown)[] = [
      (v, w) => c.track(v as string, w as Record<string, unknown>),
      (v) => c.page(v as Record<string, unknown>),
      (v, w) => c.identify(v as string, w as Record<string, unknown>),
      (v) => c.register(v as Record<string, unknown>),
      (v, w) => c.counter(v as string).add(w as number, v as Record<string, unknown>),
      (v, w) => c.gauge(str(v)).set(w as number),
      (v, w) => c.histogram(str(v) + 'h').record(w as number, w as Record<string, unknown>),
      (v, w) => c.startSpan(v as string, w as object).setAttribute(str(v), w).addEvent(v as string).setStatus(v as 'ok').end(w as number),
      (v, w) => c.injectTraceHeaders(v as Record<string, string>, w as never),
      (v, w) => c.alert(v as string, w as never),
      (v, w) => c.slo(v as string, w as never),
      (v) => c.on(v as 'error', v as never),
      (v) => c.consent(v !== false),
      (v, w) => pending.push(c.forecast(v as string, w as never)),
    ];
    const pending: Promise<unknown>[] = [];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(methods.length - 1), fc.anything({ withBigInt: true, withDate: true, withMap: true }), fc.anything()), { maxLength: 30 }), (calls) => {
        for (const [m, v, w] of calls) expect(() => methods[m]!(v, w)).not.toThrow();
      }),
      { numRuns: 300 },
    );
    // forecast() resolves (null when it cannot forecast), it never rejects.
    const settled = await Promise.allSettled(pending);
    expect(settled.every((r) => r.status === 'fulfilled')).toBe(true);
    c.consent(true);
    c.track('final', { ok: 1 });
    await c.flush();
    const events = sent.flatMap((b) => JSON.parse(String(b)).events as { id: string; name: string; type: string; properties: object }[]);
    expect(events.map((e) => e.name)).toContain('final');
    for (const e of events) {
      expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof e.name).toBe('string');
      expect(e.name.length).toBeGreaterThan(0);
      expect(typeof e.properties).toBe('object');
    }
  });

  it('sends nothing before consent when requireConsent, then everything queued; consent(false) drops and counts', async () => {
    const { c, sent } = client({ requireConsent: true, storageKey: 'consent-test' });
    c.track('before');
    await new Promise((r) => setTimeout(r, 100));
    expect(sent).toHaveLength(0);
    c.consent(true);
    await c.flush();
    expect(sent.flatMap((b) => JSON.parse(String(b)).events.map((e: { name: string }) => e.name))).toContain('before');
    c.consent(false);
    c.track('after');
    await new Promise((r) => setTimeout(r, 100));
    expect((await c.deliveryStats()).paused).toBe(true);
    expect(c.diagnostics().noConsent).toBe(1);
    // Given again: 'after' is gone for good, and its drop is reported once, with the reason.
    c.consent(true);
    c.track('later');
    await c.flush();
    const batches = sent.map((b) => JSON.parse(String(b)) as { events: { name: string }[]; clientReport?: { drops: Record<string, number> } });
    const names = batches.flatMap((b) => b.events.map((e) => e.name));
    expect(names).toContain('later');
    expect(names).not.toContain('after');
    expect(batches.reduce((t, b) => t + (b.clientReport?.drops.no_consent ?? 0), 0)).toBe(1);
  });

  it('a beforeSend that throws drops the event (fail closed) and counts it as before_send_error', async () => {
    const { c, sent } = client({ beforeSend: (e: { name: string }) => {
      if (e.name === 'secret') throw new Error('filter broke');
      return e;
    } });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.message));
    c.track('secret', { card: '4111 1111 1111 1111' });
    c.track('public');
    await c.flush();
    const names = sent.flatMap((b) => JSON.parse(String(b)).events.map((e: { name: string }) => e.name));
    expect(names).toContain('public');
    expect(names).not.toContain('secret');
    const reports = sent.map((b) => JSON.parse(String(b)).clientReport?.drops?.before_send_error ?? 0);
    expect(reports.reduce((a: number, b: number) => a + b, 0)).toBe(1);
    expect(errors).toEqual(['filter broke']);
  });

  it('forget() leaves no consent or opt-out behind in memory: the client behaves like a fresh install', async () => {
    const { c, sent } = client({ requireConsent: true, storageKey: 'forget-test' });
    c.consent(true);
    c.optOut();
    const before = c.anonymousId;
    await c.forget();
    expect(c.anonymousId).not.toBe(before);
    c.track('after-forget'); // a fresh install with requireConsent: queued, not sent, until consent
    await new Promise((r) => setTimeout(r, 100));
    expect((await c.deliveryStats()).paused).toBe(true);
    c.consent(true);
    await c.flush();
    expect(sent.flatMap((b) => JSON.parse(String(b)).events.map((e: { name: string }) => e.name))).toContain('after-forget');
  });

  it('init() validates its config at once, naming the option', async () => {
    const { init } = await import('../../src/index.js');
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    try {
      (init as (c?: unknown) => unknown)();
      init({ endpoint: 'htps://collector.example.com/collect' });
      init({ endpoint: 'http//collector.example.com/collect' });
    } finally {
      console.error = original;
    }
    expect(logged).toHaveLength(3);
    expect(logged[0]).toMatch(/init\(\) needs a config object/);
    expect(logged[1]).toMatch(/endpoint must be an absolute http\(s\) URL or a path starting with '\/', got 'htps:\/\/collector.example.com\/collect'/);
    expect(logged[2]).toMatch(/endpoint must be an absolute http\(s\) URL or a path starting with '\/', got 'http\/\/collector/);
  });

  it('aggregates metrics per interval and attribute set, and exports Prometheus text', async () => {
    const { c } = client();
    await c.ready;
    const req = c.counter('http_requests', { description: 'requests served' });
    req.add(1, { route: '/a' });
    req.add(2, { route: '/a' });
    req.add(5, { route: '/b' });
    const h = c.histogram('latency_ms');
    for (let i = 1; i <= 1000; i++) h.record(i);
    const text = c.metricsText();
    expect(text).toMatch(/^http_requests_total\{route="\/a"\} 3$/m);
    expect(text).toMatch(/^http_requests_total\{route="\/b"\} 5$/m);
    expect(text).toMatch(/^latency_ms_count 1000$/m);
    const p99 = Number(/^latency_ms\{quantile="0.99"\} (.+)$/m.exec(text)![1]);
    expect(Math.abs(p99 - 990) / 990).toBeLessThanOrEqual(0.01);
  });

  it('scores a series\' data quality per export interval when asked (MetricOptions.quality), refused values included', async () => {
    let t = Date.UTC(2026, 10, 1);
    const { c, sent } = client({ clock: () => t, metrics: { exportIntervalMs: 60_000 } });
    await c.ready;
    const g = c.gauge('queue_depth', { quality: { expectedIntervalMs: 1000, range: [0, 100] } });
    // 10 s of 1 s readings with two missing, one out of range, one refused (NaN), one late duplicate.
    for (let i = 0; i < 10; i++) {
      t = Date.UTC(2026, 10, 1) + i * 1000;
      if (i === 3 || i === 4) continue;
      g.set(i === 7 ? 500 : 5 + i);
    }
    g.set(Number.NaN);
    g.set(6);
    c.gauge('plain').set(1);
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e as Error));
    const bad = c.gauge('misconfigured', { quality: { expectedIntervalMs: -5 } } as never);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/gauge\('misconfigured'\): options\.quality needs/)]);
    bad.set(3);
    await c.flush();
    const metrics = sent.flatMap((b) => JSON.parse(String(b)).events as { type: string; name: string; properties: Record<string, unknown> }[]).filter((e) => e.type === 'metric');
    const q = metrics.find((e) => e.name === 'queue_depth')!.properties.quality as Record<string, number>;
    // 10 points: 8 in order + 2 at the last time; completeness 8/10; validity 8/10; consistency 1 − 2/9.
    expect(q.completeness).toBe(0.8);
    expect(q.validity).toBe(0.8);
    expect(q.consistency).toBeCloseTo(1 - 2 / 9, 15);
    expect(q.timeliness).toBe(1);
    expect(q.score).toBeCloseTo(25 * (0.8 + 0.8 + 1 - 2 / 9 + 1), 12);
    expect(metrics.find((e) => e.name === 'plain')!.properties.quality).toBeUndefined();
    // A bad quality option: the metric is kept without a score, and the mistake reported.
    expect(metrics.find((e) => e.name === 'misconfigured')!.properties).toMatchObject({ value: 3 });
    expect(metrics.find((e) => e.name === 'misconfigured')!.properties.quality).toBeUndefined();
  });

  it('caps the metric names (metrics.maxMetrics) and counts the names and values refused', async () => {
    const { c } = client({ metrics: { maxMetrics: 5 } });
    for (let i = 0; i < 8; i++) c.counter(`name_${i}`).add(2);
    c.counter('name_7').add(1); // a refused name stays refused
    await c.ready; // the aggregation arrives (values recorded meanwhile wait for it)
    expect(c.metricsSnapshot().map((m) => m.metric).sort()).toEqual(['name_0', 'name_1', 'name_2', 'name_3', 'name_4']);
    expect(c.diagnostics()).toMatchObject({ refusedMetrics: 4, droppedMetricValues: 4 });
  });

  it('caps the series per metric and counts the overflow', async () => {
    const { c } = client({ metrics: { maxSeriesPerMetric: 3 } });
    const g = c.counter('by_user');
    for (let i = 0; i < 10; i++) g.add(1, { user: String(i) });
    await c.ready;
    const snapshot = c.metricsSnapshot().filter((m) => m.metric === 'by_user');
    expect(snapshot).toHaveLength(4);
    expect(snapshot.find((m) => m.attributes['otel.metric.overflow'] === 'true')!.value).toBe(7);
  });

  it('tracks an SLO: SLI, error budget and burn rate (values recorded while its code loads count too)', async () => {
    const { c } = client();
    const status = c.slo('fast', { metric: 'lat', objective: 0.99, window: '30d', good: (v) => v < 300 });
    const h = c.histogram('lat');
    for (let i = 0; i < 1000; i++) h.record(i % 100 === 0 ? 900 : 100);
    await c.ready;
    const s = status();
    expect(s.total).toBe(1000);
    expect(s.sli).toBeCloseTo(0.99, 10);
    expect(s.errorBudgetRemaining).toBeCloseTo(0, 10);
    expect(s.burnRate).toBeCloseTo(1, 10);
  });

  it('forecast(metric) fits autoArima on the recorded values and returns intervals; without data it resolves null and reports', async () => {
    const { c } = client();
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    const h = c.histogram('queue.depth');
    // AR(1) around 50 with φ = 0.8: the forecast decays towards the mean.
    let v = 0;
    let seed = 3;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 400; i++) {
      v = 0.8 * v + (rand() - 0.5) * 4;
      h.record(50 + v);
    }
    const f = await c.forecast('queue.depth', { horizon: 30, level: [90] });
    expect(f).not.toBeNull();
    expect(f!.observations).toBe(400);
    expect(f!.mean).toHaveLength(30);
    expect(f!.level).toEqual([90]);
    expect(Math.abs(f!.mean[29]! - 50)).toBeLessThan(1.5);
    f!.mean.forEach((m, i) => {
      expect(f!.lower[0]![i]!).toBeLessThan(m);
      expect(f!.upper[0]![i]!).toBeGreaterThan(m);
    });
    expect(await c.forecast('never.recorded')).toBeNull();
    expect(errors.some((e) => /at least 20/.test(e.message))).toBe(true);
  });
});
