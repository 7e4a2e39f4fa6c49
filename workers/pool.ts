/**
 * Worker processes for the pipeline, behind one `spawnWorker()`: `child_process.fork` in plain Node (CLI,
 * tests, the browser shell), Electron's `utilityProcess` when the Electron host registers it (the only place
 * that may import Electron). Each worker is wrapped with typed message/exit events; the pool sizes itself to the
 * machine, replaces a worker that dies (failing the task it ran with a clear error), and kills a worker that
 * does not honour a cancel within a grace period.
 */
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SightlineError, fromErrorInfo } from '../domain/errors';
import type { Progress } from '../domain/progress';
import type { FromWorker, ToWorker } from './protocol';
import type { TaskKind, TaskParams, TaskResult } from './tasks/registry';

export interface WorkerHandle {
  readonly pid: number | undefined;
  send(m: ToWorker): void;
  onMessage(fn: (m: FromWorker) => void): void;
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export interface SpawnOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly execArgv: string[];
}

export type WorkerSpawner = (entry: string, opts: SpawnOptions) => WorkerHandle;

const forkSpawner: WorkerSpawner = (entry, opts) => {
  const child = fork(entry, [], { env: opts.env, execArgv: opts.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (fn) => child.on('message', (m) => fn(m as FromWorker)),
    onExit: (fn) => child.on('exit', (code, signal) => fn(code, signal)),
    kill: () => child.kill('SIGKILL'),
  };
};

let spawner: WorkerSpawner = forkSpawner;

/** The Electron host calls this once at start-up with a utilityProcess-based spawner. */
export function setWorkerSpawner(s: WorkerSpawner): void {
  spawner = s;
}

/** The worker entry: compiled JS next to this file, or the TypeScript source run through tsx (tests, dev). */
function workerEntry(): { entry: string; execArgv: string[] } {
  const js = path.join(__dirname, 'worker.js');
  if (fs.existsSync(js)) return { entry: js, execArgv: [] };
  return { entry: path.join(__dirname, 'worker.ts'), execArgv: ['--import', 'tsx'] };
}

export function spawnWorker(threads: number): WorkerHandle {
  const { entry, execArgv } = workerEntry();
  return spawner(entry, {
    execArgv,
    // Cap the threads each worker's ONNX sessions and libvips use, so that workers do not fight for cores.
    env: { ...process.env, SIGHTLINE_THREADS: String(threads), SIGHTLINE_INTRA_OP_THREADS: String(threads), UV_THREADPOOL_SIZE: String(Math.max(2, threads)), VIPS_CONCURRENCY: String(threads) },
  });
}

export interface RunTaskOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly onLog?: (message: string, level: 'info' | 'warn') => void;
  /**
   * A batch of results streamed by the task (see protocol.ts). The batch is acknowledged to the worker once this
   * returns (or its promise resolves), so the worker waits while the parent stores. Batches arrive in order; a
   * throw fails the task.
   */
  readonly onPartial?: (data: unknown) => void | Promise<void>;
}

interface Slot {
  readonly handle: WorkerHandle;
  readonly ready: Promise<void>;
  task: PendingTask | undefined;
  exited: boolean;
}

interface PendingTask {
  readonly id: number;
  readonly kind: TaskKind;
  readonly params: unknown;
  readonly opts: RunTaskOptions;
  resolve(v: unknown): void;
  reject(e: unknown): void;
  cancelTimer?: NodeJS.Timeout;
  /** The chain of streamed batches being stored, in order. */
  partials: Promise<void>;
  partialError?: unknown;
}

export interface PoolOptions {
  /** Number of worker processes; default: `defaultPoolShape`. */
  readonly size?: number;
  /** Threads per worker for inference; default: `defaultPoolShape` (or cores / size, rounded down, for a given size). */
  readonly threadsPerWorker?: number;
  /** How long a cancelled task may take to stop before its worker is killed. */
  readonly cancelGraceMs?: number;
}

/**
 * The default pool for `cores` CPU cores: one worker per core but one (the main process and the UI keep a core), at
 * most 4, each with cores / workers ONNX threads — except on one or two cores, where there is one worker per core,
 * each with every core's thread. There, two workers beat one: a worker's own JavaScript (resampling, alignment,
 * PNG encoding) runs on one core, and while it does, a lone worker's second ONNX thread has nothing to do. And each
 * keeps both threads, so a single task (an enhancement) runs as fast as before; ONNX threads do not spin
 * (inference/session.ts), so two workers running at once share the cores without loss. Measured with the
 * still-camera recipe of `npm run bench -- analysis` on the 2-core machine (1080p, 240 frames, two segments):
 * 1 worker × 2 threads 3.7 analysed frames/s; 2 workers × 1 thread 5.1–5.3; 2 workers × 2 threads 5.1.
 */
export function defaultPoolShape(cores: number): { size: number; threadsPerWorker: number } {
  if (cores <= 2) return { size: Math.max(1, cores), threadsPerWorker: Math.max(1, cores) };
  const size = Math.min(4, cores - 1);
  return { size, threadsPerWorker: Math.max(1, Math.floor(cores / size)) };
}

export class WorkerPool {
  readonly size: number;
  readonly threadsPerWorker: number;
  private readonly slots: Slot[] = [];
  private readonly queue: PendingTask[] = [];
  private nextId = 1;
  private closed = false;
  /** Worker deaths observed (for diagnostics and tests). */
  crashes = 0;

  constructor(private readonly opts: PoolOptions = {}) {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    this.size = Math.max(1, opts.size ?? defaultPoolShape(cores).size);
    this.threadsPerWorker = Math.max(1, opts.threadsPerWorker ?? (opts.size === undefined ? defaultPoolShape(cores).threadsPerWorker : Math.floor(cores / this.size)));
  }

  /** Run a task in some worker; resolves with its result (typed by the task registry), rejects with a SightlineError. */
  run<K extends TaskKind>(kind: K, params: TaskParams<K>, opts: RunTaskOptions = {}): Promise<TaskResult<K>> {
    if (this.closed) return Promise.reject(new SightlineError('INTERNAL', 'the worker pool is closed'));
    if (opts.signal?.aborted) return Promise.reject(new SightlineError('CANCELLED', `${kind} cancelled`));
    return new Promise<TaskResult<K>>((resolve, reject) => {
      const task: PendingTask = { id: this.nextId++, kind, params, opts, resolve: resolve as (v: unknown) => void, reject, partials: Promise.resolve() };
      opts.signal?.addEventListener('abort', () => this.cancel(task), { once: true });
      this.queue.push(task);
      this.dispatch();
    });
  }

  /** PIDs of the live workers (tests kill one to prove crashes are handled). */
  pids(): number[] {
    return this.slots.filter((s) => !s.exited && s.handle.pid !== undefined).map((s) => s.handle.pid!);
  }

  /** The PID of the worker running a task of this kind right now, if any. */
  pidRunning(kind: TaskKind): number | undefined {
    return this.slots.find((s) => s.task?.kind === kind)?.handle.pid;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) t.reject(new SightlineError('CANCELLED', `${t.kind} cancelled: shutting down`));
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.exited) return resolve();
            s.handle.onExit(() => resolve());
            s.handle.send({ type: 'shutdown' });
            setTimeout(() => {
              if (!s.exited) s.handle.kill();
            }, 2000).unref();
          }),
      ),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.exited && !s.task);
      if (!slot) {
        if (this.slots.filter((s) => !s.exited).length >= this.size) return;
        slot = this.spawn();
      }
      const task = this.queue.shift()!;
      slot.task = task;
      const s = slot;
      void s.ready.then(() => {
        if (s.task === task && !s.exited) s.handle.send({ type: 'run', taskId: task.id, kind: task.kind, params: task.params });
      });
    }
  }

  private spawn(): Slot {
    const handle = spawnWorker(this.threadsPerWorker);
    let markReady!: () => void;
    const slot: Slot = { handle, ready: new Promise<void>((r) => (markReady = r)), task: undefined, exited: false };
    handle.onMessage((m) => {
      if (m.type === 'ready') return markReady();
      const task = slot.task;
      if (!task || m.taskId !== task.id) return;
      switch (m.type) {
        case 'progress':
          task.opts.onProgress?.({ stage: m.stage, current: m.current, total: m.total, ...(m.unit ? { unit: m.unit } : {}) });
          break;
        case 'log':
          task.opts.onLog?.(m.message, m.level);
          break;
        case 'partial': {
          // In order: each batch waits for the one before it to be stored, then is acknowledged.
          const seq = m.seq;
          task.partials = task.partials.then(async () => {
            if (slot.task !== task) return;
            try {
              await task.opts.onPartial?.(m.data);
              slot.handle.send({ type: 'ack', taskId: task.id, seq });
            } catch (e) {
              task.partialError ??= e;
              slot.handle.send({ type: 'cancel', taskId: task.id });
            }
          });
          break;
        }
        case 'done':
          // Every streamed batch is stored before the task counts as done.
          void task.partials.then(() => {
            if (slot.task !== task) return;
            this.settle(slot, () => (task.partialError ? task.reject(task.partialError) : task.resolve(m.result)));
          });
          break;
        case 'failed':
          void task.partials.then(() => {
            if (slot.task !== task) return;
            this.settle(slot, () => task.reject(task.partialError ?? fromErrorInfo(m.error)));
          });
          break;
      }
    });
    handle.onExit((code, signal) => {
      slot.exited = true;
      this.slots.splice(this.slots.indexOf(slot), 1);
      const task = slot.task;
      slot.task = undefined;
      if (task) {
        clearTimeout(task.cancelTimer);
        this.crashes++;
        if (task.opts.signal?.aborted) task.reject(new SightlineError('CANCELLED', `${task.kind} cancelled`));
        else task.reject(new SightlineError('TOOL_FAILED', `the worker process (pid ${handle.pid}) died during ${task.kind} (${signal ?? `exit code ${code}`}); nothing from it was recorded`));
      }
      if (!this.closed) this.dispatch();
    });
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, fn: () => void): void {
    clearTimeout(slot.task?.cancelTimer);
    slot.task = undefined;
    fn();
    this.dispatch();
  }

  private cancel(task: PendingTask): void {
    const qi = this.queue.indexOf(task);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      task.reject(new SightlineError('CANCELLED', `${task.kind} cancelled`));
      return;
    }
    const slot = this.slots.find((s) => s.task === task);
    if (!slot) return;
    slot.handle.send({ type: 'cancel', taskId: task.id });
    // Cooperative first; a worker stuck in native code is killed (and replaced) after the grace period.
    task.cancelTimer = setTimeout(() => {
      if (slot.task === task) slot.handle.kill();
    }, this.opts.cancelGraceMs ?? 1500);
    task.cancelTimer.unref();
  }
}
