// After shutdown() the client's methods still never throw or reject into the host page.
import 'fake-indexeddb/auto';
import { expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';

it('deliveryStats() after shutdown() resolves (the IndexedDB queue is closed by then)', async () => {
  const c = createClient({ endpoint: 'https://c.test/collect', delivery: { fetch: (async () => new Response('{}')) as unknown as typeof fetch, storage: 'indexeddb', compression: false } });
  c.track('before');
  await c.flush();
  expect((await c.deliveryStats()).storage).toBe('indexeddb');
  await c.shutdown();
  const errors: string[] = [];
  c.on('error', (e) => errors.push(e.message));
  const stats = await c.deliveryStats();
  expect(stats.queued).toBe(0);
  expect(errors.length).toBeLessThanOrEqual(1);
});
