// The worker the workerd tests run: the built edge entry and kernels.wasm, as a user's bundle
// would import them. The test drives latency through ?delay=ms (awaited with scheduler.wait).
import { instrument } from '../../dist/edge.mjs';
import wasm from '../../dist/kernels.wasm';

const handler = {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/boom') throw new Error('handler failed');
    // A handler that never settles (the runtime cancels it when the client goes away).
    if (url.pathname === '/hang') return new Promise(() => {});
    if (url.pathname === '/upstream') {
      const r = await fetch(`${env.UPSTREAM}/echo`);
      return new Response(await r.text());
    }
    const delay = Number(url.searchParams.get('delay') ?? 0);
    if (delay > 0) await scheduler.wait(delay);
    return new Response(`ok ${url.pathname}`, { status: url.pathname === '/missing' ? 404 : 200 });
  },
};

export default instrument(handler, (env) => ({
  endpoint: env.COLLECTOR,
  wasm,
  app: { name: 'edge-test', env: 'test' },
  routes: ['/users/:id'],
  admin: { token: env.ADMIN_TOKEN },
  delivery: { batch: { intervalMs: 100 }, retry: { baseMs: 50, maxMs: 500 }, circuit: { failures: 1000 } },
  metrics: { exportIntervalMs: 1000 },
  requestTimeoutMs: 500,
}));
