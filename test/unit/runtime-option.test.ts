// init({ runtime: { worker: false } }) is typed, honoured, and health() says why tasks run inline.
import { expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { WASM_URL } from '../helpers/analysis.js';

it("runtime: { worker: false } runs inline and health() names the option, not a missing Web Worker", async () => {
  const c = createClient({
    endpoint: 'https://c.test/collect',
    runtime: { wasm: WASM_URL, worker: false, maxQueue: 10 },
    delivery: { fetch: (async () => new Response('{}')) as unknown as typeof fetch, storage: 'memory' },
  });
  await c.ready;
  const workers = c.health()!.checks.find((x) => x.name === 'workers')!;
  expect(workers.detail).toMatch(/worker: false was set/);
  expect(c.runtimeMetrics()!.queue.limit).toBe(10);
  await c.shutdown();
});
