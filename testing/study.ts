/**
 * Surveillance-like probe sequences from real faces, with everything the enhancement tests and the accuracy
 * study need: the degraded frames as crops with DETECTED landmarks (as the analysis would give them), the true
 * geometry, and the original face for scoring.
 *
 * A probe of face width W px: the ORL portrait is resampled so that its detector box is 4·W px wide, then
 * `degradeSequence` (factor 4) blurs, moves (sub-pixel shifts, small rotations), area-samples, adds noise and
 * optionally H.264-compresses it, so every LR frame shows the face W px wide. Each frame's landmarks come from
 * the app's landmark network run on that LR frame inside the face box (the box itself is placed from the known
 * motion, standing in for the detector), so the initial transforms and the guard's alignment carry real
 * landmark error.
 */
import { detectLandmarks, toLandmarks5, type Box } from '../workers/faces/detect';
import type { Landmarks5 } from '../workers/faces/align';
import { applyAffine, type Point } from '../workers/image/geometry';
import { resizeBicubic, warpAffineBicubic } from '../workers/image/filters';
import { createImage, type Affine, type Image } from '../workers/image/image';
import { composeAffine } from '../workers/image/register';
import { degradeSequence, type DegradeParams, type DegradedSequence } from './degrade';
import type { ReferenceFace } from './faceSet';
import type { CropFrame } from '../workers/enhance/pipeline';

export const STUDY_FACTOR = 4;
/** Padding added around the portrait, as a fraction of the face width (part of it is used up by the motion margin). */
const PAD_FRACTION = 0.4;

/** The image on a larger canvas filled with the mean of its outermost rows and columns. */
function padImage(img: Image, pad: number): Image {
  const { width: w, height: h, channels: ch } = img;
  const mean = new Float64Array(ch);
  let n = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (x > 0 && y > 0 && x < w - 1 && y < h - 1) continue;
      for (let c = 0; c < ch; c++) mean[c] = mean[c]! + img.data[(y * w + x) * ch + c]!;
      n++;
    }
  }
  const out = createImage(w + 2 * pad, h + 2 * pad, ch);
  for (let i = 0; i < out.width * out.height; i++) for (let c = 0; c < ch; c++) out.data[i * ch + c] = mean[c]! / n;
  for (let y = 0; y < h; y++) out.data.set(img.data.subarray(y * w * ch, (y + 1) * w * ch), ((y + pad) * out.width + pad) * ch);
  return out;
}

export interface Probe {
  readonly face: ReferenceFace;
  readonly faceWidth: number;
  readonly seq: DegradedSequence;
  readonly crops: CropFrame[];
  readonly reference: number;
  /** True landmarks of the reference LR frame, and the detected ones used by the pipeline. */
  readonly trueLandmarks: Landmarks5;
  /** RMS landmark error of the detections over all frames (LR px). */
  readonly landmarkError: number;
  /** The face box in reference LR pixels. */
  readonly box: Box;
}

function mapLandmarks(lm: Landmarks5, f: (p: Point) => Point): Landmarks5 {
  return lm.map((p) => f(p)) as unknown as Landmarks5;
}

/** A degraded sequence of `face` with its face `faceWidth` px wide, and detected landmarks on every frame. */
export async function makeProbe(face: ReferenceFace, faceWidth: number, degrade: Partial<DegradeParams>): Promise<Probe> {
  const f = STUDY_FACTOR;
  const k = (f * faceWidth) / face.box.w;
  const w = Math.round(face.image.width * k);
  const h = Math.round(face.image.height * k);
  // ORL portraits are cut tight around the face; a camera frame is not. Pad the portrait with its own border
  // mean so the LR frames hold the face with a margin like the app's crops (the detection box + 30 % a side).
  const pad = Math.round(PAD_FRACTION * face.box.w * k);
  const hr = padImage(resizeBicubic(face.image, w, h), pad);
  const toHr = (p: Point): Point => [(p[0] + 0.5) * (w / face.image.width) - 0.5 + pad, (p[1] + 0.5) * (h / face.image.height) - 0.5 + pad];
  const seq = await degradeSequence(hr, { factor: f, ...degrade });
  const m = seq.marginHr;
  // HR portrait px → reference LR px (the ground-truth crop is inset by m, and LR pixel centres sit at f·x + (f − 1)/2).
  const toLr = (p: Point): Point => [(p[0] - m - (f - 1) / 2) / f, (p[1] - m - (f - 1) / 2) / f];
  const trueLandmarks = mapLandmarks(face.landmarks5, (p) => toLr(toHr(p)));
  const b0 = toLr(toHr([face.box.x - 0.5, face.box.y - 0.5]));
  const b1 = toLr(toHr([face.box.x + face.box.w - 0.5, face.box.y + face.box.h - 0.5]));
  const box: Box = { x: b0[0] + 0.5, y: b0[1] + 0.5, w: b1[0] - b0[0], h: b1[1] - b0[1] };
  const crops: CropFrame[] = [];
  let err = 0;
  for (let i = 0; i < seq.frames.length; i++) {
    const t = seq.truth[i]!;
    const c = applyAffine(t, [box.x + box.w / 2 - 0.5, box.y + box.h / 2 - 0.5]);
    const frameBox: Box = { x: c[0] + 0.5 - box.w / 2, y: c[1] + 0.5 - box.h / 2, w: box.w, h: box.h };
    const [pts] = await detectLandmarks(seq.frames[i]!, [frameBox]);
    const lm = toLandmarks5(pts!);
    const truth = mapLandmarks(trueLandmarks, (p) => applyAffine(t, p));
    for (let j = 0; j < 5; j++) err += (lm[j]![0] - truth[j]![0]) ** 2 + (lm[j]![1] - truth[j]![1]) ** 2;
    // The frame's box as a detector would give it: centred where its landmarks are (not the true box, which would
    // hand the 'box' initial transforms the true motion), the reference's size (the sequences have no scale change).
    const lc: Point = [lm.reduce((a, q) => a + q[0], 0) / 5, lm.reduce((a, q) => a + q[1], 0) / 5];
    const rc0: Point = [trueLandmarks.reduce((a, q) => a + q[0], 0) / 5, trueLandmarks.reduce((a, q) => a + q[1], 0) / 5];
    const detBox: Box = { x: box.x + lc[0] - rc0[0], y: box.y + lc[1] - rc0[1], w: box.w, h: box.h };
    crops.push({ frame: i * seq.params.stride, image: seq.frames[i]!, landmarks: lm, origin: [0, 0], box: detBox });
  }
  return {
    face,
    faceWidth,
    seq,
    crops,
    reference: seq.params.reference,
    trueLandmarks,
    landmarkError: Math.sqrt(err / (5 * seq.frames.length)),
    box,
  };
}

/**
 * The "best single frame, upscaled" baseline on the reference grid: bicubic (Keys a = −0.5) upscale of the
 * reference frame by `scale`, with pixel centres where the fused grid has them.
 */
export function upscaleReference(p: Probe, scale: number): Image {
  const ref = p.seq.frames[p.reference]!;
  const off = (scale - 1) / 2;
  const toRef: Affine = [1 / scale, 0, -off / scale, 0, 1 / scale, -off / scale];
  return warpAffineBicubic(ref, toRef, ref.width * scale, ref.height * scale);
}

/** Every frame upscaled onto the reference grid through its TRUE warp (the oracle baseline of evaluate.ts). */
export function upscaleAllAligned(p: Probe, scale: number): Image[] {
  const ref = p.seq.frames[p.reference]!;
  const off = (scale - 1) / 2;
  const toRef: Affine = [1 / scale, 0, -off / scale, 0, 1 / scale, -off / scale];
  return p.seq.frames.map((fr, k) => warpAffineBicubic(fr, composeAffine(p.seq.truth[k]!, toRef), ref.width * scale, ref.height * scale));
}

/** The original face on the reference LR grid × scale (area-averaged from the HR ground truth). */
export { groundTruthAtScale } from './evaluate';
