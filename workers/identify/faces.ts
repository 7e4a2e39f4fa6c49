/**
 * Faces for identification: finding every face in a still (reference photos), and turning one small face of a
 * video frame into an aligned chip the way that measured best.
 *
 * ── Stills ──
 * The SSD detector finds faces 32–128 px wide in its 512 px input (workers/faces/detect.ts). Reference photos
 * range from tight ID crops (the face fills the photo: far too large for the detector) to group stills (small
 * faces). So a still is searched several ways and the boxes merged by NMS: letterboxed whole (faces ≈ 6–25 % of
 * the longer side), on a canvas padded to 2× and 3× its size (faces up to ≈ 75 % of the photo), and, for photos
 * larger than 768 px, in 512 px tiles at native resolution (faces ≥ 32 px). Landmarks are then found once more
 * on the original pixels for every kept box, so they do not depend on which pass found the face.
 *
 * ── Probe faces (video) ──
 * Landmarks found on a 20 px face are poor, and the alignment they give costs as much accuracy as the model
 * choice (issue #12's measurement: 20 px rank-1 22.5–25 % with the analysis' own alignment vs 35 % when the best
 * frame is upscaled ×4 and the landmarks found again). So a probe face is cut from the frame with a margin at
 * native resolution, upscaled ×4 (bicubic), its landmarks found again on the upscaled crop inside the scaled
 * detection box, and the chip warped from the upscaled crop.
 */
import { alignFace, dlibTemplate, type Landmarks5 } from '../faces/align';
import { detectFaces, detectLandmarks, iou, toLandmarks5, type Box, type DetectedFace } from '../faces/detect';
import { resizeBicubic } from '../image/filters';
import { convertChannels, createImage, cropImage, resizeBilinear, toGray, type Image } from '../image/image';
import { blockiness } from '../enhance/deblock';
import { flatNoiseSigma, laplacianRatio } from '../enhance/guard';
import { QUALITY_MAPPING, QUALITY_WEIGHTS } from '../../domain/identity';
import type { Point } from '../image/geometry';
import type { Recognizer } from './recognizer';

export interface StillFace {
  readonly box: Box;
  readonly score: number;
  readonly landmarks5: Landmarks5;
  /** Which search found it (for the record). */
  readonly pass: string;
}

function padded(image: Image, factor: number): { image: Image; offset: [number, number] } {
  const w = Math.round(image.width * factor);
  const h = Math.round(image.height * factor);
  const ox = Math.floor((w - image.width) / 2);
  const oy = Math.floor((h - image.height) / 2);
  // Mid-grey: a neutral surround that the detector does not mistake for a face edge.
  const out = createImage(w, h, 3, 0.5);
  const src = convertChannels(image, 3);
  for (let y = 0; y < src.height; y++) out.data.set(src.data.subarray(y * src.width * 3, (y + 1) * src.width * 3), ((y + oy) * w + ox) * 3);
  return { image: out, offset: [ox, oy] };
}

/**
 * Every face in a still, best first; boxes and landmarks in the still's pixels. `firstFound` stops after the
 * first search that finds any face (padded ×2 first: the framing of portrait photo sets) — for benchmarks, which
 * want the photo's one subject, not every face.
 */
export async function detectStillFaces(image: Image, opts: { minScore?: number; firstFound?: boolean } = {}): Promise<StillFace[]> {
  const minScore = opts.minScore ?? 0.5;
  const found: Array<{ box: Box; score: number; pass: string }> = [];
  const add = (faces: readonly DetectedFace[], dx: number, dy: number, pass: string): void => {
    for (const f of faces) {
      const x0 = Math.max(0, f.box.x - dx);
      const y0 = Math.max(0, f.box.y - dy);
      const x1 = Math.min(image.width, f.box.x + f.box.w - dx);
      const y1 = Math.min(image.height, f.box.y + f.box.h - dy);
      if (x1 - x0 < 4 || y1 - y0 < 4) continue;
      found.push({ box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, score: f.score, pass });
    }
  };
  const passes: Array<() => Promise<void>> = [
    async () => add(await detectFaces(image, { minScore }), 0, 0, 'whole'),
    ...[2, 3].map((factor) => async () => {
      const p = padded(image, factor);
      add(await detectFaces(p.image, { minScore }), p.offset[0], p.offset[1], `padded ×${factor}`);
    }),
  ];
  if (opts.firstFound) [passes[0], passes[1]] = [passes[1]!, passes[0]!];
  for (const pass of passes) {
    await pass();
    if (opts.firstFound && found.length > 0) break;
  }
  const L = Math.max(image.width, image.height);
  if (L > 768 && !(opts.firstFound && found.length > 0)) {
    const T = 512;
    const stride = 384;
    for (let y = 0; y < Math.max(1, image.height - T + stride); y += stride) {
      for (let x = 0; x < Math.max(1, image.width - T + stride); x += stride) {
        const tile = cropImage(image, x, y, Math.min(T, image.width - x), Math.min(T, image.height - y));
        add(await detectFaces(tile, { minScore }), -x, -y, 'tiles ×1');
      }
    }
  }
  // NMS across passes: a face found by several keeps its best-scored box.
  found.sort((a, b) => b.score - a.score || a.box.x - b.box.x || a.box.y - b.box.y);
  const kept: typeof found = [];
  for (const f of found) if (kept.every((k) => iou(k.box, f.box) <= 0.4 && !contains(k.box, f.box))) kept.push(f);
  if (kept.length === 0) return [];
  const pts = await detectLandmarks(convertChannels(image, 3), kept.map((k) => k.box));
  return kept.map((k, i) => ({ box: k.box, score: k.score, landmarks5: toLandmarks5(pts[i]!), pass: k.pass }));
}

/** A box mostly inside another (a face part found as a face at another scale). */
function contains(outer: Box, inner: Box): boolean {
  const ix = Math.max(0, Math.min(outer.x + outer.w, inner.x + inner.w) - Math.max(outer.x, inner.x));
  const iy = Math.max(0, Math.min(outer.y + outer.h, inner.y + inner.h) - Math.max(outer.y, inner.y));
  return (ix * iy) / (inner.w * inner.h) > 0.8 || (ix * iy) / (outer.w * outer.h) > 0.8;
}

export const PROBE_UPSCALE = 4;
/** Crop margin around the detection box, as a fraction of its size on each side. */
export const PROBE_MARGIN = 0.5;

export interface ProbeFace {
  /** The native-resolution crop (what the investigator compares against: original pixels) and its origin in the frame. */
  readonly crop: Image;
  readonly origin: [number, number];
  /** The crop upscaled ×PROBE_UPSCALE (bicubic) and the landmarks found on it, in its pixels. */
  readonly upscaled: Image;
  readonly landmarks: Landmarks5;
  /** The same landmarks in frame pixels. */
  readonly frameLandmarks: Landmarks5;
  readonly faceWidth: number;
}

/** Cut, upscale and re-landmark one face of a frame (see the module comment). */
export async function probeFace(frame: Image, box: Box, opts: { upscale?: number; margin?: number } = {}): Promise<ProbeFace> {
  const up = opts.upscale ?? PROBE_UPSCALE;
  const m = opts.margin ?? PROBE_MARGIN;
  const side = Math.max(box.w, box.h) * (1 + 2 * m);
  const ox = Math.round(box.x + box.w / 2 - side / 2);
  const oy = Math.round(box.y + box.h / 2 - side / 2);
  const n = Math.max(8, Math.round(side));
  const crop = cropImage(convertChannels(frame, 3), ox, oy, n, n);
  const upscaled = clamp01Image(resizeBicubic(crop, n * up, n * up));
  // The detection box in upscaled-crop pixels (pixel-centre convention: x_up = (x + 0.5)·up − 0.5).
  const ub = { x: (box.x - ox + 0.5) * up - 0.5, y: (box.y - oy + 0.5) * up - 0.5, w: box.w * up, h: box.h * up };
  const [pts] = await detectLandmarks(upscaled, [ub]);
  const landmarks = toLandmarks5(pts!);
  const frameLandmarks = landmarks.map(([x, y]) => [(x + 0.5) / up - 0.5 + ox, (y + 0.5) / up - 0.5 + oy] as Point) as unknown as Landmarks5;
  return { crop, origin: [ox, oy], upscaled, landmarks, frameLandmarks, faceWidth: box.w };
}

function clamp01Image(img: Image): Image {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i]! < 0 ? 0 : d[i]! > 1 ? 1 : d[i]!;
  return img;
}

/** The recogniser's chip of a probe face, warped from the upscaled crop. */
export function probeChip(r: Recognizer, p: ProbeFace): Image {
  return alignFace(p.upscaled, p.landmarks, r.chipSize, r.template).crop;
}

export interface FrameQuality {
  readonly value: number;
  readonly components: { readonly resolution: number; readonly sharpness: number; readonly noise: number; readonly blockiness: number };
  readonly measures: { readonly faceWidth: number; readonly laplacianRatio: number; readonly noiseSigma: number; readonly blockinessRatio: number };
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0);

/**
 * A frame's weight in a template: the identity guard's quality measures (domain/identity.ts) without the
 * embedding-stability term, which costs eight extra network runs per frame: resolution (native face width),
 * sharpness (on a fixed 48 px face grid of a dlib-framed chip), noise and blockiness on the native crop.
 * Same mappings and relative weights as the guard, renormalised over the four terms.
 */
export function frameQuality(p: Pick<ProbeFace, 'crop' | 'origin' | 'upscaled' | 'landmarks' | 'faceWidth'>): FrameQuality {
  const m = QUALITY_MAPPING;
  const [ax, ay, aw, ah] = m.faceArea;
  const chip = alignFace(p.upscaled, p.landmarks, 150, dlibTemplate(150)).crop;
  const face = resizeBilinear(toGray(cropImage(chip, ax, ay, aw, ah)), m.canonicalSize, m.canonicalSize);
  const lap = laplacianRatio(face);
  const grey = toGray(p.crop);
  const sigma = flatNoiseSigma(grey);
  const blk = blockiness(grey, 8, ((-p.origin[0] % 8) + 8) % 8, ((-p.origin[1] % 8) + 8) % 8);
  const components = {
    resolution: clamp01(Math.log2(p.faceWidth / m.resolutionMinPx) / Math.log2(m.resolutionMaxPx / m.resolutionMinPx)),
    sharpness: clamp01(1 - Math.exp(-lap / m.sharpnessScale)),
    noise: clamp01(1 - sigma / m.noiseMax),
    blockiness: clamp01(1 - Math.max(0, blk - 1) / m.blockinessSpan),
  };
  const w = QUALITY_WEIGHTS;
  const total = w.resolution + w.sharpness + w.noise + w.blockiness;
  const t = (v: number, wt: number): number => (wt / total) * Math.log(Math.max(0.01, v));
  const value = clamp01(Math.exp(t(components.resolution, w.resolution) + t(components.sharpness, w.sharpness) + t(components.noise, w.noise) + t(components.blockiness, w.blockiness)));
  return { value, components, measures: { faceWidth: p.faceWidth, laplacianRatio: lap, noiseSigma: sigma, blockinessRatio: blk } };
}

/**
 * Pool frame embeddings into one template: the weighted mean of the L2-normalised embeddings, normalised again
 * (the set-based "average feature" pooling of video face recognition; weights from frame quality).
 */
export function poolEmbeddings(embeddings: readonly Float32Array[], weights: readonly number[]): Float32Array {
  if (embeddings.length === 0) throw new RangeError('no embeddings to pool');
  const dim = embeddings[0]!.length;
  const acc = new Float64Array(dim);
  let wsum = 0;
  embeddings.forEach((e, i) => {
    const w = Math.max(0, weights[i] ?? 0);
    wsum += w;
    for (let k = 0; k < dim; k++) acc[k] = acc[k]! + w * e[k]!;
  });
  if (!(wsum > 0)) throw new RangeError('template weights sum to zero');
  let n = 0;
  for (let k = 0; k < dim; k++) n += acc[k]! * acc[k]!;
  n = Math.sqrt(n) || 1;
  const out = new Float32Array(dim);
  for (let k = 0; k < dim; k++) out[k] = acc[k]! / n;
  return out;
}
