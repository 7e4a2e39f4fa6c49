/**
 * The `analyze.segment` worker task: one frame range of one clip, from the evidence file, the frame index rows of
 * that range and the model pack — nothing else (no database, no other segment), so segments can run in any
 * worker, in any order, on any machine that sees the file. The job in main (core/analysis/analysisJob.ts) splits a
 * clip into fixed segments, runs them on its workers, stores what they stream and merges them in order
 * (merge.ts); the split is fixed by the settings, so the result does not depend on how many workers ran it.
 *
 * Per analysed frame, in decode order:
 *  1. decode and **verify** the frame against the frame index (platform/ffmpeg `decodeFrameRange` →
 *     `verifyFrame`: native-pixel MD5 and timestamp);
 *  2. **shot cut?** (shotCut.ts) against the previous analysed frame — for the range's first frame, against the
 *     analysed frame before the range, decoded only for this;
 *  3. **where to search** (gating.ts): everywhere at the segment start, after a cut and on the full-search
 *     schedule; else only where pixels changed or a track expects a face;
 *  4. **candidates** (detect.ts): BlazeFace in one pass (batched windows), the SSD small-face cells;
 *  5. **face check** (faceCheck.ts): 68-point landmarks (one batch), the other detector's second opinion (one
 *     batch each), a calibrated face probability; below `minScore` a candidate is dropped, in
 *     [`nearScore`, `minScore`) it is counted as seen below threshold;
 *  6. **alignment, embedding, quality, crop** for the faces kept (one embedding batch), crops written whole into
 *     the content-addressed store;
 *  7. **tracking** (tracker.ts) with the cut flag;
 * and the detections go to the parent in batches (`ctx.partial`), so nothing accumulates here: the task's memory
 * is the tracker's live state and one batch.
 */
import { z } from 'zod';
import { RgbConversionSchema, decodeFrameRange } from '../../platform/ffmpeg';
import { cancelled } from '../../domain/errors';
import { writeDerivedBytes } from '../../platform/derivedStore';
import { frameSizeProblem } from '../../domain/mediaLimits';
import { AnalysisSettings, fullSearchFrames, maxGapFrames, rejoinFrames } from '../../domain/analysis';
import { alignFace } from '../faces/align';
import { detectLandmarksMany, toLandmarks5 } from '../faces/detect';
import { embedFaces } from '../faces/embed';
import type { Point } from '../image/geometry';
import { cropImage, encodePng } from '../image/image';
import type { TaskContext, TaskFn } from '../protocol';
import { FaceFinder, type Box, type Candidate, type DetectorSource } from './detect';
import { faceProbability, shapeResidual } from './faceCheck';
import { MotionGate, halfLuma } from './gating';
import { faceQuality, type QualityComponents, type QualityMeasures } from './quality';
import { regionImage } from './region';
import { cutScore, frameSignature, type FrameSignature } from './shotCut';
import { Tracker, iouOf, type TrackRelation, type TrackSummary } from './tracker';

const ExpectedFrame = z.object({ index: z.number().int().min(0), pts: z.number().int().nullable(), md5: z.string().regex(/^[0-9a-f]{32}$/) }).strict();

export const SegmentTaskParams = z
  .object({
    /** The evidence file (read only) and its decoded frame size (rotation applied). */
    file: z.string().min(1),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    fps: z.number().positive().nullable(),
    /** Where aligned face crops go (the case's content-addressed store). */
    derivedDir: z.string().min(1),
    /** How decoded frames become RGB (the one decode path; platform/ffmpeg.ts `rgbFilter`), from the evidence record. */
    conversion: RgbConversionSchema,
    settings: AnalysisSettings,
    segment: z.object({ index: z.number().int().min(0), start: z.number().int().min(0), end: z.number().int().min(1) }).strict(),
    /**
     * The frame index rows of the analysed frames of [start, end) (every `step`-th), preceded by the analysed frame
     * before `start` when there is one (`leadIn`): decoded and verified only to look for a cut at `start`.
     */
    frames: z.array(ExpectedFrame).min(1),
    leadIn: z.boolean(),
    /** Seconds into the file to seek to before decoding (a keyframe before the first frame); null: from the start. */
    seekTo: z.number().min(0).nullable(),
  })
  .strict()
  // One frame's memory is bounded: a clip whose frame size is beyond the limit is not decoded at all.
  .refine((p) => frameSizeProblem(p.width, p.height) === null, { message: 'frame size beyond the limit (domain/mediaLimits.ts)', path: ['width'] });
export type SegmentTaskParams = z.output<typeof SegmentTaskParams>;

export interface SegmentDetection {
  readonly frame: number;
  /** Order of this detection within its frame (face probability, then position). */
  readonly seq: number;
  /** The frame whose pixels the detector saw (always `frame`: gating searches less, it never reuses boxes). */
  readonly detectorFrame: number;
  readonly box: Box;
  /** Calibrated probability that this is a face (the face check's output). */
  readonly score: number;
  readonly detector: DetectorSource;
  /** The detector's own score, the other detector's second opinion and the landmark shape residual. */
  readonly detectorScore: number;
  readonly secondOpinion: number;
  readonly shapeResidual: number;
  readonly level: string;
  readonly landmarks5: Array<[number, number]>;
  readonly quality: number;
  readonly components: QualityComponents;
  readonly measures: QualityMeasures & { readonly alignResidual: number };
  readonly crop: { readonly sha256: string; readonly width: number; readonly height: number };
  readonly embedding: Float32Array;
  /** Track id within this segment (merge.ts maps it to the run's track). */
  readonly localTrack: number;
}

export interface DetectionBatch {
  readonly kind: 'detections';
  readonly segment: number;
  readonly detections: SegmentDetection[];
  /** Analysed frames done so far in this segment (for progress). */
  readonly framesDone: number;
}

export interface NearMiss {
  readonly frame: number;
  readonly box: Box;
  readonly score: number;
  readonly detector: DetectorSource;
}

export type SegmentStage = 'decode' | 'cuts' | 'detect' | 'faceCheck' | 'crops' | 'track';

export interface SegmentStats {
  readonly framesAnalysed: number;
  readonly fullSearches: Record<string, number>;
  readonly gatedFrames: number;
  /** Share of the frame searched, summed over the gated frames (divide by gatedFrames for the mean). */
  readonly gatedArea: number;
  readonly candidates: number;
  readonly kept: number;
  readonly rejected: number;
  readonly blazeRuns: number;
  readonly blazeWindows: number;
  readonly ssdRuns: number;
  readonly ssdCells: number;
  readonly secondOpinionRuns: number;
  /** Candidates that continued a confident face track and took its second opinion instead of a new one. */
  readonly secondInherited: number;
  readonly detectorNetworkMs: number;
  /** Of the detector network time: BlazeFace's and the SSD's. */
  readonly blazeMs: number;
  readonly ssdMs: number;
  readonly detectorPrepareMs: number;
  readonly stageMs: Record<SegmentStage, number>;
  readonly wallMs: number;
}

export interface SegmentResult {
  readonly segment: number;
  readonly start: number;
  readonly end: number;
  readonly framesDecoded: number;
  /** The segment's first analysed frame follows a cut (against the analysed frame before the segment). */
  readonly cutAtStart: boolean;
  readonly cuts: Array<{ readonly frame: number; readonly hist: number; readonly structure: number }>;
  readonly tracks: TrackSummary[];
  readonly relations: TrackRelation[];
  readonly detections: number;
  /** Candidates seen below threshold: how many, and the best few. */
  readonly near: { readonly count: number; readonly frames: number; readonly examples: NearMiss[] };
  readonly stats: SegmentStats;
}

const BATCH_FRAMES = 8;
const BATCH_DETECTIONS = 256;
const NEAR_EXAMPLES = 20;

export async function runSegment(raw: unknown, ctx: TaskContext): Promise<SegmentResult> {
  const p = SegmentTaskParams.parse(raw);
  const s = p.settings;
  const t0 = performance.now();
  const check = (): void => {
    if (ctx.signal.aborted) throw cancelled('analysis');
  };
  const { width, height } = p;
  const finder = new FaceFinder(width, height, s.detector);
  const gate = new MotionGate(width, height, { ...s.gating, fullSearchFrames: fullSearchFrames(s, p.fps) });
  const tracker = new Tracker(
    { ...s.tracker, maxGapFrames: maxGapFrames(s, p.fps), rejoinFrames: rejoinFrames(s, p.fps) },
    1,
  );
  const stageMs: Record<SegmentStage, number> = { decode: 0, cuts: 0, detect: 0, faceCheck: 0, crops: 0, track: 0 };
  const fullSearches: Record<string, number> = {};
  let gatedFrames = 0;
  let gatedArea = 0;
  let candidates = 0;
  let secondInherited = 0;
  let kept = 0;
  let rejected = 0;
  const cuts: SegmentResult['cuts'] = [];
  const relations: TrackRelation[] = [];
  const near = { count: 0, frames: 0, examples: [] as NearMiss[] };
  let prevSig: FrameSignature | null = null;
  let cutAtStart = false;
  let analysed = 0;
  let detectionsSent = 0;
  let batch: SegmentDetection[] = [];
  let batchFrames = 0;
  const total = p.frames.length - (p.leadIn ? 1 : 0);
  const flush = async (): Promise<void> => {
    if (!batch.length && !batchFrames) return;
    const out: DetectionBatch = { kind: 'detections', segment: p.segment.index, detections: batch, framesDone: analysed };
    batch = [];
    batchFrames = 0;
    await ctx.partial(out);
  };
  ctx.progress('analyse', 0, total, 'frames');
  let waitStart = performance.now();

  await decodeFrameRange(p.file, { width, height }, {
    expected: p.frames,
    step: s.step,
    seekTo: p.seekTo,
    conversion: p.conversion,
    signal: ctx.signal,
    onFrame: async (f) => {
      let t = performance.now();
      stageMs.decode += t - waitStart;
      const lap = (stage: SegmentStage): void => {
        const now = performance.now();
        stageMs[stage] += now - t;
        t = now;
      };
      check();
      const sig = s.cuts.enabled ? frameSignature(f.data, width, height) : null;
      let cut = false;
      if (sig && prevSig) {
        const c = cutScore(prevSig, sig, { histThreshold: s.cuts.histThreshold, structureThreshold: s.cuts.structureThreshold, maxShift: 0.12 });
        if (c.cut && f.index >= p.segment.start) {
          cut = true;
          cuts.push({ frame: f.index, hist: c.hist, structure: c.structure });
          if (f.index === p.segment.start) cutAtStart = true;
        }
      }
      prevSig = sig;
      lap('cuts');
      if (f.index < p.segment.start) {
        // The lead-in frame: only the cut test's reference.
        waitStart = performance.now();
        return;
      }
      const first = f.index === p.segment.start;
      const luma = halfLuma(f.data, width, height);
      const plan = gate.plan(f.index, luma, tracker.predictions(f.index), first ? 'start' : cut ? 'cut' : null, s.detector.smallMaxWidth * 1.25);
      if (plan.full) fullSearches[plan.reason] = (fullSearches[plan.reason] ?? 0) + 1;
      else {
        gatedFrames++;
        gatedArea += plan.regions.reduce((a, r) => a + r.w * r.h, 0) / (width * height);
      }
      const cands: Candidate[] = await finder.find(f.data, plan, ctx.signal);
      gate.searched(luma, plan, finder.smallSearched);
      candidates += cands.length;
      lap('detect');
      check();

      // Face check: landmarks for every candidate (one batch) and the other detector's opinion.
      const regions = cands.map((c) => regionImage(f.data, width, height, c.box));
      const lms = cands.length
        ? await detectLandmarksMany(cands.map((c, i) => ({ image: regions[i]!.img, box: { x: c.box.x - regions[i]!.x0, y: c.box.y - regions[i]!.y0, w: c.box.w, h: c.box.h } })))
        : [];
      // The second opinion: re-run for every candidate except those continuing a confident face track, which
      // inherit that track's mean (the other detector need not confirm the same face every frame).
      const confident = tracker.confident(f.index, s.step);
      const inherited = cands.map((c) => {
        let best: { iou: number; second: number } | null = null;
        for (const t of confident) {
          const v = iouOf(t.box, c.box);
          if (v >= 0.5 && (!best || v > best.iou)) best = { iou: v, second: t.second };
        }
        return best ? best.second : null;
      });
      const asked = cands.filter((_, i) => inherited[i] === null);
      const fresh = asked.length ? await finder.secondOpinion(f.data, asked) : [];
      let k2 = 0;
      const second = inherited.map((v) => (v === null ? fresh[k2++]! : v));
      secondInherited += inherited.filter((v) => v !== null).length;
      const checked = cands.map((c, i) => {
        const residual = shapeResidual(lms[i]!);
        return { c, i, residual, second: second[i]!, prob: faceProbability({ source: c.source, score: c.score, second: second[i]!, residual }) };
      });
      let nearHere = 0;
      const faces = checked
        .filter((x) => {
          if (x.prob >= s.detector.minScore) return true;
          if (x.prob >= s.detector.nearScore) {
            nearHere++;
            near.examples.push({ frame: f.index, box: { ...x.c.box }, score: x.prob, detector: x.c.source });
          } else rejected++;
          return false;
        })
        .sort((a, b) => b.prob - a.prob || a.c.box.y - b.c.box.y || a.c.box.x - b.c.box.x);
      if (nearHere) {
        near.count += nearHere;
        near.frames++;
        near.examples.sort((a, b) => b.score - a.score || a.frame - b.frame);
        near.examples.length = Math.min(near.examples.length, NEAR_EXAMPLES);
      }
      kept += faces.length;
      lap('faceCheck');
      check();

      const prepared = faces.map(({ c, i, prob }) => {
        const region = regions[i]!;
        const lm5 = toLandmarks5(lms[i]!).map(([x, y]) => [x, y] as Point);
        const bx = Math.round(c.box.x - region.x0);
        const by = Math.round(c.box.y - region.y0);
        const faceImg = cropImage(region.img, bx, by, Math.max(3, Math.round(c.box.w)), Math.max(3, Math.round(c.box.h)));
        const quality = faceQuality(faceImg, c.box.w, lm5, prob, s.quality);
        const aligned = alignFace(region.img, lm5 as unknown as Parameters<typeof alignFace>[1], s.cropSize);
        return { region, lm5, quality, aligned };
      });
      // In batches of 4, checking for Cancel between them (one network run cannot be interrupted).
      const embeddings: Float32Array[] = [];
      for (let k = 0; k < prepared.length; k += 4) {
        check();
        embeddings.push(...(await embedFaces(prepared.slice(k, k + 4).map((x) => x.aligned.crop))));
      }
      const crops: Array<{ sha256: string }> = [];
      for (const x of prepared) {
        check();
        crops.push(writeDerivedBytes(p.derivedDir, await encodePng(x.aligned.crop)));
      }
      lap('crops');
      const upd = tracker.update(
        f.index,
        faces.map(({ c, prob, second: so }, k) => ({ box: c.box, embedding: embeddings[k]!, quality: prepared[k]!.quality.value, faceProb: prob, second: so })),
        // A cut before the segment's first frame is the merge's business (the tracker starts empty there).
        cut && !first,
      );
      relations.push(...upd.relations);
      faces.forEach(({ c, prob, second: so, residual }, k) => {
        const x = prepared[k]!;
        batch.push({
          frame: f.index,
          seq: k,
          detectorFrame: f.index,
          box: { ...c.box },
          score: prob,
          detector: c.source,
          detectorScore: c.score,
          secondOpinion: so,
          shapeResidual: residual,
          level: c.level,
          landmarks5: x.lm5.map(([u, v]) => [u + x.region.x0, v + x.region.y0] as [number, number]),
          quality: x.quality.value,
          components: x.quality.components,
          measures: { ...x.quality.measures, alignResidual: x.aligned.residual },
          crop: { sha256: crops[k]!.sha256, width: s.cropSize, height: s.cropSize },
          embedding: embeddings[k]!,
          localTrack: upd.ids[k]!,
        });
      });
      detectionsSent += faces.length;
      lap('track');
      analysed++;
      batchFrames++;
      ctx.progress('analyse', analysed, total, 'frames');
      if (batchFrames >= BATCH_FRAMES || batch.length >= BATCH_DETECTIONS) await flush();
      waitStart = performance.now();
    },
  });
  await flush();
  const fs2 = finder.stats;
  return {
    segment: p.segment.index,
    start: p.segment.start,
    end: p.segment.end,
    framesDecoded: analysed,
    cutAtStart,
    cuts,
    tracks: tracker.finish(),
    relations,
    detections: detectionsSent,
    near,
    stats: {
      framesAnalysed: analysed,
      fullSearches,
      gatedFrames,
      gatedArea,
      candidates,
      kept,
      rejected,
      blazeRuns: fs2.blazeRuns,
      blazeWindows: fs2.blazeWindows,
      ssdRuns: fs2.ssdRuns,
      ssdCells: fs2.ssdCells,
      secondOpinionRuns: fs2.secondOpinionRuns,
      secondInherited,
      detectorNetworkMs: fs2.networkMs,
      blazeMs: fs2.blazeMs,
      ssdMs: fs2.ssdMs,
      detectorPrepareMs: fs2.prepareMs,
      stageMs,
      wallMs: performance.now() - t0,
    },
  };
}

export const analyzeSegment: TaskFn<SegmentResult> = (params, ctx) => runSegment(params, ctx);
