// /analytics/*: the queries over HTTP with secret keys, 400 naming the parameter on bad input,
// and the live windows as Server-Sent Events.
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/analysis/index.js';
import { createCollector, memoryStore } from '../../src/collector.js';
import { WASM_URL } from '../helpers/analysis.js';

// Segments run our k-means kernel (from src/, the kernels are not beside the module).
beforeAll(() => ready({ wasm: WASM_URL, worker: false }));

const T0 = Date.UTC(2026, 10, 2, 12);
const event = (id: string, name: string, minute: number, anon: string, properties: Record<string, unknown> = {}) => ({
  id, type: 'track', name, timestamp: new Date(T0 + minute * 60_000).toISOString(), anonymousId: anon, sessionId: `s-${anon}`, properties,
});
const EVENTS = [
  event('e1', 'view', 0, 'a1'), event('e2', 'cart', 1, 'a1'), event('e3', 'buy', 2, 'a1', { amount: 10 }),
  event('e4', 'view', 0, 'a2'), event('e5', 'cart', 5, 'a2'),
  event('e6', 'view', 3, 'a3'),
  event('e7', '$experiment', 0, 'a1', { experiment: 'x', variant: 'control' }), event('e8', '$experiment', 0, 'a2', { experiment: 'x', variant: 'b' }),
];

function setup(overrides: Record<string, unknown> = {}) {
  let clock = T0 + 3_600_000;
  const store = memoryStore();
  const collect = createCollector({ store, apiKeys: { pk_shop: 'shop', pk_blog: 'blog' }, analyticsKeys: { sk_shop: 'shop', sk_admin: '*' }, now: () => clock, ...overrides });
  const post = (path: string, body: unknown, key?: string) =>
    collect(new Request(`http://collector${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) }));
  return { store, collect, post, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('/analytics/* over HTTP', () => {
  it('answers each query as the store’s JS API does, for the key’s app', async () => {
    const { store, post } = setup();
    expect((await post('/collect', { batchId: 'b1', events: EVENTS }, 'pk_shop')).status).toBe(200);
    const queries = {
      funnel: { steps: ['view', 'cart', 'buy'], windowMs: 3_600_000 },
      retention: { start: 'view', returning: 'buy', period: 'day', periods: 3 },
      sessions: {},
      attribution: { conversion: 'buy', lookbackMs: 86_400_000 },
      experiment: { experiment: 'x', goal: 'buy' },
      rfm: { purchase: 'buy', amount: 'amount' },
      segments: { features: ['events', 'sessions', { count: 'view' }], k: 2 },
      quality: { metric: 'load', expectedIntervalMs: 60_000, now: T0 + 600_000 },
    };
    for (const [kind, q] of Object.entries(queries)) {
      const res = await post(`/analytics/${kind}`, q, 'sk_shop');
      expect({ kind, status: res.status }).toEqual({ kind, status: 200 });
      expect(await res.json()).toEqual(JSON.parse(JSON.stringify(await (store.analytics as never as Record<string, (q: unknown) => Promise<unknown>>)[kind]!({ ...q, app: 'shop' }))));
    }
    const funnel = (await (await post('/analytics/funnel', queries.funnel, 'sk_shop')).json()) as { steps: { people: number }[] };
    expect(funnel.steps.map((s) => s.people)).toEqual([3, 2, 1]);
    const rfm = (await (await post('/analytics/rfm', queries.rfm, 'sk_shop')).json()) as { people: { person: string; monetary: number }[] };
    expect(rfm.people).toMatchObject([{ person: 'a1', monetary: 10 }]);
  });

  it('answers /analytics/clv as the JS API does', async () => {
    const { store, post } = setup();
    // Three customers, two buying again.
    const orders = [['a', 0, 10], ['a', 3000, 12], ['b', 100, 5], ['b', 200, 7], ['b', 9000, 6], ['c', 500, 20]] as const;
    const events = orders.map(([who, minute, amount], i) => event(`o${i}`, 'order', minute, who, { amount }));
    expect((await post('/collect', { batchId: 'b1', events }, 'pk_shop')).status).toBe(200);
    const q = { purchase: 'order', amount: 'amount', unit: 'day', horizon: 30, to: new Date(T0 + 20_000 * 60_000).toISOString() };
    const res = await post('/analytics/clv', q, 'sk_shop');
    expect(res.status).toBe(200);
    const got = (await res.json()) as { customers: number; people: { person: string; x: number }[] };
    expect(got).toEqual(JSON.parse(JSON.stringify(await store.analytics.clv({ ...q, app: 'shop' } as never))));
    expect(got.people.map((p) => [p.person, p.x])).toEqual([['a', 1], ['b', 2], ['c', 0]]);
  });

  it('reads only with an analytics key: not the public ingest key, not another app', async () => {
    const { post } = setup();
    const q = { steps: ['view'], windowMs: 1000 };
    expect((await post('/analytics/funnel', q)).status).toBe(401);
    expect((await post('/analytics/funnel', q, 'pk_shop')).status).toBe(401);
    expect((await post('/analytics/funnel', { ...q, app: 'blog' }, 'sk_shop')).status).toBe(403);
    expect((await post('/analytics/funnel', { ...q, app: 'blog' }, 'sk_admin')).status).toBe(200);
    const noApp = await post('/analytics/funnel', q, 'sk_admin');
    expect(noApp.status).toBe(400);
    expect(await noApp.json()).toMatchObject({ parameter: 'app' });
    const { post: closed } = setup({ analyticsKeys: undefined });
    expect((await closed('/analytics/funnel', q, 'pk_shop')).status).toBe(403);
  });

  it.each([
    ['funnel', '{"steps": [', 'body'],
    ['funnel', [1, 2], 'body'],
    ['funnel', { steps: 'view', windowMs: 1000 }, 'steps'],
    ['funnel', { steps: ['view', { event: 'cart', where: { price: { gt: 5 } } }], windowMs: 1000 }, 'steps[1].where.price'],
    ['funnel', { steps: ['view'], windowMs: '1h' }, 'windowMs'],
    ['funnel', { steps: ['view'], windowMs: 1000, breakdown: 7 }, 'breakdown'],
    ['retention', { start: 'view', returning: 'buy', period: 'day', periods: 1e6 }, 'periods'],
    ['sessions', { from: 'last tuesday' }, 'from'],
    ['attribution', { conversion: 'buy', lookbackMs: 1000, halfLifeMs: 0 }, 'halfLifeMs'],
    ['experiment', { experiment: 'x', goal: 'buy', control: '' }, 'control'],
    ['rfm', { purchase: 'buy', amount: '' }, 'amount'],
    ['segments', { features: ['events'], kRange: [3, 2] }, 'kRange[1]'],
    ['clv', { purchase: 'buy', amount: 'amount', discountRate: -1 }, 'discountRate'],
    ['clv', { purchase: 'buy', amount: 'amount' }, 'purchase'],
    ['quality', { metric: 'load', expectedIntervalMs: 1000, range: [1] }, 'range'],
  ])('%s with %j → 400 naming %s', async (kind, body, parameter) => {
    const { post } = setup();
    const res = await post(`/analytics/${kind}`, body, 'sk_shop');
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { error: string; parameter: string };
    expect(answer.parameter).toBe(parameter);
    expect(answer.error).toContain(parameter);
  });

  it('streams live windows as Server-Sent Events, for the key’s app only', async () => {
    const { collect, post, advance, now } = setup({ live: { windows: { '10s': { kind: 'tumbling', sizeMs: 10_000 } } } });
    const res = await collect(new Request('http://collector/analytics/live', { headers: { authorization: 'Bearer sk_shop' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.getReader();
    await post('/collect', { batchId: 'b1', events: EVENTS.slice(0, 3) }, 'pk_shop');
    await post('/collect', { batchId: 'b1', events: EVENTS.slice(0, 3) }, 'pk_shop'); // a retry: counted once
    await post('/collect', { batchId: 'b2', events: [event('x1', 'view', 0, 'z')] }, 'pk_blog');
    advance(20_000);
    collect.live!.tick(now());
    let text = '';
    while (!text.includes('event: window')) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!) as { app: string; events: number; people: number };
    expect(data).toMatchObject({ app: 'shop', events: 3, people: 1 });
    await reader.cancel();
    // A browser's EventSource cannot send headers: ?key= works for the stream, an ingest key does not.
    expect((await collect(new Request('http://collector/analytics/live?key=pk_shop'))).status).toBe(401);
    const byQuery = await collect(new Request('http://collector/analytics/live?key=sk_shop'));
    expect(byQuery.status).toBe(200);
    await byQuery.body!.cancel();
    await collect.close();
  });

  it('keeps live windows only while someone listens: events before the first listener are not counted', async () => {
    const { collect, post, advance, now } = setup({ live: { windows: { w: { kind: 'tumbling', sizeMs: 10_000 } } } });
    await post('/collect', { batchId: 'b0', events: [event('q1', 'view', 0, 'early')] }, 'pk_shop');
    const seen: { events: number }[] = [];
    const stop = collect.live!.subscribe((w) => seen.push(w));
    await post('/collect', { batchId: 'b1', events: [event('q2', 'view', 0, 'late'), event('q3', 'view', 1, 'late')] }, 'pk_shop');
    advance(20_000);
    collect.live!.tick(now());
    expect(seen.map((w) => w.events)).toEqual([2]);
    stop();
  });
});
