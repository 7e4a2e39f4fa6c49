/**
 * Every setting of an analysis run, with its default, in one place: the job resolves them, records them in the
 * run row and the audit entry, and sends them whole to the worker, which re-validates them. So what the record
 * says was used is exactly what the worker used. Pure: main, the CLI, the renderer and the workers read the same
 * defaults (the detector, tracker and quality modules in workers/analysis explain what each one does).
 */
import { z } from 'zod';

/** Settings of the pyramid detector (workers/analysis/detectPyramid.ts). */
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

/** Settings of the tracker (workers/analysis/tracker.ts). */
export interface TrackerOptions {
  readonly iouMin: number;
  readonly embedVeto: number;
  readonly embedMin: number;
  readonly maxGapFrames: number;
  readonly gate: number;
  readonly sizeRatioMax: number;
  /** Weight of the newest displacement in the velocity estimate (exponential smoothing). */
  readonly velocityAlpha: number;
}

export const DEFAULT_TRACKER: TrackerOptions = {
  iouMin: 0.2,
  embedVeto: 0.6,
  embedMin: 0.9,
  maxGapFrames: 24,
  gate: 1.5,
  sizeRatioMax: 1.6,
  velocityAlpha: 0.5,
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
 * Default pyramid, chosen by measurement (workers/analysis/analysis.test.ts and the experiments recorded in
 * the README): the whole frame for faces ≥ ~120 px, 640 px windows shrunk ×0.8 for ~40–160 px, 320 px windows
 * enlarged ×1.6 for ~20–80 px. 41 windows on a 1080p frame, against 61 for {fit, ×1, ×2}, with equal or better
 * recall for 20–40 px faces on H.264 at CRF 32–34.
 */
export const DEFAULT_PYRAMID = [
  { scale: 'fit' as const, overlap: 0 },
  { scale: 0.8, overlap: 150 },
  { scale: 1.6, overlap: 56 },
];

const Level = z.object({ scale: z.union([z.literal('fit'), z.number().min(0.05).max(8)]), overlap: z.number().int().min(0).max(2048) }).strict();

export const AnalysisSettings = z
  .object({
    step: z.number().int().min(1).max(10000).default(1),
    pyramid: z.array(Level).min(1).max(6).default(DEFAULT_PYRAMID),
    detector: z
      .object({
        minScore: z.number().min(0.05).max(0.99).default(DEFAULT_DETECTOR_OPTIONS.minScore),
        iouThreshold: z.number().min(0.05).max(0.95).default(DEFAULT_DETECTOR_OPTIONS.iouThreshold),
        containThreshold: z.number().min(0.05).max(1.01).default(DEFAULT_DETECTOR_OPTIONS.containThreshold),
        maxBoxWidth: z.number().min(32).max(4096).default(DEFAULT_DETECTOR_OPTIONS.maxBoxWidth),
        batch: z.number().int().min(1).max(32).default(DEFAULT_DETECTOR_OPTIONS.batch),
        reuse: z
          .object({ enabled: z.boolean().default(DEFAULT_DETECTOR_OPTIONS.reuse.enabled), threshold: z.number().min(0).max(255).default(DEFAULT_DETECTOR_OPTIONS.reuse.threshold) })
          .strict()
          .default({ enabled: DEFAULT_DETECTOR_OPTIONS.reuse.enabled, threshold: DEFAULT_DETECTOR_OPTIONS.reuse.threshold }),
        flatStd: z.number().min(0).max(255).default(DEFAULT_DETECTOR_OPTIONS.flatStd),
      })
      .strict()
      .prefault({}),
    tracker: z
      .object({
        iouMin: z.number().min(0).max(1).default(DEFAULT_TRACKER.iouMin),
        embedVeto: z.number().min(-1).max(1).default(DEFAULT_TRACKER.embedVeto),
        embedMin: z.number().min(-1).max(1).default(DEFAULT_TRACKER.embedMin),
        /** Seconds a track may go unseen; converted to frames with the clip's frame rate. */
        maxGapSeconds: z.number().min(0).max(60).default(1),
        gate: z.number().min(0.1).max(20).default(DEFAULT_TRACKER.gate),
        sizeRatioMax: z.number().min(1).max(10).default(DEFAULT_TRACKER.sizeRatioMax),
        velocityAlpha: z.number().min(0).max(1).default(DEFAULT_TRACKER.velocityAlpha),
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
