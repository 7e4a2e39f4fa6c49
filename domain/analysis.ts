/**
 * Every setting of an analysis run, with its default, in one place: the job resolves them, records them in the
 * run row and the audit entry, and sends them whole to the worker, which re-validates them. So what the record
 * says was used is exactly what the worker used. Pure: main, the CLI, the renderer and the workers read the same
 * defaults (the detector, tracker and quality modules in workers/analysis explain what each one does).
 */
import { z } from 'zod';

/** Settings of the SSD pyramid detector (workers/analysis/detectPyramid.ts): the benchmarks' baseline, not the analysis' detector. */
export interface DetectorOptions {
  /** Minimum detector score for a box. */
  readonly minScore: number;
  /** Boxes overlapping a better one by more than this IoU are suppressed (within and across windows/levels). */
  readonly iouThreshold: number;
  /** A box lying more than this fraction inside a better-scored box is suppressed too (nested duplicates). */
  readonly containThreshold: number;
  /**
   * Widest box (detector px) a level keeps when a coarser level exists. Past ~140 px the SSD's boxes for a face
   * degrade (partial boxes, wrong aspect; 73% recall at 192 px) while the coarser level sees it at its best.
   */
  readonly maxBoxWidth: number;
  /** Windows per detector run. */
  readonly batch: number;
  readonly reuse: { readonly enabled: boolean; readonly threshold: number };
  /** Windows whose luma std (0..255) is below this are not searched. */
  readonly flatStd: number;
}

export const DEFAULT_DETECTOR_OPTIONS: DetectorOptions = {
  minScore: 0.4,
  iouThreshold: 0.4,
  containThreshold: 0.7,
  maxBoxWidth: 144,
  batch: 1,
  reuse: { enabled: true, threshold: 4 },
  flatStd: 3,
};

/** Settings of the tracker (workers/analysis/tracker.ts). Appearance gates come from domain/trackIdentity.ts. */
export interface TrackerOptions {
  /** IoU with the track's predicted box for a motion association. */
  readonly iouMin: number;
  /** Frames a track may go unseen and still be continued by motion (and appearance). */
  readonly maxGapFrames: number;
  /** Frames a track may go unseen and still be re-joined by appearance alone (within a widening spatial gate). */
  readonly rejoinFrames: number;
  /** Spatial gate of the re-join, in face widths, at the moment the track was lost; it widens with time unseen. */
  readonly gate: number;
  readonly sizeRatioMax: number;
  /** Weight of the newest displacement in the velocity estimate (exponential smoothing). */
  readonly velocityAlpha: number;
  /** Added to every calibrated appearance gate (positive: stricter). */
  readonly identityOffset: number;
}

export const DEFAULT_TRACKER: TrackerOptions = {
  iouMin: 0.2,
  maxGapFrames: 24,
  rejoinFrames: 240,
  gate: 1.5,
  sizeRatioMax: 1.6,
  velocityAlpha: 0.5,
  identityOffset: 0,
};

export interface QualityWeights {
  readonly size: number;
  readonly sharpness: number;
  readonly exposure: number;
  readonly pose: number;
  readonly score: number;
}

export interface QualityOptions {
  readonly weights: QualityWeights;
  /** Laplacian-variance / luma-variance ratio at which sharpness reaches 1 − 1/e. */
  readonly sharpnessScale: number;
}

export const DEFAULT_QUALITY: QualityOptions = {
  weights: { size: 0.3, sharpness: 0.25, exposure: 0.15, pose: 0.2, score: 0.1 },
  sharpnessScale: 0.3,
};

/**
 * The SSD pyramid of Sightline ≤ issue 13 (whole frame, 640 px windows ×0.8, 320 px windows ×1.6): no longer
 * the analysis' detector; kept as the baseline the benchmarks compare with (bench/detectors.ts,
 * bench/realLabelsBaseline.ts).
 */
export const DEFAULT_PYRAMID = [
  { scale: 'fit' as const, overlap: 0 },
  { scale: 0.8, overlap: 150 },
  { scale: 1.6, overlap: 56 },
];

/** Settings of the detection stage (workers/analysis/detect.ts, faceCheck.ts). */
export const DETECTION_DEFAULTS = {
  /**
   * Minimum calibrated face probability for a detection (the face check's output, 0..1). 0.3: on the hand-labelled
   * real frames (two-fold, single frames) precision 88 % and recall 91 %, where the old SSD pyramid at its 0.4 had
   * 77 % and 90 %.
   */
  minScore: 0.3,
  /** Candidates with a face probability in [nearScore, minScore) are "seen below threshold": counted and reported. */
  nearScore: 0.15,
  /** BlazeFace score at which a box becomes a candidate for the face check. */
  proposalScore: 0.35,
  /** SSD score at which a small-face box becomes a candidate for the face check. */
  smallProposalScore: 0.15,
  /** The small-face path: SSD on ×1.6 cells for faces the one-pass detector cannot see (< ~20 px). */
  smallFaces: true,
  /** Widest box (frame px) the small-face path keeps; wider faces are the one-pass detector's. */
  smallMaxWidth: 28,
  nmsIou: 0.3,
  containThreshold: 0.6,
  /** Mean face probability over its detections for a track to count as a face (others are listed last, as doubtful). */
  trackMinScore: 0.65,
} as const;

/** Motion gating (workers/analysis/gating.ts): search only where pixels changed or a track is expected. */
export const GATING_DEFAULTS = {
  enabled: true,
  /** Mean absolute luma change (grey levels) of a 16×16 block, against the frame last searched there, that counts as change. */
  threshold: 4,
  /** A full search at least this often (seconds), whatever changed. */
  fullSearchSeconds: 1,
  /** Above this share of the frame changed, search all of it. */
  maxAreaFraction: 0.4,
} as const;

export const AnalysisSettings = z
  .object({
    step: z.number().int().min(1).max(10000).default(1),
    /**
     * Segment length in frames: a clip is analysed as fixed frame ranges of this length (rounded up to a multiple
     * of `step`), each by one worker with a fresh state, merged in order. Fixed, so the result does not depend on
     * how many workers ran the segments.
     */
    segmentFrames: z.number().int().min(8).max(1_000_000).default(120),
    detector: z
      .object({
        minScore: z.number().min(0.05).max(0.99).default(DETECTION_DEFAULTS.minScore),
        nearScore: z.number().min(0.01).max(0.99).default(DETECTION_DEFAULTS.nearScore),
        proposalScore: z.number().min(0.05).max(0.99).default(DETECTION_DEFAULTS.proposalScore),
        smallProposalScore: z.number().min(0.05).max(0.99).default(DETECTION_DEFAULTS.smallProposalScore),
        smallFaces: z.boolean().default(DETECTION_DEFAULTS.smallFaces),
        smallMaxWidth: z.number().min(8).max(64).default(DETECTION_DEFAULTS.smallMaxWidth),
        nmsIou: z.number().min(0.05).max(0.95).default(DETECTION_DEFAULTS.nmsIou),
        containThreshold: z.number().min(0.05).max(1.01).default(DETECTION_DEFAULTS.containThreshold),
        trackMinScore: z.number().min(0).max(1).default(DETECTION_DEFAULTS.trackMinScore),
      })
      .strict()
      .prefault({}),
    gating: z
      .object({
        enabled: z.boolean().default(GATING_DEFAULTS.enabled),
        threshold: z.number().min(0).max(255).default(GATING_DEFAULTS.threshold),
        fullSearchSeconds: z.number().min(0).max(3600).default(GATING_DEFAULTS.fullSearchSeconds),
        maxAreaFraction: z.number().min(0).max(1).default(GATING_DEFAULTS.maxAreaFraction),
      })
      .strict()
      .prefault({}),
    cuts: z
      .object({
        enabled: z.boolean().default(true),
        histThreshold: z.number().min(0).max(1).default(0.2),
        structureThreshold: z.number().min(0).max(2).default(0.3),
      })
      .strict()
      .prefault({}),
    tracker: z
      .object({
        iouMin: z.number().min(0).max(1).default(DEFAULT_TRACKER.iouMin),
        /** Seconds a track may go unseen and still continue by motion; converted to frames with the clip's rate. */
        maxGapSeconds: z.number().min(0).max(60).default(1),
        /** Seconds a track may go unseen and still be re-joined by appearance. */
        rejoinSeconds: z.number().min(0).max(600).default(10),
        gate: z.number().min(0.1).max(20).default(DEFAULT_TRACKER.gate),
        sizeRatioMax: z.number().min(1).max(10).default(DEFAULT_TRACKER.sizeRatioMax),
        velocityAlpha: z.number().min(0).max(1).default(DEFAULT_TRACKER.velocityAlpha),
        identityOffset: z.number().min(-0.5).max(0.5).default(DEFAULT_TRACKER.identityOffset),
      })
      .strict()
      .prefault({}),
    quality: z
      .object({
        weights: z
          .object({
            size: z.number().min(0).max(1),
            sharpness: z.number().min(0).max(1),
            exposure: z.number().min(0).max(1),
            pose: z.number().min(0).max(1),
            score: z.number().min(0).max(1),
          })
          .strict()
          .default(DEFAULT_QUALITY.weights),
        sharpnessScale: z.number().positive().max(100).default(DEFAULT_QUALITY.sharpnessScale),
      })
      .strict()
      .prefault({}),
    /** Side of the aligned face chip (the embedder's input is 150). */
    cropSize: z.literal(150).default(150),
  })
  .strict();

export type AnalysisSettings = z.output<typeof AnalysisSettings>;
export type AnalysisSettingsInput = z.input<typeof AnalysisSettings>;

export function resolveSettings(input: unknown): AnalysisSettings {
  return AnalysisSettings.parse(input ?? {});
}

/** Frames a track may go unseen, for a clip's frame rate (still images and unknown rates: 25 fps). */
export function maxGapFrames(settings: AnalysisSettings, fps: number | null): number {
  return Math.max(settings.step, Math.round(settings.tracker.maxGapSeconds * (fps ?? 25)));
}

/** Frames an unseen track may still be re-joined by appearance. */
export function rejoinFrames(settings: AnalysisSettings, fps: number | null): number {
  return Math.max(maxGapFrames(settings, fps), Math.round(settings.tracker.rejoinSeconds * (fps ?? 25)));
}

/** Frames between full searches when gating is on (at least one analysed frame). */
export function fullSearchFrames(settings: AnalysisSettings, fps: number | null): number {
  return Math.max(settings.step, Math.round(settings.gating.fullSearchSeconds * (fps ?? 25)));
}

/** The segment length actually used: `segmentFrames` rounded up to a multiple of `step`. */
export function segmentLength(settings: AnalysisSettings): number {
  return Math.ceil(settings.segmentFrames / settings.step) * settings.step;
}

/** Frame ranges [start, end) of the segments of a clip of `frameCount` frames. */
export function planSegments(frameCount: number, settings: AnalysisSettings): Array<{ start: number; end: number }> {
  const len = segmentLength(settings);
  const out: Array<{ start: number; end: number }> = [];
  for (let s = 0; s < frameCount; s += len) out.push({ start: s, end: Math.min(frameCount, s + len) });
  return out;
}
