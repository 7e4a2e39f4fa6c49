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
export const EVIDENTIAL_LABEL = 'Evidential — every pixel from the footage (classical, reproducible steps)';

export function tierLabel(t: Tier): string {
  return t === 'evidential' ? EVIDENTIAL_LABEL : INVESTIGATIVE_LABEL;
}

/** The short form for badges where space is tight; an investigative result always carries the full label. */
export const TIER_SHORT_LABEL: Readonly<Record<Tier, string>> = Object.freeze({ evidential: 'Evidential', investigative: INVESTIGATIVE_LABEL });

/** What each tier means, in one sentence (tooltips, the report's method section). */
export const TIER_EXPLANATION: Readonly<Record<Tier, string>> = Object.freeze({
  evidential: 'Every pixel comes from the footage, by classical, stated and reproducible steps',
  investigative: 'A learned network produced this image: it may show detail the footage does not contain',
});

/** How each mode is offered to the investigator (the Enhance view's method picker, the CLI's help). */
export const ENHANCE_MODE_INFO: Readonly<Record<EnhanceMode, { readonly label: string; readonly help: string }>> = Object.freeze({
  fusion: {
    label: 'Fusion',
    help: 'Registers the chosen frames and fuses them onto a finer grid with robust weights, then deblurs with a stated PSF. Every pixel comes from the footage.',
  },
  restore: { label: 'Restore', help: `The super-resolution network on the best frame. ${INVESTIGATIVE_LABEL}.` },
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
    initialTransforms: z.enum(['landmarks', 'centroid', 'none']).default('centroid'),
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
        deconvolution: Deconvolution.nullable().default({ method: 'wiener', opticalSigma: 0.5, nsr: 0.1 }),
        /** In fusion+restore: the fusion grid (1 = the source grid) before the network upscales the rest. */
        restoreFrom: z.union([z.literal(1), z.literal(2)]).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type EnhanceSettings = z.output<typeof EnhanceSettings>;

export function resolveEnhanceSettings(input: unknown): EnhanceSettings {
  return EnhanceSettings.parse(input);
}
