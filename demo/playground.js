// The playground: every panel drives a real capability of the SDK loaded by the script tag above.
// Plain browser JavaScript, no build step: what a user would write.
(() => {
  const $ = (id) => document.getElementById(id);
  const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toLocaleString('en', { maximumFractionDigits: d }) : '–');
  const { analysis } = Avila;
  const width = (el) => Math.max(320, el.parentElement.clientWidth - 4);
  // For the tests and the curious: the state of each panel.
  const state = (window.playground = { ready: false, anomalies: [], forecast: null, clusters: null, elbow: null, tracked: 0, received: 0, collector: null, errors: [], charts: {} });

  const avila = Avila.init({
    endpoint: '/collect',
    app: { name: 'playground', version: Avila.version, env: 'local' },
    delivery: { batch: { intervalMs: 500 }, retry: { baseMs: 200, maxMs: 2000 }, circuit: { failures: 1000 } },
    metrics: { exportIntervalMs: 5000 },
  });
  avila.on('error', (e) => state.errors.push(String(e?.message ?? e)));

  // ---------------------------------------------------------------- live stream
  const METHODS = ['context', 'auto', 'zscore', 'robust', 'iqr', 'ewma', 'seasonal', 'cusum', 'likelihood']; // the first: watch()'s default
  for (const m of METHODS) $('detector').append(new Option(m, m));
  const TICKS = 400;
  const live = { t: [], value: [], p50: [], p95: [], p99: [], anomaly: [] };
  const liveChart = new uPlot(
    {
      width: width($('liveChart')),
      height: 240,
      scales: { x: { time: true } },
      series: [
        {},
        { label: 'value', stroke: '#7a8699', width: 1 },
        { label: 'p50', stroke: '#2456d6', width: 1.5 },
        { label: 'p95', stroke: '#e39b1b', width: 1.5 },
        { label: 'p99', stroke: '#b44be1', width: 1.5 },
        { label: 'anomaly', stroke: '#d23c3c', fill: '#d23c3c', paths: () => null, points: { show: true, size: 8, fill: '#d23c3c' } },
      ],
    },
    [[], [], [], [], [], []],
    $('liveChart'),
  );
  state.charts.live = liveChart;
  const ring = new Float64Array(2000);
  let ringN = 0;
  let recorded = 0;
  let paused = false;
  let spikeLeft = 0;
  let shift = 0;
  const started = performance.now();
  const hist = avila.histogram('stream.value');
  let stopWatch = () => {};
  const pendingAnomalies = [];
  const watch = () => {
    stopWatch();
    const threshold = $('threshold').value === '' ? undefined : Number($('threshold').value);
    stopWatch = avila.watch('stream.value', { detector: $('detector').value, ...(threshold !== undefined ? { threshold } : {}) });
  };
  avila.on('anomaly', (a) => {
    if (a.metric !== 'stream.value') return;
    state.anomalies.push(a);
    pendingAnomalies.push(a);
    $('anomalyCount').textContent = String(state.anomalies.length);
    const line = document.createElement('div');
    line.textContent = `${new Date(a.timestamp).toISOString().slice(11, 23)}  ${a.method}  value ${fmt(a.value, 2)}  expected ${fmt(a.expected, 2)}  score ${fmt(a.score, 3)}`;
    $('anomalyLog').prepend(line);
    while ($('anomalyLog').childElementCount > 50) $('anomalyLog').lastChild.remove();
  });
  $('detector').onchange = watch;
  $('threshold').onchange = watch;
  $('spike').onclick = () => (spikeLeft = 3);
  $('shift').onclick = () => (shift = shift ? 0 : 25);
  $('pause').onclick = () => {
    paused = !paused;
    $('pause').textContent = paused ? 'resume' : 'pause';
  };
  const rate = () => Math.round(10 ** Number($('rate').value));
  const showRate = () => ($('rateText').textContent = rate().toLocaleString('en'));
  $('rate').oninput = showRate;
  showRate();
  let carry = 0;
  let last = performance.now();
  const costs = [];
  const gaps = [];
  const normal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
  const TICK_MS = 50;
  setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    if (gaps.length > 200) gaps.shift();
    const dt = now - last;
    last = now;
    if (paused) return;
    const t0 = performance.now();
    carry += (rate() * dt) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    let lastValue = NaN;
    // The shape follows the clock, not the number of values: a 30 s cycle and a slow upward trend.
    const sec = (now - started) / 1000;
    const base = 100 + 20 * Math.sin((2 * Math.PI * sec) / 30) + 0.05 * sec + shift;
    for (let i = 0; i < n; i++) {
      let v = base + 2 * normal();
      if (spikeLeft > 0 && i === n - 1) {
        v += 60;
        spikeLeft--;
      }
      hist.record(v);
      ring[ringN++ % ring.length] = v;
      lastValue = v;
    }
    recorded += n;
    costs.push((performance.now() - t0) / Math.max(1, n));
    if (costs.length > 40) costs.shift();
    if (!state.ready || n === 0) return;
    // Rolling percentiles of the last 2,000 values, from a DDSketch in the kernels (1% error).
    const window = ring.subarray(0, Math.min(ringN, ring.length));
    const fresh = new analysis.QuantileSketch();
    fresh.addMany(window);
    const [p50, p95, p99] = fresh.quantiles([0.5, 0.95, 0.99]);
    fresh.dispose();
    const at = Date.now() / 1000;
    const flagged = pendingAnomalies.splice(0);
    live.t.push(at);
    live.value.push(flagged.length ? flagged[flagged.length - 1].value : lastValue);
    live.p50.push(p50);
    live.p95.push(p95);
    live.p99.push(p99);
    live.anomaly.push(flagged.length ? Math.max(...flagged.map((a) => a.value)) : null);
    for (const k of Object.keys(live)) if (live[k].length > TICKS) live[k].shift();
  }, TICK_MS);
  // Drawing is once per animation frame, at most: the stream itself never waits for the chart.
  const draw = () => {
    if (live.t.length) liveChart.setData([live.t, live.value, live.p50, live.p95, live.p99, live.anomaly]);
    $('recorded').textContent = recorded.toLocaleString('en');
    const c = [...costs].sort((a, b) => a - b);
    $('cost').textContent = c.length ? `${fmt(c[c.length >> 1] * 1000, 2)} µs/value` : '–';
    const g = [...gaps].sort((a, b) => a - b);
    $('frames').textContent = g.length ? `${fmt(g[Math.floor(g.length * 0.99)], 0)} ms (tick ${TICK_MS} ms)` : '–';
    requestAnimationFrame(draw);
  };
  requestAnimationFrame(draw);

  // ---------------------------------------------------------------- forecast
  const sampleSeries = () => {
    // Hourly requests over 2 weeks: a daily cycle, a weekly dip, growth and noise (seeded).
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    return Array.from({ length: 24 * 14 }, (_, i) => 500 + 0.4 * i + 150 * Math.sin((2 * Math.PI * (i % 24)) / 24 - 1.2) - (Math.floor(i / 24) % 7 >= 5 ? 80 : 0) + 25 * (rand() + rand() + rand() - 1.5));
  };
  const streamSeries = () => {
    const xs = [];
    for (let i = 0; i < live.t.length; i++) xs.push(live.p50[i]);
    return xs.slice(-300);
  };
  const csvSeries = (text) =>
    text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => Number(l.split(/[,;\t]/).pop()))
      .filter((v) => Number.isFinite(v));
  const fcChart = new uPlot(
    {
      width: width($('fcChart')),
      height: 240,
      scales: { x: { time: false } },
      series: [
        { label: 't' },
        { label: 'history', stroke: '#5b6475', width: 1 },
        { label: 'forecast', stroke: '#2456d6', width: 2 },
        { label: '80% low', stroke: 'rgba(36,86,214,.35)', width: 1 },
        { label: '80% high', stroke: 'rgba(36,86,214,.35)', width: 1 },
        { label: '95% low', stroke: 'rgba(36,86,214,.2)', width: 1, dash: [4, 4] },
        { label: '95% high', stroke: 'rgba(36,86,214,.2)', width: 1, dash: [4, 4] },
      ],
      bands: [
        { series: [4, 3], fill: 'rgba(36,86,214,.18)' },
        { series: [6, 5], fill: 'rgba(36,86,214,.08)' },
      ],
    },
    [[], [], [], [], [], [], []],
    $('fcChart'),
  );
  state.charts.forecast = fcChart;
  let fcAbort = null;
  $('fcRun').onclick = async () => {
    const source = $('fcSource').value;
    const values = source === 'sample' ? sampleSeries() : source === 'stream' ? streamSeries() : csvSeries($('fcCsv').value);
    const horizon = Math.max(1, Math.floor(Number($('fcHorizon').value) || 24));
    const period = Math.max(1, Math.floor(Number($('fcPeriod').value) || 1));
    fcAbort = new AbortController();
    $('fcRun').disabled = true;
    $('fcCancel').disabled = false;
    $('fcProgress').textContent = '';
    $('fcProgress').className = '';
    const t0 = performance.now();
    try {
      let model;
      if ($('fcModel').value === 'auto') {
        model = await analysis.autoArima(values, {
          period,
          signal: fcAbort.signal,
          onProgress: (p) => ($('fcProgress').textContent = `tried ${p.tried} models${p.best ? `, best so far AICc ${fmt(p.best.aicc, 1)}` : ''}`),
        });
      } else {
        const order = $('fcOrder').value.split(',').map((x) => Number(x.trim()));
        model = await analysis.arima(values, { order, ...(period > 1 ? { seasonal: { order: [0, 1, 1], period } } : {}), signal: fcAbort.signal });
      }
      const f = await model.forecast(horizon, { level: [80, 95] });
      const ms = performance.now() - t0;
      const n = values.length;
      const xs = Array.from({ length: n + horizon }, (_, i) => i);
      const hist = [...values, ...Array(horizon).fill(null)];
      // The forecast line starts at the last observation so it joins the history.
      const join = (arr) => [...Array(n - 1).fill(null), values[n - 1], ...arr];
      fcChart.setData([xs, hist, join(f.mean), join(f.lower[0]), join(f.upper[0]), join(f.lower[1]), join(f.upper[1])]);
      const so = model.seasonal && model.seasonal.period > 1 ? `(${model.seasonal.order.join(',')})${model.seasonal.period}` : '';
      $('fcOrderOut').textContent = `ARIMA(${model.order.join(',')})${so}`;
      $('fcAicc').textContent = fmt(model.aicc, 1);
      // Each coefficient with its standard error (R's var.coef), as R prints them.
      const terms = [];
      for (const part of ['ar', 'ma', 'sar', 'sma']) {
        model.coef[part].forEach((v, i) => terms.push(`${part}${i + 1} ${fmt(v, 3)} ± ${fmt(model.se[part][i], 3)}`));
      }
      for (const part of ['mean', 'drift']) if (model.coef[part] !== null) terms.push(`${part} ${fmt(model.coef[part], 3)} ± ${fmt(model.se[part], 3)}`);
      $('fcCoef').textContent = terms.length ? terms.join(', ') : 'none';
      $('fcTime').textContent = `${fmt(ms, 0)} ms`;
      state.forecast = { order: model.order, aicc: model.aicc, ms, mean: Array.from(f.mean), lower: f.lower.map((a) => Array.from(a)), upper: f.upper.map((a) => Array.from(a)), level: f.level };
    } catch (e) {
      $('fcProgress').textContent = e?.name === 'AbortError' ? 'cancelled' : `error: ${e?.message ?? e}`;
      $('fcProgress').className = e?.name === 'AbortError' ? '' : 'bad';
    } finally {
      $('fcRun').disabled = false;
      $('fcCancel').disabled = true;
    }
  };
  $('fcCancel').onclick = () => fcAbort?.abort();

  // ---------------------------------------------------------------- clusters
  const COLORS = ['#2456d6', '#e39b1b', '#1f9d55', '#d23c3c', '#8e44ad', '#16a2b8', '#7a8699', '#c2185b', '#5d4037', '#827717'];
  let blobSeed = 1;
  const blobs = () => {
    let seed = blobSeed;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const centres = Array.from({ length: 4 }, () => [rand() * 20, rand() * 20]);
    return Array.from({ length: 5000 }, () => {
      const c = centres[Math.floor(rand() * 4)];
      return [c[0] + 1.3 * gauss(), c[1] + 1.3 * gauss()];
    });
  };
  // uPlot's scatter mode (mode 2) leaves drawing points to the series' `paths`: small squares.
  const drawPoints = (u, si) => {
    const [xs, ys] = u.data[si];
    const path = new Path2D();
    const size = 2.5 * devicePixelRatio;
    for (let i = 0; i < xs.length; i++) {
      const x = u.valToPos(xs[i], 'x', true);
      const y = u.valToPos(ys[i], 'y', true);
      path.rect(x - size / 2, y - size / 2, size, size);
    }
    return { fill: path, stroke: null };
  };
  const scatter = (el, w) =>
    new uPlot(
      {
        mode: 2,
        width: w,
        height: 260,
        legend: { show: false },
        scales: { x: { time: false } },
        series: [{}, ...COLORS.map((stroke, i) => ({ label: `cluster ${i + 1}`, stroke, fill: stroke, paths: drawPoints, points: { show: false } }))],
      },
      [null, ...COLORS.map(() => [[], []])],
      el,
    );
  const kmChart = scatter($('kmChart'), Math.floor(width($('kmChart')) * 0.6));
  const elbowChart = new uPlot(
    {
      width: Math.floor(width($('elbowChart')) * 0.36),
      height: 260,
      scales: { x: { time: false } },
      axes: [{ label: 'k' }, { label: 'inertia', size: 60 }],
      series: [{ label: 'k' }, { label: 'inertia', stroke: '#2456d6', width: 2, points: { show: true, size: 6 } }],
    },
    [[], []],
    $('elbowChart'),
  );
  state.charts.clusters = kmChart;
  state.charts.elbow = elbowChart;
  $('k').oninput = () => ($('kText').textContent = $('k').value);
  $('kmNew').onclick = () => {
    blobSeed++;
    $('kmRun').click();
  };
  let kmAbort = null;
  $('kmRun').onclick = async () => {
    const points = $('kmSource').value === 'blobs' ? blobs() : $('kmCsv').value.split(/\r?\n/).map((l) => l.split(/[,;\t ]+/).map(Number)).filter((p) => p.length >= 2 && p.every(Number.isFinite)).map((p) => p.slice(0, 2));
    const k = Number($('k').value);
    $('kmRun').disabled = true;
    $('kmCancel').disabled = false;
    $('kmProgress').textContent = '';
    kmAbort = new AbortController();
    const signal = kmAbort.signal;
    try {
      const t0 = performance.now();
      const r = await analysis.kmeans(points, { k, seed: 42, signal });
      const ms = performance.now() - t0;
      const groups = COLORS.map(() => [[], []]);
      r.labels.forEach((l, i) => {
        groups[l % COLORS.length][0].push(points[i][0]);
        groups[l % COLORS.length][1].push(points[i][1]);
      });
      kmChart.setData([null, ...groups]);
      $('inertia').textContent = fmt(r.inertia, 1);
      $('iterations').textContent = String(r.iterations);
      $('kmTime').textContent = `${fmt(ms, 1)} ms`;
      state.clusters = { k, inertia: r.inertia, iterations: r.iterations, ms, sizes: groups.map((g) => g[0].length).filter(Boolean) };
      const curve = await analysis.elbow(points, { kMin: 1, kMax: 8, signal, onProgress: (p) => ($('kmProgress').textContent = `elbow: ${p.done} of ${p.total} fitted`) });
      $('kmProgress').textContent = '';
      elbowChart.setData([curve.map((p) => p.k), curve.map((p) => p.inertia)]);
      state.elbow = curve.map((p) => ({ k: p.k, inertia: p.inertia }));
    } catch (e) {
      if (e?.name === 'AbortError') $('kmProgress').textContent = 'cancelled';
      else $('inertia').textContent = `error: ${e?.message ?? e}`;
    } finally {
      $('kmRun').disabled = false;
      $('kmCancel').disabled = true;
    }
  };
  $('kmCancel').onclick = () => kmAbort?.abort();

  // ---------------------------------------------------------------- delivery
  const faults = (body) => fetch('/collect/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  $('failRate').oninput = () => {
    $('failText').textContent = `${$('failRate').value}%`;
    void faults({ failRate: Number($('failRate').value) / 100 });
  };
  $('offline').onchange = () => void faults({ down: $('offline').checked });
  $('track1k').onclick = () => {
    for (let i = 0; i < 1000; i++) avila.track('demo.event', { i: state.tracked + i, source: 'playground' });
    state.tracked += 1000;
    $('tracked').textContent = state.tracked.toLocaleString('en');
  };
  $('flush').onclick = () => void avila.flush();
  const source = new EventSource('/collect/stream');
  source.addEventListener('update', (m) => {
    const { stats } = JSON.parse(m.data);
    state.collector = stats;
    state.received = stats.byName?.['demo.event'] ?? 0;
    $('receivedUnique').textContent = state.received.toLocaleString('en');
    $('cRequests').textContent = stats.requests.toLocaleString('en');
    $('cDuplicates').textContent = stats.duplicates.toLocaleString('en');
    $('cFailed').textContent = stats.faults.failed.toLocaleString('en');
    $('cReset').textContent = stats.faults.reset.toLocaleString('en');
    const v = $('deliveryVerdict');
    v.textContent = state.tracked === 0 ? '' : state.received === state.tracked ? `all ${state.tracked.toLocaleString('en')} tracked events received exactly once` : `${(state.tracked - state.received).toLocaleString('en')} on their way (kept in IndexedDB until acknowledged)`;
  });
  setInterval(async () => {
    const d = await avila.deliveryStats();
    $('batchesSent').textContent = d.batchesSent.toLocaleString('en');
    $('bytesSent').textContent = d.bytesSent.toLocaleString('en');
    $('retries').textContent = d.retries.toLocaleString('en');
    $('queued').textContent = `${d.queued.toLocaleString('en')} (${d.storage})`;
  }, 500);

  // ---------------------------------------------------------------- runtime
  const rt = { t: [], queue: [], p50: [], p99: [], throughput: [] };
  const rtChart = new uPlot(
    {
      width: width($('rtChart')),
      height: 180,
      scales: { x: { time: true }, ms: { auto: true }, n: { auto: true } },
      axes: [{}, { scale: 'ms', label: 'task ms' }, { scale: 'n', side: 1, label: 'tasks/s', grid: { show: false } }],
      series: [{}, { label: 'exec p50 ms', scale: 'ms', stroke: '#2456d6' }, { label: 'exec p99 ms', scale: 'ms', stroke: '#b44be1' }, { label: 'throughput /s', scale: 'n', stroke: '#1f9d55' }, { label: 'queue', scale: 'n', stroke: '#e39b1b' }],
    },
    [[], [], [], [], []],
    $('rtChart'),
  );
  setInterval(async () => {
    if (!state.ready) return;
    const [m, h] = await Promise.all([analysis.runtimeMetrics(), analysis.runtimeHealth()]);
    const c = avila.runtimeMetrics();
    rt.t.push(Date.now() / 1000);
    rt.p50.push(m.executionMs.p50);
    rt.p99.push(m.executionMs.p99);
    rt.throughput.push(m.throughput + (c?.throughput ?? 0));
    rt.queue.push(m.queue.length);
    for (const k of Object.keys(rt)) if (rt[k].length > 120) rt[k].shift();
    rtChart.setData([rt.t, rt.p50, rt.p99, rt.throughput, rt.queue]);
    const rows = [
      ['status', `${h?.status ?? '–'} (analysis), ${avila.health()?.status ?? '–'} (client)`],
      ['mode', `${m.mode}, workers ${m.workers.active + m.workers.idle} (active ${m.workers.active}, min ${m.workers.min}, max ${m.workers.max}, replaced ${m.workers.replaced})`],
      ['tasks', `${m.tasks.completed} completed, ${m.tasks.failed} failed, ${m.tasks.cancelled} cancelled, ${m.tasks.timedOut} timed out`],
      ['queue', `${m.queue.length} / ${m.queue.limit}`],
      ['execution ms', `p50 ${fmt(m.executionMs.p50, 2)}  p95 ${fmt(m.executionMs.p95, 2)}  p99 ${fmt(m.executionMs.p99, 2)}`],
      ['wait ms', `p50 ${fmt(m.waitMs.p50, 2)}  p99 ${fmt(m.waitMs.p99, 2)}`],
      ...(h?.checks ?? []).map((k) => [`check: ${k.name}`, `${k.status}${k.detail ? ` — ${k.detail}` : ''}`]),
    ];
    $('rtTable').replaceChildren(...rows.map(([a, b]) => {
      const tr = document.createElement('tr');
      tr.innerHTML = '<th></th><td></td>';
      tr.children[0].textContent = a;
      tr.children[1].textContent = b;
      return tr;
    }));
  }, 1000);

  // ---------------------------------------------------------------- CSV files
  // A chosen file fills the panel's text box and becomes its data source (a header line is skipped
  // by the parsers, which keep numeric rows only).
  const upload = (input, textarea, select, run) => {
    $(input).onchange = async () => {
      const file = $(input).files?.[0];
      if (!file) return;
      $(textarea).value = await file.text();
      $(select).value = 'csv';
      $(run).click();
    };
  };
  upload('fcFile', 'fcCsv', 'fcSource', 'fcRun');
  upload('kmFile', 'kmCsv', 'kmSource', 'kmRun');

  // ---------------------------------------------------------------- start
  Promise.all([avila.ready, analysis.ready()])
    .then(() => {
      watch();
      state.ready = true;
      $('status').textContent = `SDK ${Avila.version} ready.`;
      $('kmRun').click();
      $('fcRun').click();
    })
    .catch((e) => {
      $('status').textContent = `could not start: ${e?.message ?? e}`;
      $('status').className = 'bad';
    });

  // ---------------------------------------------------------------- analytics
  const STEPS = ['/', 'product_viewed', 'add_to_cart', 'checkout_started', 'order_completed'];
  const WEEK = 7 * 86_400_000;
  state.analytics = { funnel: null, retention: null, attribution: null, experiment: null, live: [] };
  const ask = async (kind, query) => {
    const r = await fetch(`/analytics/${kind}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ app: 'shop', ...query }) });
    const body = await r.json();
    if (!r.ok) throw new Error(`${kind}: ${body.error}`);
    return body;
  };
  const bars = (el, label, colour, names) =>
    new uPlot(
      {
        width: Math.max(320, Math.floor(width(el) / 2) - 8),
        height: 230,
        scales: { x: { time: false, range: (u) => [-0.5, Math.max(0.5, u.data[0].length - 0.5)] }, y: { range: (u, min, max) => [0, Math.max(1, max) * 1.08] } },
        axes: [{ values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) ? (names()[t] ?? '') : '')), rotate: -20, size: 60 }, { size: 55 }],
        series: [{}, { label, stroke: colour, fill: colour + '99', paths: uPlot.paths.bars({ size: [0.6, 60] }), points: { show: false } }],
      },
      [[], []],
      el,
    );
  let channels = [];
  const funnelChart = bars($('funnelChart'), 'people', '#2456d6', () => STEPS);
  const attributionChart = bars($('attributionChart'), 'credit (orders)', '#1f9d6b', () => channels);
  state.charts.funnel = funnelChart;
  state.charts.attribution = attributionChart;

  const showAttribution = () => {
    const a = state.analytics.attribution;
    if (!a) return;
    const list = a.models[$('attrModel').value] ?? [];
    channels = list.map((c) => c.channel);
    attributionChart.setData([list.map((_, i) => i), list.map((c) => c.credit)]);
    $('attrText').textContent = `${fmt(a.conversions, 0)} (${$('attrModel').value}: ${list.slice(0, 3).map((c) => `${c.channel} ${fmt(c.credit, 0)}`).join(', ')})`;
  };
  $('attrModel').addEventListener('change', showAttribution);

  // Customers: recency (days) × value, one colour per named RFM segment.
  const SEGMENT_COLOURS = { champions: '#1f9d6b', loyal: '#2456d6', potential_loyalists: '#6a8cf0', new_customers: '#17becf', promising: '#9ccf5a', need_attention: '#e3b505', about_to_sleep: '#f28e2b', at_risk: '#d62728', cannot_lose: '#8c1d40', hibernating: '#888888' };
  const SEGMENTS = Object.keys(SEGMENT_COLOURS);
  const rfmChart = new uPlot(
    {
      mode: 2,
      width: Math.max(320, Math.floor(width($('rfmChart')) * 0.58)),
      height: 260,
      legend: { show: false },
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'days since last order' }, { label: 'value (log)', size: 60 }],
      series: [{}, ...SEGMENTS.map((s) => ({ label: s, stroke: SEGMENT_COLOURS[s], fill: SEGMENT_COLOURS[s], paths: drawPoints, points: { show: false } }))],
    },
    [null, ...SEGMENTS.map(() => [[], []])],
    $('rfmChart'),
  );
  state.charts.rfm = rfmChart;
  let clvEdges = [];
  const clvChart = bars($('clvChart'), 'customers', '#8c1d40', () => clvEdges);
  state.charts.clv = clvChart;

  async function refreshCustomers() {
    const customers = { purchase: 'order_completed', amount: 'amount' };
    const rfm = await ask('rfm', customers);
    if (rfm.people.length < 10) {
      // No shop yet: segments and the models need customers (the endpoints would answer 400).
      state.analytics.rfm = rfm;
      $('clvText').textContent = $('segmentsText').textContent = 'generate the shop first';
      return;
    }
    const [segments, clv] = await Promise.all([
      ask('segments', { ...customers, features: ['recency', 'frequency', 'monetary'], log: true, kRange: [2, 6], labels: false }).catch((e) => ({ error: e.message })),
      ask('clv', { ...customers, unit: 'week', horizon: 52, discountRate: 0.1 }).catch((e) => ({ error: e.message })),
    ]);
    Object.assign(state.analytics, { rfm, segments, clv });
    rfmChart.setData([null, ...SEGMENTS.map((s) => {
      const people = rfm.people.filter((p) => p.segment === s && p.monetary > 0);
      return [people.map((p) => p.recencyDays), people.map((p) => p.monetary)];
    })]);
    $('rfmTable').replaceChildren(
      row('th', ['segment', 'customers', 'share', 'mean days', 'mean orders', 'mean value']),
      ...rfm.segments.filter((s) => s.people > 0).map((s) => {
        const tr = row('td', [s.segment.replaceAll('_', ' '), fmt(s.people, 0), `${fmt(100 * s.share, 1)}%`, fmt(s.meanRecencyDays, 1), fmt(s.meanFrequency, 2), fmt(s.meanMonetary, 0)]);
        tr.children[0].style.color = SEGMENT_COLOURS[s.segment];
        return tr;
      }),
    );
    $('segmentsText').textContent = segments.error
      ? segments.error
      : `k = ${segments.k} by silhouette (${segments.silhouette.map((s) => `${s.k}: ${fmt(s.score, 2)}`).join(', ')}); sizes ${segments.sizes.join(', ')}; centroids ${segments.centroids.map((c) => `(${c.map((v) => fmt(v, 1)).join(', ')})`).join(' ')}`;
    if (clv.error) {
      $('clvText').textContent = clv.error;
      return;
    }
    // A histogram of CLV: 20 bins up to the 98th percentile, the rest in the last.
    const values = clv.people.map((p) => p.clv).filter((v) => v !== null).sort((a, b) => a - b);
    const top = values[Math.floor(0.98 * (values.length - 1))] ?? 1;
    const counts = new Array(20).fill(0);
    for (const v of values) counts[Math.min(19, Math.floor((20 * v) / top))]++;
    clvEdges = counts.map((_, i) => fmt((top * i) / 20, 0));
    clvChart.setData([counts.map((_, i) => i), counts]);
    const se = (v, s) => (s === undefined || s === null ? fmt(v, 3) : `${fmt(v, 3)} ± ${fmt(s, 3)}`);
    const b = clv.bgnbd, g = clv.gammaGamma;
    $('clvTable').replaceChildren(
      row('th', ['model', 'parameters (± standard error)']),
      row('td', ['BG/NBD', `r ${se(b.r, b.standardErrors?.r)}, α ${se(b.alpha, b.standardErrors?.alpha)}, a ${se(b.a, b.standardErrors?.a)}, b ${se(b.b, b.standardErrors?.b)}${b.converged ? '' : ' (not converged)'}`]),
      row('td', ['Gamma-Gamma', g ? `p ${se(g.p, g.standardErrors?.p)}, q ${se(g.q, g.standardErrors?.q)}, γ ${se(g.gamma, g.standardErrors?.gamma)}` : 'too few repeat customers']),
    );
    const alive = clv.people.reduce((t, p) => t + p.pAlive, 0) / clv.people.length;
    $('clvText').textContent = `${fmt(clv.customers, 0)} (${fmt(clv.repeatCustomers, 0)} repeat); mean P(alive) ${fmt(100 * alive, 1)}%; next 52 weeks: ${fmt(clv.totals.expectedPurchases, 0)} orders, CLV ${clv.totals.clv === null ? '–' : fmt(clv.totals.clv, 0)}`;
  }

  async function refreshAnalytics() {
    const t0 = performance.now();
    const [funnel, retention, attribution, experiment] = await Promise.all([
      ask('funnel', { steps: STEPS, windowMs: WEEK }),
      ask('retention', { start: '/', returning: 'order_completed', period: 'week', periods: 8 }),
      ask('attribution', { conversion: 'order_completed', lookbackMs: 30 * 86_400_000 }),
      ask('experiment', { experiment: 'checkout-button', goal: 'order_completed' }),
    ]);
    Object.assign(state.analytics, { funnel, retention, attribution, experiment });
    $('queryTime').textContent = `${fmt(performance.now() - t0, 0)} ms for four`;
    funnelChart.setData([funnel.steps.map((_, i) => i), funnel.steps.map((s) => s.people)]);
    $('funnelText').textContent = funnel.steps.map((s) => fmt(s.people, 0)).join(' → ') + (funnel.steps.at(-1).fromFirst !== null ? ` (${fmt(100 * funnel.steps.at(-1).fromFirst, 1)}% end to end)` : '');
    showAttribution();
    const periods = retention.cohorts[0]?.counts.length ?? 0;
    $('retentionTable').replaceChildren(
      row('th', ['cohort', 'people', ...Array.from({ length: periods }, (_, i) => `week ${i}`)]),
      ...retention.cohorts.map((c) => {
        // Periods that have not ended yet are left blank, not shown as 0%.
        const ended = (i) => Date.parse(c.start) + (i + 1) * WEEK <= Date.now();
        const tr = row('td', [c.start, fmt(c.size, 0), ...c.rates.map((r, i) => (ended(i) || i === 0 ? `${fmt(100 * r, 1)}%` : ''))]);
        c.rates.forEach((r, i) => {
          if (ended(i) || i === 0) tr.children[i + 2].style.background = `rgba(36, 86, 214, ${Math.min(1, 0.08 + r * (i === 0 ? 0.35 : 2.5)).toFixed(2)})`;
        });
        return tr;
      }),
    );
    const pct = (x) => `${fmt(100 * x, 2)}%`;
    $('experimentTable').replaceChildren(
      row('th', ['variant', 'exposed', 'ordered', 'rate', 'vs control (95% interval)', 'p-value', 'P(beats control)']),
      ...experiment.variants.map((v) =>
        row('td', [v.variant, fmt(v.exposures, 0), fmt(v.conversions, 0), pct(v.rate), v.vsControl ? `${pct(v.vsControl.difference)} (${pct(v.vsControl.interval[0])} … ${pct(v.vsControl.interval[1])})` : '–', v.vsControl ? fmt(v.vsControl.pValue, 4) : '–', v.vsControl ? pct(v.vsControl.probabilityToBeat) : '–']),
      ),
    );
    const srm = experiment.sampleRatio;
    await refreshCustomers();
    $('srmText').textContent = srm ? `sample ratio: χ² ${fmt(srm.statistic, 2)}, p ${fmt(srm.pValue, 3)} — ${srm.mismatch ? 'MISMATCH: fix the assignment before reading the result' : 'no mismatch'}` : '';
  }
  function row(cell, values) {
    const tr = document.createElement('tr');
    for (const v of values) {
      const c = document.createElement(cell);
      c.textContent = v;
      tr.append(c);
    }
    return tr;
  }

  $('shopGenerate').addEventListener('click', async () => {
    $('shopGenerate').disabled = true;
    $('shopStatus').textContent = 'generating…';
    try {
      const r = await fetch('/collect/shop', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ visitors: Number($('shopVisitors').value), seed: Math.floor(Math.random() * 1e6) }) });
      const body = await r.json();
      if (!r.ok) throw new Error(body.error ?? r.status);
      $('shopStatus').textContent = `${fmt(body.events, 0)} events from ${fmt(body.visitors, 0)} visitors stored`;
      await refreshAnalytics();
      state.analytics.generated = (state.analytics.generated ?? 0) + 1;
    } catch (e) {
      $('shopStatus').textContent = String(e.message ?? e);
      state.errors.push(String(e.message ?? e));
    } finally {
      $('shopGenerate').disabled = false;
    }
  });
  // A shop stored by an earlier run (the DuckDB file under .avila/) shows at once.
  refreshAnalytics().catch((e) => state.errors.push(String(e.message ?? e)));

  const windows = new EventSource('/analytics/live');
  windows.addEventListener('window', (m) => {
    const w = JSON.parse(m.data);
    state.analytics.live.push(w);
    if (state.analytics.live.length > 200) state.analytics.live.shift();
    const table = $('liveWindows');
    const tr = row('td', [`${w.window} (${w.kind})`, w.app, new Date(w.end).toLocaleTimeString(), fmt(w.events, 0), fmt(w.people, 0), w.latencyMs ? `${fmt(w.latencyMs.p50, 0)} / ${fmt(w.latencyMs.p99, 0)} ms` : '–']);
    table.rows[0].after(tr);
    while (table.rows.length > 9) table.deleteRow(-1);
  });
})();
