/**
 * Scoring of multi-frame fusion against a known original, shared by the tests and the benchmark.
 *
 * The single-frame baseline is deliberately the strongest one available: every frame is upscaled with bicubic
 * interpolation (Keys a = −0.5) directly onto the ground-truth grid through its TRUE sub-pixel position, and the
 * best PSNR and the best SSIM over all frames are taken separately, with knowledge of the ground truth. Fusion
 * gets no such help: it registers the frames itself.
 */
import { type Affine, type Image } from '../workers/image/image';
import { downsampleBox, warpAffineBicubic } from '../workers/image/filters';
import { psnr, ssim } from '../workers/image/metrics';
import { composeAffine, warpDistance } from '../workers/image/register';
import type { DegradedSequence } from './degrade';
import { fuseFrames, type FusionOptions, type FusionResult } from '../workers/enhance/fusion';

export interface FusionScore {
  readonly fusedPsnr: number;
  readonly fusedSsim: number;
  readonly bestFramePsnr: number;
  readonly bestFrameSsim: number;
  /** Mean RMS distance (LR pixels) between estimated and true warps over accepted frames. */
  readonly registrationError: number;
  readonly rejected: number;
  readonly result: FusionResult;
}

/** The ground truth at the fusion grid: the HR face area-averaged down to `scale` × the LR frames. */
export function groundTruthAtScale(seq: DegradedSequence, scale: number): Image {
  const f = seq.params.factor;
  if (f % scale !== 0) throw new RangeError(`scale ${scale} must divide the degradation factor ${f}`);
  return f === scale ? seq.groundTruth : downsampleBox(seq.groundTruth, f / scale);
}

/** Each frame upscaled by bicubic interpolation onto the ground-truth grid through its true warp. */
export function alignedBicubicFrames(seq: DegradedSequence, scale: number): Image[] {
  const gt = groundTruthAtScale(seq, scale);
  const off = (scale - 1) / 2;
  // Output pixel u ↔ reference LR coordinate (u − off)/scale ↔ frame coordinate truth((u − off)/scale).
  const toRef: Affine = [1 / scale, 0, -off / scale, 0, 1 / scale, -off / scale];
  return seq.frames.map((fr, k) => warpAffineBicubic(fr, composeAffine(seq.truth[k]!, toRef), gt.width, gt.height));
}

/** Fuse a degraded sequence (reference = the sequence's unmoved frame) and score it against the baseline. */
export function scoreFusion(seq: DegradedSequence, options: FusionOptions): FusionScore {
  const scale = options.scale ?? 4;
  const gt = groundTruthAtScale(seq, scale);
  const result = fuseFrames(seq.frames, { ...options, scale, reference: seq.params.reference });
  let bestFramePsnr = -Infinity;
  let bestFrameSsim = -Infinity;
  for (const up of alignedBicubicFrames(seq, scale)) {
    bestFramePsnr = Math.max(bestFramePsnr, psnr(up, gt));
    bestFrameSsim = Math.max(bestFrameSsim, ssim(up, gt));
  }
  const w = seq.frames[0]!.width;
  const h = seq.frames[0]!.height;
  const accepted = result.registrations.filter((r) => r.accepted);
  const registrationError = accepted.reduce((s, r) => s + warpDistance(r.warp, seq.truth[r.index]!, w, h), 0) / Math.max(1, accepted.length);
  return {
    fusedPsnr: psnr(result.image, gt),
    fusedSsim: ssim(result.image, gt),
    bestFramePsnr,
    bestFrameSsim,
    registrationError,
    rejected: result.registrations.length - accepted.length,
    result,
  };
}
