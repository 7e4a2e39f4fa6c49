import type { CliContext } from '../command';
import { closeSharedPool } from '../../../core/workerPool';
import { listTracks } from '../../../core/analysis/results';
import { openCase, type CaseHandle } from '../../../core/case';
import { listEvidence } from '../../../core/evidence';
import { checkAllEvidence, integrityError } from '../../../core/evidenceVerify';
import { escapeTerminal } from '../../../platform/terminalText';
import { SightlineError, cancelled, fromErrorInfo } from '../../../domain/errors';
import { defaultJobHandlers, type AppJobKind, type AppJobs } from '../../../core/jobKinds';
import { JobQueue, hasSucceeded, type Job, type SucceededJob } from '../../../core/jobs';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/**
 * Open the case for one command and always close it (checkpointing the WAL) afterwards. Commands that only read
 * pass `{ readonly: true }`: the database is opened read-only and nothing in the case folder is written. A case
 * opened for work has its evidence files re-checked against their recorded SHA-256 first (cached by file
 * identity, so only changed files are hashed); a file that differs is named on stderr, and is refused by
 * anything that reads it.
 */
export async function withCase<T>(dir: string, values: Values, fn: (c: CaseHandle) => Promise<T> | T, opts: { readonly?: boolean; ctx?: CliContext; verify?: boolean } = {}): Promise<T> {
  const examiner = typeof values.examiner === 'string' ? values.examiner : undefined;
  const c = openCase(dir, { ...(examiner ? { examiner } : {}), readonly: opts.readonly === true });
  try {
    reportRecovery(c);
    if (!opts.readonly && opts.verify !== false) await warnIntegrity(c, opts.ctx);
    return await fn(c);
  } finally {
    c.close();
  }
}

/** Say what opening the case recovered from a process that was killed (both are in the audit log too). */
function reportRecovery(c: CaseHandle): void {
  const r = c.recovery;
  if (!r) return;
  if (r.abandonedJobs.length > 0) {
    process.stderr.write(`sightline: note: job(s) ${r.abandonedJobs.map((id) => `#${id}`).join(', ')} ended abandoned: the process running them was killed (sightline jobs DIR lists them; sightline jobs retry DIR ID runs one again)\n`);
  }
  if (r.quarantine.folder) {
    process.stderr.write(`sightline: note: moved ${r.quarantine.files.length} file(s) the case does not record to ${escapeTerminal(r.quarantine.folder)} (left by a process that ended before its commit; audited as case.quarantine)\n`);
  }
}

async function warnIntegrity(c: CaseHandle, ctx: CliContext | undefined): Promise<void> {
  const checks = await checkAllEvidence(c, listEvidence(c), { ...(ctx ? { signal: ctx.signal, onProgress: (p) => ctx.progress(p) } : {}) });
  ctx?.progressDone();
  for (const check of checks) {
    const err = integrityError(check);
    if (err) process.stderr.write(`sightline: warning: ${escapeTerminal(err.message)}\n`);
  }
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function shortHash(h: string): string {
  return `${h.slice(0, 12)}…`;
}

export function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}

/**
 * Run one job through a queue of this process (scope 'own': other processes' jobs in the case are left alone),
 * relaying progress to the terminal; Ctrl-C cancels it. Resolves with the succeeded job, throws otherwise.
 */
export async function runJobInProcess<K extends AppJobKind>(c: CaseHandle, ctx: CliContext, kind: K, params: AppJobs[K]['input']): Promise<SucceededJob<AppJobs, K>> {
  return (await runQueued(c, ctx, kind, (q) => q.enqueue(kind, params))) as SucceededJob<AppJobs, K>;
}

/**
 * A job queue of this process for one command (scope 'own'): Ctrl-C calls `onAbort` with it; when `body` ends, its
 * listeners, the queue and the shared worker pool are closed.
 */
export async function withOwnQueue<T>(c: CaseHandle, ctx: CliContext, onAbort: (q: JobQueue) => void, body: (q: JobQueue) => Promise<T>): Promise<T> {
  const q = new JobQueue(c, defaultJobHandlers(), { scope: 'own' });
  const abort = (): void => onAbort(q);
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    return await body(q);
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    ctx.progressDone();
    await q.stop();
    q.removeAllListeners();
    await closeSharedPool();
  }
}

/** As runJobInProcess, for a job `start` puts in the queue (a new one, or a retry of an old one). */
export async function runQueued(c: CaseHandle, ctx: CliContext, what: string, start: (q: JobQueue) => Job): Promise<Job & { readonly state: 'succeeded' }> {
  let job: Job | undefined;
  return withOwnQueue(
    c,
    ctx,
    (q) => {
      if (job) q.cancel(job.id);
    },
    async (q) => {
      q.on('progress', (p) => {
        if (p.jobId === job?.id) ctx.progress(p);
      });
      job = start(q);
      if (ctx.signal.aborted) q.cancel(job.id);
      const done = await q.waitFor(job.id);
      ctx.progressDone();
      if (done.state === 'cancelled') throw cancelled(what);
      if (!hasSucceeded(done)) throw done.lastError ? fromErrorInfo(done.lastError) : new SightlineError('INTERNAL', `${what} job ${done.id} ended ${done.state}`);
      return done;
    },
  );
}

/** A whole-number option from 1 to `max` (undefined when not given). */
export function positiveInt(raw: string | undefined, what: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < 1 || n > max) throw new SightlineError('INVALID_INPUT', `${what} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** A number option from 0 to 1 (undefined when not given). */
export function fraction(raw: string | undefined, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new SightlineError('INVALID_INPUT', `${what} must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  return n;
}

/** `--track 17` (a track id) or `--track 2/3` (track 3, as `sightline tracks` numbers them, of evidence 2's newest run). */
export function resolveTrack(c: CaseHandle, raw: string): number {
  const id = /^\s*(\d+)\s*$/.exec(raw);
  if (id) return positiveInt(id[1], '--track')!;
  const pair = /^\s*(\d+)\s*[/:]\s*(\d+)\s*$/.exec(raw);
  if (!pair) throw new SightlineError('INVALID_INPUT', `--track must be a track id or EVIDENCE/N, got ${JSON.stringify(raw)}`);
  const { tracks } = listTracks(c, Number(pair[1]), { best: 1 });
  const t = tracks.find((x) => x.ordinal === Number(pair[2]));
  if (!t) throw new SightlineError('NOT_FOUND', `evidence ${pair[1]} has no track ${pair[2]} in its newest analysis run`);
  return t.id;
}
