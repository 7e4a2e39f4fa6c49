/**
 * The `enhance` and `replay` jobs. Both run the `enhance` worker task in the process's worker pool; the worker
 * decodes the selected frames from the evidence file itself (MD5-verified), so a replay starts from the
 * originals exactly as the first run did.
 *
 *  - enhance: resolves everything the task needs from the case (the selection's detections: boxes, landmarks;
 *    the frame index: timestamps, pixel MD5s; the case's guard thresholds), records that parameter object
 *    whole (it is what `replay` re-sends), and commits the result, its derived-file records and one audit entry
 *    with the job's success.
 *  - replay: sends the recorded parameters again and records whether the output hash (and every input crop,
 *    contribution map and guard number) is reproduced, with its own audit entry.
 * The inference runs on CPU (the default; the record names the provider and thread count): onnxruntime's CPU
 * kernels gave bit-identical super-resolution and embeddings at 1, 2 and 4 intra-op threads (checked by
 * workers/enhance/enhance.faces.test.ts), so the thread count the pool picks does not change results.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { getModel } from '../../models/manifest';
import type { WorkerPool } from '../../workers/pool';
import { EnhanceSettings } from '../../domain/enhance';
import type { EnhanceTaskParams, EnhanceTaskResult } from '../../workers/enhance/task';
import { getTrack, trackDetections } from '../analysis/results';
import { sharedPool } from '../workerPool';
import { APP_VERSION } from '../../platform/appInfo';
import { RGB_CONVERSION_GRAPH } from '../../platform/ffmpeg';
import { ffmpegInfo } from '../../platform/tools';
import type { CaseHandle } from '../case';
import { derivedPath, recordDerived } from '../derived';
import { SightlineError } from '../../domain/errors';
import { getEvidence, type Evidence } from '../evidence';
import { verifiedEvidenceFile } from '../evidenceVerify';
import { frameInfo } from '../frames';
import type { AppJobs } from '../jobKinds';
import { parseJobParams, progressRelay, type JobContext, type JobHandler } from '../jobs';
import { getGuardThresholds } from './guardSettings';
import { checkEnhanceResult, compareReplay, enhancementTask, getEnhancement, getSelection, recordEnhancement, recordReplay, type ModelRef } from './records';

const Id = z.number().int().positive();

export const EnhanceJobParams = z.object({ trackId: Id, selectionId: Id, settings: EnhanceSettings }).strict();

export const ReplayJobParams = z.object({ enhancementId: Id }).strict();

export interface EnhanceJobOptions {
  readonly pool?: () => WorkerPool;
}

function modelRef(id: string, use: string): ModelRef {
  const m = getModel(id);
  return { id: m.id, name: m.name, source: `${m.package}@${m.packageVersion}`, sha256: m.sha256, use };
}

/** Models an enhancement depends on: the guard's two, plus the network of an investigative mode. */
export function enhancementModels(result: Pick<EnhanceTaskResult, 'models'>): ModelRef[] {
  return [
    ...result.models.map((id) => modelRef(id, 'restoration (super-resolution network)')),
    modelRef('face-landmarks', 'identity guard: landmarks on the result'),
    modelRef('face-embedder', 'identity guard: embeddings and quality'),
  ];
}

function runtimeOf(pool: WorkerPool): Record<string, unknown> {
  return {
    appVersion: APP_VERSION,
    executionProvider: 'cpu',
    intraOpThreads: pool.threadsPerWorker,
    workers: pool.size,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    node: process.version,
    // The ffmpeg that decoded the frames (the frame-index MD5 check proves they are the indexed pixels).
    ffmpeg: ffmpegInfo(),
  };
}

function scratchDir(c: CaseHandle, jobId: number): string {
  // Under incoming/<main pid>/: swept on the next open if this process dies; the worker removes its files.
  return path.join(c.paths.incoming, String(process.pid), `enhance-job-${jobId}`);
}

/** Everything the worker task needs, from the case: the persistent part is recorded for replay. */
export function buildTask(c: CaseHandle, trackId: number, selectionId: number, settings: EnhanceSettings): { evidence: Evidence; task: Omit<EnhanceTaskParams, 'file' | 'derivedDir' | 'scratchDir'> } {
  const sel = getSelection(c, selectionId);
  if (sel.trackId !== trackId) throw new SightlineError('INVALID_INPUT', `frame selection ${selectionId} belongs to track ${sel.trackId}, not ${trackId}`);
  const { run } = getTrack(c, trackId);
  const e = getEvidence(c, run.evidenceId);
  if (e.decoder !== 'ffmpeg') throw new SightlineError('INVALID_INPUT', `evidence ${e.id} is a still image decoded without ffmpeg; enhancement needs frames from a clip`);
  const byId = new Map(trackDetections(c, trackId).map((d) => [d.id, d]));
  const dets = sel.detectionIds.map((id) => {
    const d = byId.get(id);
    if (!d) throw new SightlineError('INTERNAL', `detection ${id} of selection ${selectionId} is not in track ${trackId}`);
    return d;
  });
  dets.sort((a, b) => a.frame - b.frame);
  const frames = dets.map((d) => {
    const info = frameInfo(c, e.id, d.frame);
    // As frames.ts does: seek half a second before the frame (keyframe seeking lands at or before it).
    const seekTo = e.kind === 'image' || d.frame === 0 || e.noTimestamps ? null : Math.max(0, info.ptsTime - e.startTime - 0.5);
    return {
      frame: d.frame,
      pts: info.pts ?? 0,
      ptsTime: info.ptsTime,
      md5: info.md5,
      seekTo,
      detectionId: d.id,
      box: { ...d.box },
      landmarks5: d.landmarks5.map(([x, y]) => [x, y] as [number, number]),
      quality: d.quality,
    };
  });
  const reference = frames.findIndex((f) => f.frame === sel.referenceFrame);
  if (reference < 0) throw new SightlineError('INTERNAL', `reference frame ${sel.referenceFrame} is not among the selection's frames`);
  return {
    evidence: e,
    task: {
      frameWidth: e.width,
      frameHeight: e.height,
      frames,
      reference,
      settings,
      thresholds: getGuardThresholds(c),
      // The one decode path: the same RGB as frame export and analysis, stated and recorded for replay.
      decode: { conversion: e.rgbConversion, graph: RGB_CONVERSION_GRAPH },
    },
  };
}

/** Run the worker task; its scratch folder (frames being decoded) goes whatever the outcome. */
async function runTask(pool: WorkerPool, full: EnhanceTaskParams, ctx: JobContext): Promise<EnhanceTaskResult> {
  try {
    return await pool.run('enhance', full, { signal: ctx.signal, onProgress: progressRelay(ctx) });
  } finally {
    fs.rmSync(full.scratchDir, { recursive: true, force: true });
  }
}

export function enhanceJob(opts: EnhanceJobOptions = {}): JobHandler<AppJobs['enhance']> {
  return {
    // Settings are resolved when the job is queued, so the job row (and later the record) holds every value.
    validate: (p) => parseJobParams(EnhanceJobParams, p, 'enhance'),
    async run(ctx) {
      const { trackId, selectionId, settings } = ctx.params;
      const c = ctx.case;
      const { evidence, task } = buildTask(c, trackId, selectionId, settings);
      const pool = (opts.pool ?? sharedPool)();
      ctx.progress({ stage: 'enhance', current: 0, total: 1 });
      const file = await verifiedEvidenceFile(c, evidence, { signal: ctx.signal });
      const full: EnhanceTaskParams = { ...task, file, derivedDir: c.paths.derived, scratchDir: scratchDir(c, ctx.job.id) };
      const result = await runTask(pool, full, ctx);
      checkEnhanceResult(c, result);
      const models = enhancementModels(result);
      const runtime = runtimeOf(pool);
      ctx.commit(() =>
        recordEnhancement(c, { trackId, evidence, selection: getSelection(c, selectionId), jobId: ctx.job.id, settings, task, models, runtime, result }),
      );
    },
  };
}

export function replayJob(opts: EnhanceJobOptions = {}): JobHandler<AppJobs['replay']> {
  return {
    validate: (p) => parseJobParams(ReplayJobParams, p, 'replay'),
    async run(ctx) {
      const { enhancementId } = ctx.params;
      const c = ctx.case;
      const rec = getEnhancement(c, enhancementId);
      const task = enhancementTask(c, enhancementId);
      const e = getEvidence(c, rec.evidenceId);
      const pool = (opts.pool ?? sharedPool)();
      ctx.progress({ stage: 'enhance', current: 0, total: 1 });
      // A replay starts from the original evidence: it must still be the file that was imported.
      const file = await verifiedEvidenceFile(c, e, { signal: ctx.signal });
      const full: EnhanceTaskParams = { ...task, file, derivedDir: c.paths.derived, scratchDir: scratchDir(c, ctx.job.id) };
      const result = await runTask(pool, full, ctx);
      const details = compareReplay(rec, result, runtimeOf(pool));
      ctx.commit(() => {
        if (result.output.sha256 !== rec.outputSha256) {
          // Keep a differing output addressable for whoever investigates the difference.
          recordDerived(c, { sha256: result.output.sha256, path: derivedPath(c, result.output.sha256), width: result.output.width, height: result.output.height }, {
            kind: 'replay-output',
            evidenceId: e.id,
            params: { enhancementId },
            width: result.output.width,
            height: result.output.height,
          });
        }
        return recordReplay(c, rec, ctx.job.id, details);
      });
    },
  };
}
