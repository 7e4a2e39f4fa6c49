/**
 * The app's jobs, typed: for each kind, what a caller passes, what is stored and run, and what the job's commit
 * returns. `JobQueue<AppJobs>.enqueue('analyze', …)` with wrong parameters does not compile, and a finished job's
 * `result` needs no cast. Pipeline stages add a kind here and its handler in `defaultJobHandlers`.
 */
import { z } from 'zod';
import { AnalyzeJobParams, analyzeJob } from './analysis/analysisJob';
import type { RecordedRun } from './analysis/results';
import { EnhanceJobParams, ReplayJobParams, enhanceJob, replayJob, type EnhanceJobOptions } from './enhance/enhanceJob';
import type { RecordedEnhancement, ReplayRecord } from './enhance/records';
import { importEvidence, type ImportResult } from './evidence';
import { parseJobParams, type Job, type JobHandler, type JobHandlers, type JobOf } from './jobs';
import type { AppearanceSearch } from './identify/appearances';
import type { EnrolResult } from './identify/gallery';
import type { Identification } from './identify/identifications';
import { AppearancesJobParams, EnrolJobParams, IdentifyJobParams, WatchlistJobParams, appearancesJob, enrolJob, identifyJob, watchlistJob, type IdentifyJobOptions, type WatchlistResult } from './identify/jobs';
import type { AnalyzeJobOptions } from './analysis/analysisJob';
import { PackageJobParams, ReportJobParams, packageJob, reportJob, type CreatedPackage, type CreatedReport, type ExportJobOptions } from './export/exportJobs';

export const ImportJobParams = z.object({ path: z.string().min(1), allowDamaged: z.boolean().default(false) }).strict();

export interface AppJobs {
  /** Copy, hash, verify and index one file into the case. */
  import: { readonly input: z.input<typeof ImportJobParams>; readonly params: z.output<typeof ImportJobParams>; readonly result: ImportResult };
  /** Find, track and rank the faces of one clip. */
  analyze: { readonly input: z.input<typeof AnalyzeJobParams>; readonly params: z.output<typeof AnalyzeJobParams>; readonly result: RecordedRun };
  /** Enhance a face from a saved frame selection. */
  enhance: { readonly input: z.input<typeof EnhanceJobParams>; readonly params: z.output<typeof EnhanceJobParams>; readonly result: RecordedEnhancement };
  /** Re-run an enhancement from the originals and record whether it reproduced. */
  replay: { readonly input: z.input<typeof ReplayJobParams>; readonly params: z.output<typeof ReplayJobParams>; readonly result: ReplayRecord };
  /** Enrol one reference photo of a person into the gallery. */
  enrol: { readonly input: z.input<typeof EnrolJobParams>; readonly params: z.output<typeof EnrolJobParams>; readonly result: EnrolResult };
  /** Search a track's template (or chosen frames', or an enhancement's) against the gallery. */
  identify: { readonly input: z.input<typeof IdentifyJobParams>; readonly params: z.output<typeof IdentifyJobParams>; readonly result: Identification };
  /** Search a track against every other track of the case. */
  appearances: { readonly input: z.input<typeof AppearancesJobParams>; readonly params: z.output<typeof AppearancesJobParams>; readonly result: AppearanceSearch };
  /** Compare every track of an analysis run with the gallery; alerts for those above the gate. */
  watchlist: { readonly input: z.input<typeof WatchlistJobParams>; readonly params: z.output<typeof WatchlistJobParams>; readonly result: WatchlistResult };
  /** Make the evidence report (PDF) of the chosen items. */
  report: { readonly input: z.input<typeof ReportJobParams>; readonly params: z.output<typeof ReportJobParams>; readonly result: CreatedReport };
  /** Make the signed export package of the chosen items. */
  package: { readonly input: z.input<typeof PackageJobParams>; readonly params: z.output<typeof PackageJobParams>; readonly result: CreatedPackage };
}
export type AppJobKind = keyof AppJobs;

/** Narrow a job read back from the case (any kind) to one kind, typing its params and result. */
export function isJobOfKind<K extends AppJobKind>(job: Job, kind: K): job is JobOf<AppJobs, K> {
  return job.kind === kind;
}

export const importJob: JobHandler<AppJobs['import']> = {
  validate: (p) => parseJobParams(ImportJobParams, p, 'import'),
  async run(ctx) {
    // The commit stores the evidence, its audit entry, the job's success and its result (the ImportResult) at once.
    await importEvidence(ctx.case, ctx.params.path, {
      signal: ctx.signal,
      allowDamaged: ctx.params.allowDamaged,
      onProgress: (p) => ctx.progress(p),
      commit: (fn) => ctx.commit(fn),
    });
  },
};

/** The handlers of every app job; analyze, enhance and replay run in the given (default: the shared) worker pool. */
export function defaultJobHandlers(opts: AnalyzeJobOptions & EnhanceJobOptions & IdentifyJobOptions & ExportJobOptions = {}): JobHandlers<AppJobs> {
  return {
    import: importJob,
    analyze: analyzeJob(opts),
    enhance: enhanceJob(opts),
    replay: replayJob(opts),
    enrol: enrolJob(opts),
    identify: identifyJob(opts),
    appearances: appearancesJob(opts),
    watchlist: watchlistJob(opts),
    report: reportJob(),
    package: packageJob(opts),
  };
}
