/** The open case's jobs and their live progress (from `jobs:changed` / `jobs:progress` events). */
import { create } from 'zustand';
import type { Job, JobProgressEvent } from '../../../app/contract';
import { call } from '../bridge/api';

interface JobsState {
  jobs: Record<number, Job>;
  progress: Record<number, JobProgressEvent>;
  load(): Promise<void>;
  clear(): void;
  applyJob(job: Job): void;
  applyProgress(batch: readonly JobProgressEvent[]): void;
  cancel(jobId: number): Promise<void>;
  /** Queue an ended job again as a new job (the server audits it). */
  retry(jobId: number): Promise<void>;
}

export const useJobs = create<JobsState>()((set, get) => ({
  jobs: {},
  progress: {},
  async load() {
    const list = await call('jobs:list', {});
    set({ jobs: Object.fromEntries(list.map((j) => [j.id, j])), progress: {} });
  },
  clear() {
    set({ jobs: {}, progress: {} });
  },
  applyJob(job) {
    set((s) => ({ jobs: { ...s.jobs, [job.id]: job } }));
  },
  applyProgress(batch) {
    if (batch.length === 0) return;
    set((s) => {
      const progress = { ...s.progress };
      for (const p of batch) progress[p.jobId] = p;
      return { progress };
    });
  },
  async cancel(jobId) {
    get().applyJob(await call('jobs:cancel', { jobId }));
  },
  async retry(jobId) {
    get().applyJob(await call('jobs:retry', { jobId }));
  },
}));

export function isActive(j: Job): boolean {
  return j.state === 'queued' || j.state === 'running';
}

/** Jobs that ended without succeeding: the user may queue them again. */
export function canRetry(j: Job): boolean {
  return j.state === 'abandoned' || j.state === 'failed' || j.state === 'cancelled';
}

/** Jobs newest first. */
export function sortedJobs(jobs: Record<number, Job>): Job[] {
  return Object.values(jobs).sort((a, b) => b.id - a.id);
}
