// The client's value stream (every recorded value of a watched metric goes to a worker): a
// SharedArrayBuffer ring against batched postMessage, in a cross-origin isolated page. Measures
// the page's cost per value and the latency from record to the worker seeing it.
import type { Bench, Comparison } from './lib/types.js';

const RING = 1 << 16;

// Worker for both transports: reports each value's arrival time for latency probes.
const workerSource = `
let ring = null, idx = null;
onmessage = (e) => {
  const m = e.data;
  if (m.kind === 'sab') { ring = new Float64Array(m.buf, 16); idx = new Int32Array(m.buf, 0, 4); loop(); return; }
  if (m.kind === 'batch') {
    const t = performance.timeOrigin + performance.now();
    const v = m.values;
    if (m.probe) postMessage({ sent: v[0], seen: t });
    return;
  }
};
function loop() {
  // Consume whatever the page wrote, then sleep until notified.
  for (;;) {
    const head = Atomics.load(idx, 0);
    let tail = Atomics.load(idx, 1);
    if (head === tail) { Atomics.store(idx, 2, 1); Atomics.wait(idx, 0, head, 50); Atomics.store(idx, 2, 0); if (Atomics.load(idx, 3)) return; continue; }
    const t = performance.timeOrigin + performance.now();
    let last = 0;
    while (tail !== head) { last = ring[tail]; tail = (tail + 1) & ${RING - 1}; }
    Atomics.store(idx, 1, tail);
    if (last > 1e12) postMessage({ sent: last, seen: t });
  }
}`;

function percentile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))]!;
}

const bench: Bench = {
  title: 'value stream to a worker: SharedArrayBuffer ring vs batched postMessage (cross-origin isolated page)',
  envs: ['chromium'],
  isolated: true,
  async run(ctx) {
    if (!crossOriginIsolated) throw new Error('page is not cross-origin isolated');
    const url = URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
    const rows: Comparison[] = [];
    const now = () => performance.timeOrigin + performance.now();

    // --- postMessage: values buffered on the page, posted (transferred) once per task, as the
    // client's watch() does (flushed in a microtask) ---
    const mw = new Worker(url);
    let buffer: number[] = [];
    let scheduled = false;
    let probe = false;
    const flush = () => {
      scheduled = false;
      const values = Float64Array.from(buffer);
      buffer = [];
      mw.postMessage({ kind: 'batch', values, probe }, [values.buffer]);
      probe = false;
    };
    const pushMsg = (v: number) => {
      buffer.push(v);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    };
    // --- SAB ring ---
    const sab = new SharedArrayBuffer(16 + RING * 8);
    const idx = new Int32Array(sab, 0, 4);
    const ring = new Float64Array(sab, 16);
    const sw = new Worker(url);
    sw.postMessage({ kind: 'sab', buf: sab });
    const pushSab = (v: number) => {
      const head = idx[0]!;
      const next = (head + 1) & (RING - 1);
      if (next === Atomics.load(idx, 1)) return; // full: the client would count a drop
      ring[head] = v;
      Atomics.store(idx, 0, next);
      if (Atomics.load(idx, 2)) Atomics.notify(idx, 0);
    };

    // Page cost per value: 10^6 values, pushed in chunks of 1,000 with a yield between.
    const cost = async (push: (v: number) => void) => {
      let spent = 0;
      for (let c = 0; c < 1000; c++) {
        const t = performance.now();
        for (let i = 0; i < 1000; i++) push(i);
        spent += performance.now() - t;
        await new Promise((r) => setTimeout(r, 0));
      }
      return (spent * 1e6) / 1e6; // ns per value
    };
    const msgNs = await cost(pushMsg);
    const sabNs = await cost(pushSab);

    // Latency: one timestamped value every 2 ms, 500 times.
    const latency = async (w: Worker, push: (v: number) => void, mark: () => void) => {
      const seen: number[] = [];
      w.onmessage = (e) => seen.push(e.data.seen - e.data.sent);
      for (let i = 0; i < 500; i++) {
        mark();
        push(now());
        await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, 100));
      return seen;
    };
    const msgLat = await latency(mw, pushMsg, () => (probe = true));
    const sabLat = await latency(sw, pushSab, () => {});
    Atomics.store(idx, 3, 1);
    mw.terminate();
    sw.terminate();
    const us = (ms: number) => ms * 1000;
    ctx.log(`page cost per value: postMessage ${msgNs.toFixed(1)} ns, SAB ring ${sabNs.toFixed(1)} ns`);
    ctx.log(`latency record → worker: postMessage p50 ${us(percentile(msgLat, 0.5)).toFixed(0)} µs p99 ${us(percentile(msgLat, 0.99)).toFixed(0)} µs; SAB p50 ${us(percentile(sabLat, 0.5)).toFixed(0)} µs p99 ${us(percentile(sabLat, 0.99)).toFixed(0)} µs (${msgLat.length}/${sabLat.length} probes)`);
    rows.push({ name: 'value stream: page cost per value', unit: 'ns', ours: msgNs, peer: sabNs, peerName: 'SharedArrayBuffer ring', higherIsBetter: false });
    rows.push({ name: 'value stream: latency to worker p50', unit: 'µs', ours: us(percentile(msgLat, 0.5)), peer: us(percentile(sabLat, 0.5)), peerName: 'SharedArrayBuffer ring', higherIsBetter: false });
    rows.push({ name: 'value stream: latency to worker p99', unit: 'µs', ours: us(percentile(msgLat, 0.99)), peer: us(percentile(sabLat, 0.99)), peerName: 'SharedArrayBuffer ring', higherIsBetter: false });
    return rows;
  },
};
export default bench;
