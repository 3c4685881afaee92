import type { Kernels } from '../kernels/index.js';
import { abortReason, QueueFullError, TimeoutError, WorkerCrashedError } from './errors.js';
import type { Executor } from './execute.js';
import {
  LatencyRecorder,
  RateMeter,
  worst,
  type Health,
  type HealthCheck,
  type RuntimeMetrics,
  type Status,
} from './metrics.js';
import { reviveError, type ObjectSpec, type Outcome, type ResultOf, type Task, type WireError } from './protocol.js';
import { inlineSlot, type Slot } from './slots.js';

export interface PoolOptions {
  /** URL of avila-telemetry.worker.js; null runs everything on the calling thread. */
  workerUrl: URL | string | null;
  /** Starts a worker slot (kept out of the edge build, which has no workers). */
  workerSlot?: (url: URL | string, module: WebAssembly.Module) => Slot;
  /** What health() says when workerUrl is null. */
  inlineReason?: string;
  /** Workers kept alive. Default 1. */
  minWorkers?: number;
  /** Upper bound on workers. Default min(4, hardwareConcurrency − 1), at least 1. */
  maxWorkers?: number;
  /** Tasks waiting beyond this are refused with QueueFullError. Default 1000. */
  maxQueue?: number;
  /** A task running longer is failed with TimeoutError and its worker replaced. Default 30 s. */
  taskTimeoutMs?: number;
  /** A worker is added when more than this many tasks wait. Default 2. */
  targetQueueLength?: number;
  /** Minimum time between two scaling steps. Default 200 ms. */
  scaleCooldownMs?: number;
  /** A worker above minWorkers idle this long is stopped. Default 30 s. */
  idleTimeoutMs?: number;
  /** Interval of the heartbeat sent to idle workers; no answer within two intervals = dead. Default 2 s. */
  heartbeatMs?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Overrides taskTimeoutMs for this task. */
  timeoutMs?: number;
}

/** Builds a task; `owned` asks for inputs the runtime may transfer (a fresh copy). Called once per attempt. */
export type TaskFactory<T extends Task> = (owned: boolean) => T;

interface Job {
  make: TaskFactory<Task>;
  op: string;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
  timeoutMs: number;
  attempts: number;
  enqueuedAt: number;
  startedAt: number;
  /** Pinned object the task belongs to: it must run on that object's slot, in order. */
  objectId: number | null;
  /** Restores, replays, checkpoints: not counted as user tasks. */
  internal: boolean;
  settled: boolean;
  slot: Slot | null;
  timer: ReturnType<typeof setTimeout> | null;
}

interface Pinned {
  id: number;
  spec: ObjectSpec;
  slot: Slot;
  /** State saved by the worker, and the values pushed since, to re-create the object elsewhere. */
  checkpoint: Uint8Array | null;
  log: Float64Array[];
  logValues: number;
  saving: boolean;
  disposed: boolean;
  /** Its tasks, run in order on its slot. */
  queue: Job[];
}

/** Values pushed into a pinned object after which its state is saved on the main thread. */
const CHECKPOINT_VALUES = 16_384;
const CHECKPOINT_PUSHES = 256;
/** Consecutive worker start failures after which the pool runs tasks on the calling thread. */
const START_FAILURES_BEFORE_INLINE = 2;
/** Worker losses within a minute from which health reports the pool as degraded. */
const FLAPPING_INCIDENTS = 3;

const now = () => performance.now();

/**
 * Runs kernel tasks on a pool of Web Workers, or on the calling thread.
 *
 * - Scales between minWorkers and maxWorkers on queue length, with a cooldown.
 * - Per-task timeouts and AbortSignal cancellation: a running task is stopped by terminating its
 *   worker, which is replaced.
 * - A worker that dies (uncaught error, wasm trap, no heartbeat) is replaced; its running task is
 *   retried once on the new worker, then rejected with WorkerCrashedError.
 * - Stateful objects (detectors, sketches) are pinned to one worker. The pool keeps a checkpoint
 *   of each and the values pushed since, and re-creates them on the replacement, so a crash loses
 *   nothing.
 * - If workers cannot start (blocked by CSP, script missing), it falls back to the calling thread.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Set<Job>();
  private readonly pinned = new Map<number, Pinned>();
  private readonly min: number;
  private readonly max: number;
  private readonly maxQueue: number;
  private readonly taskTimeoutMs: number;
  private readonly targetQueue: number;
  private readonly cooldownMs: number;
  private readonly idleTimeoutMs: number;
  private readonly heartbeatMs: number;
  private readonly heartbeat: ReturnType<typeof setInterval> | null = null;
  private readonly execution: LatencyRecorder;
  private readonly wait: LatencyRecorder;
  private readonly rate = new RateMeter(10);
  private readonly createdAt = now();
  private lastScale = -Infinity;
  private scaleTimer: ReturnType<typeof setTimeout> | null = null;
  private startFailures = 0;
  private inlineReason: string | null = null;
  private readonly incidents: { at: number; what: string }[] = [];
  private lastHeartbeatRound = now();
  private nextObjectId = 1;
  private closed = false;
  private readonly counts = { spawned: 0, completed: 0, failed: 0, timedOut: 0, cancelled: 0, retried: 0, rejected: 0 };
  private readonly workerCounts = { spawned: 0, replaced: 0 };
  private maxQueueSeen = 0;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly executor: Executor,
    kernels: Kernels,
    private readonly options: PoolOptions,
  ) {
    const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 2;
    this.max = Math.max(1, Math.floor(options.maxWorkers ?? Math.min(4, cores - 1)));
    this.min = Math.min(this.max, Math.max(0, Math.floor(options.minWorkers ?? 1)));
    this.maxQueue = options.maxQueue ?? 1000;
    this.taskTimeoutMs = options.taskTimeoutMs ?? 30_000;
    this.targetQueue = options.targetQueueLength ?? 2;
    this.cooldownMs = options.scaleCooldownMs ?? 200;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 2000;
    this.execution = new LatencyRecorder(kernels);
    this.wait = new LatencyRecorder(kernels);
    if (options.workerUrl === null || !options.workerSlot) {
      this.inlineReason = options.inlineReason ?? 'no Web Worker in this environment';
      this.addSlot(inlineSlot(executor));
    } else {
      for (let i = 0; i < Math.max(1, this.min); i++) this.spawn();
      this.heartbeat = setInterval(() => this.tick(), this.heartbeatMs);
      (this.heartbeat as { unref?: () => void }).unref?.();
    }
  }

  get mode(): 'workers' | 'inline' {
    return this.inlineReason === null ? 'workers' : 'inline';
  }

  // ---- slots ----

  private live(): Slot[] {
    return this.slots.filter((s) => s.state !== 'dead');
  }

  private addSlot(slot: Slot): Slot {
    this.slots.push(slot);
    slot.onDeath = (reason) => this.crash(slot, reason);
    slot.ready.then(
      () => {
        if (slot.state !== 'starting') return;
        slot.state = 'idle';
        slot.idleSince = slot.lastSeen = now();
        this.startFailures = 0;
        this.pump();
      },
      (e: unknown) => this.crash(slot, `could not start: ${(e as Error)?.message ?? e}`),
    );
    return slot;
  }

  private spawn(): Slot {
    this.lastScale = now();
    if (this.inlineReason !== null || this.options.workerUrl === null || !this.options.workerSlot) {
      const existing = this.live()[0];
      return existing ?? this.addSlot(inlineSlot(this.executor));
    }
    this.workerCounts.spawned++;
    try {
      return this.addSlot(this.options.workerSlot(this.options.workerUrl, this.module));
    } catch (e) {
      // new Worker() throws synchronously when CSP forbids the script, or it is cross-origin.
      this.fallBackInline(`new Worker() failed: ${(e as Error)?.message ?? e}`);
      return this.live()[0]!;
    }
  }

  private fallBackInline(reason: string): void {
    if (this.inlineReason !== null) return;
    this.inlineReason = `workers unavailable (${reason}); running on the calling thread`;
    this.incident(this.inlineReason);
    for (const s of this.live()) {
      const job = this.runningOn(s);
      this.retire(s);
      if (job) this.requeue(job, 'workers unavailable');
    }
    const inline = this.addSlot(inlineSlot(this.executor));
    for (const p of this.pinned.values()) this.rehome(p, inline);
  }

  private retire(slot: Slot): void {
    slot.kill();
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  private incident(what: string): void {
    this.incidents.push({ at: now(), what });
    if (this.incidents.length > 20) this.incidents.shift();
  }

  /** A slot died on its own (or failed its heartbeat, or trapped): replace it, recover its work. */
  private crash(slot: Slot, reason: string): void {
    if (slot.state === 'dead' || this.closed) return;
    const neverStarted = slot.state === 'starting';
    const job = this.runningOn(slot);
    this.retire(slot);
    this.incident(`worker ${slot.id} died: ${reason}`);
    // Requeue its task first: the restore jobs queued below go in front of it.
    if (job) this.requeue(job, reason);
    if (neverStarted && slot.kind === 'worker' && ++this.startFailures >= START_FAILURES_BEFORE_INLINE) {
      this.fallBackInline(reason);
    } else {
      this.workerCounts.replaced++;
      this.replace(slot);
    }
    this.pump();
  }

  /** A task whose slot died: retried once, then failed. Internal jobs are re-issued by rehome(). */
  private requeue(job: Job, reason: string): void {
    this.clearRun(job);
    if (job.settled) return;
    if (job.internal) {
      job.settled = true;
    } else if (job.attempts < 2) {
      this.counts.retried++;
      this.queueOf(job).unshift(job);
    } else {
      this.settle(job, false, new WorkerCrashedError(`avila-telemetry: the worker running '${job.op}' died twice (${reason})`));
    }
  }

  /** Starts a replacement for a lost slot and moves its pinned objects there. */
  private replace(dead: Slot): void {
    const orphans = [...this.pinned.values()].filter((p) => p.slot === dead);
    if (orphans.length === 0 && this.live().length >= Math.max(1, this.min)) return;
    const fresh = this.spawn();
    for (const p of orphans) this.rehome(p, fresh);
  }

  /** Re-creates a pinned object on another slot: its checkpoint, then the values pushed since. */
  private rehome(p: Pinned, slot: Slot): void {
    p.slot = slot;
    p.saving = false;
    const restore: Job[] = [
      this.internalJob(p.id, () => ({ op: 'object.create', id: p.id, ...p.spec, ...(p.checkpoint ? { state: p.checkpoint } : {}) }) as Task),
      ...p.log.map((values) => this.internalJob(p.id, () => ({ op: 'object.push', id: p.id, values }))),
    ];
    p.queue.unshift(...restore);
  }

  private runningOn(slot: Slot): Job | null {
    for (const j of this.running) if (j.slot === slot) return j;
    return null;
  }

  // ---- tasks ----

  run<T extends Task>(make: TaskFactory<T>, options: RunOptions = {}): Promise<ResultOf<T>> {
    return this.submit(make as TaskFactory<Task>, options, null, false) as Promise<ResultOf<T>>;
  }

  private internalJob(objectId: number, make: () => Task, onDone: () => void = () => {}): Job {
    return this.makeJob(make, {}, objectId, true, onDone, () => {});
  }

  private makeJob(
    make: TaskFactory<Task>,
    options: RunOptions,
    objectId: number | null,
    internal: boolean,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): Job {
    return {
      make,
      op: '',
      resolve,
      reject,
      signal: options.signal,
      onAbort: null,
      timeoutMs: options.timeoutMs ?? this.taskTimeoutMs,
      attempts: 0,
      enqueuedAt: now(),
      startedAt: 0,
      objectId,
      internal,
      settled: false,
      slot: null,
      timer: null,
    };
  }

  private submit(make: TaskFactory<Task>, options: RunOptions, objectId: number | null, internal: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('avila-telemetry: the runtime is closed'));
      if (!internal) this.counts.spawned++;
      if (options.signal?.aborted) {
        this.counts.cancelled++;
        return reject(abortReason(options.signal));
      }
      const waiting = this.queue.length;
      if (!internal && objectId === null && waiting >= this.maxQueue) {
        this.counts.rejected++;
        return reject(new QueueFullError(`avila-telemetry: ${waiting} tasks are waiting, the limit (maxQueue) is ${this.maxQueue}`));
      }
      // A pinned object's own queue has the same bound (a busy worker must not pile up pushes).
      const objectWaiting = objectId === null ? 0 : (this.pinned.get(objectId)?.queue.length ?? 0);
      if (!internal && objectWaiting >= this.maxQueue) {
        this.counts.rejected++;
        return reject(new QueueFullError(`avila-telemetry: ${objectWaiting} tasks are waiting for object ${objectId}, the limit (maxQueue) is ${this.maxQueue}`));
      }
      const job = this.makeJob(make, options, objectId, internal, resolve, reject);
      if (options.signal) {
        job.onAbort = () => this.abort(job);
        options.signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queueOf(job).push(job);
      this.maxQueueSeen = Math.max(this.maxQueueSeen, this.queue.length);
      this.pump();
    });
  }

  private settle(job: Job, ok: boolean, value: unknown): void {
    if (job.settled) return;
    job.settled = true;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  private clearRun(job: Job): void {
    if (job.timer !== null) clearTimeout(job.timer);
    job.timer = null;
    job.slot = null;
    this.running.delete(job);
  }

  private abort(job: Job): void {
    if (job.settled) return;
    this.counts.cancelled++;
    const slot = job.slot;
    if (slot) {
      // Kernels cannot be interrupted: stop the worker and start a fresh one.
      this.clearRun(job);
      this.settle(job, false, abortReason(job.signal!));
      this.stopSlot(slot, `task '${job.op}' was cancelled`);
    } else {
      const queue = this.queueOf(job);
      const i = queue.indexOf(job);
      if (i >= 0) queue.splice(i, 1);
      this.settle(job, false, abortReason(job.signal!));
    }
  }

  /** Terminates a healthy slot on purpose (timeout, cancel) and replaces it. */
  private stopSlot(slot: Slot, why: string): void {
    if (slot.kind === 'inline') return; // nothing to stop: the task already returned
    this.retire(slot);
    this.incident(`worker ${slot.id} stopped: ${why}`);
    this.workerCounts.replaced++;
    this.replace(slot);
    this.pump();
  }

  /** The queue a job waits in: its object's own, or the shared one. */
  private queueOf(job: Job): Job[] {
    return job.objectId === null ? this.queue : (this.pinned.get(job.objectId)?.queue ?? []);
  }

  private pump(): void {
    if (this.closed) return;
    // Objects first: each runs its own tasks in order, on its own slot.
    for (const p of this.pinned.values()) {
      if (p.queue.length > 0 && p.slot.state === 'idle') this.dispatch(p.slot, p.queue.shift()!);
    }
    while (this.queue.length > 0) {
      const slot = this.idleSlot();
      if (!slot) break;
      this.dispatch(slot, this.queue.shift()!);
    }
    if (this.queue.length > 0) this.scaleUp(this.queue.length);
  }

  private idleSlot(): Slot | undefined {
    // Prefer slots without objects waiting, so streams are not held up by bulk work.
    let fallback: Slot | undefined;
    for (const s of this.slots) {
      if (s.state !== 'idle') continue;
      let busyWithObjects = false;
      for (const p of this.pinned.values()) if (p.slot === s) busyWithObjects = true;
      if (!busyWithObjects) return s;
      fallback ??= s;
    }
    return fallback;
  }

  private scaleUp(waiting: number): void {
    const live = this.live();
    if (this.inlineReason !== null || live.length >= this.max) return;
    const starting = live.filter((s) => s.state === 'starting').length;
    if (starting > 0 || (waiting <= this.targetQueue && live.length > 0)) return;
    const wait = this.lastScale + this.cooldownMs - now();
    if (wait > 0) {
      if (this.scaleTimer === null) {
        this.scaleTimer = setTimeout(() => {
          this.scaleTimer = null;
          this.pump();
        }, wait);
      }
      return;
    }
    this.spawn();
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.state = 'busy';
    job.slot = slot;
    job.attempts++;
    job.startedAt = now();
    this.running.add(job);
    if (!job.internal && job.attempts === 1) this.wait.record(job.startedAt - job.enqueuedAt);
    let task: Task;
    try {
      task = job.make(slot.kind === 'worker');
    } catch (e) {
      this.clearRun(job);
      slot.state = 'idle';
      this.settle(job, false, e);
      queueMicrotask(() => this.pump());
      return;
    }
    job.op = task.op;
    if (Number.isFinite(job.timeoutMs) && slot.kind === 'worker') {
      job.timer = setTimeout(() => this.timeout(slot, job), job.timeoutMs);
    }
    // Pinned pushes keep their values for replay, so they are copied rather than transferred.
    slot.run(task, task.op !== 'object.push').then(
      (outcome) => this.done(slot, job, outcome),
      (e: unknown) => this.crash(slot, `the call failed: ${(e as Error)?.message ?? e}`),
    );
  }

  private timeout(slot: Slot, job: Job): void {
    if (job.slot !== slot || job.settled) return;
    this.counts.timedOut++;
    this.clearRun(job);
    this.settle(job, false, new TimeoutError(`avila-telemetry: task '${job.op}' ran longer than ${job.timeoutMs} ms; its worker was replaced`));
    this.stopSlot(slot, `task '${job.op}' timed out`);
  }

  private done(slot: Slot, job: Job, outcome: Outcome<unknown>): void {
    if (job.slot !== slot || slot.state === 'dead') return; // stale: the slot was stopped meanwhile
    const t = now();
    this.clearRun(job);
    slot.state = 'idle';
    slot.idleSince = slot.lastSeen = t;
    slot.pingSentAt = 0; // any answer proves the worker alive
    if (!outcome.ok && outcome.error.fatal) {
      // A wasm trap leaves the instance suspect: treat it as a crash (retry on a fresh worker).
      this.running.add(job);
      job.slot = slot;
      slot.state = 'busy';
      this.crash(slot, `wasm trap: ${outcome.error.message}`);
      return;
    }
    if (!job.internal) {
      this.execution.record(t - job.startedAt);
      this.rate.mark(t);
      if (outcome.ok) this.counts.completed++;
      else this.counts.failed++;
    }
    if (outcome.ok) this.settle(job, true, outcome.value);
    else this.settle(job, false, reviveError(outcome.error as WireError));
    this.pump();
  }

  // ---- pinned objects ----

  /** Creates a stateful object on one slot; returns its id. */
  pin(spec: ObjectSpec): number {
    const id = this.nextObjectId++;
    const live = this.live();
    // The slot holding the fewest objects (a new worker when there is room and none is free).
    const load = (s: Slot) => [...this.pinned.values()].filter((p) => p.slot === s).length;
    let slot = live.sort((a, b) => load(a) - load(b))[0];
    if (!slot || (load(slot) > 0 && live.length < this.max)) slot = this.spawn();
    const p: Pinned = { id, spec, slot, checkpoint: null, log: [], logValues: 0, saving: false, disposed: false, queue: [] };
    this.pinned.set(id, p);
    p.queue.push(this.internalJob(id, () => ({ op: 'object.create', id, ...spec }) as Task));
    this.pump();
    return id;
  }

  /** Runs a task on a pinned object. Pushed values are logged until the next checkpoint. */
  async callObject<T extends Task>(id: number, task: T, options: RunOptions = {}): Promise<ResultOf<T>> {
    const p = this.pinned.get(id);
    if (!p || p.disposed) throw new Error(`avila-telemetry: object ${id} was disposed`);
    const result = (await this.submit(() => task, options, id, false)) as ResultOf<T>;
    if (task.op === 'object.push' && this.pinned.get(id) === p && !p.disposed) {
      p.log.push(task.values);
      p.logValues += task.values.length;
      if (!p.saving && (p.logValues >= CHECKPOINT_VALUES || p.log.length >= CHECKPOINT_PUSHES)) this.checkpoint(p);
    }
    return result;
  }

  private checkpoint(p: Pinned): void {
    p.saving = true;
    this.submit(() => ({ op: 'object.save', id: p.id }), {}, p.id, true).then(
      (bytes) => {
        // Jobs of one object run in order: every push logged so far is in this state.
        if (this.pinned.get(p.id) !== p || !p.saving) return;
        p.checkpoint = bytes as Uint8Array;
        p.log = [];
        p.logValues = 0;
        p.saving = false;
      },
      () => {
        p.saving = false;
      },
    );
  }

  unpin(id: number): void {
    const p = this.pinned.get(id);
    if (!p || p.disposed) return;
    p.disposed = true;
    p.log = [];
    p.queue.push(this.internalJob(id, () => ({ op: 'object.dispose', id }), () => this.pinned.delete(id)));
    this.pump();
  }

  // ---- health, metrics, heartbeat ----

  private tick(): void {
    if (this.closed) return;
    const t = now();
    this.lastHeartbeatRound = t;
    for (const s of this.live()) {
      if (s.kind !== 'worker' || s.state !== 'idle') continue;
      if (s.pingSentAt > 0 && t - s.pingSentAt > 2 * this.heartbeatMs) {
        this.crash(s, `no heartbeat answer for ${Math.round(t - s.pingSentAt)} ms`);
        continue;
      }
      if (s.pingSentAt === 0) {
        s.pingSentAt = t;
        s.run({ op: 'ping' }, false).then(
          () => {
            s.lastSeen = now();
            s.pingSentAt = 0;
          },
          () => {},
        );
      }
    }
    // Scale down: one idle worker above the minimum, holding no objects, per cooldown.
    if (t - this.lastScale >= this.cooldownMs) {
      const spare = this.live().filter(
        (s) => s.state === 'idle' && t - s.idleSince > this.idleTimeoutMs && ![...this.pinned.values()].some((p) => p.slot === s),
      );
      if (spare.length > 0 && this.live().length > Math.max(1, this.min)) {
        this.retire(spare[0]!);
        this.lastScale = t;
      }
    }
    if (this.live().length < Math.max(1, this.min)) this.spawn();
  }

  metrics(): RuntimeMetrics {
    const live = this.live();
    const [p50, p95, p99] = this.execution.quantiles([0.5, 0.95, 0.99]);
    const [w50, w99] = this.wait.quantiles([0.5, 0.99]);
    return {
      mode: this.mode,
      tasks: { ...this.counts },
      queue: { length: this.queue.length, max: this.maxQueueSeen, limit: this.maxQueue },
      workers: {
        active: live.filter((s) => s.kind === 'worker' && s.state === 'busy').length,
        idle: live.filter((s) => s.kind === 'worker' && s.state === 'idle').length,
        starting: live.filter((s) => s.state === 'starting').length,
        spawned: this.workerCounts.spawned,
        replaced: this.workerCounts.replaced,
        min: this.min,
        max: this.max,
      },
      executionMs: { count: this.execution.count, mean: this.execution.mean, p50: p50!, p95: p95!, p99: p99! },
      waitMs: { p50: w50!, p99: w99! },
      throughput: this.rate.rate(now()),
    };
  }

  health(): Health {
    const t = now();
    const live = this.live();
    const checks: HealthCheck[] = [];
    checks.push({ name: 'kernels', status: 'healthy', detail: 'kernels.wasm instantiated', ageMs: t - this.createdAt });
    if (this.inlineReason !== null) {
      const forced = this.options.workerUrl === null;
      checks.push({ name: 'workers', status: forced ? 'healthy' : 'degraded', detail: forced ? 'inline mode: ' + this.inlineReason : this.inlineReason, ageMs: 0 });
    } else {
      const ready = live.filter((s) => s.state === 'idle' || s.state === 'busy').length;
      const status: Status = ready >= Math.max(1, this.min) ? 'healthy' : live.length > 0 ? 'degraded' : 'unhealthy';
      checks.push({ name: 'workers', status, detail: `${ready} ready, ${live.length - ready} starting (min ${this.min}, max ${this.max})`, ageMs: 0 });
      const silent = live.filter((s) => s.state !== 'starting').map((s) => (s.state === 'busy' ? 0 : t - s.lastSeen));
      const oldest = silent.length ? Math.max(...silent) : 0;
      checks.push({
        name: 'heartbeat',
        status: oldest > 2 * this.heartbeatMs + 1000 ? 'degraded' : 'healthy',
        detail: `every idle worker answered within ${Math.round(oldest)} ms`,
        ageMs: t - this.lastHeartbeatRound,
      });
    }
    const waiting = this.queue.length;
    checks.push({
      name: 'queue',
      status: waiting >= this.maxQueue ? 'unhealthy' : waiting >= 0.8 * this.maxQueue ? 'degraded' : 'healthy',
      detail: `${waiting} waiting of ${this.maxQueue} allowed`,
      ageMs: 0,
    });
    // One replaced worker is recovery working; several in a minute is a pool that keeps failing.
    const recent = this.incidents.filter((i) => t - i.at < 60_000).length;
    const last = this.incidents[this.incidents.length - 1];
    checks.push({
      name: 'incidents',
      status: recent >= FLAPPING_INCIDENTS ? 'degraded' : 'healthy',
      detail: last ? `${recent} in the last minute; last: ${last.what}` : 'none',
      ageMs: last ? t - last.at : t - this.createdAt,
    });
    return { status: worst(checks.map((c) => c.status)), checks };
  }

  close(): void {
    this.closed = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    if (this.scaleTimer !== null) clearTimeout(this.scaleTimer);
    for (const s of [...this.slots]) this.retire(s);
    const pending = [...this.queue.splice(0), ...[...this.pinned.values()].flatMap((p) => p.queue.splice(0)), ...this.running];
    for (const job of pending) {
      this.clearRun(job);
      this.settle(job, false, new Error('avila-telemetry: the runtime is closed'));
    }
    this.execution.dispose();
    this.wait.dispose();
  }
}
