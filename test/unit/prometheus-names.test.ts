// Prometheus naming: base units with unit suffixes and `_total` on counters, as OpenTelemetry's
// Prometheus exporters write them — checked by Prometheus's own linter (`promtool check metrics`,
// Debian's prometheus package) on the client's and the edge's exposition.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { instrument } from '../../src/edge.js';
import { prometheusName } from '../../src/runtime/prometheus.js';
import { WASM_URL } from '../helpers/analysis.js';

const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
const hasPromtool = existsSync(PROMTOOL);
if (!hasPromtool && process.env.CI === 'true') throw new Error(`CI=true and no promtool at ${PROMTOOL} (apt-get install -y prometheus)`);
if (!hasPromtool) console.warn(`\n!!!!!!!! PROMTOOL CHECKS SKIPPED: no ${PROMTOOL} (apt-get install -y prometheus) !!!!!!!!\n`);

/** promtool's findings (empty when the exposition passes its lint). */
function promtool(text: string): string {
  try {
    return execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ''}${err.stderr ?? ''}`.trim() || String(e);
  }
}

const quiet = { fetch: (async () => new Response('{}')) as unknown as typeof fetch, storage: 'memory' as const };

describe('Prometheus names', () => {
  it('follow the OpenTelemetry rules: base units, unit suffixes, _total on counters', () => {
    expect(prometheusName('http.server.duration', 'histogram', 'ms')).toEqual({ name: 'http_server_duration_seconds', factor: 1e-3 });
    expect(prometheusName('queue.size', 'gauge', 'By')).toEqual({ name: 'queue_size_bytes', factor: 1 });
    expect(prometheusName('cache.hits', 'gauge', '1')).toEqual({ name: 'cache_hits_ratio', factor: 1 });
    expect(prometheusName('http.requests', 'counter', '{request}')).toEqual({ name: 'http_requests_total', factor: 1 });
    expect(prometheusName('download.speed', 'gauge', 'KiBy/s')).toEqual({ name: 'download_speed_bytes_per_seconds', factor: 1024 });
    expect(prometheusName('latency_seconds', 'histogram', 's')).toEqual({ name: 'latency_seconds', factor: 1 });
    expect(prometheusName('sent_total', 'counter')).toEqual({ name: 'sent_total', factor: 1 });
  });

  it('a histogram recorded in ms is exposed in seconds', async () => {
    const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: quiet });
    await c.ready;
    const h = c.histogram('api.latency', { unit: 'ms' });
    for (let i = 1; i <= 1000; i++) h.record(i);
    const text = c.metricsText();
    expect(text).toMatch(/^api_latency_seconds_count 1000$/m);
    expect(Number(/^api_latency_seconds_sum (.+)$/m.exec(text)![1])).toBeCloseTo(500.5, 9); // Σ 1…1000 ms
    const p99 = Number(/^api_latency_seconds\{quantile="0.99"\} (.+)$/m.exec(text)![1]);
    expect(Math.abs(p99 - 0.99) / 0.99).toBeLessThanOrEqual(0.01);
    await c.shutdown();
  });

  it.skipIf(!hasPromtool)("the client's exposition (with the runtime's) passes promtool check metrics", async () => {
    const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: quiet });
    await c.ready;
    c.counter('http.requests', { unit: '{request}', description: 'Requests' }).add(3, { route: '/a' });
    c.gauge('queue.size', { unit: 'By' }).set(1024);
    c.gauge('cache.hit_ratio', { unit: '1' }).set(0.5);
    c.histogram('api.latency', { unit: 'ms' }).record(12);
    c.histogram('page.weight', { unit: 'KiBy' }).record(3);
    const text = c.metricsText();
    expect(text).toMatch(/avila_runtime_task_duration_seconds/);
    expect(promtool(text)).toBe('');
    await c.shutdown();
  });

  it.skipIf(!hasPromtool)("the edge's /__avila/metrics passes promtool check metrics", async () => {
    const worker = instrument({ fetch: () => new Response('ok') }, { endpoint: 'https://c.test/collect', wasm: WASM_URL, admin: { token: 'a-token-of-sixteen-chars' }, delivery: { fetch: quiet.fetch } });
    const ctx = { waitUntil() {}, passThroughOnException() {} };
    const fetch = worker.fetch as unknown as (request: Request, env: unknown, ctx: unknown) => Promise<Response>;
    for (let i = 0; i < 20; i++) await fetch(new Request(`https://edge.test/users/${i}`), {}, ctx);
    const r = await fetch(new Request('https://edge.test/__avila/metrics', { headers: { authorization: 'Bearer a-token-of-sixteen-chars' } }), {}, ctx);
    const text = await r.text();
    expect(text).toMatch(/^http_server_duration_seconds_count\{/m);
    expect(promtool(text)).toBe('');
  });
});
