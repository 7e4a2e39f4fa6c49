/**
 * The persisted job queue of an open case.
 *
 * Jobs are rows (`queued → running → succeeded | failed | cancelled | abandoned`) so they survive a restart. A
 * job whose process was killed (or that was queued by a process that is gone) ends `abandoned` when a queue next
 * opens the case: audited, shown, never run again on its own. `retry` queues it again as a new job, only when a
 * user asks. Closing a case cleanly returns its unfinished jobs to the queue for the next app to run. Each kind of job has a handler; a handler gets
 * a cancellation signal, a progress reporter and `commit`, which writes its results, its audit entry and the
 * job's `succeeded` state in one transaction, so results are visible exactly when the job has succeeded.
 * Failures that may be transient (a worker that died, a tool that crashed) are retried up to `max_attempts`.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { CaseHandle } from './case';
import { canonicalJson } from '../domain/canonicalJson';
import { SightlineError, toErrorInfo, type ErrorCode, type ErrorInfo } from '../domain/errors';
import type { Progress } from '../domain/progress';
import type { AppJobs } from './jobKinds';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'abandoned';

export interface Job<K extends string = string, P = Record<string, unknown>, R = unknown> {
  readonly id: number;
  readonly kind: K;
  readonly state: JobState;
  readonly params: P;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: ErrorInfo | null;
  readonly progress: { stage: string | null; current: number; total: number };
  /** What the job's commit returned; null until it has succeeded. */
  readonly result: R | null;
  /** "pid@host" of the process running (or last running) the job. */
  readonly runner: string | null;
  /** "pid@host" of the process that queued it; null: any app may run it. */
  readonly owner: string | null;
  /** The job this one retries (a retry is a new job, queued when the user asked). */
  readonly retryOf: number | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

export interface JobProgressEvent extends Progress {
  readonly jobId: number;
  readonly kind: string;
  /** Seconds left in this stage at the current rate; null until it can be estimated. */
  readonly etaSeconds: number | null;
}

/**
 * One kind of job: what a caller passes (`input`, before defaults), what is stored and run (`params`, validated
 * and normalised) and what the job's commit returns (`result`). A registry maps kind names to specs
 * (core/jobKinds.ts holds the app's); `enqueue` and `waitFor` are checked against it at compile time.
 */
export interface JobSpec {
  readonly input: unknown;
  readonly params: Record<string, unknown>;
  readonly result: unknown;
}
/** A registry: kind names to specs (an interface such as AppJobs, or a test's own). */
export type JobRegistry<R> = { readonly [K in keyof R]: JobSpec };

/** A job of kind K of registry R, with its params and result typed. */
export type JobOf<R extends JobRegistry<R>, K extends keyof R & string> = Job<K, R[K]['params'], R[K]['result']>;

/** A job that has succeeded: its result is there. */
export type SucceededJob<R extends JobRegistry<R>, K extends keyof R & string> = JobOf<R, K> & { readonly state: 'succeeded'; readonly result: R[K]['result'] };

export function hasSucceeded<J extends Job>(job: J): job is J & { readonly state: 'succeeded'; readonly result: NonNullable<J['result']> } {
  return job.state === 'succeeded';
}

export interface JobContext<S extends JobSpec = JobSpec> {
  readonly job: Job;
  /** The job's parameters, validated again by its handler just before this run (the row may be old). */
  readonly params: S['params'];
  readonly case: CaseHandle;
  readonly signal: AbortSignal;
  progress(p: Progress): void;
  /**
   * Write the job's results: `fn` runs in one IMMEDIATE transaction together with marking the job succeeded.
   * Call it once, at the end; its return value is stored as the job's result.
   */
  commit(fn: () => S['result']): S['result'];
}

/**
 * A progress callback for reports that arrive from outside the job's own code (a worker's messages): it never
 * throws. `ctx.progress` throws CANCELLED once the job is cancelled, which is a cancellation point in the job's own
 * loop but must not escape from the pool's message handler; a progress report is never worth failing the run for.
 */
export function progressRelay(ctx: Pick<JobContext, 'signal' | 'progress'>): (p: Progress) => void {
  return (p) => {
    if (ctx.signal.aborted) return;
    try {
      ctx.progress(p);
    } catch {
      // dropped: see above
    }
  };
}

export interface JobHandler<S extends JobSpec = JobSpec> {
  /** Check and normalise parameters before queueing and again before each run (they may come from an old row). */
  validate(params: unknown): S['params'];
  run(ctx: JobContext<S>): Promise<void>;
}

/** One handler per kind of a registry. */
export type JobHandlers<R extends JobRegistry<R>> = { readonly [K in keyof R]: JobHandler<R[K]> };

/** Parse job parameters with a zod-like schema; a failure is a one-line INVALID_INPUT naming the kind. */
export function parseJobParams<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } } }, params: unknown, kind: string): T {
  const r = schema.safeParse(params);
  if (!r.success) throw new SightlineError('INVALID_INPUT', `bad parameters for ${kind}: ${r.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

/** Errors worth another attempt: the input was fine, something around it failed. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(['TOOL_FAILED', 'INTERNAL']);

interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  params_json: string;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  progress_stage: string | null;
  progress_current: number;
  progress_total: number;
  result_json: string | null;
  runner: string | null;
  owner: string | null;
  retry_of: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

function toJob(r: JobRow): Job {
  // A job still `running` or `queued` for a process that is gone is abandoned, whether or not a queue has
  // recorded it yet (a reading view opens the case read-only and records nothing).
  const gone = orphanedBy(r);
  return {
    id: r.id,
    kind: r.kind,
    state: gone ? 'abandoned' : r.state,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: gone ? abandonedError(r.id, gone) : r.last_error ? (JSON.parse(r.last_error) as ErrorInfo) : null,
    progress: { stage: r.progress_stage, current: r.progress_current, total: r.progress_total },
    result: r.result_json ? (JSON.parse(r.result_json) as unknown) : null,
    runner: r.runner,
    owner: r.owner,
    retryOf: r.retry_of,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export interface JobEvents {
  changed: [Job];
  progress: [JobProgressEvent];
}

/** Read-only view of a case's jobs (the CLI's `sightline jobs` uses it without running anything). */
export function listJobs(c: CaseHandle, opts: { limit?: number } = {}): Job[] {
  return (c.db.prepare('SELECT * FROM jobs ORDER BY id DESC LIMIT ?').all(opts.limit ?? 200) as JobRow[]).map(toJob);
}

export function getJob(c: CaseHandle, id: number): Job {
  const r = c.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no job ${id} in this case`);
  return toJob(r);
}

export const THIS_RUNNER = `${process.pid}@${os.hostname()}`;

/** Is the process that claimed (or queued) a job gone? Only answerable for this host; another host's jobs are left alone. */
function processGone(runner: string): boolean {
  const at = runner.indexOf('@');
  const pid = Number(runner.slice(0, at));
  if (runner.slice(at + 1) !== os.hostname() || !Number.isInteger(pid)) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/** The process whose end orphaned this job ("pid@host"), or null when the job is not orphaned. */
function orphanedBy(r: Pick<JobRow, 'state' | 'runner' | 'owner'>): string | null {
  if (r.state === 'running') return !r.runner ? 'an unknown process' : processGone(r.runner) ? r.runner : null;
  if (r.state === 'queued' && r.owner) return processGone(r.owner) ? r.owner : null;
  return null;
}

function closedError(jobId: number, when: string): ErrorInfo {
  return {
    code: 'ABANDONED',
    message: `the case was closed ${when}; nothing it produced was recorded. Retry it if it is still wanted (sightline jobs retry DIR ${jobId}, or Retry in the jobs panel)`,
  };
}

function abandonedError(jobId: number, by: string): ErrorInfo {
  return {
    code: 'ABANDONED',
    message: `the process that ran this job (${by}) ended before it finished; nothing it produced was recorded. Retry it if it is still wanted (sightline jobs retry DIR ${jobId}, or Retry in the jobs panel)`,
  };
}

/**
 * Jobs of a process that was killed end abandoned: their partial work was never committed, and running them
 * again now, unasked, could let a stale job's results replace newer ones. Jobs of a live process (the app while
 * the CLI works on the same case, or the reverse) are left to it. Called when a case is opened for work and when
 * a queue starts; each is audited once (`job.abandoned`).
 */
export function abandonOrphanedJobs(c: CaseHandle): number[] {
  const orphans = (c.db.prepare(`SELECT * FROM jobs WHERE state IN ('running', 'queued') ORDER BY id`).all() as JobRow[])
    .map((r) => ({ row: r, by: orphanedBy(r) }))
    .filter((o): o is { row: JobRow; by: string } => o.by !== null);
  if (orphans.length === 0) return [];
  return c.db
    .transaction(() => {
      const done: number[] = [];
      const abandon = c.db.prepare(`UPDATE jobs SET state = 'abandoned', finished_at = ?, last_error = ?, progress_stage = NULL WHERE id = ? AND state = ?`);
      for (const { row, by } of orphans) {
        const error = abandonedError(row.id, by);
        if (abandon.run(new Date().toISOString(), JSON.stringify(error), row.id, row.state).changes !== 1) continue;
        c.audit.append({
          action: 'job.abandoned',
          params: { jobId: row.id, kind: row.kind, was: row.state, process: by, attempts: row.attempts, progress: { stage: row.progress_stage, current: row.progress_current, total: row.progress_total }, params: JSON.parse(row.params_json) as unknown },
        });
        done.push(row.id);
      }
      return done;
    })
    .immediate();
}

export interface JobQueueOptions {
  readonly concurrency?: number;
  /**
   * 'all' (the app): run every queued job of the case that is this process's or no one's (rows queued before jobs
   * recorded their owner); another live process's queued jobs are its own.
   * 'own' (the CLI): run only the jobs this queue enqueued; other processes' queued jobs are theirs.
   */
  readonly scope?: 'all' | 'own';
}

export class JobQueue<R extends JobRegistry<R> = AppJobs> extends EventEmitter<JobEvents> {
  private readonly running = new Map<number, AbortController>();
  private readonly own = new Set<number>();
  private stopped = false;
  private pumping = false;

  constructor(
    private readonly c: CaseHandle,
    private readonly handlers: JobHandlers<R>,
    private readonly opts: JobQueueOptions = {},
  ) {
    super();
    abandonOrphanedJobs(c);
  }

  enqueue<K extends keyof R & string>(kind: K, params: R[K]['input'], opts: { maxAttempts?: number } = {}): JobOf<R, K> {
    const handler = this.handler(kind);
    if (!handler) throw new SightlineError('INVALID_INPUT', `unknown job kind ${kind}`);
    const clean = handler.validate(params);
    const id = this.insert(kind, clean, opts.maxAttempts ?? 2, null);
    const job = getJob(this.c, id);
    this.emit('changed', job);
    this.pump();
    return job as JobOf<R, K>;
  }

  /**
   * Queue a job that ended abandoned, failed or cancelled again, as a new job (a new attempt, queued now: its
   * results count as newer than anything queued before this call). Only ever on a user's request; audited.
   */
  retry(id: number): Job {
    const old = getJob(this.c, id);
    if (old.state !== 'abandoned' && old.state !== 'failed' && old.state !== 'cancelled') {
      throw new SightlineError('INVALID_INPUT', `job ${id} is ${old.state}: only a job that ended abandoned, failed or cancelled can be retried`);
    }
    const handler = this.handler(old.kind);
    if (!handler) throw new SightlineError('INVALID_INPUT', `unknown job kind ${old.kind}`);
    // The stored parameters are checked again: the row may be from an older version.
    const clean = handler.validate(old.params);
    const newId = this.c.db
      .transaction(() => {
        const n = this.insert(old.kind, clean, old.maxAttempts, id);
        this.c.audit.append({ action: 'job.retry', params: { jobId: n, retryOf: id, kind: old.kind, previousState: old.state, params: clean } });
        return n;
      })
      .immediate();
    const job = getJob(this.c, newId);
    this.emit('changed', job);
    this.pump();
    return job;
  }

  private insert(kind: string, params: Record<string, unknown>, maxAttempts: number, retryOf: number | null): number {
    const id = Number(
      this.c.db
        .prepare(`INSERT INTO jobs (kind, state, params_json, max_attempts, created_at, owner, retry_of) VALUES (?, 'queued', ?, ?, ?, ?, ?)`)
        .run(kind, canonicalJson(params), maxAttempts, new Date().toISOString(), THIS_RUNNER, retryOf).lastInsertRowid,
    );
    this.own.add(id);
    return id;
  }

  list(): Job[] {
    return listJobs(this.c);
  }

  get(id: number): Job {
    return getJob(this.c, id);
  }

  /** Cancel a queued job at once, or ask a running one to stop (it ends `cancelled` when it has). */
  cancel(id: number): Job {
    const job = getJob(this.c, id);
    if (job.state === 'queued') {
      this.finish(id, 'cancelled', null);
    } else if (job.state === 'running') {
      this.running.get(id)?.abort();
    }
    return getJob(this.c, id);
  }

  /** Resolve when the job has ended (any final state); given the job itself, its params and result stay typed. */
  waitFor<K extends keyof R & string>(job: JobOf<R, K>): Promise<JobOf<R, K>>;
  waitFor(id: number): Promise<Job>;
  waitFor(ref: number | Job): Promise<Job> {
    const id = typeof ref === 'number' ? ref : ref.id;
    return new Promise((resolve) => {
      const check = (j: Job): void => {
        if (j.id === id && j.state !== 'queued' && j.state !== 'running') {
          this.off('changed', check);
          resolve(j);
        }
      };
      this.on('changed', check);
      check(getJob(this.c, id));
    });
  }

  /** The handler of a kind: own properties only (a row's kind must never reach Object.prototype). */
  private handler(kind: string): JobHandler | undefined {
    return Object.prototype.hasOwnProperty.call(this.handlers, kind) ? (this.handlers as unknown as Record<string, JobHandler>)[kind] : undefined;
  }

  /** Start queued jobs (never abandoned ones). */
  start(): void {
    this.stopped = false;
    this.pump();
  }

  /**
   * Stop taking jobs and cancel the running ones (closing the case). Nothing this process started or queued runs
   * later unasked: a job interrupted by the close, and a job of this process still waiting in the queue, end
   * `abandoned` (audited, with the reason) and can be retried in one step — the same rule as for a process that
   * was killed. Their partial work was never committed.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const waits = [...this.running.keys()].map((id) => this.waitFor(id));
    for (const ac of this.running.values()) ac.abort('shutdown');
    await Promise.all(waits);
    // (The case may already be closed: then its queued jobs stay this process's, and are abandoned once it ends.)
    if (this.c.readonly || !this.c.db.open) return;
    const waiting = this.c.db.prepare(`SELECT id FROM jobs WHERE state = 'queued' AND owner = ?`).all(THIS_RUNNER) as { id: number }[];
    for (const { id } of waiting) this.finish(id, 'abandoned', closedError(id, 'before it started'));
  }

  private pump(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      const limit = this.opts.concurrency ?? 1;
      const own = this.opts.scope === 'own';
      // Another live process's queued jobs are its own (it runs them and waits for them).
      const next = this.c.db.prepare(`SELECT id FROM jobs WHERE state = 'queued' AND id > ? AND (owner IS NULL OR owner = ?) ORDER BY id LIMIT 1`);
      // The claim is atomic: of two processes that see the same queued row, one update changes it.
      const claim = this.c.db.prepare(`UPDATE jobs SET state = 'running', runner = ?, attempts = attempts + 1, started_at = ?, last_error = NULL WHERE id = ? AND state = 'queued'`);
      let after = 0;
      while (this.running.size < limit) {
        const row = next.get(after, THIS_RUNNER) as { id: number } | undefined;
        if (!row) break;
        after = row.id;
        if (own && !this.own.has(row.id)) continue;
        if (claim.run(THIS_RUNNER, new Date().toISOString(), row.id).changes !== 1) continue;
        const ac = new AbortController();
        this.running.set(row.id, ac);
        const job = getJob(this.c, row.id);
        this.emit('changed', job);
        void this.execute(job, ac);
      }
    } finally {
      this.pumping = false;
    }
  }

  private async execute(job: Job, ac: AbortController): Promise<void> {
    const handler = this.handler(job.kind);
    let committed = false;
    let lastPersist = 0;
    let stageStart = { stage: '', t: 0, current: 0 };
    let params: Record<string, unknown> = job.params;
    const ctx: JobContext = {
      job,
      get params() {
        return params;
      },
      case: this.c,
      signal: ac.signal,
      progress: (p) => {
        if (ac.signal.aborted) throw new SightlineError('CANCELLED', `${job.kind} cancelled`);
        const now = performance.now();
        if (p.stage !== stageStart.stage) stageStart = { stage: p.stage, t: now, current: p.current };
        const rate = (p.current - stageStart.current) / Math.max(1e-3, (now - stageStart.t) / 1000);
        const etaSeconds = rate > 0 && now - stageStart.t > 500 ? Math.max(0, (p.total - p.current) / rate) : null;
        this.emit('progress', { jobId: job.id, kind: job.kind, ...p, etaSeconds });
        // Persist at most twice a second: the row is for recovery and for other processes, not for animation.
        if (now - lastPersist > 500 || p.current >= p.total) {
          lastPersist = now;
          this.c.db.prepare('UPDATE jobs SET progress_stage = ?, progress_current = ?, progress_total = ? WHERE id = ?').run(p.stage, p.current, p.total, job.id);
        }
      },
      commit: (fn: () => unknown): unknown => {
        if (committed) throw new Error('a job commits once');
        const value = this.c.db.transaction(() => {
          const v = fn();
          this.c.db
            .prepare(`UPDATE jobs SET state = 'succeeded', finished_at = ?, result_json = ? WHERE id = ?`)
            .run(new Date().toISOString(), v === undefined ? null : canonicalJson(v), job.id);
          return v;
        }).immediate();
        committed = true;
        return value;
      },
    };
    try {
      if (!handler) throw new SightlineError('INVALID_INPUT', `no handler for job kind ${job.kind}`);
      params = handler.validate(job.params);
      await handler.run(ctx);
      if (!committed) ctx.commit(() => undefined);
    } catch (e) {
      const info = toErrorInfo(e);
      if (committed) {
        // The results are in; a late error (e.g. in a progress callback) does not undo them.
      } else if (ac.signal.aborted && ac.signal.reason === 'shutdown') {
        if (this.c.db.open && !this.c.readonly) this.finish(job.id, 'abandoned', closedError(job.id, 'while it ran'));
      } else if (info.code === 'CANCELLED' || ac.signal.aborted) {
        this.finish(job.id, 'cancelled', null);
      } else if (RETRYABLE.has(info.code) && job.attempts < job.maxAttempts) {
        this.c.db.prepare(`UPDATE jobs SET state = 'queued', last_error = ? WHERE id = ?`).run(JSON.stringify(info), job.id);
      } else {
        this.finish(job.id, 'failed', info);
      }
    } finally {
      this.running.delete(job.id);
      this.emit('changed', getJob(this.c, job.id));
      this.pump();
    }
  }

  private finish(id: number, state: 'failed' | 'cancelled' | 'abandoned', error: ErrorInfo | null): void {
    this.c.db.transaction(() => {
      this.c.db.prepare('UPDATE jobs SET state = ?, finished_at = ?, last_error = ? WHERE id = ?').run(state, new Date().toISOString(), error ? JSON.stringify(error) : null, id);
      const job = getJob(this.c, id);
      this.c.audit.append({ action: `job.${state}`, params: { jobId: id, kind: job.kind, attempts: job.attempts, ...(error ? { error: error.message, code: error.code } : {}), params: job.params } });
    }).immediate();
    if (state !== 'failed') this.emit('changed', getJob(this.c, id));
  }
}
