/**
 * The `analyze` job: runs the analysis worker task on one evidence item through the process's worker pool,
 * relays its progress, checks what it returned, and records the run, its tracks and detections, the crop
 * records and one audit entry in the job's commit — one transaction with the job's success. Until then nothing
 * of the run is visible; a worker that dies fails the attempt (TOOL_FAILED, retried by the queue) and leaves
 * only unreferenced, correct crop files behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { getModel } from '../../models/manifest';
import type { WorkerPool } from '../../workers/pool';
import { AnalysisSettings } from '../../domain/analysis';
import type { AnalyzeTaskParams } from '../../workers/analysis/params';
import { getEvidence } from '../evidence';
import { verifiedEvidenceFile } from '../evidenceVerify';
import type { AppJobs } from '../jobKinds';
import { parseJobParams, type JobHandler } from '../jobs';
import { checkResult, recordRun, type ModelRecord } from './results';
import { sharedPool } from '../workerPool';
import { RGB_CONVERSION_GRAPH } from '../../platform/ffmpeg';
import { ffmpegInfo } from '../../platform/tools';
import { scratchPath } from '../case';
import { SightlineError } from '../../domain/errors';
import { frameSizeProblem } from '../../domain/mediaLimits';
import { writeFrameDigests } from '../../platform/frameDigests';

/** The models an analysis uses; their ids and SHA-256s go into the run record and the audit entry. */
export const ANALYSIS_MODELS = ['face-detector', 'face-landmarks', 'face-embedder'] as const;

export const AnalyzeJobParams = z
  .object({
    evidenceId: z.number().int().positive(),
    settings: AnalysisSettings.prefault({}),
  })
  .strict();

export function modelRecords(): ModelRecord[] {
  return ANALYSIS_MODELS.map((id) => {
    const m = getModel(id);
    return { id: m.id, name: m.name, source: `${m.package}@${m.packageVersion}`, sha256: m.sha256 };
  });
}

export interface AnalyzeJobOptions {
  /** The pool to run in (default: the process's shared pool, created on first use). */
  readonly pool?: () => WorkerPool;
}

export function analyzeJob(opts: AnalyzeJobOptions = {}): JobHandler<AppJobs['analyze']> {
  return {
    // Settings are resolved (defaults filled in) when the job is queued, so the job row records every value.
    validate: (p) => parseJobParams(AnalyzeJobParams, p, 'analyze'),
    async run(ctx) {
      const { evidenceId, settings } = ctx.params;
      const c = ctx.case;
      const e = getEvidence(c, evidenceId);
      // The stored file must still be the one imported (re-hashed unless unchanged since its last check).
      const file = await verifiedEvidenceFile(c, e, { signal: ctx.signal, onProgress: (p) => ctx.progress(p) });
      const models = modelRecords();
      const expected = Math.ceil(e.frameCount / settings.step);
      ctx.progress({ stage: 'analyse', current: 0, total: expected, unit: 'frames' });
      const pool = (opts.pool ?? sharedPool)();
      const tooLarge = frameSizeProblem(e.width, e.height);
      if (tooLarge) throw new SightlineError('UNSUPPORTED_MEDIA', `evidence #${e.id} "${e.originalName}" has frames of ${tooLarge}; it cannot be analysed`);
      // The frame index's MD5s for the worker (which never opens the database), streamed to a scratch file.
      const frameDigests = scratchPath(c, `.analysis-${ctx.job.id}.md5`);
      writeFrameDigests(frameDigests, (c.db.prepare('SELECT md5 FROM frame_index WHERE evidence_id = ? ORDER BY idx').pluck().iterate(e.id) as IterableIterator<string>));
      const task: AnalyzeTaskParams = {
        file,
        width: e.width,
        height: e.height,
        frameCount: e.frameCount,
        fps: e.fps,
        derivedDir: c.paths.derived,
        frameDigests,
        settings,
      };
      const onProgress = (p: { stage: string; current: number; total: number; unit?: string }): void => {
        // Called from the pool's message handler: a throw here (progress after cancel) must not escape.
        if (ctx.signal.aborted) return;
        try {
          ctx.progress(p);
        } catch {
          // a progress report is never worth failing the run for
        }
      };
      let result;
      try {
        result = await pool.run('analyze', task, { signal: ctx.signal, onProgress });
      } catch (err) {
        if (err instanceof SightlineError && err.code === 'EVIDENCE_ALTERED') {
          // The worker names the frame; the investigator needs the evidence too.
          throw new SightlineError('EVIDENCE_ALTERED', `evidence #${e.id} "${e.originalName}" was changed after import: ${err.message}; nothing was recorded`, { ...err.details, evidenceId: e.id, originalName: e.originalName });
        }
        throw err;
      } finally {
        fs.rmSync(frameDigests, { force: true });
      }
      ctx.progress({ stage: 'record', current: 0, total: 1 });
      checkResult(c, e, settings.step, result);
      // Which ffmpeg decoded the frames and how they became RGB (the stated conversion, from the stream's tags).
      const decode = { ffmpeg: ffmpegInfo(), rgbConversion: e.rgbConversion, graph: RGB_CONVERSION_GRAPH };
      const worker = { threads: pool.threadsPerWorker, workers: pool.size, cpus: os.cpus().length, platform: `${process.platform}-${process.arch}`, ...decode };
      ctx.commit(() => recordRun(c, { evidence: e, jobId: ctx.job.id, settings, models, result, worker }));
      ctx.progress({ stage: 'record', current: 1, total: 1 });
    },
  };
}
