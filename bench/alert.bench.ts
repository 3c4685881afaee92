// An alert rule at its 100,000-value cap: the cost of recording one value and of one evaluation
// (once a second) when half the window expires at once — the ring buffer (src/client/alerts)
// against the array with shift() it replaced, kept here as the peer.
import { AlertRule, MAX_ALERT_VALUES } from '../src/client/alerts/alert-rule.js';
import { medianMs } from './lib/measure.js';
import type { Bench } from './lib/types.js';

/** The previous rule's storage: objects in an array, shift() at the cap and on expiry. */
class ShiftWindow {
  private readonly values: { t: number; v: number }[] = [];
  push(v: number, t: number): void {
    this.values.push({ t, v });
    if (this.values.length > MAX_ALERT_VALUES) this.values.shift();
  }
  mean(now: number, windowMs: number): number {
    while (this.values.length && this.values[0]!.t < now - windowMs) this.values.shift();
    const xs = this.values.map((x) => x.v);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  }
}

const PUSHES = 20_000;

const bench: Bench = {
  title: 'alert rule at 100,000 values: record and evaluate',
  envs: ['node'],
  async run(ctx) {
    const windowMs = 100_000;
    const full = () => {
      const ours = new AlertRule('a', { metric: 'm', when: 'mean > 1e9', window: windowMs }, () => NaN);
      const peer = new ShiftWindow();
      for (let i = 0; i < MAX_ALERT_VALUES; i++) {
        ours.push(i % 100, i);
        peer.push(i % 100, i);
      }
      return { ours, peer };
    };
    // record(): PUSHES more values into a full window (each drops the oldest).
    let t = MAX_ALERT_VALUES;
    const a = full();
    const oursPush = (await medianMs(() => { for (let i = 0; i < PUSHES; i++) a.ours.push(i % 100, t++); }, { minRuns: 5 })) / PUSHES;
    const peerPush = (await medianMs(() => { for (let i = 0; i < 200; i++) a.peer.push(i % 100, t++); }, { minRuns: 5 })) / 200;
    // evaluate(): half the window expires, then the statistic over the other half.
    const evalOurs: number[] = [];
    const evalPeer: number[] = [];
    for (let r = 0; r < 5; r++) {
      const b = full();
      const now = MAX_ALERT_VALUES / 2 + windowMs;
      let s = performance.now();
      b.ours.evaluate(now);
      evalOurs.push(performance.now() - s);
      s = performance.now();
      b.peer.mean(now, windowMs);
      evalPeer.push(performance.now() - s);
    }
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[xs.length >> 1]!;
    ctx.log(`record ${(oursPush * 1000).toFixed(3)} µs vs ${(peerPush * 1000).toFixed(1)} µs; evaluate ${median(evalOurs).toFixed(2)} ms vs ${median(evalPeer).toFixed(1)} ms (goals: ≤ 1 µs, ≤ 5 ms)`);
    return [
      { name: 'alert record() at the cap', unit: 'µs', ours: oursPush * 1000, peer: peerPush * 1000, peerName: 'array + shift() (before)', higherIsBetter: false },
      { name: 'alert evaluate(), 50k expire', unit: 'ms', ours: median(evalOurs), peer: median(evalPeer), peerName: 'array + shift() (before)', higherIsBetter: false },
    ];
  },
};
export default bench;
