/**
 * Main's events, wired once at start-up into the stores. Features added later (faces, tracks, enhancement)
 * subscribe here too, so no view ever holds its own subscription that could leak or double up.
 */
import type { JobProgressEvent } from '../../../app/contract';
import type { SightlineBridge } from '../../../app/contract';
import { call } from '../bridge/api';
import { baseName } from '../lib/format';
import { useApp } from './appStore';
import { useAudit } from './auditStore';
import { useCase } from './caseStore';
import { useClip } from './clipStore';
import { useEnhance } from './enhanceStore';
import { useFaces } from './facesStore';
import { useJobs } from './jobsStore';
import { toastError, useToasts } from './toastStore';

/** Progress can arrive hundreds of times a second; the bars repaint at most ~20 times a second. */
const PROGRESS_FLUSH_MS = 50;

export function wireEvents(b: SightlineBridge): () => void {
  let pending: JobProgressEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    timer = undefined;
    const batch = pending;
    pending = [];
    useJobs.getState().applyProgress(batch);
  };

  const offs = [
    b.on('jobs:progress', (p) => {
      pending.push(p);
      timer ??= setTimeout(flush, PROGRESS_FLUSH_MS);
      // A running analysis of the clip on screen: its provisional tracks (the store throttles the refresh).
      if (p.kind === 'analyze' && p.stage === 'analyse') {
        const job = useJobs.getState().jobs[p.jobId];
        const evidenceId = job?.params.evidenceId;
        if (typeof evidenceId === 'number' && useFaces.getState().evidenceId === evidenceId) void useFaces.getState().loadPartial(evidenceId).catch(() => undefined);
      }
    }),
    b.on('jobs:changed', (job) => {
      // A state change carries the final progress: apply queued bars first so they never run backwards.
      if (timer) {
        clearTimeout(timer);
        flush();
      }
      const before = useJobs.getState().jobs[job.id]?.state;
      useJobs.getState().applyJob(job);
      // A job that ended wrote to the case (results, an audit entry): refresh the case's counts and head hash.
      const ended = job.state === 'failed' || job.state === 'cancelled' || job.state === 'succeeded';
      // (A succeeded import already comes with `case:changed`.)
      if (before !== job.state && ended && !(job.kind === 'import' && job.state === 'succeeded')) {
        void call('case:current', {})
          .then((c) => useApp.getState().setCase(c))
          .catch(() => undefined);
      }
      if (before !== job.state && job.kind === 'analyze' && typeof job.params.evidenceId === 'number') {
        const what = `Analysis of evidence #${job.params.evidenceId}`;
        if (job.state === 'succeeded') {
          useFaces.getState().analysisDone(job.params.evidenceId);
          const r = job.result as { detections?: number; tracks?: number } | null;
          useToasts.getState().push('success', `${what} done`, r ? `${r.detections ?? 0} faces in ${r.tracks ?? 0} tracks` : undefined);
        }
        if (job.state === 'failed') toastError(`${what} failed`, new Error(job.lastError?.message ?? 'unknown error'));
      }
      if (before !== job.state && job.kind === 'import') {
        const name = typeof job.params.path === 'string' ? baseName(job.params.path) : `job ${job.id}`;
        if (job.state === 'failed') toastError(`Import of ${name} failed`, new Error(job.lastError?.message ?? 'unknown error'));
        if (job.state === 'succeeded') useToasts.getState().push('success', `Imported ${name}`);
      }
    }),
    b.on('case:changed', ({ case: c }) => {
      const prev = useApp.getState().currentCase;
      useApp.getState().setCase(c);
      if (!c) {
        useJobs.getState().clear();
        useClip.getState().reset();
        useFaces.getState().reset();
        useEnhance.getState().reset();
        useAudit.getState().clear();
        void useCase.getState().loadRecent().catch(() => undefined);
        return;
      }
      if (prev?.caseUuid !== c.caseUuid) {
        useClip.getState().reset();
        useFaces.getState().reset();
        useEnhance.getState().reset();
        useAudit.getState().clear();
        void useJobs.getState().load().catch((e: unknown) => toastError('Could not load the jobs', e));
      }
      void useCase.getState().loadEvidence().catch((e: unknown) => toastError('Could not load the evidence list', e));
      if (useApp.getState().view.name === 'audit') void useAudit.getState().load().catch(() => undefined);
    }),
  ];
  return () => offs.forEach((off) => off());
}
