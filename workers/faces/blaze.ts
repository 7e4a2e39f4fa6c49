/**
 * MediaPipe's BlazeFace-family face detectors (short range, full range) on frame windows of any size: the
 * networks are fully convolutional with anchors per input pixel position, so one pass over a whole frame (or a
 * window of it, at any scale) finds faces of a fixed pixel range in that input — no 512 px letterbox, no
 * pyramid of windows for small faces.
 *
 * The converted ONNX graphs (models/manifest.json) output, per anchor, a score logit and 16 regressors (box
 * centre offset, box size, six key points) in input pixels; anchors and decoding are in
 * models/convert/detectorAnchors.ts. This module turns a batch of windows into face boxes in frame pixels,
 * merges overlapping anchors with MediaPipe's weighted non-maximum suppression (the boxes of one face are
 * averaged by score, which steadies them from frame to frame), and keeps the six key points.
 *
 * Box convention. MediaPipe's box is a square from the brows to below the mouth; the rest of the pipeline (the
 * 68-point landmark net, the hand labels, the quality measures) expects face-api's SSD box, from the top of the
 * forehead to the chin. `toSsdBox` maps one to the other with a fixed, measured linear map (see BOX_MAP).
 */
import { decodeMediapipe, MEDIAPIPE_LEVELS, mediapipeAnchors, type MediapipeDetection } from '../../models/convert/detectorAnchors';

export type BlazeVariant = 'short' | 'full' | 'back';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface BlazeFace {
  /** Frame pixels, SSD-style box (see toSsdBox). */
  readonly box: Box;
  /** The network's own box in frame pixels. */
  readonly rawBox: Box;
  readonly score: number;
  /** Right eye, left eye (subject's), nose tip, mouth centre, right tragion, left tragion — frame pixels. */
  readonly keypoints: ReadonlyArray<readonly [number, number]>;
}

/** Input side of each variant must be a multiple of this (full range adds upsampled FPN maps). */
export function sideMultiple(variant: BlazeVariant): number {
  return variant === 'short' ? 16 : 32;
}

const anchorCache = new Map<string, Float32Array>();

export function anchorsFor(variant: BlazeVariant, height: number, width: number): Float32Array {
  const key = `${variant}:${height}x${width}`;
  let a = anchorCache.get(key);
  if (!a) {
    if (anchorCache.size > 64) anchorCache.clear();
    a = mediapipeAnchors(height, width, MEDIAPIPE_LEVELS[variant]);
    anchorCache.set(key, a);
  }
  return a;
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter <= 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * MediaPipe's weighted NMS: take the best remaining anchor, gather every anchor overlapping it by more than
 * `iouThreshold`, and replace the group by its score-weighted mean box and key points (the best score stays).
 * Ties are broken by position, so the result does not depend on the anchors' order.
 */
export function weightedNms(dets: readonly MediapipeDetection[], iouThreshold: number): MediapipeDetection[] {
  const rest = [...dets].sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
  const out: MediapipeDetection[] = [];
  while (rest.length) {
    const best = rest[0]!;
    const bb = { x: best.x, y: best.y, w: best.w, h: best.h };
    const group: MediapipeDetection[] = [];
    for (let i = rest.length - 1; i >= 0; i--) {
      const d = rest[i]!;
      if (iou(bb, d) > iouThreshold) {
        group.push(d);
        rest.splice(i, 1);
      }
    }
    let ws = 0;
    let x = 0;
    let y = 0;
    let w = 0;
    let h = 0;
    const kp = best.keypoints.map(() => [0, 0] as [number, number]);
    for (const d of group) {
      ws += d.score;
      x += d.score * d.x;
      y += d.score * d.y;
      w += d.score * d.w;
      h += d.score * d.h;
      d.keypoints.forEach((p, k) => {
        kp[k]![0] += d.score * p[0];
        kp[k]![1] += d.score * p[1];
      });
    }
    out.push({ score: best.score, x: x / ws, y: y / ws, w: w / ws, h: h / ws, keypoints: kp.map(([a, b]) => [a / ws, b / ws]) });
  }
  return out;
}

/**
 * MediaPipe box → SSD-style box: same centre x, width ×BOX_MAP.w, height ×BOX_MAP.h, centre shifted by BOX_MAP.dy
 * box heights (negative: up). The medians over the 50 BlazeFace boxes that matched a hand-labelled face of the real
 * clips (bench/faceCheckFit.ts prints them): the labelled box — forehead to chin, like the SSD's — is narrower,
 * taller and higher than BlazeFace's brow-to-mouth square.
 */
export const BOX_MAP = { w: 0.92, h: 1.17, dy: -0.05 } as const;

export function toSsdBox(b: Box): Box {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2 + BOX_MAP.dy * b.h;
  const w = b.w * BOX_MAP.w;
  const h = b.h * BOX_MAP.h;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

export interface BlazeWindow {
  /** Source window in frame pixels and the scale it was resampled at (input px per frame px). */
  readonly x0: number;
  readonly y0: number;
  readonly scale: number;
  /** Content size in the input (the rest of the input is black padding). */
  readonly outW: number;
  readonly outH: number;
}

/**
 * Decode one window's raw output ([A, 17] rows) into faces in frame pixels. Anchors whose box centre falls in
 * the black padding are dropped (nothing there to see).
 */
export function decodeWindow(variant: BlazeVariant, raw: Float32Array, inputH: number, inputW: number, win: BlazeWindow, minScore: number, nmsIou = 0.3): BlazeFace[] {
  const dets = decodeMediapipe(raw, anchorsFor(variant, inputH, inputW), minScore).filter((d) => d.x + d.w / 2 < win.outW && d.y + d.h / 2 < win.outH && d.w > 0 && d.h > 0);
  return weightedNms(dets, nmsIou).map((d) => {
    const s = win.scale;
    const rawBox = { x: win.x0 + d.x / s, y: win.y0 + d.y / s, w: d.w / s, h: d.h / s };
    return {
      box: toSsdBox(rawBox),
      rawBox,
      score: d.score,
      keypoints: d.keypoints.map(([kx, ky]) => [win.x0 + kx / s, win.y0 + ky / s] as const),
    };
  });
}
