/**
 * The `analyze` job: splits one evidence item into fixed frame-range segments (domain/analysis.ts
 * `planSegments`), runs them as `analyze.segment` worker tasks — as many at once as the pool has workers —, stores
 * the detections they stream into the job's staging rows as they arrive, and when every segment is done merges the
 * segments' tracks in order (workers/analysis/merge.ts) and records the run, its tracks, detections, cuts, track
 * relations, crop records and one audit entry in the job's commit — one transaction with the job's success. Until
 * then nothing of the run is visible (staging rows are no view's business); a worker that dies fails the attempt
 * (TOOL_FAILED, retried by the queue) and leaves only unreferenced, correct crop files and stale staging rows,
 * which the next analysis job sweeps.
 *
 * A segment task needs only the evidence file, its frame range (with the frame index rows of that range, to seek
 * and to verify every decoded frame) and the model pack; its result does not depend on which worker ran it or when,
 * so the run's tracks, detections and digest do not depend on the number of workers.
 */
import os from 'node:os';
import { z } from 'zod';
import { getModel } from '../../models/manifest';
import type { WorkerPool } from '../../workers/pool';
import { AnalysisSettings, maxGapFrames, planSegments, rejoinFrames } from '../../domain/analysis';
import { RGB_CONVERSION_GRAPH, decodedFrameSize, type ExpectedFrame } from '../../platform/ffmpeg';
import { ffmpegInfo } from '../../platform/tools';
import { SightlineError } from '../../domain/errors';
import { frameSizeProblem } from '../../domain/mediaLimits';
import type { DetectionBatch, SegmentResult, SegmentTaskParams } from '../../workers/analysis/segment';
import { mergeSegments } from '../../workers/analysis/merge';
import { evidenceFile, getEvidence, type Evidence } from '../evidence';
import { verifiedEvidenceFile } from '../evidenceVerify';
import type { CaseHandle } from '../case';
import type { AppJobs } from '../jobKinds';
import { parseJobParams, progressRelay, type JobHandler } from '../jobs';
import { checkStaged, clearStaging, recordRun, stageBatch, sweepStaging, type ModelRecord } from './results';
import { sharedPool } from '../workerPool';

/** The models an analysis uses; their ids and SHA-256s go into the run record and the audit entry. */
export const ANALYSIS_MODELS = ['face-detector-blazeface', 'face-detector', 'face-landmarks', 'face-embedder'] as const;

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

/** The segment tasks of a clip: each with the frame index rows it decodes and verifies. */
export function segmentTasks(c: CaseHandle, e: Evidence, settings: AnalysisSettings, size: { width: number; height: number }, file = evidenceFile(c, e)): Array<() => SegmentTaskParams> {
  const rows = c.db.prepare('SELECT idx, pts, pts_time, md5 FROM frame_index WHERE evidence_id = ? AND idx >= ? AND idx < ? AND idx % ? = 0 ORDER BY idx');
  const step = settings.step;
  return planSegments(e.frameCount, settings).map((seg, index) => () => {
    // Rows are read when the segment is dispatched, so an hour-long index is never in memory at once.
    const from = Math.max(0, seg.start - step);
    const list = rows.all(e.id, from, seg.end, step) as Array<{ idx: number; pts: number | null; pts_time: number; md5: string }>;
    const frames: ExpectedFrame[] = list.map((r) => ({ index: r.idx, pts: r.pts, md5: r.md5 }));
    const leadIn = seg.start > 0;
    const firstTime = list[0]?.pts_time ?? 0;
    const seekTo = e.kind === 'image' || !leadIn || e.noTimestamps ? null : Math.max(0, firstTime - e.startTime - 0.5);
    return {
      file,
      width: size.width,
      height: size.height,
      fps: e.fps,
      derivedDir: c.paths.derived,
      conversion: e.rgbConversion,
      settings,
      segment: { index, start: seg.start, end: seg.end },
      frames,
      leadIn,
      seekTo,
    };
  });
}

/** Sum of the segments' statistics (counters add; per-stage times add). */
function totalStats(results: readonly SegmentResult[], wallMs: number, workers: number): Record<string, unknown> {
  const add = (pick: (r: SegmentResult) => number): number => results.reduce((a, r) => a + pick(r), 0);
  const stageMs: Record<string, number> = {};
  const fullSearches: Record<string, number> = {};
  for (const r of results) {
    for (const [k, v] of Object.entries(r.stats.stageMs)) stageMs[k] = (stageMs[k] ?? 0) + v;
    for (const [k, v] of Object.entries(r.stats.fullSearches)) fullSearches[k] = (fullSearches[k] ?? 0) + v;
  }
  return {
    segments: results.length,
    workers,
    framesAnalysed: add((r) => r.stats.framesAnalysed),
    cuts: add((r) => r.cuts.filter((x) => x.frame > 0).length),
    fullSearches,
    gatedFrames: add((r) => r.stats.gatedFrames),
    meanGatedArea: add((r) => r.stats.gatedFrames) ? add((r) => r.stats.gatedArea) / add((r) => r.stats.gatedFrames) : null,
    candidates: add((r) => r.stats.candidates),
    kept: add((r) => r.stats.kept),
    rejectedByFaceCheck: add((r) => r.stats.rejected),
    nearThreshold: add((r) => r.near.count),
    nearThresholdFrames: add((r) => r.near.frames),
    blazeRuns: add((r) => r.stats.blazeRuns),
    blazeWindows: add((r) => r.stats.blazeWindows),
    ssdRuns: add((r) => r.stats.ssdRuns),
    ssdCells: add((r) => r.stats.ssdCells),
    secondOpinionRuns: add((r) => r.stats.secondOpinionRuns),
    secondInherited: add((r) => r.stats.secondInherited),
    detectorNetworkMs: add((r) => r.stats.detectorNetworkMs),
    blazeMs: add((r) => r.stats.blazeMs),
    ssdMs: add((r) => r.stats.ssdMs),
    detectorPrepareMs: add((r) => r.stats.detectorPrepareMs),
    stageMs,
    segmentWallMs: add((r) => r.stats.wallMs),
    wallMs,
  };
}

export function analyzeJob(opts: AnalyzeJobOptions = {}): JobHandler<AppJobs['analyze']> {
  return {
    // Settings are resolved (defaults filled in) when the job is queued, so the job row records every value.
    validate: (p) => parseJobParams(AnalyzeJobParams, p, 'analyze'),
    async run(ctx) {
      const { evidenceId, settings } = ctx.params;
      const c = ctx.case;
      const jobId = ctx.job.id;
      const e = getEvidence(c, evidenceId);
      // The stored file must still be the one imported (re-hashed unless unchanged since its last check).
      const file = await verifiedEvidenceFile(c, e, { signal: ctx.signal, onProgress: (p) => ctx.progress(p) });
      const models = modelRecords();
      const expected = Math.ceil(e.frameCount / settings.step);
      const t0 = performance.now();
      ctx.progress({ stage: 'analyse', current: 0, total: expected, unit: 'frames' });
      sweepStaging(c, jobId);
      const pool = (opts.pool ?? sharedPool)();
      const tooLarge = frameSizeProblem(e.width, e.height);
      if (tooLarge) throw new SightlineError('UNSUPPORTED_MEDIA', `evidence #${e.id} "${e.originalName}" has frames of ${tooLarge}; it cannot be analysed`);
      // The decoder's own frame size: the stored size of a clip with a rotation tag is not what decodes.
      const size = await decodedFrameSize(file, ctx.signal);
      const tasks = segmentTasks(c, e, settings, size, file);
      const results: SegmentResult[] = new Array(tasks.length);
      const done = new Array<number>(tasks.length).fill(0);
      let detections = 0;
      // Segment tracks seen so far (for the caption; the number of tracks, not of detections, so it stays small).
      const trackKeys = new Set<string>();
      const relay = progressRelay(ctx);
      const report = (): void => {
        const detail = `${detections} faces in ${trackKeys.size} track${trackKeys.size === 1 ? '' : 's'} so far`;
        relay({ stage: 'analyse', current: done.reduce((a, b) => a + b, 0), total: expected, unit: 'frames', detail });
      };
      // One controller for all segments: one failure (or Cancel) stops the others.
      const ac = new AbortController();
      const onAbort = (): void => ac.abort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      let next = 0;
      const runOne = async (): Promise<void> => {
        while (next < tasks.length && !ac.signal.aborted) {
          const i = next++;
          const params = tasks[i]!();
          results[i] = await pool.run('analyze.segment', params, {
            signal: ac.signal,
            onProgress: (p) => {
              if (p.stage !== 'analyse') return;
              done[i] = p.current;
              report();
            },
            onPartial: (data) => {
              const batch = data as DetectionBatch;
              if (batch.kind !== 'detections' || batch.segment !== i) return;
              stageBatch(c, jobId, batch);
              detections += batch.detections.length;
              for (const d of batch.detections) trackKeys.add(`${i}:${d.localTrack}`);
            },
          });
          done[i] = results[i]!.framesDecoded;
          report();
        }
      };
      let committed = false;
      try {
        const runners = Array.from({ length: Math.max(1, Math.min(pool.size, tasks.length)) }, () =>
          runOne().catch((err: unknown) => {
            ac.abort();
            throw err;
          }),
        );
        const outcomes = await Promise.allSettled(runners);
        const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failure) {
          const err = failure.reason as unknown;
          if (err instanceof SightlineError && err.code === 'EVIDENCE_ALTERED') {
            // The worker names the frame; the investigator needs the evidence too.
            throw new SightlineError('EVIDENCE_ALTERED', `evidence #${e.id} "${e.originalName}" was changed after import: ${err.message}; nothing was recorded`, { ...err.details, evidenceId: e.id, originalName: e.originalName });
          }
          throw err;
        }
        ctx.progress({ stage: 'record', current: 0, total: 1, detail: `${detections} faces: merging ${tasks.length} segment${tasks.length === 1 ? '' : 's'}` });
        checkStaged(c, e, jobId, settings.step, results, expected);
        const merge = mergeSegments(
          results.map((r) => ({ segment: r.segment, start: r.start, cutAtStart: r.cutAtStart, cutsInside: r.cuts.filter((x) => x.frame !== r.start).length, tracks: r.tracks, relations: r.relations })),
          {
            iouMin: settings.tracker.iouMin,
            maxGapFrames: maxGapFrames(settings, e.fps),
            rejoinFrames: rejoinFrames(settings, e.fps),
            gate: settings.tracker.gate,
            sizeRatioMax: settings.tracker.sizeRatioMax,
            identityOffset: settings.tracker.identityOffset,
          },
        );
        // Which ffmpeg decoded the frames and how they became RGB (the stated conversion, from the stream's tags).
        const decode = { ffmpeg: ffmpegInfo(), rgbConversion: e.rgbConversion, graph: RGB_CONVERSION_GRAPH };
        const worker = { threads: pool.threadsPerWorker, workers: pool.size, cpus: os.cpus().length, platform: `${process.platform}-${process.arch}`, decodedSize: size, ...decode };
        const stats = totalStats(results, performance.now() - t0, Math.min(pool.size, tasks.length));
        ctx.commit(() => recordRun(c, { evidence: e, jobId, settings, models, segments: results, merge, stats, worker, trackMinScore: settings.detector.trackMinScore }));
        committed = true;
        ctx.progress({ stage: 'record', current: 1, total: 1 });
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
        if (!committed) clearStaging(c, jobId);
      }
    },
  };
}
