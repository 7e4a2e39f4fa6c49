/**
 * Face detection with five landmarks: SSD MobileNet V1 (WIDER FACE) finds boxes on a 512×512 letterboxed copy
 * of the image, then the 68-point landmark net runs on each box (batched) and the five alignment points are
 * derived from its eye contours, nose tip and mouth corners.
 *
 * Working range. The detector sees the image scaled so its longer side is 512 px (`detectorInputScale`).
 * Measured on real portraits placed in a 512 px scene (models/README.md, workers/faces/faces.test.ts), faces
 * 32–128 px wide in those 512 px are found ≥ 95% of the time; 28 px: 73% (98% with minScore 0.3); 24 px: 15%;
 * ≤ 20 px: almost never; very large tight crops (≥ ~190 px) degrade too. So surveillance faces of 20–50 px must
 * reach 40–100 px in the detector input: the analysis stage tiles frames into ≤ 512 px windows and upscales
 * windows ×2 (or more) before calling detectFaces.
 */
import { createImage, cropImage, resizeBilinear, type Image } from '../image/image';
import type { Point } from '../image/geometry';
import { runModel } from '../inference/session';
import type { Landmarks5 } from './align';
import { toNhwcBatch } from './tensor';

export const DETECTOR_ID = 'face-detector';
export const LANDMARKS_ID = 'face-landmarks';
export const DETECTOR_SIZE = 512;
const LANDMARK_SIZE = 112;

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DetectedFace {
  /** Source-image pixels, top-left origin. */
  box: Box;
  /** Detector confidence 0..1. */
  score: number;
  /** Image-left eye, image-right eye, nose tip, image-left mouth corner, image-right mouth corner (source pixels). */
  landmarks5: Landmarks5;
  /** All 68 landmark points (iBUG order) in source pixels. */
  landmarks68: Point[];
}

export interface DetectOptions {
  /** Minimum detector score (default 0.5). */
  minScore?: number;
  /** IoU above which the lower-scored of two boxes is suppressed (default 0.4). */
  iouThreshold?: number;
  /** At most this many faces, best first (default 200). */
  maxFaces?: number;
}

/** Factor from source pixels to detector-input pixels for an image of this size. */
export function detectorInputScale(width: number, height: number): number {
  return DETECTOR_SIZE / Math.max(width, height);
}

export async function detectFaces(image: Image, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const minScore = opts.minScore ?? 0.5;
  const iouThreshold = opts.iouThreshold ?? 0.4;
  const maxFaces = opts.maxFaces ?? 200;

  const scale = detectorInputScale(image.width, image.height);
  const input = letterbox(image, scale);
  const { data, dims } = toNhwcBatch([input], 255);
  const out = await runModel(DETECTOR_ID, data, dims);
  const boxes = out.boxes!.data as Float32Array;
  const scores = out.scores!.data as Float32Array;

  const candidates: Array<{ box: Box; score: number }> = [];
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (score < minScore) continue;
    // Anchor boxes are [ymin, xmin, ymax, xmax] in fractions of the 512 input; clip to the real image area.
    const y0 = Math.max(0, boxes[i * 4]! * DETECTOR_SIZE / scale);
    const x0 = Math.max(0, boxes[i * 4 + 1]! * DETECTOR_SIZE / scale);
    const y1 = Math.min(image.height, boxes[i * 4 + 2]! * DETECTOR_SIZE / scale);
    const x1 = Math.min(image.width, boxes[i * 4 + 3]! * DETECTOR_SIZE / scale);
    if (x1 - x0 < 1 || y1 - y0 < 1) continue;
    candidates.push({ box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, score });
  }
  const kept = nonMaxSuppression(candidates, iouThreshold, maxFaces);
  if (kept.length === 0) return [];
  const landmarks = await detectLandmarks(image, kept.map((k) => k.box));
  return kept.map((k, i) => ({ box: k.box, score: k.score, landmarks68: landmarks[i]!, landmarks5: toLandmarks5(landmarks[i]!) }));
}

/** Run the 68-point net on face boxes (one batch); points come back in source pixels. */
export async function detectLandmarks(image: Image, boxes: readonly Box[]): Promise<Point[][]> {
  return detectLandmarksMany(boxes.map((box) => ({ image, box })));
}

/** The 68-point net on boxes of several images (each face's own region), in batches of 32. */
export async function detectLandmarksMany(items: ReadonlyArray<{ readonly image: Image; readonly box: Box }>): Promise<Point[][]> {
  // face-api's landmark net was trained on detector boxes padded with black to a centred square.
  const crops = items.map(({ image, box: b }) => {
    const side = Math.max(b.w, b.h);
    const x = b.x + b.w / 2 - side / 2;
    const y = b.y + b.h / 2 - side / 2;
    const sx = Math.floor(x);
    const sy = Math.floor(y);
    const n = Math.max(1, Math.round(side));
    const crop = cropImage(image, sx, sy, n, n);
    const ch = crop.channels;
    for (let v = 0; v < n; v++) {
      for (let u = 0; u < n; u++) {
        const px = sx + u;
        const py = sy + v;
        const inside = px >= b.x - 0.5 && px <= b.x + b.w - 0.5 && py >= b.y - 0.5 && py <= b.y + b.h - 0.5
          && px >= 0 && py >= 0 && px < image.width && py < image.height;
        if (!inside) for (let k = 0; k < ch; k++) crop.data[(v * n + u) * ch + k] = 0;
      }
    }
    return { img: resizeBilinear(crop, LANDMARK_SIZE, LANDMARK_SIZE), sx, sy, n };
  });
  const result: Point[][] = [];
  const BATCH = 32;
  for (let start = 0; start < crops.length; start += BATCH) {
    const chunk = crops.slice(start, start + BATCH);
    const { data, dims } = toNhwcBatch(chunk.map((c) => c.img), 255);
    const out = (await runModel(LANDMARKS_ID, data, dims)).landmarks!.data as Float32Array;
    chunk.forEach((c, j) => {
      const pts: Point[] = [];
      for (let p = 0; p < 68; p++) {
        // Fractions of the square crop → crop pixels (pixel-centre convention) → source pixels.
        const fx = out[j * 136 + p * 2]!;
        const fy = out[j * 136 + p * 2 + 1]!;
        pts.push([c.sx + fx * c.n - 0.5, c.sy + fy * c.n - 0.5]);
      }
      result.push(pts);
    });
  }
  return result;
}

/** 68 iBUG points → the five alignment points (eye centres from the six-point eye contours). */
export function toLandmarks5(p: readonly Point[]): Landmarks5 {
  const meanOf = (idx: number[]): Point => [idx.reduce((s, i) => s + p[i]![0], 0) / idx.length, idx.reduce((s, i) => s + p[i]![1], 0) / idx.length];
  return [meanOf([36, 37, 38, 39, 40, 41]), meanOf([42, 43, 44, 45, 46, 47]), p[30]!, p[48]!, p[54]!];
}

/** Scale so the longer side is 512 and pad bottom/right with black, as face-api feeds its SSD. */
function letterbox(image: Image, scale: number): Image {
  const w = Math.max(1, Math.min(DETECTOR_SIZE, Math.round(image.width * scale)));
  const h = Math.max(1, Math.min(DETECTOR_SIZE, Math.round(image.height * scale)));
  const resized = w === image.width && h === image.height ? image : resizeBilinear(image, w, h);
  const out = createImage(DETECTOR_SIZE, DETECTOR_SIZE, resized.channels);
  const ch = resized.channels;
  for (let y = 0; y < h; y++) out.data.set(resized.data.subarray(y * w * ch, (y + 1) * w * ch), y * DETECTOR_SIZE * ch);
  return out;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

function nonMaxSuppression<T extends { box: Box; score: number }>(c: T[], threshold: number, max: number): T[] {
  const sorted = [...c].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const cand of sorted) {
    if (kept.length >= max) break;
    if (kept.every((k) => iou(k.box, cand.box) <= threshold)) kept.push(cand);
  }
  return kept;
}
