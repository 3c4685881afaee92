import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Kernels, instantiateKernelsSync } from '../../src/kernels/index.js';
import { Executor } from '../../src/runtime/execute.js';
import { QueueFullError, TimeoutError, WorkerCrashedError } from '../../src/runtime/errors.js';
import { WorkerPool, type PoolOptions } from '../../src/runtime/pool.js';
import type { Outcome, Task } from '../../src/runtime/protocol.js';
import { slotId, type Slot } from '../../src/runtime/slots.js';
import { runtimeMetricsText } from '../../src/runtime/index.js';
import { toWireError } from '../../src/runtime/protocol.js';
import { WASM_URL } from '../helpers/analysis.js';

// The pool's logic, driven in Node with fake workers: each has its own kernels instance (as a
// real worker does) and can be told to be slow, hang, die or never start.

let module: WebAssembly.Module;
beforeAll(() => {
  module = new WebAssembly.Module(readFileSync(WASM_URL));
});

interface Behaviour {
  /** ms before a task answers. */
  delay: number;
  /** Tasks with these ops never answer. */
  hang: Set<string>;
  /** The next N tasks make the worker die instead of answering. */
  dieOnNext: number;
  /** Workers fail to start. */
  failStart: boolean;
  /** Idle workers ignore heartbeats. */
  deaf: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function fakeWorkers(b: Behaviour) {
  const started: FakeSlot[] = [];
  type FakeSlot = Slot & { die(reason: string): void; tasks: number };
  const factory = (): Slot => {
    const executor = new Executor(new Kernels(instantiateKernelsSync(module)));
    const t = performance.now();
    const slot: FakeSlot = {
      id: slotId(),
      kind: 'worker',
      state: 'starting',
      ready: b.failStart ? Promise.reject(new Error('script blocked')) : sleep(1),
      tasks: 0,
      async run(task: Task): Promise<Outcome<unknown>> {
        if (task.op === 'ping' && b.deaf) return new Promise(() => {});
        if (task.op !== 'ping') slot.tasks++;
        if (b.hang.has(task.op)) return new Promise(() => {});
        if (b.dieOnNext > 0 && task.op !== 'ping') {
          b.dieOnNext--;
          setTimeout(() => slot.die('simulated crash'), 1);
          return new Promise(() => {});
        }
        await sleep(b.delay);
        if (slot.state === 'dead') return new Promise(() => {});
        try {
          return { ok: true, value: executor.run(task) };
        } catch (e) {
          return { ok: false, error: toWireError(e) };
        }
      },
      kill() {
        slot.state = 'dead';
      },
      die(reason) {
        slot.onDeath?.(reason);
      },
      onDeath: null,
      startedAt: t,
      idleSince: t,
      lastSeen: t,
      pingSentAt: 0,
    };
    started.push(slot);
    return slot;
  };
  return { factory, started };
}

const pools: WorkerPool[] = [];
afterEach(() => {
  for (const p of pools.splice(0)) p.close();
});

function makePool(b: Partial<Behaviour> = {}, options: Partial<PoolOptions> = {}) {
  const behaviour: Behaviour = { delay: 1, hang: new Set(), dieOnNext: 0, failStart: false, deaf: false, ...b };
  const fake = fakeWorkers(behaviour);
  const kernels = new Kernels(instantiateKernelsSync(module));
  const pool = new WorkerPool(module, new Executor(kernels), kernels, {
    workerUrl: 'fake://worker.js',
    workerSlot: fake.factory,
    heartbeatMs: 50,
    ...options,
  });
  pools.push(pool);
  return { pool, behaviour, started: fake.started };
}

const quantilesTask = (values: number[]) => () => ({ op: 'quantiles' as const, values: Float64Array.from(values), probs: Float64Array.of(0.5) });

const waitFor = async (cond: () => boolean, ms = 3000) => {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('condition not reached in time');
    await sleep(5);
  }
};

describe('WorkerPool', () => {
  it('answers tasks and reports them in metrics (completed, latency percentiles, throughput)', async () => {
    const { pool } = makePool();
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(quantilesTask([n, 10 * n, 100 * n]))));
    expect(results.map((r) => Array.from(r as Float64Array))).toEqual([[10], [20], [30], [40], [50]]);
    const m = pool.metrics();
    expect(m.tasks).toMatchObject({ spawned: 5, completed: 5, failed: 0 });
    expect(m.executionMs.count).toBe(5);
    expect(m.executionMs.p50).toBeGreaterThan(0);
    expect(m.executionMs.p50).toBeLessThanOrEqual(m.executionMs.p99);
    expect(m.throughput).toBeCloseTo(0.5, 5); // 5 tasks over the 10 s window
    expect(pool.health().status).toBe('healthy');
  });

  it('fails a task that runs past its timeout with TimeoutError, replaces the worker and stays healthy', async () => {
    const { pool, behaviour, started } = makePool({ hang: new Set(['summary']) }, { taskTimeoutMs: 50 });
    const error = await pool.run(() => ({ op: 'summary', values: Float64Array.of(1, 2) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/'summary' ran longer than 50 ms; its worker was replaced/);
    behaviour.hang.clear();
    expect(Array.from(await pool.run(quantilesTask([1, 2, 3])))).toEqual([2]);
    expect(started[0]!.state).toBe('dead');
    expect(pool.metrics().tasks.timedOut).toBe(1);
    expect(pool.metrics().workers.replaced).toBe(1);
    expect(pool.health().status).toBe('healthy');
  });

  it('refuses tasks beyond maxQueue with QueueFullError, and serves the rest', async () => {
    const { pool } = makePool({ delay: 30 }, { maxQueue: 2, maxWorkers: 1 });
    await pool.run(quantilesTask([0])); // the worker is up
    const running = pool.run(quantilesTask([1]));
    const queued = [pool.run(quantilesTask([2])), pool.run(quantilesTask([3]))];
    const refused = await pool.run(quantilesTask([4])).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as Error).message).toMatch(/2 tasks are waiting, the limit \(maxQueue\) is 2/);
    expect((await Promise.all([running, ...queued])).map((r) => Array.from(r as Float64Array))).toEqual([[1], [2], [3]]);
    expect(pool.metrics().tasks.rejected).toBe(1);
    expect(pool.metrics().queue.max).toBe(2);
    expect(pool.health().status).toBe('healthy');
  });

  it('bounds a pinned object’s queue by maxQueue too, counting what it refuses', async () => {
    const { pool } = makePool({ delay: 30 }, { maxQueue: 3, maxWorkers: 1 });
    const id = pool.pin({ kind: 'detector', config: { method: 0, window: 20, threshold: 4, minSamples: 5 } });
    const push = () => pool.callObject(id, { op: 'object.push', id, values: Float64Array.of(1, 2, 3) }).then(() => 'ok', (e: Error) => e.name);
    const outcomes = await Promise.all(Array.from({ length: 10 }, push));
    expect(outcomes.filter((o) => o === 'QueueFullError').length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'ok').length).toBeLessThanOrEqual(1 + 3); // one running, three waiting at most
    expect(pool.metrics().tasks.rejected).toBe(outcomes.filter((o) => o === 'QueueFullError').length);
  });

  it('cancels a queued task and a running one with the signal’s reason; the pool recovers', async () => {
    const { pool, started } = makePool({ delay: 200 }, { maxWorkers: 1 });
    const running = new AbortController();
    const queued = new AbortController();
    const a = pool.run(quantilesTask([1]), { signal: running.signal });
    const b = pool.run(quantilesTask([2]), { signal: queued.signal });
    await sleep(20);
    queued.abort();
    running.abort(new Error('user navigated away'));
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    await expect(a).rejects.toThrow('user navigated away');
    expect(started[0]!.state).toBe('dead'); // the running task's worker was stopped
    expect(Array.from(await pool.run(quantilesTask([7])))).toEqual([7]);
    expect(pool.metrics().tasks.cancelled).toBe(2);
    expect(pool.health().status).toBe('healthy');
  });

  it('retries a task once on a fresh worker when its worker dies, then fails with WorkerCrashedError', async () => {
    const { pool, behaviour } = makePool({ dieOnNext: 1 });
    expect(Array.from(await pool.run(quantilesTask([4, 5, 6])))).toEqual([5]);
    expect(pool.metrics().tasks.retried).toBe(1);
    behaviour.dieOnNext = 2;
    const error = await pool.run(quantilesTask([1])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect((error as Error).message).toMatch(/'quantiles' died twice \(simulated crash\)/);
    expect(Array.from(await pool.run(quantilesTask([8])))).toEqual([8]);
    expect(pool.metrics().workers.replaced).toBe(3);
  });

  it('keeps a pinned detector’s state across worker crashes: anomalies equal an uninterrupted run', async () => {
    const xs = Float64Array.from({ length: 40_000 }, (_, i) => Math.sin(i / 7) + (i % 997 === 0 ? 9 : 0) + ((i * 7919) % 13) / 50);
    const config = { method: 0, window: 200, threshold: 4, minSamples: 200 };
    const reference = new Executor(new Kernels(instantiateKernelsSync(module)));
    reference.run({ op: 'object.create', id: 1, kind: 'detector', config });
    const expected = Array.from((reference.run({ op: 'object.push', id: 1, values: xs }) as { index: Int32Array }).index);

    const { pool, behaviour } = makePool();
    const id = pool.pin({ kind: 'detector', config });
    const found: number[] = [];
    for (let start = 0; start < xs.length; start += 1000) {
      // Crash the worker now and then, including after a checkpoint (every 16,384 values).
      if (start % 9000 === 5000) behaviour.dieOnNext = 1;
      const r = await pool.callObject(id, { op: 'object.push', id, values: xs.slice(start, start + 1000) });
      found.push(...Array.from(r!.index, (i) => i + start));
    }
    expect(found).toEqual(expected);
    expect(found.length).toBeGreaterThan(30);
    expect(pool.metrics().workers.replaced).toBeGreaterThanOrEqual(4);
  });

  it('scales up under a burst (up to maxWorkers) and back down to minWorkers when idle', async () => {
    const { pool } = makePool({ delay: 20 }, { maxWorkers: 3, minWorkers: 1, scaleCooldownMs: 10, idleTimeoutMs: 100 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => pool.run(quantilesTask([i]))));
    expect(pool.metrics().workers.spawned).toBe(3);
    await waitFor(() => pool.metrics().workers.idle === 1);
    expect(pool.metrics().workers.idle + pool.metrics().workers.active).toBe(1);
  });

  it('falls back to the calling thread when workers cannot start, and says why in health()', async () => {
    const { pool } = makePool({ failStart: true });
    expect(Array.from(await pool.run(quantilesTask([3, 1, 2])))).toEqual([2]);
    expect(pool.mode).toBe('inline');
    const workers = pool.health().checks.find((c) => c.name === 'workers')!;
    expect(workers.status).toBe('degraded');
    expect(workers.detail).toMatch(/workers unavailable \(could not start: script blocked\); running on the calling thread/);
  });

  it('replaces an idle worker that stops answering heartbeats', async () => {
    const { pool, behaviour, started } = makePool();
    await pool.run(quantilesTask([1]));
    behaviour.deaf = true;
    await waitFor(() => started[0]!.state === 'dead');
    behaviour.deaf = false;
    expect(Array.from(await pool.run(quantilesTask([2])))).toEqual([2]);
    expect(pool.health().checks.find((c) => c.name === 'incidents')!.detail).toMatch(/no heartbeat answer/);
  });

  it('exports its metrics as Prometheus text that parses line by line', async () => {
    const { pool } = makePool();
    await pool.run(quantilesTask([1, 2]));
    const text = runtimeMetricsText(pool.metrics(), pool.health());
    const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*")*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/;
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      expect(line).toMatch(sample);
    }
    expect(text).toMatch(/^avila_runtime_tasks_total\{outcome="completed"\} 1$/m);
    expect(text).toMatch(/^avila_runtime_health\{check="workers"\} 0$/m);
  });
});
