// The collector as a user's Worker runs it: dist/collector.mjs with a D1 binding (test/workerd/collector.test.ts).
import { createCollector, d1Store } from '../../dist/collector.mjs';

let collect = null;
export default {
  fetch(request, env) {
    collect ??= createCollector({ store: d1Store(env.DB), apiKeys: { [env.API_KEY]: 'shop' }, analyticsKeys: { [env.ANALYTICS_KEY]: 'shop' } });
    return collect(request);
  },
};
