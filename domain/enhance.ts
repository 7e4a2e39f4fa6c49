/**
 * Every setting of an enhancement, with its default, in one place. The job resolves them when it is queued, the
 * enhancement row and the audit entry record them whole, the worker re-validates them, and `replay` sends the
 * recorded object back unchanged — so what the record says was used is exactly what ran.
 *
 * Defaults and why:
 *  - margin 0.3: the crop is the detection box grown by 30 % of its size on every side, so registration sees
 *    the face's outline against its surroundings (ECC needs structure at the edges) and the dlib chip, which
 *    pads the face by 25 %, lies inside real pixels.
 *  - deconvolution Wiener, optical σ 0.5 source px, NSR 0.1: the setting measured on ORL sequences
 *    (workers/enhance/README.md: most of fusion's gain needs deconvolution with a stated PSF). The optical blur
 *    of real footage is unknown; 0.5 px is a mild, stated assumption the examiner may change.
 *  - initial transforms from the centroid of the detection's landmarks (see below).
 *  - fusion+restore fuses on the source grid (×1: registration and robust averaging remove noise and
 *    compression error) and lets the network do the upscaling, because the network was trained on natural
 *    low-resolution images, not on deconvolved super-resolved ones (measured by `npm run bench -- enhance`).
 *
 * Two sets of defaults (issue 14). The SCHEMA's defaults are the pipeline as it was before: no exposure
 * normalisation, no local (non-rigid) registration, no minimum frame count, guard resolution from the detection
 * box — so a task recorded then, re-validated by the worker on replay, runs exactly as it ran. New enhancements
 * are resolved by `resolveEnhanceSettings`, which starts from CURRENT_DEFAULTS (all of that on) and records the
 * whole object, so every record states its own pipeline.
 */
import { z } from 'zod';

export const ENHANCE_MODES = ['fusion', 'restore', 'fusion+restore'] as const;
export type EnhanceMode = (typeof ENHANCE_MODES)[number];

/** Evidential: every pixel from the footage by classical, stated steps. Investigative: a learned network ran. */
export type Tier = 'evidential' | 'investigative';

export function tierOf(mode: EnhanceMode): Tier {
  return mode === 'fusion' ? 'evidential' : 'investigative';
}

/** The label shown wherever an investigative result appears (CLI, UI, report, audit). */
export const INVESTIGATIVE_LABEL = 'AI-restored — investigative lead, not evidence';
/**
 * Computed, not copied: fusion registers frames, matches their exposure, averages them onto a finer grid with
 * weights and deconvolves with a stated blur — every value comes from footage pixels, by documented steps, but the
 * image is a calculation from them (with its artefacts, e.g. ringing), never the footage itself.
 */
export const EVIDENTIAL_LABEL = 'Evidential — computed only from footage pixels by documented classical steps';

export function tierLabel(t: Tier): string {
  return t === 'evidential' ? EVIDENTIAL_LABEL : INVESTIGATIVE_LABEL;
}

/** The short form for badges where space is tight; an investigative result always carries the full label. */
export const TIER_SHORT_LABEL: Readonly<Record<Tier, string>> = Object.freeze({ evidential: 'Evidential', investigative: INVESTIGATIVE_LABEL });

/** What each tier means, in one sentence (tooltips, the report's method section). */
export const TIER_EXPLANATION: Readonly<Record<Tier, string>> = Object.freeze({
  evidential:
    'Computed only from the footage’s own pixels by documented classical steps (registration, exposure matching, weighted averaging onto a finer grid, deconvolution with a stated blur); no learned model and nothing from other images. It is a calculation from the footage, not the footage itself, and can show artefacts such as ringing.',
  investigative: 'A learned network produced this image: it may show detail the footage does not contain',
});

/** How each mode is offered to the investigator (the Enhance view's method picker, the CLI's help). */
export const ENHANCE_MODE_INFO: Readonly<Record<EnhanceMode, { readonly label: string; readonly help: string }>> = Object.freeze({
  fusion: {
    label: 'Fusion',
    help: 'Registers the chosen frames (globally, then locally where the face moved), matches their exposure, averages them onto a finer grid with per-pixel weights, then deblurs with a stated PSF. Needs at least 3 frames that register. Computed only from footage pixels.',
  },
  restore: { label: 'Restore', help: `The super-resolution network on one frame (the best selected). ${INVESTIGATIVE_LABEL}.` },
  'fusion+restore': { label: 'Fusion + restore', help: `Fusion on the source grid, then the super-resolution network. ${INVESTIGATIVE_LABEL}.` },
});

const Deconvolution = z.discriminatedUnion('method', [
  z.object({ method: z.literal('wiener'), opticalSigma: z.number().min(0).max(5), nsr: z.number().positive().max(10) }).strict(),
  z.object({ method: z.literal('richardson-lucy'), opticalSigma: z.number().min(0).max(5), iterations: z.number().int().min(1).max(200) }).strict(),
]);

const Deblock = z
  .object({
    blockSize: z.union([z.literal(4), z.literal(8), z.literal(16)]).default(8),
    alpha: z.number().min(0).max(1).default(0.1),
    beta: z.number().min(0).max(1).default(0.03),
    tc: z.number().min(0).max(1).default(0.03),
  })
  .strict();

const Denoise = z
  .object({
    h: z.number().positive().max(1).default(0.03),
    patchRadius: z.number().int().min(0).max(3).default(1),
    searchRadius: z.number().int().min(1).max(10).default(5),
  })
  .strict();

/**
 * Exposure normalisation between frames before fusion: each frame's luma is matched to the reference frame's by a
 * gain and offset (robust line fit over the pixels the registration overlaps), applied to all channels; the
 * per-frame gains and offsets are recorded, so the step is stated and can be undone ((v − offset) / gain).
 */
const Exposure = z
  .object({
    method: z.literal('gain-offset'),
    /** Gains are clamped to [1/maxGain, maxGain]: a larger mismatch is not an exposure change. */
    maxGain: z.number().min(1).max(4).default(2),
  })
  .strict();

/**
 * Local (non-rigid) registration after the global one: a dense, smooth displacement field per frame
 * (coarse-to-fine Lucas–Kanade with a Gaussian window, the field smoothed between iterations, bounded), and a
 * per-pixel agreement weight (how well the locally aligned frame matches the reference there, relative to the
 * noise), so a frame whose face changed a little contributes where it agrees and not where it does not.
 */
const LocalRegistration = z
  .object({
    method: z.literal('lucas-kanade'),
    /** Pyramid levels (1 = the crop's own grid only). */
    levels: z.number().int().min(1).max(3).default(2),
    iterations: z.number().int().min(1).max(20).default(6),
    /** σ of the Gaussian window of each local least-squares fit, source px. */
    window: z.number().positive().max(5).default(1.5),
    /** σ of the smoothing applied to the displacement field after each iteration, source px. */
    smoothness: z.number().positive().max(8).default(2),
    /** Largest displacement allowed on top of the global warp, source px. */
    maxDisplacement: z.number().positive().max(4).default(1.5),
    /** σ of the local averaging of the squared residual that decides agreement, source px. */
    agreementSigma: z.number().positive().max(4).default(1),
    /** A pixel whose local residual is this many noise scales counts half (Cauchy weight). */
    agreementScale: z.number().positive().max(20).default(2.5),
    /** Frames with less than this mean agreement over the face are rejected ("little of the face agrees"). */
    minAgreement: z.number().min(0).max(1).default(0.3),
  })
  .strict();

export const EnhanceSettings = z
  .object({
    mode: z.enum(ENHANCE_MODES),
    scale: z.union([z.literal(2), z.literal(4)]).default(4),
    /** Crop = detection box grown by this fraction of its size on each side, at native resolution. */
    margin: z.number().min(0.05).max(1).default(0.3),
    /**
     * Initial registration from the detections' landmarks: the translation between the five points' centroids
     * (default), the full similarity, or none. The crops are already centred on each frame's detection box, and
     * landmarks on 20–30 px H.264 faces are off by 1–2 px or worse, so the similarity's rotation and scale add
     * noise: on ORL probes it rejected more frames and fused slightly worse than the centroid (bench/enhance.ts).
     */
    initialTransforms: z.enum(['landmarks', 'centroid', 'box', 'none']).default('centroid'),
    /** Per-frame H.264/JPEG deblocking before fusion (block grid phase from the crop origin), or null. */
    deblock: Deblock.nullable().default(null),
    /** Non-local-means denoising of the result (evidential modes only), or null. */
    denoise: Denoise.nullable().default(null),
    fusion: z
      .object({
        motion: z.enum(['translation', 'euclidean', 'similarity', 'affine']).default('similarity'),
        robust: z.enum(['huber', 'tukey', 'none']).default('huber'),
        minCorrelation: z.number().min(0).max(1).default(0.8),
        maxTranslation: z.number().positive().max(50).default(4),
        maxRotationDeg: z.number().positive().max(45).default(10),
        maxScaleChange: z.number().positive().max(0.5).default(0.15),
        maxResidualRatio: z.number().positive().max(100).default(3),
        /**
         * Whether the rotation and scale limits apply to the whole warp ('absolute', as before issue 14) or to what
         * registration changed on top of the initial transform ('relative-to-initial': a face 25 % smaller because
         * the person was farther away is expected when the detections say so).
         */
        motionLimits: z.enum(['absolute', 'relative-to-initial']).default('absolute'),
        deconvolution: Deconvolution.nullable().default({ method: 'wiener', opticalSigma: 0.5, nsr: 0.1 }),
        /** In fusion+restore: the fusion grid (1 = the source grid) before the network upscales the rest. */
        restoreFrom: z.union([z.literal(1), z.literal(2)]).default(1),
        /** Exposure normalisation between frames (null: none — the pipeline before issue 14). */
        exposure: Exposure.nullable().default(null),
        /** Local registration after the global one (null: global only — the pipeline before issue 14). */
        local: LocalRegistration.nullable().default(null),
        /** A fusion needs at least this many frames that register (the reference counts). */
        minFrames: z.number().int().min(1).max(16).default(1),
        /**
         * Fewer registered frames than that: refuse (the job fails, saying why), or — only when asked — run a
         * single-frame deconvolution of the reference frame, labelled as such.
         */
        belowMinimum: z.enum(['refuse', 'single-frame']).default('refuse'),
        /** Weight each frame by min(1, its face's scale relative to the reference)²: a farther face carries less detail. */
        resolutionWeighting: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    guard: z
      .object({
        /** The resolution component from the detection box's width (before issue 14) or the face's real detail. */
        resolution: z.enum(['box-width', 'effective-detail']).default('box-width'),
        /** Below this effective face width (source px) the source is "too poor to enhance" (effective-detail only). */
        minEffectiveFaceWidth: z.number().min(0).max(64).default(16),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EnhanceSettings = z.output<typeof EnhanceSettings>;
export type EnhanceSettingsInput = z.input<typeof EnhanceSettings>;

/** What a new enhancement runs with unless the caller says otherwise (see the module comment). */
export const CURRENT_DEFAULTS = Object.freeze({
  initialTransforms: 'box' as const,
  fusion: Object.freeze({
    motionLimits: 'relative-to-initial' as const,
    exposure: Object.freeze({ method: 'gain-offset' as const }),
    local: Object.freeze({ method: 'lucas-kanade' as const }),
    minFrames: 3,
    belowMinimum: 'refuse' as const,
    resolutionWeighting: true,
  }),
  guard: Object.freeze({ resolution: 'effective-detail' as const }),
});

/** The settings of a NEW enhancement: CURRENT_DEFAULTS under what the caller gave, resolved whole. */
export function resolveEnhanceSettings(input: { readonly mode: EnhanceMode } & Record<string, unknown>): EnhanceSettings {
  const fusion = (input.fusion ?? {}) as Record<string, unknown>;
  const guard = (input.guard ?? {}) as Record<string, unknown>;
  return EnhanceSettings.parse({
    initialTransforms: CURRENT_DEFAULTS.initialTransforms,
    ...input,
    fusion: { ...CURRENT_DEFAULTS.fusion, ...fusion },
    guard: { ...CURRENT_DEFAULTS.guard, ...guard },
  });
}

/** Validate recorded settings as they were recorded (schema defaults = the pipeline before issue 14). */
export function parseRecordedSettings(input: unknown): EnhanceSettings {
  return EnhanceSettings.parse(input);
}

/** Whether fusion of `frames` selected frames can even start (the registered count is checked after registration). */
export function fusionFrameProblem(s: EnhanceSettings, frames: number): string | null {
  if (s.mode === 'restore' || frames >= s.fusion.minFrames || (s.mode === 'fusion' && s.fusion.belowMinimum === 'single-frame')) return null;
  return `${ENHANCE_MODE_INFO[s.mode].label} needs at least ${s.fusion.minFrames} frames; ${frames} ${frames === 1 ? 'is' : 'are'} selected. Select more frames${s.mode === 'fusion' ? ', or run it as a labelled single-frame deconvolution' : ', or use Restore on one frame'}`;
}

// ───────────────────────────── what was done, in words ─────────────────────────────

export interface TitleFacts {
  readonly mode: EnhanceMode;
  readonly scale: number;
  /** Frames selected, and of them fused (contributing) and rejected. */
  readonly frames: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly referenceFrame: number;
  /** The fusion fell back to a single-frame deconvolution of the reference (asked for explicitly). */
  readonly singleFrame: boolean;
  /** With `singleFrame`: how many frames registered (the reference included), and how many fusion needs. */
  readonly registered?: number;
  readonly minFrames?: number;
}

const framesWord = (n: number): string => `${n} frame${n === 1 ? '' : 's'}`;

/** The title of a result: what was actually done, e.g. "fusion ×4 of 3 frames (5 rejected)". */
export function enhancementTitle(f: TitleFacts): string {
  switch (f.mode) {
    case 'restore':
      return `AI restore ×${f.scale} of frame ${f.referenceFrame}`;
    case 'fusion':
      return f.singleFrame
        ? `single-frame deconvolution ×${f.scale} of frame ${f.referenceFrame} (not a fusion: ${f.registered ?? 1} of ${framesWord(f.frames)} registered, fusion needs ${f.minFrames ?? 3})`
        : `fusion ×${f.scale} of ${framesWord(f.accepted)} (${f.rejected} rejected)`;
    case 'fusion+restore':
      return `fusion of ${framesWord(f.accepted)} (${f.rejected} rejected) + AI restore ×${f.scale}`;
    default: {
      const never: never = f.mode;
      return never;
    }
  }
}

/** The step marking a fusion that fell back to the reference frame alone (what `enhancementTitle` reads). */
export const SINGLE_FRAME_OPERATION = 'fusion.single-frame';
