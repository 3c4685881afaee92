// The Worker bench/edge.bench.ts runs in workerd: one handler, called bare and wrapped by
// instrument() (built dist/edge.mjs and kernels.wasm, as a user's bundle would import them).
// GET /__bench?n=&chunk= calls both inside this isolate in alternating chunks (so both see the
// same machine noise) and returns each chunk's mean time per call in µs — workerd's clock has
// millisecond resolution, so single calls cannot be timed. Other requests go to the wrapped one.
import { instrument } from '../../dist/edge.mjs';
import wasm from '../../dist/kernels.wasm';

const handler = {
  async fetch(request) {
    const url = new URL(request.url);
    return new Response(JSON.stringify({ ok: true, path: url.pathname }), { headers: { 'content-type': 'application/json' } });
  },
};

let wrapped = null;
const get = (env) => (wrapped ??= instrument(handler, { endpoint: env.COLLECTOR, wasm, routes: ['/items/:id'], ...JSON.parse(env.OPTIONS ?? '{}') }));

async function chunk(h, env, ctx, size, offset) {
  const t0 = performance.now();
  for (let i = 0; i < size; i++) {
    const r = await h.fetch(new Request(`http://bench.test/items/${offset + i}?q=1`), env, ctx);
    await r.arrayBuffer();
  }
  return ((performance.now() - t0) / size) * 1000;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith('/bare')) return handler.fetch(request, env, ctx);
    if (url.pathname !== '/__bench') return get(env).fetch(request, env, ctx);
    const n = Number(url.searchParams.get('n'));
    const size = Number(url.searchParams.get('chunk'));
    const h = get(env);
    const pending = [];
    const fake = { waitUntil: (p) => pending.push(p), passThroughOnException() {} };
    const bare = [];
    const instrumented = [];
    for (let c = 0; c < n / size; c++) {
      // Alternate which goes first, so neither always follows the other's garbage.
      if (c % 2) {
        bare.push(await chunk(handler, env, fake, size, c * size));
        instrumented.push(await chunk(h, env, fake, size, c * size));
      } else {
        instrumented.push(await chunk(h, env, fake, size, c * size));
        bare.push(await chunk(handler, env, fake, size, c * size));
      }
      // The batches these requests queued are sent (and counted in the instrumented chunks' time
      // where they overlapped); waiting here keeps them from piling up across chunks.
      await Promise.all(pending.splice(0));
    }
    return Response.json({ bare, instrumented });
  },
};
