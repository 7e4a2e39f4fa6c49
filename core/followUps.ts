/**
 * Jobs that follow other jobs: when a job ends, `followUpJobs` says what to queue next. Every runner of the app's
 * jobs (the app service's queue, the CLI's in-process runs) asks it after each job, so a follow-up does not depend
 * on which shell ran the first job. Idempotent: a follow-up already queued (or done) is not queued again.
 *
 * Today one rule: a successful analysis queues the watchlist comparison of its run's tracks with the gallery
 * (core/identify/alerts.ts) when the gallery has people to compare with.
 */
import type { CaseHandle } from './case';
import { activeReferenceCount } from './identify/gallery';
import { isJobOfKind, type AppJobs } from './jobKinds';
import type { Job } from './jobs';

export type FollowUp = { readonly kind: 'watchlist'; readonly params: AppJobs['watchlist']['input'] };

export function followUpJobs(c: CaseHandle, job: Job): FollowUp[] {
  if (!isJobOfKind(job, 'analyze') || job.state !== 'succeeded' || !job.result) return [];
  const runId = job.result.runId;
  if (activeReferenceCount(c) === 0) return [];
  const queued = c.db.prepare(`SELECT 1 FROM jobs WHERE kind = 'watchlist' AND json_extract(params_json, '$.runId') = ? AND state IN ('queued', 'running', 'succeeded') LIMIT 1`).get(runId);
  return queued ? [] : [{ kind: 'watchlist', params: { runId } }];
}
