// A client whose kernels failed to load scores what it held once the page's runtime comes up
// later (here: the analysis API starting it with files that load). Its own file: a fresh page.
import { expect, it } from 'vitest';
import * as analysis from '../../src/analysis/index.js';
import { createClient } from '../../src/client/index.js';
import { WASM_URL } from '../helpers/analysis.js';

it('values held for watch() while the kernels failed are scored once a later start succeeds; histograms get their sketches', async () => {
  const c = createClient({
    endpoint: 'https://c.test/collect',
    wasm: 'file:///nowhere/kernels.wasm',
    worker: false,
    delivery: { fetch: (async () => new Response('{}')) as unknown as typeof fetch, storage: 'memory' },
  });
  const errors: string[] = [];
  const anomalies: number[] = [];
  c.on('error', (e) => errors.push(e.message));
  c.on('anomaly', (a) => anomalies.push(a.value));
  c.watch('lat', { detector: 'zscore', window: 50, threshold: 5 });
  const h = c.histogram('lat');
  for (let i = 0; i < 200; i++) h.record(10 + (i % 5));
  h.record(900);
  await c.ready;
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/could not load kernels\.wasm from file:\/\/\/nowhere/);
  expect(anomalies).toEqual([]);
  // The analysis API starts the page's runtime with kernels that load.
  await analysis.ready({ wasm: WASM_URL, worker: false });
  await c.ready; // the client asks again and gets it
  await new Promise((r) => setTimeout(r, 10));
  expect(anomalies).toEqual([900]);
  const snap = c.metricsSnapshot().find((m) => m.metric === 'lat')!;
  expect(snap.count).toBe(201);
  expect(snap.p99).toBeGreaterThan(0); // the held values went into the sketch
  await c.shutdown();
});
