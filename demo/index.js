// The starter page of the playground: one analysis round-trip through the worker.
(async () => {
  const out = document.getElementById('out');
  try {
    const { analysis } = Avila;
    const values = Float64Array.from({ length: 100000 }, () => Math.exp(3 + 0.5 * Math.sqrt(-2 * Math.log(Math.random())) * Math.cos(2 * Math.PI * Math.random())));
    const t0 = performance.now();
    const [p50, p95, p99] = await analysis.quantiles(values, [0.5, 0.95, 0.99]);
    const s = await analysis.summary(values);
    const ms = performance.now() - t0;
    out.textContent =
      `SDK ${Avila.version}\n` +
      `n = ${s.count}, mean = ${s.mean.toFixed(3)}, std = ${s.std.toFixed(3)}\n` +
      `p50 = ${p50.toFixed(3)}, p95 = ${p95.toFixed(3)}, p99 = ${p99.toFixed(3)}\n` +
      `computed in a Web Worker in ${ms.toFixed(1)} ms`;
  } catch (e) {
    out.textContent = 'error: ' + e.message;
  }
})();
