/**
 * The identity guard: for every enhanced face, (1) how similar its identity is to the face it was made from, and
 * (2) how recognisable it is, without a reference ("no-reference quality"). A result passes only when both
 * exceed the case's thresholds (default quality > 0.6 and similarity > 0.7); failing results are stored and
 * shown with a warning, never hidden.
 *
 * ── Identity similarity ──
 * The recogniser is dlib's ResNet descriptor, whose L2-normalised embeddings of different people are still
 * close (mean cosine ≈ 0.87): a raw-cosine threshold of 0.7 would pass almost any face. So similarity is a
 * linear calibration of cosine on a reference set,
 *     similarity = (cos − μ_different) / (μ_same − μ_different), clamped to [0, 1],
 * 0 = the mean cosine of two DIFFERENT people, 1 = the mean cosine of two photos of the SAME person. The
 * constants (IDENTITY_CALIBRATION) were measured on the ORL set (all 200 portraits of 20 people aligned by the
 * app's own detector landmarks; 900 same-person and 19,000 different-person pairs); on that scale the
 * equal-error-rate threshold of the same pairs lies near 0.7, which is why the default 0.7 is meaningful here.
 * Both faces are aligned the same way: the SAME five landmarks (those of the source detection, mapped onto the
 * enhanced grid) and the same dlib chip, so a difference in the embeddings comes from the pixels, not from
 * landmark noise.
 *
 * ── Quality (no reference) ──
 * Five components, each in [0, 1]; sharpness and stability are measured on what the recogniser sees (the
 * aligned 150 px chip), resolution, noise and blockiness where they arise (the source and its block grid):
 *  - resolution: the SOURCE face's width in original pixels, log-mapped (12 px → 0, 64 px → 1). Enhancement
 *    cannot add information the footage lacks, so this component deliberately does not reward upscaling.
 *    Recognition accuracy falls steeply with face size below ~50 px (the field studies this project is
 *    compared with report 28 % → 68 % accuracy from 20 to 48 px faces). Since issue 14 the width is the
 *    face's EFFECTIVE width — the detail it really carries (effectiveResolution.ts: a downscale–upscale round
 *    trip) — so footage upscaled before it reached the examiner does not score as high resolution; results
 *    recorded before keep the detection-box width they were judged with (`resolution: 'box-width'`).
 *  - sharpness: variance of the Laplacian over the variance of the luma in the chip's face area resampled to
 *    a fixed 48 px face grid (so the number does not depend on how much the chip was enlarged), mapped
 *    1 − exp(−ratio / k): recognisers rely on mid/high-frequency structure (eyes, mouth, nose edges), which blur
 *    removes; contrast-normalised so dim faces are not penalised twice.
 *  - noise: Immerkær's (1996) noise σ estimate over the flattest half of the result brought back to the source
 *    grid (area-averaged by `scale`: that is where sensor noise lives), mapped 1 − σ/σ_max: noise and grain put
 *    false texture into exactly the frequencies the recogniser uses. H.264 removes most noise of small faces,
 *    so on compressed footage this component stays near 1.
 *  - blockiness: the codec's block grid (period 8 source px = 8·scale output px, phase from the crop origin),
 *    ratio of steps across block edges to steps inside blocks, mapped 1 − (ratio − 1): block edges are
 *    spurious structure that recognisers respond to.
 *  - stability: the embedding's stability under small alignment jitter (±6 chip px shifts, ±10° rotation,
 *    ±10 % scale): the mean cosine between the jittered and unjittered embeddings, mapped from 0.95 … 0.99 onto
 *    0 … 1. A face whose identity vector swings when the crop moves does not carry a reliable identity — the
 *    idea behind SER-FIQ (Terhörst et al., CVPR 2020), which measures the same robustness with dropout instead
 *    of jitter. Measured honestly: on the ORL study this is a weak predictor (AUC 0.60 alone; ±3 px jitter was
 *    not predictive at all, AUC 0.50, because blur makes an embedding stable too), hence its modest weight.
 * Combination: weighted geometric mean (weights in QUALITY_WEIGHTS), so one failing component (a blocky or
 * unstable face) pulls the score down however good the others are. `npm run bench` reports how well the score
 * predicts correct identification on the ORL study.
 */
import { alignFace, dlibTemplate, type Landmarks5 } from '../faces/align';
import { cosineSimilarity, embedFaces } from '../faces/embed';
import { estimateSimilarity, type Point } from '../image/geometry';
import { convertChannels, cropImage, invertAffine, resizeBilinear, toGray, warpAffine, type Affine, type Image } from '../image/image';
import { composeAffine } from '../image/register';
import { blockiness } from './deblock';
import { downsampleBox } from '../image/filters';
import { GUARD_PASS_MEANING, IDENTITY_CALIBRATION, JITTERS, QUALITY_MAPPING, QUALITY_WEIGHTS, identitySimilarity, verdictOf, type GuardThresholds } from '../../domain/identity';
import { EFFECTIVE_RESOLUTION, effectiveResolution, type EffectiveResolution } from './effectiveResolution';

export interface QualityComponents {
  readonly resolution: number;
  readonly sharpness: number;
  readonly noise: number;
  readonly blockiness: number;
  readonly stability: number;
}

export interface QualityMeasures {
  readonly sourceFaceWidth: number;
  readonly laplacianRatio: number;
  readonly noiseSigma: number;
  readonly blockinessRatio: number;
  readonly jitterMeanCosine: number;
  readonly jitterMinCosine: number;
}

export interface QualityScore {
  readonly value: number;
  readonly components: QualityComponents;
  readonly measures: QualityMeasures;
}

/** The source face's real detail (issue 14); absent in results recorded before. */
export interface SourceDetail extends EffectiveResolution {
  readonly method: string;
  /** Which width the resolution component used. */
  readonly resolutionFrom: 'box-width' | 'effective-detail';
  /** Below this effective width a face is "too poor to enhance" (null: not checked). */
  readonly minEffectiveFaceWidth: number | null;
  readonly tooPoor: boolean;
}

export interface GuardResult {
  readonly verdict: 'pass' | 'fail';
  /** Why it failed (empty on pass). */
  readonly reasons: string[];
  /** What a pass means, in words (no drift from the source; never a validation of the face). Absent in old records. */
  readonly meaning?: string;
  readonly sourceDetail?: SourceDetail;
  readonly similarity: number;
  readonly cosine: number;
  readonly quality: QualityScore;
  readonly thresholds: GuardThresholds;
  readonly calibration: typeof IDENTITY_CALIBRATION;
  readonly weights: typeof QUALITY_WEIGHTS;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0);

/** Immerkær (1996) fast noise σ: mean |I ∗ N| over the area with N the difference of two Laplacians. */
export function noiseSigma(gray: Image): number {
  const { width: w, height: h, data } = gray;
  if (w < 3 || h < 3) return 0;
  let s = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v =
        data[i - w - 1]! - 2 * data[i - w]! + data[i - w + 1]! - 2 * data[i - 1]! + 4 * data[i]! - 2 * data[i + 1]! + data[i + w - 1]! - 2 * data[i + w]! + data[i + w + 1]!;
      s += Math.abs(v);
    }
  }
  return (Math.sqrt(Math.PI / 2) * s) / (6 * (w - 2) * (h - 2));
}

/**
 * Noise σ of the flattest half of an image: Immerkær's operator averaged only over the pixels whose Sobel
 * gradient is below the median, so face structure (eyes, edges) is not mistaken for noise.
 */
export function flatNoiseSigma(gray: Image): number {
  const { width: w, height: h, data } = gray;
  if (w < 3 || h < 3) return 0;
  const resp: number[] = [];
  const grad: number[] = [];
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      resp.push(Math.abs(data[i - w - 1]! - 2 * data[i - w]! + data[i - w + 1]! - 2 * data[i - 1]! + 4 * data[i]! - 2 * data[i + 1]! + data[i + w - 1]! - 2 * data[i + w]! + data[i + w + 1]!));
      const gx = data[i - w + 1]! + 2 * data[i + 1]! + data[i + w + 1]! - data[i - w - 1]! - 2 * data[i - 1]! - data[i + w - 1]!;
      const gy = data[i + w - 1]! + 2 * data[i + w]! + data[i + w + 1]! - data[i - w - 1]! - 2 * data[i - w]! - data[i - w + 1]!;
      grad.push(Math.hypot(gx, gy));
    }
  }
  const order = grad.map((_, i) => i).sort((a, b) => grad[a]! - grad[b]! || a - b);
  const half = order.slice(0, Math.max(1, order.length >> 1));
  const s = half.reduce((acc, i) => acc + resp[i]!, 0);
  return (Math.sqrt(Math.PI / 2) * s) / (6 * half.length);
}

/** Variance of the 4-neighbour Laplacian over the variance of the luma. */
export function laplacianRatio(gray: Image): number {
  const { width: w, height: h, data } = gray;
  let s = 0, s2 = 0, ls = 0, ls2 = 0, m = 0;
  for (let i = 0; i < w * h; i++) {
    s += data[i]!;
    s2 += data[i]! * data[i]!;
  }
  const mean = s / (w * h);
  const variance = Math.max(1e-8, s2 / (w * h) - mean * mean);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - w]! + data[i + w]! - 4 * data[i]!;
      ls += v;
      ls2 += v * v;
      m++;
    }
  }
  const lapVar = m > 0 ? Math.max(0, ls2 / m - (ls / m) ** 2) : 0;
  return lapVar / variance;
}

/** A similarity perturbation about the chip centre, applied after alignment (chip px → chip px). */
function jitterAffine(j: { dx: number; dy: number; rotDeg: number; scale: number }, size: number): Affine {
  const c = (size - 1) / 2;
  const r = (j.rotDeg * Math.PI) / 180;
  const a = j.scale * Math.cos(r);
  const b = -j.scale * Math.sin(r);
  return [a, b, c - a * c - b * c + j.dx, -b, a, c + b * c - a * c + j.dy];
}

/** The aligned chip of `image` under `landmarks`, optionally jittered (one warp from the image, no double resampling). */
export function alignedChip(image: Image, landmarks: Landmarks5, jitter?: { dx: number; dy: number; rotDeg: number; scale: number }): Image {
  if (!jitter) return alignFace(convertChannels(image, 3), landmarks, 150).crop;
  const forward = composeAffine(jitterAffine(jitter, 150), estimateSimilarity(landmarks, dlibTemplate(150)));
  return warpAffine(convertChannels(image, 3), invertAffine(forward), 150, 150, 'clamp');
}

export interface QualityInput {
  /** The enhanced face image (any size) and its five landmarks in its own pixels. */
  readonly image: Image;
  readonly landmarks: Landmarks5;
  /** Width of the source face (detection box) in original footage pixels. */
  readonly sourceFaceWidth: number;
  /** Output pixels per source pixel, and the source block grid's phase on the source crop (for blockiness). */
  readonly scale: number;
  readonly blockOffset: readonly [number, number];
  readonly blockSize?: number;
  /** The face width the resolution component uses: the box (old records) or its effective width. Default: box. */
  readonly resolutionWidth?: number;
}

/** The resolution component of a face `width` px wide (log scale, 12 px → 0, 64 px → 1). */
export function resolutionComponent(width: number): number {
  const m = QUALITY_MAPPING;
  return clamp01(Math.log2(width / m.resolutionMinPx) / Math.log2(m.resolutionMaxPx / m.resolutionMinPx));
}

/** Quality of an enhanced face; `baseEmbedding` (of the unjittered chip) saves one network run when known. */
export async function faceQualityScore(input: QualityInput, baseEmbedding?: Float32Array): Promise<QualityScore> {
  const m = QUALITY_MAPPING;
  const chip = alignedChip(input.image, input.landmarks);
  const [ax, ay, aw, ah] = m.faceArea;
  const face = resizeBilinear(toGray(cropImage(chip, ax, ay, aw, ah)), m.canonicalSize, m.canonicalSize);
  const lapRatio = laplacianRatio(face);
  // Noise lives on the source grid: measured there (the result area-averaged back by `scale`), over the face box.
  const srcGrid = downsampleBox(toGray(input.image), input.scale);
  const sigma = flatNoiseSigma(srcGrid);
  const bs = (input.blockSize ?? 8) * input.scale;
  const blk = blockiness(toGray(input.image), bs, Math.round(input.blockOffset[0] * input.scale), Math.round(input.blockOffset[1] * input.scale));
  const chips = JITTERS.map((j) => alignedChip(input.image, input.landmarks, j));
  const embs = await embedFaces(baseEmbedding ? chips : [chip, ...chips]);
  const base = baseEmbedding ?? embs[0]!;
  const jittered = baseEmbedding ? embs : embs.slice(1);
  const cosines = jittered.map((e) => cosineSimilarity(base, e));
  const meanCos = cosines.reduce((a, b) => a + b, 0) / cosines.length;
  const components: QualityComponents = {
    resolution: resolutionComponent(input.resolutionWidth ?? input.sourceFaceWidth),
    sharpness: clamp01(1 - Math.exp(-lapRatio / m.sharpnessScale)),
    noise: clamp01(1 - sigma / m.noiseMax),
    blockiness: clamp01(1 - Math.max(0, blk - 1) / m.blockinessSpan),
    stability: clamp01((meanCos - m.stabilityCosine[0]) / (m.stabilityCosine[1] - m.stabilityCosine[0])),
  };
  return {
    value: combine(components),
    components,
    measures: {
      sourceFaceWidth: input.sourceFaceWidth,
      laplacianRatio: lapRatio,
      noiseSigma: sigma,
      blockinessRatio: blk,
      jitterMeanCosine: meanCos,
      jitterMinCosine: Math.min(...cosines),
    },
  };
}

export function combine(c: QualityComponents): number {
  const w = QUALITY_WEIGHTS;
  const total = w.resolution + w.sharpness + w.noise + w.blockiness + w.stability;
  const t = (v: number, wt: number): number => (wt / total) * Math.log(Math.max(0.01, v));
  return clamp01(Math.exp(t(c.resolution, w.resolution) + t(c.sharpness, w.sharpness) + t(c.noise, w.noise) + t(c.blockiness, w.blockiness) + t(c.stability, w.stability)));
}

export interface GuardInput {
  /** The face the enhancement was made from (the reference frame's native crop). */
  readonly source: Image;
  /** The enhanced face: `scale` times the source crop's grid. */
  readonly enhanced: Image;
  /**
   * Five landmarks on the enhanced image (found there by the landmark network: enhancement is meant to make
   * them easier to find). The source is aligned with the SAME points mapped back onto its grid, so both chips
   * frame the face identically.
   */
  readonly landmarks: Landmarks5;
  readonly scale: number;
  readonly sourceFaceWidth: number;
  readonly blockOffset: readonly [number, number];
  readonly thresholds: GuardThresholds;
  /**
   * Resolution from the detection box's width (how results were judged before issue 14; their recorded settings
   * say so) or from the source face's effective width, with the "too poor to enhance" floor. Default: box width.
   */
  readonly resolution?: { readonly from: 'box-width' } | { readonly from: 'effective-detail'; readonly minEffectiveFaceWidth: number };
}

export interface GuardOutput extends GuardResult {
  /** The two aligned chips the embeddings came from (for the record and the compare view). */
  readonly sourceChip: Image;
  readonly enhancedChip: Image;
}

/** Landmarks on a grid `scale` times finer mapped back onto the source grid. */
export function unscaleLandmarks(lm: Landmarks5, scale: number): Landmarks5 {
  const off = (scale - 1) / 2;
  return lm.map(([x, y]) => [(x - off) / scale, (y - off) / scale] as Point) as unknown as Landmarks5;
}

/** Run the guard on one enhanced face. */
export async function guardEnhancement(input: GuardInput): Promise<GuardOutput> {
  const sourceChip = alignedChip(input.source, unscaleLandmarks(input.landmarks, input.scale));
  const enhancedChip = alignedChip(input.enhanced, input.landmarks);
  const [es, ee] = await embedFaces([sourceChip, enhancedChip]);
  const cosine = cosineSimilarity(es!, ee!);
  const similarity = identitySimilarity(cosine);
  const res = input.resolution ?? { from: 'box-width' };
  const detail: SourceDetail | undefined =
    res.from === 'effective-detail'
      ? (() => {
          const e = effectiveResolution(input.source, input.sourceFaceWidth);
          return { ...e, method: EFFECTIVE_RESOLUTION.method, resolutionFrom: 'effective-detail', minEffectiveFaceWidth: res.minEffectiveFaceWidth, tooPoor: e.effectiveFaceWidth < res.minEffectiveFaceWidth };
        })()
      : undefined;
  const quality = await faceQualityScore(
    {
      image: input.enhanced,
      landmarks: input.landmarks,
      sourceFaceWidth: input.sourceFaceWidth,
      scale: input.scale,
      blockOffset: input.blockOffset,
      ...(detail ? { resolutionWidth: detail.effectiveFaceWidth } : {}),
    },
    ee,
  );
  const { verdict, reasons } = verdictOf(quality.value, similarity, input.thresholds);
  if (detail?.tooPoor) {
    reasons.unshift(`too poor to enhance: the source face carries ~${detail.effectiveFaceWidth.toFixed(0)} px of real detail (< ${detail.minEffectiveFaceWidth} px)`);
  }
  return {
    verdict: detail?.tooPoor ? 'fail' : verdict,
    reasons,
    ...(detail ? { meaning: GUARD_PASS_MEANING, sourceDetail: detail } : {}),
    similarity,
    cosine,
    quality,
    thresholds: { ...input.thresholds },
    calibration: IDENTITY_CALIBRATION,
    weights: QUALITY_WEIGHTS,
    sourceChip,
    enhancedChip,
  };
}
