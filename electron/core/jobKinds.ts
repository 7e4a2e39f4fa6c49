/**
 * The kinds of job the case service runs. Pipeline stages (analysis, enhancement) add their handlers here.
 */
import { z } from 'zod';
import { analyzeJob } from './analysis/analysisJob';
import { enhanceJob, replayJob } from './enhance/enhanceJob';
import { importEvidence } from './evidence';
import { SightlineError } from './errors';
import type { JobHandler } from './jobs';

function parse<T>(schema: z.ZodType<T>, params: unknown, kind: string): T {
  const r = schema.safeParse(params);
  if (!r.success) throw new SightlineError('INVALID_INPUT', `bad parameters for ${kind}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return r.data;
}

const ImportParams = z.object({ path: z.string().min(1), allowDamaged: z.boolean().default(false) });

export const importJob: JobHandler = {
  validate: (p) => parse(ImportParams, p, 'import'),
  async run(ctx) {
    const params = parse(ImportParams, ctx.job.params, 'import');
    // The commit stores the evidence, its audit entry, the job's success and its result (the ImportResult) at once.
    await importEvidence(ctx.case, params.path, {
      signal: ctx.signal,
      allowDamaged: params.allowDamaged,
      onProgress: (p) => ctx.progress(p),
      commit: (fn) => ctx.commit(fn),
    });
  },
};

export function defaultJobHandlers(): Map<string, JobHandler> {
  // analyze, enhance and replay run in the process's shared worker pool (created on first use).
  return new Map<string, JobHandler>([
    ['import', importJob],
    ['analyze', analyzeJob()],
    ['enhance', enhanceJob()],
    ['replay', replayJob()],
  ]);
}
