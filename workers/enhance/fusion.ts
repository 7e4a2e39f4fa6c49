/**
 * Multi-frame fusion ("shift-and-add" super-resolution with robust weights) for the evidential tier.
 *
 * Method, in the order it runs (every constant is a parameter, echoed in the result):
 *  1. Registration of every frame to the reference frame on the luma: optional initial warp (e.g. from
 *     landmarks) → phase correlation for the remaining translation → ECC refinement (Evangelidis & Psarakis 2008)
 *     with the chosen motion model. Frames that fail (no convergence, low correlation, little overlap,
 *     implausible motion, residual far above the others') are rejected, each with its reason.
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
import { richardsonLucy, wienerDeconvolve } from './deconvolve';
import { assertJsonParams, type ProcessingStep } from '../../domain/processingStep';

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
}

export type RejectionReason =
  | 'registration-failed'
  | 'not-converged'
  | 'low-correlation'
  | 'low-overlap'
  | 'excessive-motion'
  | 'high-residual'
  | 'few-inliers';

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
  };
  if (!Number.isInteger(p.scale) || p.scale < 1 || p.scale > 8) throw new RangeError('scale must be an integer in 1…8');
  if (!Number.isInteger(p.reference) || p.reference < 0 || p.reference >= frameCount) throw new RangeError(`reference ${p.reference} out of range`);
  if (!(p.kernelSigma > 0)) throw new RangeError('kernelSigma must be > 0');
  return p;
}

type MutableRegistration = Omit<FrameRegistration, 'accepted' | 'reasons'> & { reasons: Array<{ code: RejectionReason; detail: string }> };

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
  if (shift > pol.maxTranslation || Math.abs(d.rotationDeg) > pol.maxRotationDeg || Math.abs(d.scale - 1) > pol.maxScaleChange) {
    reasons.push({
      code: 'excessive-motion',
      detail: `shift ${shift.toFixed(2)} px, rotation ${d.rotationDeg.toFixed(2)}°, scale ${d.scale.toFixed(3)} (limits ${pol.maxTranslation} px, ${pol.maxRotationDeg}°, ±${pol.maxScaleChange})`,
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
}

function buildSamples(frames: readonly Image[], accepted: readonly FrameRegistration[], scale: number, outW: number, outH: number, margin: number): SampleSet {
  const ch = frames[0]!.channels;
  let total = 0;
  for (const r of accepted) total += frames[r.index]!.width * frames[r.index]!.height;
  const xs = new Float64Array(total);
  const ys = new Float64Array(total);
  const vs = new Float64Array(total * ch);
  const fr = new Int32Array(total);
  let n = 0;
  const off = (scale - 1) / 2;
  accepted.forEach((r, ai) => {
    const f = frames[r.index]!;
    // Frame pixel → reference LR coordinates → output grid: u = scale·p + (scale − 1)/2.
    const inv = invertAffine(r.warp);
    for (let j = 0; j < f.height; j++) {
      for (let i = 0; i < f.width; i++) {
        const px = inv[0] * i + inv[1] * j + inv[2];
        const py = inv[3] * i + inv[4] * j + inv[5];
        const ux = scale * px + off;
        const uy = scale * py + off;
        if (ux < -0.5 - margin || uy < -0.5 - margin || ux > outW - 0.5 + margin || uy > outH - 0.5 + margin) continue;
        xs[n] = ux;
        ys[n] = uy;
        for (let c = 0; c < ch; c++) vs[n * ch + c] = f.data[(j * f.width + i) * ch + c]!;
        fr[n] = ai;
        n++;
      }
    }
  });
  return { count: n, channels: ch, x: xs.subarray(0, n), y: ys.subarray(0, n), v: vs.subarray(0, n * ch), frame: fr.subarray(0, n), weight: new Float64Array(n).fill(1) };
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
function robustFuse(frames: readonly Image[], accepted: readonly FrameRegistration[], p: FusionParams): FuseCore {
  const first = frames[0]!;
  const s = p.scale;
  const outW = first.width * s;
  const outH = first.height * s;
  const ch = first.channels;
  const npx = outW * outH;
  const sigma = p.kernelSigma;
  const samples = buildSamples(frames, accepted, s, outW, outH, Math.ceil(3 * sigma));
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
      if (useTukey) {
        const u = r / c;
        samples.weight[n] = u < 1 ? (1 - u * u) ** 2 : 0;
      } else {
        samples.weight[n] = r <= c ? 1 : c / r;
      }
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
  applyResidualRule(regs, p.reference, pol);
  const registrations = finalize(regs);
  const accepted = registrations.filter((r) => r.accepted);

  // 2–4. Robust fusion.
  const core = robustFuse(frames, accepted, p);
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
  };
  assertJsonParams(regParams, 'fuseFrames');
  steps.push({
    operation: 'fusion.register',
    method:
      'Phase correlation (translation) then ECC refinement (Evangelidis & Psarakis 2008) of each frame to the reference frame on luma',
    params: regParams,
  });
  const fuseParams = {
    scale: p.scale,
    kernelSigma: p.kernelSigma,
    kernelRadius: Math.ceil(3 * p.kernelSigma),
    robust: { ...p.robust },
    minWeight: p.minWeight,
    acceptedFrames: accepted.map((r) => r.index),
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
