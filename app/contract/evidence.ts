/** Evidence: the imported originals and their import jobs. */
import { z } from 'zod';
import type { Evidence } from '../../core/evidence';
import type { Job } from '../../core/jobs';
import { channel, FilePath, NoInput } from './channel';

export type { Evidence };

export const evidenceChannels = {
  'evidence:list': channel<Evidence[]>()(NoInput),
  /** Queue one import job per path; progress arrives as `jobs:progress` events. */
  'evidence:import': channel<Job[]>()(z.object({ paths: z.array(FilePath).min(1).max(1000), allowDamaged: z.boolean().optional() }).strict()),
} as const;
