/**
 * How much real detail a face crop carries, as opposed to how many pixels it has. Footage that was upscaled
 * before it reached the examiner (a ×8 nearest-neighbour export of a 240-line recording, a bicubic "HD" transcode)
 * has faces many pixels wide but only the detail of the original: counting pixels would call it high resolution.
 *
 * Method — how well a downscale–upscale round trip predicts the image. For k = 2, 3, 4, 6, 8: area-average the
 * luma onto a grid k times coarser, at every phase (the upscaler's grid can start anywhere in the crop), upscale
 * it back with nearest-neighbour and with bicubic (Keys a = −0.5) interpolation, and keep the smallest mean
 * squared error, over the interior, relative to the luma variance: `loss(k)`. A crop upscaled ×K is predicted
 * almost perfectly by its own k-coarser version for every k that fits K (the coarse grid holds everything it ever
 * had); a native face is not. "Almost" is judged against what a native face of the same width loses: on ORL
 * faces through H.264 (CRF 28), native crops lose `loss(k) ≈ NATIVE_LOSS_PER_RATIO · k / W` (W = face width in
 * crop pixels; faces are self-similar across sizes, so the loss depends on k/W), and the upscale factor is the
 * largest k whose loss is below `PREDICTED_FRACTION` of that. Effective face width = W / factor.
 *
 * Calibrated on ORL development faces (in-sample): s1–s6, portrait 1, native 12–96 px and 12–24 px faces upscaled
 * ×2/×4/×8 by nearest-neighbour and bicubic (ratios at the true factor 0.12–0.22); then all 20 people × 3 portraits
 * at 24, 40 and 64 px native (ratio ≥ 0.32 at 24–40 px over the factors tried; at 64 px — the ORL photographs'
 * own resolution, already soft — one portrait of 60 fell to 0.20 and reads as ×2). Each through H.264 CRF 28.
 * workers/enhance/effectiveResolution.test.ts re-checks it on fixture portraits and on upscaled clips. A blurred
 * or heavily compressed face is also found to carry less detail than its width — which is what the guard's
 * resolution component should measure.
 */
import { createImage, toGray, type Image } from '../image/image';
import { downsampleBox, resizeBicubic } from '../image/filters';

/** Round-trip factors tried, and the calibration constants (see the module comment). */
export const EFFECTIVE_RESOLUTION = Object.freeze({
  factors: [2, 3, 4, 6, 8] as readonly number[],
  /** Native faces lose about this × k/W of their luma variance in a ×k round trip. */
  nativeLossPerRatio: 0.6,
  /** A round trip that loses less than this fraction of a native face's loss "predicts" the crop. */
  predictedFraction: 0.25,
  /**
   * Only factors that leave at least this many coarse pixels across the face are tried: below that the native
   * model (loss ∝ k/W) no longer holds (a round trip cannot lose more than the image's variance), and a face with
   * fewer than 10 px of real detail is far below "too poor to enhance" anyway.
   */
  minCoarseFaceWidth: 10,
  /** The crop's interior only: a border of k pixels is skipped (bicubic's edge handling is not the question). */
  method: 'downscale–upscale round trip (area down, nearest and bicubic up, every phase), loss relative to native ORL faces',
});

export interface EffectiveResolution {
  /** Estimated upscale factor of the footage (1 = native detail). */
  readonly factor: number;
  /** Face width in crop pixels (the detection box) and the width its real detail corresponds to. */
  readonly faceWidth: number;
  readonly effectiveFaceWidth: number;
  /** loss(k) / (native loss at k/W) for each factor tried (null where the crop is too small for k). */
  readonly ratios: ReadonlyArray<{ readonly k: number; readonly ratio: number | null }>;
}

function region(g: Image, x0: number, y0: number, w: number, h: number): Image {
  const o = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) o.data[y * w + x] = g.data[(y + y0) * g.width + x + x0]!;
  return o;
}

function upNearest(lr: Image, k: number): Image {
  const o = createImage(lr.width * k, lr.height * k, 1);
  for (let y = 0; y < o.height; y++) {
    const row = ((y / k) | 0) * lr.width;
    for (let x = 0; x < o.width; x++) o.data[y * o.width + x] = lr.data[row + ((x / k) | 0)]!;
  }
  return o;
}

function interiorMse(a: Image, b: Image, border: number): number {
  let s = 0;
  let n = 0;
  for (let y = border; y < a.height - border; y++) {
    for (let x = border; x < a.width - border; x++) {
      const d = a.data[y * a.width + x]! - b.data[y * a.width + x]!;
      s += d * d;
      n++;
    }
  }
  return n > 0 ? s / n : Infinity;
}

/** The smallest round-trip loss at factor k over phases and the two upscalers; null when the crop is too small. */
export function roundTripLoss(gray: Image, k: number): number | null {
  let best: number | null = null;
  for (let py = 0; py < k; py++) {
    for (let px = 0; px < k; px++) {
      const w = Math.floor((gray.width - px) / k) * k;
      const h = Math.floor((gray.height - py) / k) * k;
      if (w < 4 * k || h < 4 * k) continue;
      const r = region(gray, px, py, w, h);
      const lr = downsampleBox(r, k);
      for (const up of [upNearest(lr, k), resizeBicubic(lr, w, h)]) {
        const mse = interiorMse(r, up, k);
        if (best === null || mse < best) best = mse;
      }
    }
  }
  return best;
}

/** Effective resolution of a face crop whose face (detection box) is `faceWidth` crop pixels wide. */
export function effectiveResolution(crop: Image, faceWidth: number): EffectiveResolution {
  const gray = toGray(crop);
  let mean = 0;
  for (const v of gray.data) mean += v;
  mean /= gray.data.length;
  let variance = 0;
  for (const v of gray.data) variance += (v - mean) * (v - mean);
  variance /= gray.data.length;
  const c = EFFECTIVE_RESOLUTION;
  const ratios = c.factors.map((k) => {
    if (faceWidth / k < c.minCoarseFaceWidth) return { k, ratio: null };
    const loss = roundTripLoss(gray, k);
    if (loss === null || !(variance > 0) || !(faceWidth > 0)) return { k, ratio: null };
    return { k, ratio: loss / variance / (c.nativeLossPerRatio * (k / faceWidth)) };
  });
  let factor = 1;
  for (const r of ratios) if (r.ratio !== null && r.ratio < c.predictedFraction) factor = Math.max(factor, r.k);
  return { factor, faceWidth, effectiveFaceWidth: faceWidth / factor, ratios };
}
