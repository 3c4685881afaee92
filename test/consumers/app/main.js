// A fresh app as users write it: the client from the main entry, the analysis API by import().
// The test reads window.__out once `done` is true.
import { init } from 'avila-telemetry';

const params = new URLSearchParams(location.search);
const out = (window.__out = { anomalies: [], errors: [], done: false });
const avila = init({
  endpoint: `${params.get('collector')}/collect`,
  app: { name: 'consumer', env: params.get('bundler') },
  delivery: { batch: { intervalMs: 50 } },
});
avila.on('anomaly', (a) => out.anomalies.push({ value: a.value, method: a.method }));
avila.on('error', (e) => out.errors.push(e.message));

// watch() then record() in the same task: every value is scored, the spike included.
avila.watch('latency', { detector: 'zscore', window: 60, threshold: 6 });
const latency = avila.histogram('latency', { unit: 'ms' });
for (let i = 0; i < 200; i++) latency.record(100 + ((i * 37) % 11));
latency.record(5000);
avila.track('consumer_loaded', { bundler: params.get('bundler') });

const settle = (test, ms) =>
  new Promise((done) => {
    const start = performance.now();
    const poll = () => (test() || performance.now() - start > ms ? done() : setTimeout(poll, 20));
    poll();
  });

(async () => {
  try {
    const analysis = await import('avila-telemetry/analysis');
    const km = await analysis.kmeans([[0, 0], [0, 1], [10, 10], [10, 11]], { k: 2, seed: 1 });
    out.kmeans = { inertia: km.inertia, labels: Array.from(km.labels) };
    // AR(1) with φ = 0.7 from a fixed generator.
    let seed = 7, y = 0;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const series = [];
    for (let i = 0; i < 400; i++) series.push((y = 0.7 * y + (rand() + rand() + rand() - 1.5)));
    const model = await analysis.arima(series, { order: [1, 0, 0] });
    out.arima = { ar: model.coef.ar[0] };
  } catch (e) {
    out.analysisError = `${e.name}: ${e.message}`;
  }
  await settle(() => out.anomalies.length > 0 || out.errors.length > 0, 5000);
  await avila.flush();
  out.done = true;
})();
