/** The case's job queue as the UI sees it. */
import { z } from 'zod';
import type { Job, JobProgressEvent, JobState } from '../../core/jobs';
import { channel, Id, NoInput } from './channel';

export type { Job, JobProgressEvent, JobState };

export const jobChannels = {
  'jobs:list': channel<Job[]>()(NoInput),
  'jobs:cancel': channel<Job>()(z.object({ jobId: Id }).strict()),
  /** Queue an abandoned, failed or cancelled job again as a new job (audited); returns the new job. */
  'jobs:retry': channel<Job>()(z.object({ jobId: Id }).strict()),
} as const;
