/**
 * The `analyze` worker task: decode a clip, find every face (also 20–50 px faces in 1080p), align, embed and
 * score each, store its aligned crop in the case's derived store, and follow each person as a track.
 *
 * The worker never opens the case database: it returns detections, tracks and crop hashes, and the job in main
 * records them in one transaction with the audit entry. Crops are content-addressed files written whole (see
 * writeDerivedBytes), so a worker killed mid-run leaves at most unreferenced, correct files.
 *
 * Determinism: frames are processed in decode order, every per-frame step is a pure function of the frame and
 * the state built from earlier frames, and ties are broken by position or index, never by timing; the same
 * clip and settings give the same results (the job records a digest of them; a test re-runs and compares).
 * Cancellation is checked between detector runs and between faces, and the decoder's ffmpeg child is killed at
 * once through the same signal.
 */
import { decodeFrames } from '../../platform/ffmpeg';
import { cancelled } from '../../domain/errors';
import { writeDerivedBytes } from '../../platform/derivedStore';
import { alignFace } from '../faces/align';
import { detectLandmarks, toLandmarks5 } from '../faces/detect';
import { embedFaces } from '../faces/embed';
import type { Point } from '../image/geometry';
import { cropImage, encodePng, type Image } from '../image/image';
import type { TaskContext, TaskFn } from '../protocol';
import { PyramidDetector, type Box, type Candidate } from './detectPyramid';
import { maxGapFrames } from '../../domain/analysis';
import { AnalyzeTaskParams } from './params';
import { planPyramid } from './pyramid';
import { faceQuality, type QualityComponents, type QualityMeasures } from './quality';
import { Tracker } from './tracker';

export interface AnalyzedDetection {
  readonly frame: number;
  /** The frame whose pixels the detector ran on (earlier than `frame` when an unchanged window was reused). */
  readonly detectorFrame: number;
  readonly box: Box;
  readonly score: number;
  /** Pyramid level name that found the face ('fit', 'x0.8', 'x1.6'). */
  readonly level: string;
  readonly landmarks5: Array<[number, number]>;
  readonly quality: number;
  readonly components: QualityComponents;
  readonly measures: QualityMeasures & { readonly alignResidual: number };
  readonly crop: { readonly sha256: string; readonly width: number; readonly height: number };
  readonly embedding: Float32Array;
  /** Track ordinal (1-based, in order of first appearance) and this detection's quality rank in it (1 = best). */
  track: number;
  rank: number;
}

export interface AnalyzedTrack {
  readonly ordinal: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly count: number;
  readonly bestFrame: number;
  readonly bestQuality: number;
  readonly medianWidth: number;
  readonly maxWidth: number;
  /** Quality-weighted mean of the detections' embeddings, L2-normalised. */
  readonly embedding: Float32Array;
}

export type StageName = 'decode' | 'detect' | 'landmarks' | 'quality' | 'crops' | 'track';

export interface AnalyzeStats {
  readonly framesExpected: number;
  readonly framesDecoded: number;
  /** Frames whose decoded pixels matched the frame index's MD5 (all of them, or the run fails). */
  readonly framesVerified: number;
  readonly tilesPerFrame: number;
  readonly levels: Array<{ name: string; scale: number; tiles: number }>;
  readonly tilesRun: number;
  readonly tilesReused: number;
  readonly tilesFlat: number;
  /** Of the detect stage: time inside the detector network, and resampling windows + the change test. */
  readonly detectorNetworkMs: number;
  readonly detectorPrepareMs: number;
  /** Milliseconds per stage, summed over the run (decode = time waiting for ffmpeg's next frame). */
  readonly stageMs: Record<StageName, number>;
  readonly wallMs: number;
}

export interface AnalyzeResult {
  readonly detections: AnalyzedDetection[];
  readonly tracks: AnalyzedTrack[];
  readonly stats: AnalyzeStats;
}

/** Face region of an RGB24 frame as a float image (only the pixels the landmark net and alignment need). */
function regionImage(frame: Uint8Array, width: number, height: number, box: Box, factor: number): { img: Image; x0: number; y0: number } {
  const side = Math.max(box.w, box.h) * factor;
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(width, Math.ceil(cx + side / 2));
  const y1 = Math.min(height, Math.ceil(cy + side / 2));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * width + x0) * 3;
    const dst = y * w * 3;
    for (let i = 0; i < w * 3; i++) data[dst + i] = frame[src + i]! / 255;
  }
  return { img: { width: w, height: h, channels: 3, data }, x0, y0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function runAnalysis(raw: unknown, ctx: TaskContext): Promise<AnalyzeResult> {
  const p = AnalyzeTaskParams.parse(raw);
  const s = p.settings;
  const t0 = performance.now();
  const plan = planPyramid(p.width, p.height, s.pyramid);
  const detector = new PyramidDetector(plan, {
    minScore: s.detector.minScore,
    iouThreshold: s.detector.iouThreshold,
    containThreshold: s.detector.containThreshold,
    maxBoxWidth: s.detector.maxBoxWidth,
    batch: s.detector.batch,
    reuse: s.detector.reuse,
    flatStd: s.detector.flatStd,
  });
  const tracker = new Tracker({ ...s.tracker, maxGapFrames: maxGapFrames(s, p.fps) });
  const expected = Math.ceil(p.frameCount / s.step);
  const stageMs: Record<StageName, number> = { decode: 0, detect: 0, landmarks: 0, quality: 0, crops: 0, track: 0 };
  const detections: AnalyzedDetection[] = [];
  const trackIds: number[] = [];
  let decoded = 0;
  let waitStart = performance.now();
  const check = (): void => {
    if (ctx.signal.aborted) throw cancelled('analysis');
  };
  ctx.progress('analyse', 0, expected, 'frames');

  // Every frame is checked against the frame index's MD5 before it is analysed: a file edited after import fails
  // at its first changed frame (EVIDENCE_ALTERED), and nothing of the run is recorded.
  const verified = await decodeFrames(p.file, { width: p.width, height: p.height }, {
    step: s.step,
    signal: ctx.signal,
    verify: p.frameDigests,
    onFrame: async (f) => {
      let t = performance.now();
      stageMs.decode += t - waitStart;
      const lap = (stage: StageName): void => {
        const now = performance.now();
        stageMs[stage] += now - t;
        t = now;
      };
      check();
      const faces: Candidate[] = await detector.detect(f.data, f.index, ctx.signal);
      lap('detect');
      check();
      const found: Array<{ cand: Candidate; lm5: Point[]; region: { img: Image; x0: number; y0: number } }> = [];
      for (const cand of faces) {
        // 2.2 × the box: the dlib chip (25% padding) of a face rotated up to ~45° stays inside.
        const region = regionImage(f.data, p.width, p.height, cand.box, 2.2);
        const rel = { x: cand.box.x - region.x0, y: cand.box.y - region.y0, w: cand.box.w, h: cand.box.h };
        const [pts] = await detectLandmarks(region.img, [rel]);
        found.push({ cand, lm5: toLandmarks5(pts!).map(([x, y]) => [x, y] as Point), region });
      }
      lap('landmarks');
      const quality = found.map(({ cand, lm5, region }) => {
        const bx = Math.round(cand.box.x - region.x0);
        const by = Math.round(cand.box.y - region.y0);
        const faceImg = cropImage(region.img, bx, by, Math.max(3, Math.round(cand.box.w)), Math.max(3, Math.round(cand.box.h)));
        return faceQuality(faceImg, cand.box.w, lm5, cand.score, s.quality);
      });
      lap('quality');
      check();
      const aligned = found.map(({ lm5, region }) => alignFace(region.img, lm5 as unknown as Parameters<typeof alignFace>[1], s.cropSize));
      const embeddings = aligned.length ? await embedFaces(aligned.map((a) => a.crop)) : [];
      const crops: Array<{ sha256: string }> = [];
      for (const a of aligned) {
        check();
        crops.push(writeDerivedBytes(p.derivedDir, await encodePng(a.crop)));
      }
      lap('crops');
      const ids = tracker.update(
        f.index,
        found.map((x, i) => ({ box: x.cand.box, embedding: embeddings[i]!, quality: quality[i]!.value })),
      );
      found.forEach(({ cand, lm5, region }, i) => {
        const q = quality[i]!;
        detections.push({
          frame: f.index,
          detectorFrame: cand.detectorFrame,
          box: { ...cand.box },
          score: cand.score,
          level: plan.levels[cand.level]!.name,
          landmarks5: lm5.map(([x, y]) => [x + region.x0, y + region.y0] as [number, number]),
          quality: q.value,
          components: q.components,
          measures: { ...q.measures, alignResidual: aligned[i]!.residual },
          crop: { sha256: crops[i]!.sha256, width: s.cropSize, height: s.cropSize },
          embedding: embeddings[i]!,
          track: 0,
          rank: 0,
        });
        trackIds.push(ids[i]!);
      });
      lap('track');
      decoded++;
      ctx.progress('analyse', decoded, expected, 'frames');
      waitStart = performance.now();
    },
  });

  const tf = performance.now();
  const tracks = finishTracks(detections, trackIds);
  stageMs.track += performance.now() - tf;
  return {
    detections,
    tracks,
    stats: {
      framesExpected: expected,
      framesDecoded: decoded,
      framesVerified: verified,
      tilesPerFrame: plan.tiles.length,
      levels: plan.levels.map((l) => ({ name: l.name, scale: l.scale, tiles: l.tiles.length })),
      tilesRun: detector.stats.tilesRun,
      tilesReused: detector.stats.tilesReused,
      tilesFlat: detector.stats.tilesFlat,
      detectorNetworkMs: detector.stats.detectorMs,
      detectorPrepareMs: detector.stats.prepareMs,
      stageMs,
      wallMs: performance.now() - t0,
    },
  };
}

/** Rank each track's detections by quality (best first; ties: earlier frame) and summarise the tracks. */
export function finishTracks(detections: AnalyzedDetection[], trackIds: readonly number[]): AnalyzedTrack[] {
  const byTrack = new Map<number, number[]>();
  trackIds.forEach((id, i) => {
    let list = byTrack.get(id);
    if (!list) byTrack.set(id, (list = []));
    list.push(i);
  });
  // Tracker ids are handed out in order of first appearance; renumber densely in that order.
  const ordered = [...byTrack.keys()].sort((a, b) => a - b);
  return ordered.map((id, k) => {
    const idx = byTrack.get(id)!;
    const ranked = [...idx].sort((a, b) => detections[b]!.quality - detections[a]!.quality || detections[a]!.frame - detections[b]!.frame);
    ranked.forEach((di, r) => {
      detections[di]!.track = k + 1;
      detections[di]!.rank = r + 1;
    });
    const dim = detections[idx[0]!]!.embedding.length;
    const mean = new Float64Array(dim);
    for (const di of idx) {
      const d = detections[di]!;
      const wgt = Math.max(0.05, d.quality);
      for (let j = 0; j < dim; j++) mean[j]! += wgt * d.embedding[j]!;
    }
    const norm = Math.hypot(...mean) || 1;
    const best = detections[ranked[0]!]!;
    const widths = idx.map((di) => detections[di]!.box.w);
    return {
      ordinal: k + 1,
      firstFrame: detections[idx[0]!]!.frame,
      lastFrame: detections[idx[idx.length - 1]!]!.frame,
      count: idx.length,
      bestFrame: best.frame,
      bestQuality: best.quality,
      medianWidth: median(widths),
      maxWidth: Math.max(...widths),
      embedding: Float32Array.from(mean, (v) => v / norm),
    };
  });
}

export const analyze: TaskFn<AnalyzeResult> = (params, ctx) => runAnalysis(params, ctx);
