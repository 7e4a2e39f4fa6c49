/**
 * Multi-frame fusion ("shift-and-add" super-resolution with robust weights) for the evidential tier.
 *
 * Method, in the order it runs (every constant is a parameter, echoed in the result):
 *  1. Registration of every frame to the reference frame on the luma: optional initial warp (e.g. from
 *     landmarks) → phase correlation for the remaining translation → ECC refinement (Evangelidis & Psarakis 2008)
 *     with the chosen motion model. Frames that fail (no convergence, low correlation, little overlap,
 *     implausible motion, residual far above the others') are rejected, each with its reason.
 *  1b. Optional (issue 14): exposure normalisation — each frame's luma matched to the reference's by a robust
 *     gain and offset, recorded per frame — and local registration: a dense, smooth displacement field on top of
 *     the global warp (denseLocalFlow: coarse-to-fine Lucas–Kanade) with a per-pixel agreement weight, so a frame
 *     whose face changed a little (expression, pose) contributes where it agrees with the reference and is
 *     down-weighted where it does not; with it, frames are judged by how much of the face agrees after local
 *     alignment instead of by the global fit alone. A minimum number of usable frames can be required.
 *  2. Every pixel of every accepted frame is mapped into the reference frame and onto a grid `scale` times
 *     finer, and splatted there with a small Gaussian kernel (normalised convolution, Knutsson & Westin 1993):
 *     each output pixel is a weighted mean of the recorded samples near it. Nothing is synthesised.
 *  3. The weights are iteratively re-weighted (IRLS) with a Huber or Tukey function of each sample's residual
 *     to the current estimate, relative to a robust (MAD) noise scale, so occlusions, glints and misregistered
 *     samples stop counting (Farsiu, Robinson, Elad & Milanfar 2004 use the same idea as an L1 median).
 *  4. Output pixels that no sample reaches are filled by normalised convolution with a wider kernel.
 *  5. Optional deconvolution (Wiener or Richardson–Lucy) with a stated PSF.
 * Deterministic: fixed loop order, float64 accumulation, no randomness; the same frames and parameters give
 * bit-identical output.
 */
import { createImage, invertAffine, sampleBilinearRaw, toGray, type Affine, type Image } from '../image/image';
import { resizeBicubic } from '../image/filters';
import {
  ECC_DEFAULTS,
  IDENTITY,
  PHASE_CORRELATION_DEFAULTS,
  composeAffine,
  describeAffine,
  eccRegister,
  phaseCorrelate,
  translation,
  warpToTemplate,
  type EccParams,
  type MotionModel,
  type PhaseCorrelationParams,
} from '../image/register';
import { denseLocalFlow, samplePlane, type LocalFlowParams } from '../image/register';
import { richardsonLucy, wienerDeconvolve } from './deconvolve';
import { assertJsonParams, type ProcessingStep } from '../../domain/processingStep';
import { SightlineError } from '../../domain/errors';
import { SINGLE_FRAME_OPERATION } from '../../domain/enhance';

export interface RegistrationPolicy {
  readonly motion: MotionModel;
  /** Run phase correlation (after the initial warp) to find the remaining translation before ECC. */
  readonly phaseCorrelation: boolean;
  readonly phaseCorrelationParams: PhaseCorrelationParams;
  readonly ecc: Omit<EccParams, 'motion'>;
  /** Reject when the ECC coefficient over the inlier pixels (robust correlation) is below this. */
  readonly minCorrelation: number;
  /** Reject when less than this fraction of the reference grid maps inside the frame. */
  readonly minOverlap: number;
  /** Reject when the warp moves the reference centre by more than this many LR pixels. */
  readonly maxTranslation: number;
  /** Reject when the rotation exceeds this many degrees. */
  readonly maxRotationDeg: number;
  /** Reject when the scale differs from 1 by more than this fraction. */
  readonly maxScaleChange: number;
  /**
   * Reject when a frame's robust residual (1.4826·MAD of the photometric misfit after registration) exceeds
   * this multiple of the median over the frames that passed the other rules. Robust, so a partly occluded but
   * well-registered frame is kept (its occluded pixels are then down-weighted in fusion).
   */
  readonly maxResidualRatio: number;
  /** Reject when fewer than this fraction of the overlapping pixels fit within 2.5 robust scales. */
  readonly minInlierFraction: number;
  /** Reject frames whose ECC iteration did not converge. */
  readonly requireConvergence: boolean;
  /**
   * Judge rotation and scale by the whole warp (false, as before issue 14) or by what registration changed on top
   * of the initial transform (true: an initial transform from the detections already holds the expected scale).
   */
  readonly limitsRelativeToInitial?: boolean;
}

export type RobustEstimator = 'huber' | 'tukey' | 'none';

export interface RobustParams {
  readonly estimator: RobustEstimator;
  /** Tuning constant in units of the robust noise scale (1.345 for Huber, 4.685 for Tukey: 95 % Gaussian efficiency). */
  readonly tuning: number;
  /** Re-weighting iterations after the initial unweighted estimate. Tukey starts with one Huber pass. */
  readonly iterations: number;
  /** Lower bound of the noise scale (intensity units), so near-noiseless input does not reject everything. */
  readonly minScale: number;
}

export type DeconvolutionSpec =
  | { readonly method: 'wiener'; readonly psfSigma: number; readonly nsr: number; readonly nsrModel?: 'constant' | 'natural' }
  | { readonly method: 'richardson-lucy'; readonly psfSigma: number; readonly iterations: number };

export interface FusionParams {
  /** Output grid refinement relative to the reference frame (2 or 4 in practice). */
  readonly scale: number;
  /** Index of the reference frame; the output lies on its grid. */
  readonly reference: number;
  readonly registration: RegistrationPolicy;
  /**
   * σ (output pixels) of the Gaussian splatting kernel, truncated at ⌈3σ⌉. Default 0.25·scale, i.e. a quarter
   * of an input pixel whatever the scale: wide enough to bridge the gaps between K scattered samples, narrow
   * enough to add little blur to what the input pixels already integrate.
   */
  readonly kernelSigma: number;
  readonly robust: RobustParams;
  /** Output pixels whose summed kernel weight is below this are holes, filled with a wider kernel. */
  readonly minWeight: number;
  /** Deblurring after fusion, or null. */
  readonly deconvolution: DeconvolutionSpec | null;
  /** Clip the result to [0, 1]. */
  readonly clamp: boolean;
  /** Exposure normalisation between frames (null: none). */
  readonly exposure: ExposureParams | null;
  /** Local registration and per-pixel agreement weights (null: global registration only). */
  readonly local: LocalRegistrationParams | null;
  /** Fewer usable frames than this (the reference counts): refuse, or fall back to the reference alone. */
  readonly minFrames: number;
  readonly belowMinimum: 'refuse' | 'single-frame';
  /**
   * Weight each frame's samples by min(1, s)², s its registered scale relative to the reference: a frame in which
   * the face is smaller (the person farther away) carries fewer samples of detail per face area, and counts less.
   */
  readonly resolutionWeighting: boolean;
}

export interface ExposureParams {
  /** Gains are clamped to [1/maxGain, maxGain]. */
  readonly maxGain: number;
}

export interface LocalRegistrationParams extends LocalFlowParams {
  /** σ (reference px) of the local mean of the squared residual that decides agreement. */
  readonly agreementSigma: number;
  /** A pixel whose local RMS residual is this many noise scales gets weight ½ (Cauchy). */
  readonly agreementScale: number;
  /** Reject a frame when its mean agreement over the face is below this. */
  readonly minAgreement: number;
}

export const REGISTRATION_DEFAULTS: RegistrationPolicy = Object.freeze({
  motion: 'similarity',
  phaseCorrelation: true,
  phaseCorrelationParams: PHASE_CORRELATION_DEFAULTS,
  ecc: Object.freeze({
    maxIterations: ECC_DEFAULTS.maxIterations,
    epsilon: ECC_DEFAULTS.epsilon,
    presmoothSigma: 0.5,
    pyramidLevels: 1,
    interpolation: ECC_DEFAULTS.interpolation,
    robust: 'tukey',
  }),
  minCorrelation: 0.8,
  minOverlap: 0.7,
  maxTranslation: 4,
  maxRotationDeg: 10,
  maxScaleChange: 0.15,
  maxResidualRatio: 3,
  minInlierFraction: 0.5,
  requireConvergence: true,
});

export const FUSION_DEFAULTS: Omit<FusionParams, 'reference' | 'kernelSigma'> = Object.freeze({
  scale: 4,
  registration: REGISTRATION_DEFAULTS,
  robust: Object.freeze({ estimator: 'huber' as RobustEstimator, tuning: 1.345, iterations: 4, minScale: 0.5 / 255 }),
  minWeight: 0.05,
  deconvolution: null,
  clamp: true,
  exposure: null,
  local: null,
  minFrames: 1,
  belowMinimum: 'refuse',
  resolutionWeighting: false,
});

export interface FusionOptions {
  readonly scale?: number;
  readonly reference?: number;
  readonly registration?: Partial<Omit<RegistrationPolicy, 'ecc' | 'phaseCorrelationParams'>> & {
    readonly ecc?: Partial<RegistrationPolicy['ecc']>;
    readonly phaseCorrelationParams?: Partial<PhaseCorrelationParams>;
  };
  readonly kernelSigma?: number;
  readonly robust?: Partial<RobustParams>;
  readonly minWeight?: number;
  readonly deconvolution?: DeconvolutionSpec | null;
  readonly clamp?: boolean;
  /**
   * Per-frame initial warps, reference LR pixel → frame LR pixel (e.g. from landmarks: the similarity mapping
   * the reference's landmarks onto the frame's). Missing or null entries start from the identity.
   */
  readonly initialTransforms?: ReadonlyArray<Affine | null | undefined>;
  readonly exposure?: ExposureParams | null;
  readonly local?: LocalRegistrationParams | null;
  readonly minFrames?: number;
  readonly belowMinimum?: 'refuse' | 'single-frame';
  readonly resolutionWeighting?: boolean;
  /**
   * The face's box in reference pixels, where agreement is averaged (default: the central 60 % of the crop).
   * Not a parameter of the result: it comes from the detection, which the record holds.
   */
  readonly faceRegion?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  /** How frames are named in messages (e.g. their frame numbers in the footage); default: their position, from 1. */
  readonly labels?: readonly (number | string)[];
}

export type RejectionReason =
  | 'registration-failed'
  | 'not-converged'
  | 'low-correlation'
  | 'low-overlap'
  | 'excessive-motion'
  | 'high-residual'
  | 'few-inliers'
  /** After local registration, too little of the face agrees with the reference. */
  | 'low-agreement'
  /** Registered, but fusion needs more registered frames; the result is a single-frame deconvolution. */
  | 'below-minimum';

export interface FrameRegistration {
  readonly index: number;
  /** Reference LR pixel → this frame's LR pixel. Identity for the reference. */
  readonly warp: Affine;
  readonly initial: Affine;
  /** Translation found by phase correlation after the initial warp (LR pixels), and its peak height. */
  readonly phaseCorrelation: { readonly dx: number; readonly dy: number; readonly peak: number } | null;
  /** ECC coefficient over all overlapping pixels (occluded ones included). */
  readonly correlation: number;
  /** ECC coefficient over the inlier pixels only; the rejection rule uses this. */
  readonly robustCorrelation: number;
  /** RMS photometric misfit after registration (intensity units), all overlapping pixels. */
  readonly residualRms: number;
  /** Robust scale of that misfit (1.4826·MAD). */
  readonly residualMad: number;
  /** Fraction of overlapping pixels within 2.5 robust scales. */
  readonly inlierFraction: number;
  readonly overlap: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly motion: { readonly scale: number; readonly rotationDeg: number; readonly shift: number };
  /** Exposure match to the reference (frame luma × gain + offset), when normalisation ran. */
  readonly exposure?: { readonly gain: number; readonly offset: number };
  /**
   * Local registration, when it ran: the displacement field's mean and largest length (reference px), the mean
   * agreement weight over the face (1 = agrees everywhere) and the agreement-weighted correlation with the
   * reference after local alignment (what the acceptance rules then use).
   */
  readonly local?: { readonly meanDisplacement: number; readonly maxDisplacement: number; readonly agreement: number; readonly correlation: number };
  readonly accepted: boolean;
  /** Empty when accepted; otherwise every rule the frame broke, with numbers. */
  readonly reasons: ReadonlyArray<{ readonly code: RejectionReason; readonly detail: string }>;
}

export interface FrameContribution {
  readonly index: number;
  /** Share of the total fusion weight carried by this frame's samples (sums to 1 over frames). */
  readonly share: number;
  /** Mean robust weight of this frame's samples (1 = fully trusted, 0 = all rejected as outliers). */
  readonly meanRobustWeight: number;
  /** Fraction of this frame's samples whose robust weight fell below 0.5. */
  readonly downweightedFraction: number;
  /** Per output pixel, this frame's share of that pixel's weight (output size, 1 channel, values in [0, 1]). */
  readonly map: Image;
}

export interface FusionResult {
  readonly image: Image;
  /** The fused image before deconvolution (equal to `image` when none was asked for, before clamping). */
  readonly fusedBeforeDeconvolution: Image;
  readonly registrations: FrameRegistration[];
  readonly contributions: FrameContribution[];
  /** Robust noise scale (intensity units) of the final iteration. */
  readonly noiseScale: number;
  /** Fraction of output pixels filled by the hole-filling pass. */
  readonly holeFraction: number;
  readonly params: FusionParams;
  /** The processing steps in order, for the audit log and the report. */
  readonly steps: ProcessingStep[];
}

function resolveParams(frameCount: number, o: FusionOptions): FusionParams {
  const reg = o.registration ?? {};
  const estimator = o.robust?.estimator ?? FUSION_DEFAULTS.robust.estimator;
  const robust: RobustParams = {
    ...FUSION_DEFAULTS.robust,
    tuning: estimator === 'tukey' ? 4.685 : FUSION_DEFAULTS.robust.tuning,
    ...(o.robust ?? {}),
  };
  const p: FusionParams = {
    scale: o.scale ?? FUSION_DEFAULTS.scale,
    reference: o.reference ?? 0,
    registration: {
      ...REGISTRATION_DEFAULTS,
      ...reg,
      ecc: { ...REGISTRATION_DEFAULTS.ecc, ...(reg.ecc ?? {}) },
      phaseCorrelationParams: { ...REGISTRATION_DEFAULTS.phaseCorrelationParams, ...(reg.phaseCorrelationParams ?? {}) },
    },
    kernelSigma: o.kernelSigma ?? 0.25 * (o.scale ?? FUSION_DEFAULTS.scale),
    robust,
    minWeight: o.minWeight ?? FUSION_DEFAULTS.minWeight,
    deconvolution: o.deconvolution === undefined ? FUSION_DEFAULTS.deconvolution : o.deconvolution,
    clamp: o.clamp ?? FUSION_DEFAULTS.clamp,
    exposure: o.exposure ?? null,
    local: o.local ?? null,
    minFrames: o.minFrames ?? FUSION_DEFAULTS.minFrames,
    belowMinimum: o.belowMinimum ?? FUSION_DEFAULTS.belowMinimum,
    resolutionWeighting: o.resolutionWeighting ?? FUSION_DEFAULTS.resolutionWeighting,
  };
  if (!Number.isInteger(p.scale) || p.scale < 1 || p.scale > 8) throw new RangeError('scale must be an integer in 1…8');
  if (!Number.isInteger(p.reference) || p.reference < 0 || p.reference >= frameCount) throw new RangeError(`reference ${p.reference} out of range`);
  if (!(p.kernelSigma > 0)) throw new RangeError('kernelSigma must be > 0');
  return p;
}

type MutableRegistration = Omit<FrameRegistration, 'accepted' | 'reasons' | 'exposure' | 'local'> & {
  reasons: Array<{ code: RejectionReason; detail: string }>;
  exposure?: { gain: number; offset: number };
  local?: { meanDisplacement: number; maxDisplacement: number; agreement: number; correlation: number };
};

/** Rules a wrong global registration breaks; local registration cannot repair them. */
const HARD_REASONS: ReadonlySet<RejectionReason> = new Set(['registration-failed', 'low-overlap', 'excessive-motion']);

/** Register one frame to the reference frame (both luma) and judge it against the per-frame rules. */
function registerFrame(
  template: Image,
  frameGray: Image,
  index: number,
  init: Affine,
  pol: RegistrationPolicy,
): MutableRegistration {
  const reasons: Array<{ code: RejectionReason; detail: string }> = [];
  let start = init;
  let pc: FrameRegistration['phaseCorrelation'] = null;
  if (pol.phaseCorrelation) {
    const resampled = warpToTemplate(frameGray, init, template.width, template.height);
    const r = phaseCorrelate(template, resampled, pol.phaseCorrelationParams);
    pc = { dx: r.dx, dy: r.dy, peak: r.peak };
    // A shift beyond the motion limit is a spurious peak; ECC then starts from the initial warp alone.
    if (Math.hypot(r.dx, r.dy) <= pol.maxTranslation) start = composeAffine(init, translation(r.dx, r.dy));
  }
  const ecc = eccRegister(template, frameGray, start, { ...pol.ecc, motion: pol.motion });
  const warp = ecc.warp;
  const d = describeAffine(warp);
  const cx = (template.width - 1) / 2;
  const cy = (template.height - 1) / 2;
  const shift = Math.hypot(warp[0] * cx + warp[1] * cy + warp[2] - (frameGray.width - 1) / 2, warp[3] * cx + warp[4] * cy + warp[5] - (frameGray.height - 1) / 2);
  if (ecc.failure) reasons.push({ code: 'registration-failed', detail: ecc.failure });
  else if (pol.requireConvergence && !ecc.converged) reasons.push({ code: 'not-converged', detail: `ECC did not converge in ${ecc.iterations} iterations` });
  if (!(ecc.robustCorrelation >= pol.minCorrelation)) {
    reasons.push({ code: 'low-correlation', detail: `inlier ECC coefficient ${ecc.robustCorrelation.toFixed(4)} < ${pol.minCorrelation}` });
  }
  if (!(ecc.inlierFraction >= pol.minInlierFraction)) {
    reasons.push({ code: 'few-inliers', detail: `inliers ${(ecc.inlierFraction * 100).toFixed(1)} % < ${(pol.minInlierFraction * 100).toFixed(1)} %` });
  }
  if (!(ecc.validFraction >= pol.minOverlap)) {
    reasons.push({ code: 'low-overlap', detail: `overlap ${(ecc.validFraction * 100).toFixed(1)} % < ${(pol.minOverlap * 100).toFixed(1)} %` });
  }
  // Rotation and scale judged on the whole warp, or on what registration changed on top of the initial transform.
  const judged = pol.limitsRelativeToInitial ? describeAffine(composeAffine(invertAffine(init), warp)) : d;
  if (shift > pol.maxTranslation || Math.abs(judged.rotationDeg) > pol.maxRotationDeg || Math.abs(judged.scale - 1) > pol.maxScaleChange) {
    reasons.push({
      code: 'excessive-motion',
      detail: pol.limitsRelativeToInitial
        ? `shift ${shift.toFixed(2)} px, rotation ${judged.rotationDeg.toFixed(2)}°, scale ${judged.scale.toFixed(3)} beyond the initial transform (limits ${pol.maxTranslation} px, ${pol.maxRotationDeg}°, ±${pol.maxScaleChange})`
        : `shift ${shift.toFixed(2)} px, rotation ${d.rotationDeg.toFixed(2)}°, scale ${d.scale.toFixed(3)} (limits ${pol.maxTranslation} px, ${pol.maxRotationDeg}°, ±${pol.maxScaleChange})`,
    });
  }
  return {
    index,
    warp,
    initial: init,
    phaseCorrelation: pc,
    correlation: ecc.correlation,
    robustCorrelation: ecc.robustCorrelation,
    residualRms: ecc.residualRms,
    residualMad: ecc.residualMad,
    inlierFraction: ecc.inlierFraction,
    overlap: ecc.validFraction,
    iterations: ecc.iterations,
    converged: ecc.converged,
    motion: { scale: d.scale, rotationDeg: d.rotationDeg, shift },
    reasons,
  };
}

function referenceRegistration(index: number): MutableRegistration {
  return {
    index, warp: IDENTITY, initial: IDENTITY, phaseCorrelation: null, correlation: 1, robustCorrelation: 1, residualRms: 0, residualMad: 0, inlierFraction: 1, overlap: 1,
    iterations: 0, converged: true, motion: { scale: 1, rotationDeg: 0, shift: 0 }, reasons: [],
  };
}

/** The relative residual rule: compare each frame with the median of the frames that passed everything else. */
function applyResidualRule(regs: MutableRegistration[], reference: number, pol: RegistrationPolicy): void {
  const passing = regs.filter((r) => r.index !== reference && r.reasons.length === 0);
  const medRes = median(Float64Array.from(passing.map((r) => r.residualMad)));
  if (passing.length < 2 || !(medRes > 0)) return;
  for (const r of regs) {
    if (r.index === reference) continue;
    if (!(r.residualMad <= pol.maxResidualRatio * medRes)) {
      r.reasons.push({ code: 'high-residual', detail: `robust residual ${r.residualMad.toFixed(4)} > ${pol.maxResidualRatio} × median ${medRes.toFixed(4)}` });
    }
  }
}

function median(values: Float64Array): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

/** Samples of all accepted frames, positioned on the output grid. */
interface SampleSet {
  readonly count: number;
  readonly channels: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly v: Float64Array; // count × channels
  readonly frame: Int32Array; // index into the accepted list
  readonly weight: Float64Array; // robust weight
  /** Per-sample prior weight (local agreement), or null when all are 1. */
  readonly prior: Float64Array | null;
}

/** What local registration gives each accepted frame for fusion: its displacement field and agreement map. */
interface LocalMapping {
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly agreement: Float64Array;
  readonly width: number;
  readonly height: number;
}

/** Fixed-point iterations inverting `p ↦ W(p + d(p))` for each frame pixel (d is small and smooth). */
const INVERSE_ITERATIONS = 3;

function buildSamples(
  frames: readonly Image[],
  accepted: readonly FrameRegistration[],
  scale: number,
  outW: number,
  outH: number,
  margin: number,
  locals: ReadonlyArray<LocalMapping | null> | null = null,
  frameWeights: readonly number[] | null = null,
): SampleSet {
  const ch = frames[0]!.channels;
  let total = 0;
  for (const r of accepted) total += frames[r.index]!.width * frames[r.index]!.height;
  const xs = new Float64Array(total);
  const ys = new Float64Array(total);
  const vs = new Float64Array(total * ch);
  const fr = new Int32Array(total);
  const prior = locals || frameWeights ? new Float64Array(total) : null;
  let n = 0;
  const off = (scale - 1) / 2;
  accepted.forEach((r, ai) => {
    const f = frames[r.index]!;
    const lm = locals?.[ai] ?? null;
    // Frame pixel → reference LR coordinates → output grid: u = scale·p + (scale − 1)/2.
    const inv = invertAffine(r.warp);
    for (let j = 0; j < f.height; j++) {
      for (let i = 0; i < f.width; i++) {
        let px = inv[0] * i + inv[1] * j + inv[2];
        let py = inv[3] * i + inv[4] * j + inv[5];
        if (lm) {
          // The frame pixel sits where the reference pixel p maps to: W(p + d(p)) = q, so p = W⁻¹(q) − d(p).
          const gx = px;
          const gy = py;
          for (let k = 0; k < INVERSE_ITERATIONS; k++) {
            px = gx - samplePlane(lm.u, lm.width, lm.height, px, py);
            py = gy - samplePlane(lm.v, lm.width, lm.height, px, py);
          }
        }
        const ux = scale * px + off;
        const uy = scale * py + off;
        if (ux < -0.5 - margin || uy < -0.5 - margin || ux > outW - 0.5 + margin || uy > outH - 0.5 + margin) continue;
        xs[n] = ux;
        ys[n] = uy;
        for (let c = 0; c < ch; c++) vs[n * ch + c] = f.data[(j * f.width + i) * ch + c]!;
        fr[n] = ai;
        if (prior) prior[n] = (lm ? samplePlane(lm.agreement, lm.width, lm.height, px, py) : 1) * (frameWeights ? frameWeights[ai]! : 1);
        n++;
      }
    }
  });
  const weight = prior ? Float64Array.from(prior.subarray(0, n)) : new Float64Array(n).fill(1);
  return { count: n, channels: ch, x: xs.subarray(0, n), y: ys.subarray(0, n), v: vs.subarray(0, n * ch), frame: fr.subarray(0, n), weight, prior: prior ? prior.subarray(0, n) : null };
}

/** Normalised convolution: num/den accumulation of weighted samples with a Gaussian kernel of σ. */
function splat(s: SampleSet, outW: number, outH: number, sigma: number, perFrame: Float64Array[] | null): { num: Float64Array; den: Float64Array } {
  const ch = s.channels;
  const num = new Float64Array(outW * outH * ch);
  const den = new Float64Array(outW * outH);
  const r = Math.ceil(3 * sigma);
  const inv2s2 = 1 / (2 * sigma * sigma);
  // The kernel is separable: precompute the 1-D taps per sample.
  const kx = new Float64Array(2 * r + 2);
  const ky = new Float64Array(2 * r + 2);
  for (let n = 0; n < s.count; n++) {
    const rw = s.weight[n]!;
    if (rw <= 0) continue;
    const ux = s.x[n]!;
    const uy = s.y[n]!;
    const x0 = Math.ceil(ux - r);
    const y0 = Math.ceil(uy - r);
    const x1 = Math.floor(ux + r);
    const y1 = Math.floor(uy + r);
    for (let x = x0; x <= x1; x++) kx[x - x0] = Math.exp(-(x - ux) * (x - ux) * inv2s2);
    for (let y = y0; y <= y1; y++) ky[y - y0] = Math.exp(-(y - uy) * (y - uy) * inv2s2);
    const pf = perFrame ? perFrame[s.frame[n]!]! : null;
    for (let y = Math.max(0, y0); y <= Math.min(outH - 1, y1); y++) {
      const wy = ky[y - y0]! * rw;
      for (let x = Math.max(0, x0); x <= Math.min(outW - 1, x1); x++) {
        const wgt = wy * kx[x - x0]!;
        const o = y * outW + x;
        den[o] = den[o]! + wgt;
        for (let c = 0; c < ch; c++) num[o * ch + c] = num[o * ch + c]! + wgt * s.v[n * ch + c]!;
        if (pf) pf[o] = pf[o]! + wgt;
      }
    }
  }
  return { num, den };
}

interface FuseCore {
  readonly z: Float64Array;
  readonly den: Float64Array;
  readonly perFrame: Float64Array[];
  readonly samples: SampleSet;
  readonly noiseScale: number;
  readonly holes: number;
}

/** Steps 2–4 of the method: samples → robust normalised convolution → hole filling. */
function robustFuse(frames: readonly Image[], accepted: readonly FrameRegistration[], p: FusionParams, locals: ReadonlyArray<LocalMapping | null> | null = null): FuseCore {
  const first = frames[0]!;
  const s = p.scale;
  const outW = first.width * s;
  const outH = first.height * s;
  const ch = first.channels;
  const npx = outW * outH;
  const sigma = p.kernelSigma;
  const frameWeights = p.resolutionWeighting ? accepted.map((r) => Math.min(1, describeAffine(r.warp).scale) ** 2) : null;
  const samples = buildSamples(frames, accepted, s, outW, outH, Math.ceil(3 * sigma), locals, frameWeights);
  const toEstimate = (acc: { num: Float64Array; den: Float64Array }): Float64Array => {
    const out = new Float64Array(npx * ch);
    for (let o = 0; o < npx; o++) {
      const dd = acc.den[o]!;
      for (let c = 0; c < ch; c++) out[o * ch + c] = dd > 0 ? acc.num[o * ch + c]! / dd : 0;
    }
    return out;
  };
  let z = toEstimate(splat(samples, outW, outH, sigma, null));
  let noiseScale = 0;
  const absRes = new Float64Array(samples.count);
  const rb = p.robust;
  const iterations = rb.estimator === 'none' ? 0 : Math.max(0, Math.floor(rb.iterations));
  for (let it = 0; it < iterations; it++) {
    for (let n = 0; n < samples.count; n++) {
      let r2 = 0;
      for (let c = 0; c < ch; c++) {
        const d = samples.v[n * ch + c]! - sampleBilinearRaw(z, outW, outH, ch, c, samples.x[n]!, samples.y[n]!);
        r2 += d * d;
      }
      absRes[n] = Math.sqrt(r2 / ch);
    }
    // MAD of the residuals: a noise scale that the outliers themselves cannot inflate.
    noiseScale = Math.max(rb.minScale, 1.4826 * median(absRes));
    // Tukey is not convex: its first pass uses Huber weights so it starts near the right solution.
    const useTukey = rb.estimator === 'tukey' && it > 0;
    const c = (rb.estimator === 'tukey' && !useTukey ? 1.345 : rb.tuning) * noiseScale;
    for (let n = 0; n < samples.count; n++) {
      const r = absRes[n]!;
      const robustWeight = useTukey ? (r / c < 1 ? (1 - (r / c) * (r / c)) ** 2 : 0) : r <= c ? 1 : c / r;
      // Local agreement (when local registration ran) scales what the robust function allows.
      samples.weight[n] = samples.prior ? samples.prior[n]! * robustWeight : robustWeight;
    }
    z = toEstimate(splat(samples, outW, outH, sigma, null));
  }

  // Final accumulation with per-frame bookkeeping for the contribution maps.
  const perFrame = accepted.map(() => new Float64Array(npx));
  const est = splat(samples, outW, outH, sigma, perFrame);
  z = toEstimate(est);

  // Holes: widen the kernel until every pixel has support (doubling σ, at most 4 times).
  const hole = new Uint8Array(npx);
  let holes = 0;
  for (let o = 0; o < npx; o++) {
    if (est.den[o]! < p.minWeight) {
      hole[o] = 1;
      holes++;
    }
  }
  let remaining = holes;
  for (let pass = 1; pass <= 4 && remaining > 0; pass++) {
    const wide = splat(samples, outW, outH, sigma * 2 ** pass, null);
    remaining = 0;
    for (let o = 0; o < npx; o++) {
      if (!hole[o]) continue;
      if (wide.den[o]! >= p.minWeight) {
        for (let c = 0; c < ch; c++) z[o * ch + c] = wide.num[o * ch + c]! / wide.den[o]!;
        hole[o] = 0;
      } else remaining++;
    }
  }
  if (remaining > 0) {
    // Nothing recorded near these pixels (only possible with extreme motion): take the reference frame's own value.
    const up = resizeBicubic(frames[p.reference]!, outW, outH);
    for (let o = 0; o < npx; o++) if (hole[o]) for (let c = 0; c < ch; c++) z[o * ch + c] = up.data[o * ch + c]!;
  }
  return { z, den: est.den, perFrame, samples, noiseScale, holes };
}

function finalize(regs: MutableRegistration[]): FrameRegistration[] {
  return regs.map((r) => ({ ...r, reasons: [...r.reasons], accepted: r.reasons.length === 0 }));
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/** σ (reference px) of the smoothing both planes get before the exposure fit. */
const EXPOSURE_FIT_SIGMA = 1;

/** Globally warp a luma plane onto the reference grid (bilinear, clamped), and which pixels fell inside the frame. */
function warpGray(g: Image, warp: Affine, w: number, h: number): { data: Float64Array; inside: Uint8Array } {
  const data = new Float64Array(w * h);
  const inside = new Uint8Array(w * h);
  const plane = Float64Array.from(g.data);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const sx = warp[0] * x + warp[1] * y + warp[2];
      const sy = warp[3] * x + warp[4] * y + warp[5];
      data[y * w + x] = samplePlane(plane, g.width, g.height, sx, sy);
      inside[y * w + x] = sx >= -0.5 && sy >= -0.5 && sx <= g.width - 0.5 && sy <= g.height - 0.5 ? 1 : 0;
    }
  }
  return { data, inside };
}

/** Robust line fit ref ≈ gain·v + offset (least squares, then Huber IRLS with a MAD scale), gain clamped. */
function fitGainOffset(v: Float64Array, ref: Float64Array, mask: Uint8Array, maxGain: number): { gain: number; offset: number } {
  const w = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) w[i] = mask[i]! ? 1 : 0;
  let gain = 1;
  let offset = 0;
  const res = new Float64Array(v.length);
  for (let it = 0; it < 5; it++) {
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < v.length; i++) {
      const wi = w[i]!;
      if (wi <= 0) continue;
      sw += wi;
      sx += wi * v[i]!;
      sy += wi * ref[i]!;
      sxx += wi * v[i]! * v[i]!;
      sxy += wi * v[i]! * ref[i]!;
    }
    if (!(sw > 0)) return { gain: 1, offset: 0 };
    const mx = sx / sw;
    const my = sy / sw;
    const vx = sxx / sw - mx * mx;
    gain = vx > 1e-8 ? (sxy / sw - mx * my) / vx : 1;
    gain = Math.min(maxGain, Math.max(1 / maxGain, gain));
    offset = my - gain * mx;
    let m = 0;
    for (let i = 0; i < v.length; i++) if (mask[i]) res[m++] = Math.abs(ref[i]! - gain * v[i]! - offset);
    const scale = Math.max(1 / 255, 1.4826 * median(res.subarray(0, m)));
    const c = 1.345 * scale;
    for (let i = 0; i < v.length; i++) {
      if (!mask[i]) continue;
      const r = Math.abs(ref[i]! - gain * v[i]! - offset);
      w[i] = r <= c ? 1 : c / r;
    }
  }
  return { gain, offset };
}

function applyGainOffset(img: Image, e: { gain: number; offset: number } | undefined): Image {
  if (!e) return img;
  const out = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < img.data.length; i++) out.data[i] = e.gain * img.data[i]! + e.offset;
  return out;
}

/** Separable Gaussian of a plane (local means of squared residuals). */
function blur64(src: Float64Array, w: number, h: number, sigma: number): Float64Array {
  const img = createImage(w, h, 1);
  for (let i = 0; i < src.length; i++) img.data[i] = src[i]!;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let ks = 0;
  for (let i = -r; i <= r; i++) ks += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const out = new Float64Array(w * h);
  const tmp = new Float64Array(w * h);
  const cl = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += k[i + r]! * src[y * w + cl(x + i, w)]!;
    tmp[y * w + x] = s / ks;
  }
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[cl(y + i, h) * w + x]!;
    out[y * w + x] = s / ks;
  }
  return out;
}

interface Refinement {
  /** Per frame index: its local mapping (null for the reference or frames not refined). */
  readonly locals: Array<LocalMapping | null>;
  readonly noiseScale: number;
}

/**
 * Exposure normalisation and local registration of every frame the global rules did not rule out for good.
 * With local registration, the soft rules (correlation, inliers, convergence, residual) are replaced by the
 * local ones: mean agreement over the face and agreement-weighted correlation after local alignment.
 */
function refineFrames(refGray: Image, grays: readonly Image[], regs: MutableRegistration[], p: FusionParams, region: { x: number; y: number; w: number; h: number }): Refinement {
  const W = refGray.width;
  const H = refGray.height;
  const ref = Float64Array.from(refGray.data);
  const inRegion = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) inRegion[y * W + x] = x >= region.x && x < region.x + region.w && y >= region.y && y < region.y + region.h ? 1 : 0;
  const locals: Array<LocalMapping | null> = regs.map(() => null);
  const aligned: Array<{ k: number; data: Float64Array; inside: Uint8Array; flow: { meanMagnitude: number; maxMagnitude: number } } | null> = regs.map(() => null);
  for (const r of regs) {
    if (r.index === p.reference) continue;
    if (r.reasons.some((x) => HARD_REASONS.has(x.code))) continue;
    const g = warpGray(grays[r.index]!, r.warp, W, H);
    let data = g.data;
    if (p.exposure) {
      // Fitted on both planes smoothed alike (σ 1 px): noise and the warp's interpolation blur would otherwise
      // bias the gain towards 0 (errors in the regressor); clipped pixels say nothing about the line.
      const mask = Uint8Array.from(g.inside, (v, i) => (v && ref[i]! > 0.5 / 255 && ref[i]! < 254.5 / 255 && g.data[i]! > 0.5 / 255 && g.data[i]! < 254.5 / 255 ? 1 : 0));
      const e = fitGainOffset(blur64(g.data, W, H, EXPOSURE_FIT_SIGMA), blur64(ref, W, H, EXPOSURE_FIT_SIGMA), mask, p.exposure.maxGain);
      r.exposure = e;
      data = Float64Array.from(g.data, (v) => e.gain * v + e.offset);
    }
    if (!p.local) continue;
    const toImage = (d: Float64Array): Image => {
      const im = createImage(W, H, 1);
      for (let i = 0; i < d.length; i++) im.data[i] = d[i]!;
      return im;
    };
    const flow = denseLocalFlow(refGray, toImage(data), p.local);
    // The locally aligned frame: sample the (exposure-matched) globally warped plane at x + d(x).
    const al = new Float64Array(W * H);
    const inside = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const sx = x + flow.u[i]!;
        const sy = y + flow.v[i]!;
        al[i] = samplePlane(data, W, H, sx, sy);
        inside[i] = g.inside[i]! && sx >= -0.5 && sy >= -0.5 && sx <= W - 0.5 && sy <= H - 0.5 ? 1 : 0;
      }
    }
    locals[r.index] = { u: flow.u, v: flow.v, agreement: new Float64Array(0), width: W, height: H };
    aligned[r.index] = { k: r.index, data: al, inside, flow };
  }
  if (!p.local) return { locals, noiseScale: 0 };
  // One noise scale for all frames (pooled MAD of the residuals), so a frame that disagrees cannot raise its own.
  const pooled: number[] = [];
  for (const a of aligned) if (a) for (let i = 0; i < a.data.length; i++) if (a.inside[i]) pooled.push(Math.abs(a.data[i]! - ref[i]!));
  const noiseScale = Math.max(1 / 255, 1.4826 * median(Float64Array.from(pooled)));
  const L = p.local;
  const c2 = (L.agreementScale * noiseScale) ** 2;
  for (const r of regs) {
    const a = aligned[r.index];
    if (!a) continue;
    const r2 = new Float64Array(W * H);
    for (let i = 0; i < r2.length; i++) r2[i] = (a.data[i]! - ref[i]!) ** 2;
    const local = blur64(r2, W, H, L.agreementSigma);
    const agreement = new Float64Array(W * H);
    let sum = 0;
    let n = 0;
    // Weighted correlation over the face, with the agreement weights.
    let sw = 0, sa = 0, sb = 0;
    for (let i = 0; i < agreement.length; i++) {
      agreement[i] = a.inside[i] ? 1 / (1 + local[i]! / c2) : 0;
      if (!inRegion[i]) continue;
      sum += agreement[i]!;
      n++;
      sw += agreement[i]!;
      sa += agreement[i]! * a.data[i]!;
      sb += agreement[i]! * ref[i]!;
    }
    const ma = sw > 0 ? sa / sw : 0;
    const mb = sw > 0 ? sb / sw : 0;
    let cab = 0, caa = 0, cbb = 0;
    for (let i = 0; i < agreement.length; i++) {
      if (!inRegion[i]) continue;
      const wi = agreement[i]!;
      cab += wi * (a.data[i]! - ma) * (ref[i]! - mb);
      caa += wi * (a.data[i]! - ma) ** 2;
      cbb += wi * (ref[i]! - mb) ** 2;
    }
    const correlation = caa > 0 && cbb > 0 ? cab / Math.sqrt(caa * cbb) : 0;
    const meanAgreement = n > 0 ? sum / n : 0;
    locals[r.index] = { ...locals[r.index]!, agreement };
    r.local = { meanDisplacement: round6(a.flow.meanMagnitude), maxDisplacement: round6(a.flow.maxMagnitude), agreement: round6(meanAgreement), correlation: round6(correlation) };
    // The soft rules give way to the local ones.
    r.reasons = r.reasons.filter((x) => HARD_REASONS.has(x.code));
    if (!(meanAgreement >= L.minAgreement)) {
      r.reasons.push({ code: 'low-agreement', detail: `after local registration ${(meanAgreement * 100).toFixed(0)} % of the face agrees with the reference (< ${(L.minAgreement * 100).toFixed(0)} %)` });
    }
    if (!(correlation >= p.registration.minCorrelation)) {
      r.reasons.push({ code: 'low-correlation', detail: `agreement-weighted correlation after local registration ${correlation.toFixed(4)} < ${p.registration.minCorrelation}` });
    }
  }
  return { locals, noiseScale };
}

/**
 * The minimum number of usable frames. Below it: refuse (an error that says how many registered and why the
 * others did not), or — when asked — keep only the reference and mark the other registered frames unused.
 */
function applyMinimum(regs: MutableRegistration[], p: FusionParams, labels?: readonly (number | string)[]): { registered: number } | null {
  const registered = regs.filter((r) => r.reasons.length === 0).length;
  if (registered >= p.minFrames) return null;
  if (p.belowMinimum === 'refuse') {
    const why = regs
      .filter((r) => r.reasons.length > 0)
      .slice(0, 3)
      .map((r) => `frame ${labels?.[r.index] ?? r.index + 1}: ${r.reasons[0]!.detail}`)
      .join('; ');
    throw new SightlineError(
      'INVALID_INPUT',
      `fusion refused: it needs at least ${p.minFrames} frames that register, and only ${registered} of ${regs.length} did (${why}${regs.length - registered > 3 ? '; …' : ''}). Choose other frames, or run it as a labelled single-frame deconvolution`,
    );
  }
  for (const r of regs) {
    if (r.index !== p.reference && r.reasons.length === 0) {
      r.reasons.push({ code: 'below-minimum', detail: `registered, but not used: fusion needs ${p.minFrames} registered frames and ${registered} did, so the result is a single-frame deconvolution of the reference` });
    }
  }
  return { registered };
}

/**
 * Fuse K low-resolution crops of the same face into one image on a grid `scale` times finer than the
 * reference frame's. See the module comment for the method. Frames must share size and channel count.
 */
export function fuseFrames(frames: readonly Image[], options: FusionOptions = {}): FusionResult {
  if (frames.length === 0) throw new RangeError('no frames to fuse');
  const first = frames[0]!;
  for (const f of frames) {
    if (f.width !== first.width || f.height !== first.height || f.channels !== first.channels) throw new RangeError('all frames must share size and channels');
  }
  const p = resolveParams(frames.length, options);
  const pol = p.registration;
  const grays = frames.map((f) => toGray(f));
  const refGray = grays[p.reference]!;
  const s = p.scale;
  const outW = first.width * s;
  const outH = first.height * s;
  const ch = first.channels;

  // 1. Registration to the reference frame, and the per-frame rules.
  const regs = frames.map((_, k) =>
    k === p.reference ? referenceRegistration(k) : registerFrame(refGray, grays[k]!, k, options.initialTransforms?.[k] ?? IDENTITY, pol),
  );
  // 1b. Exposure normalisation and local registration (each optional), which re-judge the soft rules.
  const region = options.faceRegion ?? { x: 0.2 * first.width, y: 0.2 * first.height, w: 0.6 * first.width, h: 0.6 * first.height };
  const adjust = p.exposure || p.local ? refineFrames(refGray, grays, regs, p, region) : null;
  if (!p.local) applyResidualRule(regs, p.reference, pol);
  const belowMinimum = applyMinimum(regs, p, options.labels);
  const registrations = finalize(regs);
  const accepted = registrations.filter((r) => r.accepted);

  // Exposure-normalised frames (all channels: luma × gain + offset is the same line on each channel).
  const fuseInput = adjust ? frames.map((f, k) => applyGainOffset(f, regs[k]!.exposure)) : frames;
  const locals = adjust && p.local ? accepted.map((r) => adjust.locals[r.index] ?? null) : null;

  // 2–4. Robust fusion.
  const core = robustFuse(fuseInput, accepted, p, locals);
  const fused = createImage(outW, outH, ch as 1 | 3);
  for (let i = 0; i < core.z.length; i++) fused.data[i] = core.z[i]!;

  // Contributions.
  const { samples, den, perFrame } = core;
  const frameWeightSum = new Float64Array(accepted.length);
  const frameSampleCount = new Float64Array(accepted.length);
  const frameLow = new Float64Array(accepted.length);
  for (let n = 0; n < samples.count; n++) {
    const f = samples.frame[n]!;
    frameWeightSum[f] = frameWeightSum[f]! + samples.weight[n]!;
    frameSampleCount[f] = frameSampleCount[f]! + 1;
    if (samples.weight[n]! < 0.5) frameLow[f] = frameLow[f]! + 1;
  }
  let totalDen = 0;
  for (let o = 0; o < outW * outH; o++) totalDen += den[o]!;
  const contributions: FrameContribution[] = accepted.map((r, ai) => {
    const map = createImage(outW, outH, 1);
    let mass = 0;
    const pf = perFrame[ai]!;
    for (let o = 0; o < outW * outH; o++) {
      mass += pf[o]!;
      map.data[o] = den[o]! > 0 ? pf[o]! / den[o]! : 0;
    }
    return {
      index: r.index,
      share: totalDen > 0 ? mass / totalDen : 0,
      meanRobustWeight: frameSampleCount[ai]! > 0 ? frameWeightSum[ai]! / frameSampleCount[ai]! : 0,
      downweightedFraction: frameSampleCount[ai]! > 0 ? frameLow[ai]! / frameSampleCount[ai]! : 0,
      map,
    };
  });

  const steps: ProcessingStep[] = [];
  const regParams = {
    motion: pol.motion,
    phaseCorrelation: pol.phaseCorrelation,
    phaseCorrelationParams: { ...pol.phaseCorrelationParams },
    ecc: { ...pol.ecc },
    minCorrelation: pol.minCorrelation,
    minOverlap: pol.minOverlap,
    maxTranslation: pol.maxTranslation,
    maxRotationDeg: pol.maxRotationDeg,
    maxScaleChange: pol.maxScaleChange,
    maxResidualRatio: pol.maxResidualRatio,
    minInlierFraction: pol.minInlierFraction,
    requireConvergence: pol.requireConvergence,
    reference: p.reference,
    ...(pol.limitsRelativeToInitial ? { limitsRelativeToInitial: true } : {}),
    ...(p.local ? { softRules: 'judged after local registration (fusion.local-register)' } : {}),
    ...(p.minFrames > 1 ? { minFrames: p.minFrames, belowMinimum: p.belowMinimum } : {}),
  };
  assertJsonParams(regParams, 'fuseFrames');
  steps.push({
    operation: 'fusion.register',
    method:
      'Phase correlation (translation) then ECC refinement (Evangelidis & Psarakis 2008) of each frame to the reference frame on luma',
    params: regParams,
  });
  if (p.exposure) {
    const exposureParams = {
      maxGain: p.exposure.maxGain,
      fitSmoothingSigma: EXPOSURE_FIT_SIGMA,
      frames: regs.filter((r) => r.exposure).map((r) => ({ index: r.index, gain: round6(r.exposure!.gain), offset: round6(r.exposure!.offset) })),
    };
    assertJsonParams(exposureParams, 'fuseFrames');
    steps.push({
      operation: 'fusion.exposure',
      method:
        'Exposure normalisation: each globally registered frame’s luma fitted to the reference’s by a robust (Huber IRLS) gain and offset over the overlapping pixels, applied to every channel; undone by (v − offset) / gain',
      params: exposureParams,
    });
  }
  if (p.local) {
    const { agreementSigma, agreementScale, minAgreement, ...flow } = p.local;
    const localParams = {
      ...flow,
      agreementSigma,
      agreementScale,
      minAgreement,
      inverseIterations: INVERSE_ITERATIONS,
      noiseScale: round6(adjust?.noiseScale ?? 0),
      faceRegion: [round6(region.x), round6(region.y), round6(region.w), round6(region.h)],
      frames: regs.filter((r) => r.local).map((r) => ({ index: r.index, ...r.local! })),
    };
    assertJsonParams(localParams, 'fuseFrames');
    steps.push({
      operation: 'fusion.local-register',
      method:
        'Local registration after the global warp: a dense displacement field per frame by coarse-to-fine Lucas–Kanade (Lucas & Kanade 1981; Gaussian window, damped, smoothed after every iteration, bounded), and per-pixel agreement weights 1 / (1 + local mean squared residual / (c·σ)²) with σ the pooled robust noise scale: frames contribute where they agree with the reference. Soft rejection rules are judged after it: mean agreement over the face, agreement-weighted correlation',
      params: localParams,
    });
  }
  if (belowMinimum) {
    steps.push({
      operation: SINGLE_FRAME_OPERATION,
      method: `Single-frame deconvolution, not a fusion: fewer than ${p.minFrames} frames registered (${belowMinimum.registered} of ${frames.length}), and a single-frame result was asked for; only the reference frame is resampled onto the finer grid and deconvolved`,
      params: { minFrames: p.minFrames, registered: belowMinimum.registered, selected: frames.length, reference: p.reference },
    });
  }
  const fuseParams = {
    scale: p.scale,
    kernelSigma: p.kernelSigma,
    kernelRadius: Math.ceil(3 * p.kernelSigma),
    robust: { ...p.robust },
    minWeight: p.minWeight,
    acceptedFrames: accepted.map((r) => r.index),
    ...(p.local || p.resolutionWeighting
      ? { sampleWeights: [p.local ? 'local agreement' : null, p.resolutionWeighting ? 'min(1, frame scale)²' : null, 'robust weight'].filter((x) => x !== null).join(' × ') }
      : {}),
    ...(p.resolutionWeighting ? { frameWeights: accepted.map((r) => ({ index: r.index, weight: round6(Math.min(1, describeAffine(r.warp).scale) ** 2) })) } : {}),
  };
  assertJsonParams(fuseParams, 'fuseFrames');
  steps.push({
    operation: 'fusion.shift-and-add',
    method: 'Robust shift-and-add by normalised convolution with a Gaussian kernel and iteratively re-weighted (Huber/Tukey) sample weights; holes filled with wider kernels',
    params: fuseParams,
  });

  // 5. Deconvolution.
  let result = fused;
  if (p.deconvolution) {
    const dcv = p.deconvolution;
    const out =
      dcv.method === 'wiener'
        ? wienerDeconvolve(fused, { psfSigma: dcv.psfSigma, nsr: dcv.nsr, nsrModel: dcv.nsrModel ?? 'natural' })
        : richardsonLucy(fused, { psfSigma: dcv.psfSigma, iterations: dcv.iterations });
    result = out.image;
    steps.push(out.step);
  }
  if (p.clamp) {
    const c = createImage(result.width, result.height, result.channels);
    for (let i = 0; i < c.data.length; i++) {
      const v = result.data[i]!;
      c.data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
    }
    result = c;
    steps.push({ operation: 'clamp', method: 'Clip intensities to [0, 1]', params: { lo: 0, hi: 1 } });
  }
  return {
    image: result,
    fusedBeforeDeconvolution: fused,
    registrations,
    contributions,
    noiseScale: core.noiseScale,
    holeFraction: core.holes / (outW * outH),
    params: p,
    steps,
  };
}

/** The "single frame, upscaled" baseline: bicubic (Keys a = −0.5) upscale of one frame to the fusion grid. */
export function upscaleSingleFrame(frame: Image, scale: number): Image {
  return resizeBicubic(frame, frame.width * scale, frame.height * scale);
}
