/**
 * Quality of one detected face, in [0, 1], from five components that are each stored with the detection (so a
 * report can show why a frame ranked where it did) together with the raw measurements they came from:
 *
 * | component   | measured on                          | mapping to [0, 1]                                           |
 * | ----------- | ------------------------------------ | ----------------------------------------------------------- |
 * | size        | face box width w (frame px)          | log2(w / 12) / log2(80 / 12), clamped: 12 px → 0, ≥ 80 px → 1 (resolution is what identification lacks most; the embedder's chip saturates near 80 px faces) |
 * | sharpness   | variance of the 4-neighbour Laplacian of the face box luma at native resolution (0..1 intensities), divided by the luma variance | 1 − exp(−ratio / sharpnessScale): contrast-independent, so a dim but sharp face is not penalised twice |
 * | exposure    | luma of the face box                 | (1 − |median − 0.5| / 0.5)^0.5 × (1 − clipped fraction) × min(1, std / 0.06) |
 * | pose        | the five landmarks                   | yaw proxy (nose offset from the eye midpoint over the inter-ocular distance) and pitch proxy (nose height between eyes and mouth vs the dlib template): (1 − |yaw| / 0.45) × (1 − |pitch − pitch₀| / 0.45), clamped |
 * | score       | detector confidence                  | as is                                                       |
 *
 * Combination: a weighted geometric mean, q = Π cᵢ^wᵢ (Σwᵢ = 1, each cᵢ floored at 0.01), weights size 0.30,
 * sharpness 0.25, pose 0.20, exposure 0.15, score 0.10. Geometric, because one failing component (a profile
 * view, a blown-out face) makes a frame useless however good the others are.
 */
import { DEFAULT_QUALITY, type QualityOptions, type QualityWeights } from '../../domain/analysis';
import { dlibTemplate } from '../faces/align';
import type { Point } from '../image/geometry';
import type { Image } from '../image/image';

export interface QualityComponents {
  readonly size: number;
  readonly sharpness: number;
  readonly exposure: number;
  readonly pose: number;
  readonly score: number;
}

export interface QualityMeasures {
  readonly width: number;
  readonly laplacianVariance: number;
  readonly lumaMean: number;
  readonly lumaMedian: number;
  readonly lumaStd: number;
  readonly clipped: number;
  readonly yaw: number;
  readonly pitch: number;
}

export interface Quality {
  readonly value: number;
  readonly components: QualityComponents;
  readonly measures: QualityMeasures;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0);

/** Pitch proxy of the dlib template (nose tip height between eye line and mouth line), the frontal reference. */
let templatePitch: number | undefined;
function frontalPitch(): number {
  templatePitch ??= poseProxies(dlibTemplate(150)).pitch;
  return templatePitch;
}

export function poseProxies(lm: readonly Point[]): { yaw: number; pitch: number } {
  const [le, re, nose, lm0, lm1] = lm as [Point, Point, Point, Point, Point];
  const ex = (le[0] + re[0]) / 2;
  const ey = (le[1] + re[1]) / 2;
  const dx = re[0] - le[0];
  const dy = re[1] - le[1];
  const iod = Math.hypot(dx, dy) || 1;
  // Work in the face's own axes (undo roll): u along the eye line, v perpendicular (downwards).
  const ux = dx / iod;
  const uy = dy / iod;
  const toUV = (p: Point): [number, number] => [(p[0] - ex) * ux + (p[1] - ey) * uy, -(p[0] - ex) * uy + (p[1] - ey) * ux];
  const [nu, nv] = toUV(nose);
  const mouth: Point = [(lm0[0] + lm1[0]) / 2, (lm0[1] + lm1[1]) / 2];
  const [, mv] = toUV(mouth);
  return { yaw: nu / iod, pitch: mv > 1e-6 ? nv / mv : 0 };
}

/** Luma statistics and Laplacian variance of a face region (any channels; BT.601 luma). */
export function regionMeasures(img: Image): { lapVar: number; mean: number; median: number; std: number; clipped: number } {
  const { width: w, height: h, channels: ch, data } = img;
  const n = w * h;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = ch === 1 ? data[i]! : 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;
  let s = 0;
  let s2 = 0;
  let clipped = 0;
  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) {
    const v = g[i]!;
    s += v;
    s2 += v * v;
    if (v <= 0.5 / 255 || v >= 254.5 / 255) clipped++;
    hist[Math.min(255, Math.max(0, Math.floor(v * 256)))]!++;
  }
  const mean = s / n;
  let acc = 0;
  let median = 0.5;
  for (let b = 0; b < 256; b++) {
    acc += hist[b]!;
    if (acc >= n / 2) {
      median = (b + 0.5) / 256;
      break;
    }
  }
  let ls = 0;
  let ls2 = 0;
  let m = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = g[i - 1]! + g[i + 1]! + g[i - w]! + g[i + w]! - 4 * g[i]!;
      ls += v;
      ls2 += v * v;
      m++;
    }
  }
  const lapVar = m > 0 ? Math.max(0, ls2 / m - (ls / m) ** 2) : 0;
  return { lapVar, mean, median, std: Math.sqrt(Math.max(0, s2 / n - mean * mean)), clipped: clipped / n };
}

export function faceQuality(region: Image, boxWidth: number, landmarks5: readonly Point[], score: number, opts: QualityOptions = DEFAULT_QUALITY): Quality {
  const r = regionMeasures(region);
  const { yaw, pitch } = poseProxies(landmarks5);
  const size = clamp01(Math.log2(boxWidth / 12) / Math.log2(80 / 12));
  const ratio = r.lapVar / Math.max(1e-6, r.std * r.std);
  const sharpness = clamp01(1 - Math.exp(-ratio / opts.sharpnessScale));
  const exposure = clamp01(Math.sqrt(clamp01(1 - Math.abs(r.median - 0.5) / 0.5)) * (1 - r.clipped) * Math.min(1, r.std / 0.06));
  const pose = clamp01(1 - Math.abs(yaw) / 0.45) * clamp01(1 - Math.abs(pitch - frontalPitch()) / 0.45);
  const components: QualityComponents = { size, sharpness, exposure, pose, score: clamp01(score) };
  return {
    value: combineQuality(components, opts.weights),
    components,
    measures: { width: boxWidth, laplacianVariance: r.lapVar, lumaMean: r.mean, lumaMedian: r.median, lumaStd: r.std, clipped: r.clipped, yaw, pitch },
  };
}

export function combineQuality(c: QualityComponents, w: QualityWeights): number {
  const total = w.size + w.sharpness + w.exposure + w.pose + w.score;
  const term = (v: number, wt: number): number => (wt / total) * Math.log(Math.max(0.01, v));
  return clamp01(Math.exp(term(c.size, w.size) + term(c.sharpness, w.sharpness) + term(c.exposure, w.exposure) + term(c.pose, w.pose) + term(c.score, w.score)));
}
