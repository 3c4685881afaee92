// The deferred chunk (metric aggregation, the rules' wiring, autocapture) when it cannot load or
// never arrives: tracking and delivery go on, the failure is said once, it is fetched again only
// after a back-off, and flush() keeps to its timeout.
import { afterEach, describe, expect, it, vi } from 'vitest';

const load = vi.hoisted(() => ({ fn: (): Promise<never> => new Promise(() => {}) }));
vi.mock('../../src/client/load-deferred.js', () => ({ loadDeferred: () => load.fn() }));

const { createClient } = await import('../../src/client/index.js');
const { WASM_URL } = await import('../helpers/analysis.js');
type Client = ReturnType<typeof createClient>;

function client() {
  const sent: string[] = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    sent.push(...JSON.parse(String(init.body)).events.filter((e: { type: string }) => e.type === 'track').map((e: { name: string }) => e.name));
    return new Response('{}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: { fetch, storage: 'memory', compression: false, batch: { intervalMs: 10 } } });
  const errors: string[] = [];
  c.on('error', (e) => errors.push(e.message));
  return { c, sent, errors };
}

describe('the deferred chunk', () => {
  let c: Client | null = null;
  afterEach(async () => {
    vi.useRealTimers();
    await c?.shutdown();
    c = null;
  });

  it('failing to load: events are delivered, one error names the fix, no refetch within the back-off, nothing throws', async () => {
    let loads = 0;
    load.fn = () => {
      loads++;
      return Promise.reject(new TypeError('Failed to fetch dynamically imported module: https://cdn.example/dist/deferred.min.mjs'));
    };
    const t = client();
    c = t.c;
    c.track('before');
    const h = c.histogram('latency');
    for (let i = 0; i < 50; i++) h.record(i);
    c.watch('latency', { detector: 'zscore' });
    await c.ready;
    for (let i = 0; i < 50; i++) h.record(i);
    c.track('after');
    await c.flush(2000);
    expect(t.sent).toEqual(['before', 'after']);
    expect(loads).toBe(1);
    expect(t.errors).toHaveLength(1);
    expect(t.errors[0]).toMatch(/could not load its on-demand code \(metrics, watch, alerts, SLOs, autocapture\): Failed to fetch dynamically imported module: https:\/\/cdn\.example\/dist\/deferred\.min\.mjs\./);
    expect(t.errors[0]).toMatch(/dist\/ folder next to the script .* Tracking and delivery are not affected/);
    expect(c.metricsSnapshot()).toEqual([]);
    expect(c.metricsText()).not.toMatch(/latency/); // the runtime's own metrics only
  });

  it('arriving late: a span that ended before is held, then sent with what it recorded', async () => {
    let arrive!: () => void;
    load.fn = () => new Promise((resolve) => (arrive = () => resolve(import('../../src/client/deferred.js') as never)));
    const spans: string[] = [];
    const fetch = (async (_url: string, init: RequestInit) => {
      spans.push(...JSON.parse(String(init.body)).events.filter((e: { type: string }) => e.type === 'span').map((e: { name: string; properties: { attributes: { step: number } } }) => `${e.name}:${e.properties.attributes.step}`));
      return new Response('{}', { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    c = createClient({ endpoint: 'https://c.test/collect', worker: false, delivery: { fetch, storage: 'memory', compression: false, batch: { intervalMs: 10 } } });
    c.startSpan('early').setAttribute('step', 1).end();
    await c.flush(200);
    expect(spans).toEqual([]);
    arrive();
    await c.flush(2000);
    expect(spans).toEqual(['early:1']);
  });

  it('arriving after shutdown(): nothing is set up — no timers, no rules, no values taken', async () => {
    let arrive!: () => void;
    load.fn = () => new Promise((resolve) => (arrive = () => resolve(import('../../src/client/deferred.js') as never)));
    const intervals = vi.spyOn(globalThis, 'setInterval');
    const t = client();
    const h = t.c.histogram('latency');
    h.record(1);
    t.c.watch('latency', { detector: 'zscore' });
    const before = intervals.mock.calls.length;
    await t.c.shutdown(); // waits up to 5 s for the chunk: give it less by arriving after
    arrive();
    await new Promise((r) => setTimeout(r, 20));
    h.record(2);
    expect(intervals.mock.calls.length).toBe(before);
    expect(t.c.metricsSnapshot()).toEqual([]);
    expect(t.c.diagnostics().droppedMetricValues).toBe(1);
    intervals.mockRestore();
  }, 10_000);

  it('never arriving: flush(timeout) keeps to its timeout and delivers the events', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    load.fn = () => new Promise(() => {});
    const t = client();
    c = t.c;
    c.counter('requests').add(1);
    c.track('waiting');
    let done = false;
    const flushed = c.flush(300).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await flushed;
    expect(done).toBe(true);
    expect(t.sent).toEqual(['waiting']);
    // shutdown() waits for it at most 5 s too.
    const stopped = c.shutdown();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    c = null;
  });
});
