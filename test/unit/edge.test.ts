// Edge building blocks in Node: route normalisation, the in-memory delivery, admin options.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgeDelivery } from '../../src/delivery/edge-delivery.js';
import type { WireEvent } from '../../src/delivery/types.js';
import { AdminRoutes } from '../../src/edge/admin.js';
import { instrument, pathOf, type WorkerModule } from '../../src/edge/instrument.js';
import { OTHER_ROUTE, RouteNormalizer } from '../../src/edge/routes.js';

const event = (i: number): WireEvent => ({ id: `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'track', name: 'e', timestamp: new Date(0).toISOString(), properties: { i } });

describe('RouteNormalizer', () => {
  it('uses the given patterns first, then replaces identifier segments', () => {
    const r = new RouteNormalizer({ patterns: ['/users/:id', '/assets/*'] });
    expect(r.normalize('/users/abc')).toBe('/users/:id');
    expect(r.normalize('/assets/css/site.css')).toBe('/assets/*');
    expect(r.normalize('/orders/12345/items')).toBe('/orders/:id/items');
    expect(r.normalize('/o/550e8400-e29b-41d4-a716-446655440000')).toBe('/o/:id');
    expect(r.normalize('/commit/0123456789abcdef0123')).toBe('/commit/:id');
    expect(r.normalize('/a/b/c/d/e/f')).toBe('/a/b/c/d/…');
    expect(r.normalize('/')).toBe('/');
  });

  it('never reports more than maxRoutes distinct names plus {other}, and counts the overflow (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }).map((s) => '/' + s), { maxLength: 300 }), fc.integer({ min: 1, max: 20 }), (paths, maxRoutes) => {
        const r = new RouteNormalizer({ maxRoutes });
        const names = paths.map((p) => r.normalize(p));
        const distinct = new Set(names.filter((n) => n !== OTHER_ROUTE));
        expect(distinct.size).toBeLessThanOrEqual(maxRoutes);
        expect(r.overflow).toBe(names.filter((n) => n === OTHER_ROUTE).length);
        // The same path always gets the same name once it has one.
        for (const p of paths) if (distinct.has(r.normalize(p))) expect(r.normalize(p)).toBe(r.normalize(p));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a pattern that is not a path, naming it', () => {
    expect(() => new RouteNormalizer({ patterns: ['users/:id'] })).toThrow(/routes\.patterns\[0\]/);
    expect(() => new RouteNormalizer({ patterns: 'x' as unknown as string[] })).toThrow(/routes\.patterns/);
  });
});

describe('EdgeDelivery', () => {
  const fakeCollector = (statuses: number[]) => {
    const bodies: { batchId: string; ids: string[]; drops?: Record<string, number> }[] = [];
    const f = (async (_url: string, init: RequestInit) => {
      const b = JSON.parse(String(init.body)) as { batchId: string; events: { id: string }[]; clientReport?: { drops: Record<string, number> } };
      bodies.push({ batchId: b.batchId, ids: b.events.map((e) => e.id), ...(b.clientReport ? { drops: b.clientReport.drops } : {}) });
      return new Response('', { status: statuses.shift() ?? 200 });
    }) as unknown as typeof fetch;
    return { f, bodies };
  };

  it('sends nothing before a batch is due, then everything once, in order', async () => {
    const { f, bodies } = fakeCollector([]);
    const d = new EdgeDelivery({ endpoint: 'https://c.test/collect', fetch: f, compression: false, batch: { maxEvents: 10, intervalMs: 60_000 } });
    for (let i = 0; i < 9; i++) d.enqueue(event(i));
    expect(d.due()).toBe(false);
    d.enqueue(event(9));
    expect(d.due()).toBe(true);
    await d.pump();
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.ids).toEqual(Array.from({ length: 10 }, (_, i) => event(i).id));
  });

  it('retries a failed batch from a later pump with the same batch id and events (property: nothing lost, nothing doubled)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(200, 500, 503, 429, 408), { maxLength: 12 }), fc.integer({ min: 1, max: 60 }), async (statuses, n) => {
        const { f, bodies } = fakeCollector([...statuses]);
        const d = new EdgeDelivery({ endpoint: 'https://c.test/collect', fetch: f, compression: false, batch: { maxEvents: 7 }, retry: { baseMs: 0, maxMs: 0 }, circuit: { failures: 1000 } });
        for (let i = 0; i < n; i++) d.enqueue(event(i));
        for (let k = 0; k < 40; k++) await d.pump(true);
        const delivered = new Map<string, string>();
        const attempts = new Map<string, string[]>();
        bodies.forEach((b, k) => {
          attempts.set(b.batchId, [...(attempts.get(b.batchId) ?? []), b.ids.join()]);
          if ((statuses[k] ?? 200) === 200) for (const id of b.ids) {
            expect(delivered.has(id)).toBe(false);
            delivered.set(id, b.batchId);
          }
        });
        expect(delivered.size).toBe(n);
        // A batch id always carries the same events.
        for (const sent of attempts.values()) expect(new Set(sent).size).toBe(1);
        expect((await d.stats()).queued).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('drops the oldest events past its bound and reports the count in the next batch', async () => {
    const { f, bodies } = fakeCollector([]);
    const d = new EdgeDelivery({ endpoint: 'https://c.test/collect', fetch: f, compression: false, queue: { maxEvents: 50 }, batch: { maxEvents: 100 } });
    for (let i = 0; i < 80; i++) d.enqueue(event(i));
    await d.pump(true);
    expect(bodies[0]!.ids).toEqual(Array.from({ length: 50 }, (_, i) => event(i + 30).id));
    expect(bodies[0]!.drops).toEqual({ queue_overflow: 30 });
  });

  it('never rejects, even when fetch itself throws synchronously', async () => {
    const d = new EdgeDelivery({ endpoint: 'https://c.test/collect', fetch: (() => { throw new Error('no network'); }) as unknown as typeof fetch, compression: false });
    d.enqueue(event(1));
    await expect(d.pump(true)).resolves.toBeUndefined();
    const s = await d.stats();
    expect(s.queued).toBe(1);
    expect(s.retries).toBe(1);
  });
});

describe('EdgeDelivery against a collector that refuses', () => {
  it('does not resend a refused drop report, and backs off between refusals (shared send policy)', async () => {
    let posts = 0;
    const f = (async () => {
      posts++;
      return new Response('not found', { status: 404 });
    }) as unknown as typeof fetch;
    const d = new EdgeDelivery({ endpoint: 'https://c.test/wrong', fetch: f, compression: false, batch: { maxEvents: 10 } });
    for (let i = 0; i < 10; i++) d.enqueue({ id: `0190a000-0000-7000-8000-${String(i).padStart(12, '0')}`, type: 'track', name: 'x', timestamp: new Date().toISOString(), properties: {} });
    for (let i = 0; i < 20; i++) await d.pump(true); // twenty requests end, each pumping
    // The batch is refused; its drop report is sent once after the back-off at most, never again.
    expect(posts).toBeLessThanOrEqual(2);
    const stats = await d.stats();
    expect(stats.queued + stats.buffered).toBe(0);
  });
});

describe('instrument() options', () => {
  it('refuses admin routes without a real token, naming the option', () => {
    expect(() => AdminRoutes.check({ token: '' })).toThrow(/options\.admin\.token/);
    expect(() => AdminRoutes.check({ token: 'short' })).toThrow(/at least 16/);
    expect(() => AdminRoutes.check({ token: 'x'.repeat(16), prefix: 'nope' })).toThrow(/options\.admin\.prefix/);
    expect(() => instrument({ fetch: () => new Response('') }, { endpoint: 'https://c.test', admin: { token: 'short' } })).toThrow(/options\.admin\.token/);
    expect(() => instrument(null as unknown as WorkerModule, {})).toThrow(/handler/);
  });

  it('passes other module members through and leaves the handler result untouched', async () => {
    const body = new Response('same');
    const mod = instrument({ fetch: () => body, custom: 42 }, { endpoint: 'https://c.test/collect', anomaly: false, delivery: { fetch: (async () => new Response('')) as unknown as typeof fetch } });
    expect(mod.custom).toBe(42);
    expect(await (mod as WorkerModule).fetch!(new Request('https://x.test/a'), {}, { waitUntil() {} })).toBe(body);
  });
});

describe('pathOf', () => {
  it('equals new URL().pathname for any http(s) URL without dot segments or characters URL re-encodes (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_~:@!$&'()*+,;=-]{1,12}$/).filter((s) => s !== '.' && s !== '..');
    fc.assert(
      fc.property(fc.constantFrom('http', 'https'), fc.domain(), fc.array(segment, { maxLength: 6 }), fc.boolean(), fc.option(fc.stringMatching(/^[a-z0-9=&]{0,10}$/)), fc.option(fc.stringMatching(/^[a-z0-9]{0,6}$/)), (scheme, host, segments, slash, query, hash) => {
        const url = `${scheme}://${host}/${segments.join('/')}${slash && segments.length ? '/' : ''}${query !== null ? '?' + query : ''}${hash !== null ? '#' + hash : ''}`;
        expect(pathOf(url)).toBe(new URL(url).pathname);
      }),
      { numRuns: 500 },
    );
  });
});

describe('instrument() when its options cannot be built', () => {
  it('serves every request untouched and reports the failure once', async () => {
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      const mod = instrument({ fetch: () => new Response('plain') }, () => {
        throw new Error('no secret');
      }) as WorkerModule;
      for (let i = 0; i < 3; i++) expect(await (await mod.fetch!(new Request('https://x.test/'), {}, { waitUntil() {} })).text()).toBe('plain');
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });
});
