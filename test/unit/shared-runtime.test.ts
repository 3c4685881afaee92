// One runtime per page (per process here): the client and the analysis API lease the same one;
// closing one user never breaks the other; a failed start backs off instead of refetching.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as analysis from '../../src/analysis/index.js';
import { createClient } from '../../src/client/index.js';
import { acquireRuntime, currentRuntime, releaseRuntime } from '../../src/runtime/shared.js';
import { WASM_URL } from '../helpers/analysis.js';

const quiet = { fetch: (async () => new Response('{}')) as unknown as typeof fetch, storage: 'memory' as const };

describe('the page\'s one runtime', () => {
  it('a client and analysis.ready() share one runtime; the client\'s shutdown leaves analysis working', async () => {
    const c = createClient({ endpoint: 'https://c.test/collect', wasm: WASM_URL, worker: false, delivery: quiet });
    await c.ready;
    const first = currentRuntime();
    expect(first).not.toBeNull();
    await analysis.ready({ wasm: WASM_URL, worker: false, maxWorkers: 3 });
    expect(currentRuntime()).toBe(first); // options of a later user do not replace it
    c.watch('lat', { detector: 'zscore' });
    c.histogram('lat').record(1);
    await new Promise((r) => setTimeout(r, 10));
    // The client's detector goes with it: nothing of it stays in the runtime that outlives it.
    const kernels = first!.kernels;
    const free = kernels.detectorFree.bind(kernels);
    let freed = 0;
    kernels.detectorFree = (ptr: number) => (freed++, free(ptr));
    await c.shutdown();
    kernels.detectorFree = free;
    expect(freed).toBe(1);
    expect(currentRuntime()).toBe(first);
    expect(await analysis.quantiles([3, 1, 2], [0.5])).toEqual([2]);
    const sketch = new analysis.QuantileSketch();
    sketch.add(4);
    expect(sketch.count).toBe(1);
    sketch.dispose();
  });

  it('closes the runtime when its last user releases it, and starts a new one for the next', async () => {
    const a = {}, b = {};
    const r1 = await acquireRuntime(a, { wasm: WASM_URL, worker: false }, null);
    const r2 = await acquireRuntime(b, {}, null);
    expect(r2).toBe(r1);
    releaseRuntime(a);
    expect(currentRuntime()).toBe(r1);
    releaseRuntime(b);
    // analysis (from the first test) still holds its lease in this file: the runtime stays.
    expect(currentRuntime()).toBe(r1);
  });
});

describe('a runtime that fails to start', () => {
  it('is fetched once: later calls within the back-off reject with the same error, each naming the URL', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/kernels.wasm`;
    try {
      const user = {};
      // This file's runtime is up: the failure path needs a fresh global, as on a new page.
      const key = Symbol.for('avila-telemetry.runtime.v1');
      const saved = (globalThis as Record<symbol, unknown>)[key];
      delete (globalThis as Record<symbol, unknown>)[key];
      try {
        const e1 = await acquireRuntime(user, { wasm: url, worker: false }, null).catch((e: Error) => e);
        const e2 = await acquireRuntime(user, { wasm: url, worker: false }, null).catch((e: Error) => e);
        expect(e1).toBeInstanceOf(analysis.KernelLoadError);
        expect((e1 as Error).message).toContain(`${url}: HTTP 404`);
        expect(e2).toBe(e1);
        expect(requests).toBe(1);
        // Other files are a new attempt at once.
        const ok = await acquireRuntime(user, { wasm: WASM_URL, worker: false }, null);
        expect(ok.kernels).toBeDefined();
        releaseRuntime(user);
      } finally {
        (globalThis as Record<symbol, unknown>)[key] = saved;
      }
    } finally {
      server.close();
    }
  });
});
