/**
 * `sightline jobs` (the case's job list, read-only: a job of a process that was killed shows as abandoned) and
 * `sightline jobs retry` (queue an abandoned, failed or cancelled job again as a new job, audited, and run it
 * here with a progress bar). A job is never resumed unless someone asks for it like this.
 */
import type { Command } from '../command';
import { SightlineError } from '../../../domain/errors';
import { isJobOfKind } from '../../../core/jobKinds';
import { listJobs, type Job } from '../../../core/jobs';
import { term } from '../../../platform/terminalText';
import { runQueued, shortHash, withCase } from './shared';

function describeJob(j: Job): string {
  const progress = j.state === 'running' && j.progress.total > 0 ? ` ${j.progress.stage} ${j.progress.current}/${j.progress.total}` : '';
  const target = typeof j.params.evidenceId === 'number' ? ` evidence #${j.params.evidenceId}` : typeof j.params.path === 'string' ? ` ${j.params.path}` : '';
  const result = isJobOfKind(j, 'analyze') && j.result ? ` → run ${j.result.runId} (${shortHash(j.result.resultsSha256)})` : '';
  const retry = j.retryOf ? ` (retry of #${j.retryOf})` : '';
  const line = term`#${j.id}  ${j.kind.padEnd(8)} ${j.state.padEnd(9)} attempt ${j.attempts}/${j.maxAttempts}${target}${progress}${result}${retry}  ${j.createdAt}`;
  return j.lastError ? `${line}\n      ${term`${j.lastError.code}: ${j.lastError.message}`}` : line;
}

export const jobsCmd: Command = {
  path: ['jobs'],
  summary: "the case's jobs: kind, state (abandoned: its process was killed), attempts, progress, last error",
  usage: 'jobs DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    await withCase(
      dir!,
      values,
      (c) => {
        const jobs = listJobs(c);
        ctx.print({ ok: true, jobs }, () => (jobs.length === 0 ? 'No jobs yet.' : jobs.map(describeJob).join('\n')));
      },
      { readonly: true },
    );
  },
};

export const jobsRetryCmd: Command = {
  path: ['jobs', 'retry'],
  summary: 'queue an abandoned, failed or cancelled job again as a new job (audited) and run it here',
  usage: 'jobs retry DIR JOB_ID',
  positionals: [2, 2],
  async run([dir, idRaw], values, ctx) {
    if (!/^\d+$/.test(idRaw!.trim()) || Number(idRaw) < 1) throw new SightlineError('INVALID_INPUT', `JOB_ID must be a job number (see sightline jobs DIR), got ${JSON.stringify(idRaw)}`);
    const id = Number(idRaw);
    await withCase(dir!, values, async (c) => {
      const done = await runQueued(c, ctx, 'retry', (q) => q.retry(id));
      ctx.print({ ok: true, job: done }, () => `retried job #${id} as job #${done.id}: succeeded\n${describeJob(done)}`);
    }, { ctx });
  },
};
