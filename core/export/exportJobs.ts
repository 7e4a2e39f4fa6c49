/**
 * The `report` and `package` jobs: long exports with progress and cancellation, run by the app's job queue (the
 * views) or in the CLI's process. Each validates its parameters again before it runs, writes its output
 * atomically, and records its audit entry with the job's success (`ctx.commit`).
 */
import { z } from 'zod';
import type { AppJobs } from '../jobKinds';
import { parseJobParams, type JobHandler } from '../jobs';
import { createPackage, type CreatedPackage } from '../exportPackage/package';
import { createReport, type CreatedReport } from '../report/report';
import { ExportSelection } from './selection';

export const ReportJobParams = z.object({ selection: ExportSelection, out: z.string().min(1).max(4096).nullable().default(null), force: z.boolean().default(false) }).strict();
export const PackageJobParams = ReportJobParams;

export interface ExportJobOptions {
  /** The app's user-data folder (the signing key lives under it). */
  readonly userDataDir?: string;
}

export type { CreatedPackage, CreatedReport };

export function reportJob(): JobHandler<AppJobs['report']> {
  return {
    validate: (p) => parseJobParams(ReportJobParams, p, 'report'),
    async run(ctx) {
      const p = ctx.params;
      await createReport(ctx.case, p.selection, p.out ?? undefined, { force: p.force, signal: ctx.signal, onProgress: (x) => ctx.progress(x), commit: (fn) => ctx.commit(fn) });
    },
  };
}

export function packageJob(opts: ExportJobOptions = {}): JobHandler<AppJobs['package']> {
  return {
    validate: (p) => parseJobParams(PackageJobParams, p, 'package'),
    async run(ctx) {
      const p = ctx.params;
      await createPackage(ctx.case, p.selection, p.out ?? undefined, {
        force: p.force,
        signal: ctx.signal,
        onProgress: (x) => ctx.progress(x),
        commit: (fn) => ctx.commit(fn),
        ...(opts.userDataDir ? { userDataDir: opts.userDataDir } : {}),
      });
    },
  };
}
