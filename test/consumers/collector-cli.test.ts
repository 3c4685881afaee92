// The collector's command line as users run it: the `npm pack` tarball installed into a fresh
// folder (with @duckdb/node-api beside it, as docs/collector.md says to install), run through npx
// and through its bin, fed a gzip batch over HTTP, stopped with SIGTERM, restarted on the same
// database.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/server.js';

const WORK = join(ROOT, 'build/collector-cli');
let app = '';

beforeAll(() => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', WORK], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()!;
  app = join(WORK, 'app');
  mkdirSync(join(app, 'node_modules/.bin'), { recursive: true });
  execFileSync('tar', ['-xzf', join(WORK, name), '-C', join(app, 'node_modules')]);
  cpSync(join(app, 'node_modules/package'), join(app, 'node_modules/avila-telemetry'), { recursive: true });
  rmSync(join(app, 'node_modules/package'), { recursive: true, force: true });
  symlinkSync(join(ROOT, 'node_modules/@duckdb'), join(app, 'node_modules/@duckdb'), 'dir');
  symlinkSync('../avila-telemetry/bin/avila-telemetry.mjs', join(app, 'node_modules/.bin/avila-telemetry'));
}, 120_000);
afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/**
 * Starts the bin `npx avila-telemetry` runs (node_modules/.bin/avila-telemetry) directly, so that
 * SIGTERM reaches it as a service manager's would; resolves with its URL once it listens.
 */
function start(args: string[], env: Record<string, string>): Promise<{ url: string; child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, [join(app, 'node_modules/.bin/avila-telemetry'), 'collector', ...args], { cwd: app, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      output.push(...d.toString().trim().split('\n'));
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve({ url: m[1]!, child, output });
    });
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('exit', (code) => reject(new Error(`the collector exited with ${code}: ${output.join('\n')}`)));
  });
}
const stop = (child: ChildProcess) => new Promise<number | null>((r) => (child.removeAllListeners('exit'), child.once('exit', (code) => r(code)), child.kill('SIGTERM')));

describe('npx avila-telemetry collector, from the packed package', () => {
  it('serves, stores a gzip batch in DuckDB, stops on SIGTERM with its totals, and keeps them across a restart', async () => {
    const env = { AVILA_API_KEYS: 'shop:pk_live_shop', AVILA_ANALYTICS_KEYS: 'shop:sk_shop' };
    const first = await start(['--db', './avila.duckdb', '--port', '0'], env);
    const batch = { batchId: 'b-cli-1', events: ['e1', 'e2', 'e3'].map((id) => ({ id, type: 'track', name: 'checkout', timestamp: '2026-11-28T10:00:00.000Z' })) };
    const r = await fetch(`${first.url}/collect`, { method: 'POST', headers: { authorization: 'Bearer pk_live_shop', 'content-encoding': 'gzip', 'content-type': 'application/json' }, body: gzipSync(JSON.stringify(batch)) });
    expect([r.status, await r.json()]).toEqual([200, { ok: true, inserted: 3, duplicates: 0 }]);
    expect((await fetch(`${first.url}/collect`, { method: 'POST', body: JSON.stringify(batch) })).status).toBe(401);
    expect(await stop(first.child)).toBe(0);
    expect(first.output.some((l) => /stopped: 1 batches, 3 events stored, 0 duplicates skipped/.test(l))).toBe(true);
    expect(first.output.some((l) => /POST \/collect → 401: an API key is required/.test(l))).toBe(true);
    const second = await start(['--db', './avila.duckdb', '--port', '0'], env);
    expect(await (await fetch(`${second.url}/collect/batches/b-cli-1`)).json()).toEqual({ received: true });
    // Analytics over what it kept, with the secret key only (the ingest key cannot read).
    const funnel = (key: string) => fetch(`${second.url}/analytics/funnel`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ steps: ['checkout'], windowMs: 60_000 }) });
    expect((await funnel('pk_live_shop')).status).toBe(401);
    const answer = await funnel('sk_shop');
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { steps: { people: number }[] }).steps[0]!.people).toBe(0); // the events carry no anonymous or user id: no person
    // Segments run the k-means kernel: kernels.wasm is found beside the installed package's chunks.
    const people = Array.from({ length: 12 }, (_, p) => Array.from({ length: p < 6 ? 2 : 9 }, (_, i) => ({ id: `v${p}-${i}`, type: 'track', name: 'view', timestamp: '2026-11-28T11:00:00.000Z', anonymousId: `a${p}` })));
    expect((await fetch(`${second.url}/collect`, { method: 'POST', headers: { authorization: 'Bearer pk_live_shop' }, body: JSON.stringify({ batchId: 'b-cli-2', events: people.flat() }) })).status).toBe(200);
    const seg = await fetch(`${second.url}/analytics/segments`, { method: 'POST', headers: { authorization: 'Bearer sk_shop' }, body: JSON.stringify({ features: [{ count: 'view' }], k: 2 }) });
    expect(seg.status).toBe(200);
    const segments = (await seg.json()) as { sizes: number[]; centroids: number[][] };
    expect(segments.sizes.slice().sort()).toEqual([6, 6]);
    expect(segments.centroids.map((c) => c[0]).sort()).toEqual([2, 9]);
    expect(await stop(second.child)).toBe(0);
  }, 60_000);

  it('refuses to start without API keys, saying how to give them (exit 2)', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync('npx', ['--no-install', 'avila-telemetry', 'collector', '--memory'], { cwd: app, env: { ...process.env, AVILA_API_KEYS: '', AVILA_API_KEY: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: Buffer }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(/no API key: set AVILA_API_KEYS="app:key,…" or AVILA_API_KEY, or pass --open/);
  });
});
