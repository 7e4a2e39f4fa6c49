/**
 * The enhancement itself, on face crops already cut from the footage: the one function the worker task, the
 * tests and the benchmark all run, so what is measured is what ships.
 *
 *  - fusion (evidential): optional per-frame deblocking → initial transforms from the detections' landmarks
 *    (the shift between the five points' centroids, or the full similarity) → `fuseFrames` (phase correlation
 *    + robust ECC refine to sub-pixel; frames that do not register are rejected with their residuals; robust
 *    shift-and-add onto the ×scale grid; Wiener/RL deconvolution with a stated PSF) → optional NL-means.
 *  - restore (investigative): the super-resolution network on the reference (best) crop.
 *  - fusion+restore (investigative): fusion on the `restoreFrom` grid, then the network for the rest of the
 *    scale.
 * Deterministic: the fusion is (see fusion.ts), and the network's CPU output was checked identical at 1, 2 and
 * 4 intra-op threads (workers/enhance/enhance.faces.test.ts re-checks it), so a replay reproduces the bytes.
 */
import type { Landmarks5 } from '../faces/align';
import { superResolve, superResolutionModelId } from '../faces/superResolve';
import { estimateSimilarity } from '../image/geometry';
import type { Affine, Image } from '../image/image';
import { deblock } from './deblock';
import { fusedPsfSigma } from './deconvolve';
import { nonLocalMeans } from './denoise';
import { fuseFrames, type FrameRegistration, type FusionOptions } from './fusion';
import { LOCAL_FLOW_DEFAULTS } from '../image/register';

/** Tikhonov damping of the local flow (relative to the mean structure-tensor trace): fixed, stated in the record. */
const LOCAL_DAMPING = LOCAL_FLOW_DEFAULTS.damping;
import type { EnhanceSettings, Tier } from '../../domain/enhance';
import { INVESTIGATIVE_LABEL, tierOf } from '../../domain/enhance';
import { assertJsonParams, type ProcessingStep } from '../../domain/processingStep';

export interface CropFrame {
  /** Frame index in the footage (for the record). */
  readonly frame: number;
  /** The native-resolution crop; all crops of one enhancement share size and channels. */
  readonly image: Image;
  /** The detection's five landmarks in crop pixels. */
  readonly landmarks: Landmarks5;
  /** Crop origin in the frame, which fixes the codec block grid's phase on the crop. */
  readonly origin: readonly [number, number];
  /** The detection box in crop pixels (for the 'box' initial transforms). */
  readonly box?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
}

export interface FrameContributionSummary {
  readonly index: number;
  readonly frame: number;
  readonly share: number;
  readonly meanRobustWeight: number;
  readonly downweightedFraction: number;
  /** Per output pixel, this frame's share of the weight (1 channel, [0, 1]). */
  readonly map: Image;
}

export interface EnhanceCoreResult {
  readonly image: Image;
  /** The reference crop the result is compared with (and shown beside). */
  readonly source: Image;
  readonly scale: number;
  readonly tier: Tier;
  readonly steps: ProcessingStep[];
  /** Per frame of a fusion (null for restore): registration, acceptance and reasons. */
  readonly registrations: FrameRegistration[] | null;
  readonly contributions: FrameContributionSummary[] | null;
  /** Model ids the result depends on (the SR network for investigative modes). */
  readonly models: string[];
  readonly fusionStats: { readonly noiseScale: number; readonly holeFraction: number } | null;
}

/** Column/row of the crop where the codec's block grid has a boundary (blocks start at multiples of `bs` in the frame). */
export function blockPhase(origin: readonly [number, number], bs: number): [number, number] {
  return [(((-origin[0]) % bs) + bs) % bs, (((-origin[1]) % bs) + bs) % bs];
}

function landmarkTransforms(frames: readonly CropFrame[], reference: number, kind: 'landmarks' | 'centroid' | 'box'): Affine[] {
  const ref = frames[reference]!.landmarks;
  const centroid = (lm: Landmarks5): [number, number] => [lm.reduce((a, p) => a + p[0], 0) / 5, lm.reduce((a, p) => a + p[1], 0) / 5];
  const rc = centroid(ref);
  const rb = frames[reference]!.box;
  if (kind === 'box' && !rb) throw new RangeError("'box' initial transforms need each frame's detection box");
  return frames.map((f, k) => {
    if (k === reference) return [1, 0, 0, 0, 1, 0] as Affine;
    if (kind === 'landmarks') return estimateSimilarity(ref, f.landmarks);
    if (kind === 'box') {
      // Reference pixel p → frame pixel c_k + s·(p − c_ref): the boxes' centres and the ratio of their sizes.
      const b = f.box!;
      const sc = 0.5 * (b.w / rb!.w + b.h / rb!.h);
      const cx = b.x + b.w / 2 - sc * (rb!.x + rb!.w / 2);
      const cy = b.y + b.h / 2 - sc * (rb!.y + rb!.h / 2);
      return [sc, 0, cx, 0, sc, cy] as Affine;
    }
    const c = centroid(f.landmarks);
    return [1, 0, c[0] - rc[0], 0, 1, c[1] - rc[1]] as Affine;
  });
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Run an enhancement on prepared crops. `reference` indexes `frames`; `faceBox` is the reference detection in crop pixels. */
export async function enhanceCrops(
  frames: readonly CropFrame[],
  reference: number,
  s: EnhanceSettings,
  onStage?: (stage: string) => void,
  faceBox?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number },
): Promise<EnhanceCoreResult> {
  if (frames.length === 0) throw new RangeError('no frames to enhance');
  if (reference < 0 || reference >= frames.length) throw new RangeError('reference out of range');
  const steps: ProcessingStep[] = [];
  const source = frames[reference]!.image;
  const tier = tierOf(s.mode);

  if (s.mode === 'restore') {
    onStage?.('restore');
    const image = await superResolve(source, s.scale);
    steps.push(restoreStep(s.scale, 'the reference (best) frame crop'));
    return { image, source, scale: s.scale, tier, steps, registrations: null, contributions: null, models: [superResolutionModelId(s.scale)], fusionStats: null };
  }

  // Fusion (alone, or as the first half of fusion+restore).
  let crops = frames.map((f) => f.image);
  if (s.deblock) {
    const offsets = frames.map((f) => blockPhase(f.origin, s.deblock!.blockSize));
    const lines: number[] = [];
    crops = crops.map((c, k) => {
      const r = deblock(c, { ...s.deblock!, offsetX: offsets[k]![0], offsetY: offsets[k]![1] });
      lines.push(Number(r.measurements?.linesFiltered ?? 0));
      return r.image;
    });
    const params = { ...s.deblock, offsets: offsets.map((o) => [...o]), linesFiltered: lines };
    assertJsonParams(params, 'deblock');
    steps.push({ operation: 'deblock', method: 'H.264-style boundary filter on each crop (ITU-T H.264 §8.7.2.3–4) with stated thresholds and block-grid phase', params });
  }
  const fuseScale = s.mode === 'fusion' ? s.scale : s.fusion.restoreFrom;
  const initial = s.initialTransforms === 'none' ? null : landmarkTransforms(frames, reference, s.initialTransforms);
  if (initial) {
    steps.push({
      operation: `register.${s.initialTransforms}`,
      method:
        s.initialTransforms === 'landmarks'
          ? 'Initial transform of each frame: least-squares similarity (Umeyama) mapping the reference detection’s five landmarks onto the frame’s'
          : s.initialTransforms === 'box'
            ? 'Initial transform of each frame: the shift between the centres of the reference detection box and the frame’s, and the scale of their sizes (mean of the width and height ratios)'
            : 'Initial transform of each frame: the translation between the centroids of the reference detection’s five landmarks and the frame’s',
      params: { reference, transforms: initial.map((a) => a.map(round6)) },
    });
  }
  const deconv = s.mode === 'fusion' ? s.fusion.deconvolution : null;
  const kernelSigma = 0.25 * fuseScale;
  const options: FusionOptions = {
    scale: fuseScale,
    reference,
    kernelSigma,
    registration: {
      motion: s.fusion.motion,
      minCorrelation: s.fusion.minCorrelation,
      maxTranslation: s.fusion.maxTranslation,
      maxRotationDeg: s.fusion.maxRotationDeg,
      maxScaleChange: s.fusion.maxScaleChange,
      maxResidualRatio: s.fusion.maxResidualRatio,
      ...(s.fusion.motionLimits === 'relative-to-initial' ? { limitsRelativeToInitial: true } : {}),
    },
    robust: { estimator: s.fusion.robust },
    deconvolution: deconv
      ? deconv.method === 'wiener'
        ? { method: 'wiener', psfSigma: fusedPsfSigma(fuseScale, deconv.opticalSigma, kernelSigma), nsr: deconv.nsr, nsrModel: 'natural' }
        : { method: 'richardson-lucy', psfSigma: fusedPsfSigma(fuseScale, deconv.opticalSigma, kernelSigma), iterations: deconv.iterations }
      : null,
    ...(initial ? { initialTransforms: initial } : {}),
    // Issue 14: exposure normalisation, local registration, the minimum frame count (null / 1 in old records).
    exposure: s.fusion.exposure ? { maxGain: s.fusion.exposure.maxGain } : null,
    local: s.fusion.local
      ? {
          levels: s.fusion.local.levels,
          iterations: s.fusion.local.iterations,
          window: s.fusion.local.window,
          smoothness: s.fusion.local.smoothness,
          maxDisplacement: s.fusion.local.maxDisplacement,
          damping: LOCAL_DAMPING,
          agreementSigma: s.fusion.local.agreementSigma,
          agreementScale: s.fusion.local.agreementScale,
          minAgreement: s.fusion.local.minAgreement,
        }
      : null,
    minFrames: s.fusion.minFrames,
    resolutionWeighting: s.fusion.resolutionWeighting,
    // Only a plain fusion may fall back to a single frame; fusion+restore is refused (Restore is the single-frame tool).
    belowMinimum: s.mode === 'fusion' ? s.fusion.belowMinimum : 'refuse',
    labels: frames.map((f) => f.frame),
    ...(faceBox ? { faceRegion: faceBox } : {}),
  };
  onStage?.('fuse');
  const fused = fuseFrames(crops, options);
  steps.push(...fused.steps);
  let image = fused.image;
  if (s.denoise && s.mode === 'fusion') {
    const r = nonLocalMeans(image, { ...s.denoise, noiseSigma: 0 });
    image = r.image;
    steps.push(r.step);
  }
  const contributions = fused.contributions.map((c) => ({
    index: c.index,
    frame: frames[c.index]!.frame,
    share: c.share,
    meanRobustWeight: c.meanRobustWeight,
    downweightedFraction: c.downweightedFraction,
    map: c.map,
  }));
  const models: string[] = [];
  if (s.mode === 'fusion+restore') {
    const rest = s.scale / fuseScale;
    if (rest > 1) {
      onStage?.('restore');
      image = await superResolve(image, rest);
      steps.push(restoreStep(rest, `the fused crop (×${fuseScale} grid)`));
      models.push(superResolutionModelId(rest as 2 | 4));
    }
  }
  return {
    image,
    source,
    scale: s.scale,
    tier,
    steps,
    registrations: fused.registrations,
    contributions,
    models,
    fusionStats: { noiseScale: fused.noiseScale, holeFraction: fused.holeFraction },
  };
}

function restoreStep(scale: number, input: string): ProcessingStep {
  const model = superResolutionModelId(scale as 2 | 4);
  return {
    operation: 'restore.super-resolution',
    method: `Learned super-resolution (RRDN / ESRGAN generator, UpscalerJS esrgan-thick, trained on DIV2K) on ${input} — ${INVESTIGATIVE_LABEL}`,
    params: { model, scale, tiling: { tile: 96, overlap: 12 }, executionProvider: 'cpu', clamp: [0, 1] },
  };
}
