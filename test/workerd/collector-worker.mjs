// The collector as a user's Worker runs it: dist/collector.mjs with a D1 binding (test/workerd/collector.test.ts).
// Segments run the k-means kernel: a Worker imports kernels.wasm as a module and hands it over (docs/cloudflare.md).
import { ready } from '../../dist/analysis.mjs';
import { createCollector, d1Store } from '../../dist/collector.mjs';
import wasm from '../../dist/kernels.wasm';

let collect = null;
export default {
  async fetch(request, env) {
    await ready({ wasm, worker: false });
    collect ??= createCollector({ store: d1Store(env.DB), apiKeys: { [env.API_KEY]: 'shop' }, analyticsKeys: { [env.ANALYTICS_KEY]: 'shop' } });
    return collect(request);
  },
};
