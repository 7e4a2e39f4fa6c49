/**
 * Edge-preserving denoising with stated parameters: the bilateral filter and non-local means. Both only average
 * recorded pixels of the same image (weights from spatial distance and intensity similarity), so nothing is
 * invented; both are deterministic.
 */
import { createImage, type Image } from '../image/image';
import { borderIndex } from '../image/filters';
import { assertJsonParams } from '../../domain/processingStep';
import type { StepResult } from './step';

export interface BilateralParams {
  /** Spatial Gaussian σ in pixels. */
  readonly sigmaSpatial: number;
  /** Range (intensity) Gaussian σ in [0, 1] units; about 2–3× the noise σ removes noise but keeps edges. */
  readonly sigmaRange: number;
  /** Window half-width in pixels; ⌈2σ_spatial⌉ by default. */
  readonly radius?: number;
}

/**
 * Bilateral filter (Tomasi & Manduchi 1998): each pixel becomes the mean of its neighbours weighted by
 * exp(−d²/2σs²)·exp(−Δ²/2σr²), with Δ the Euclidean colour difference over all channels (so colour edges are
 * kept jointly). Borders: symmetric.
 */
export function bilateralFilter(img: Image, params: BilateralParams): StepResult {
  if (!(params.sigmaSpatial > 0) || !(params.sigmaRange > 0)) throw new RangeError('bilateral sigmas must be > 0');
  const r = params.radius ?? Math.ceil(2 * params.sigmaSpatial);
  const { width: w, height: h, channels: ch, data } = img;
  const out = createImage(w, h, ch);
  const spatial = new Float64Array((2 * r + 1) * (2 * r + 1));
  for (let dy = -r; dy <= r; dy++) {
    for (let dx = -r; dx <= r; dx++) spatial[(dy + r) * (2 * r + 1) + dx + r] = Math.exp(-(dx * dx + dy * dy) / (2 * params.sigmaSpatial ** 2));
  }
  const inv2r = 1 / (2 * params.sigmaRange ** 2);
  const acc = new Float64Array(ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * ch;
      acc.fill(0);
      let sw = 0;
      for (let dy = -r; dy <= r; dy++) {
        const yy = borderIndex(y + dy, h, 'symmetric');
        for (let dx = -r; dx <= r; dx++) {
          const q = (yy * w + borderIndex(x + dx, w, 'symmetric')) * ch;
          let d2 = 0;
          for (let c = 0; c < ch; c++) {
            const d = data[q + c]! - data[o + c]!;
            d2 += d * d;
          }
          const wgt = spatial[(dy + r) * (2 * r + 1) + dx + r]! * Math.exp(-d2 * inv2r);
          sw += wgt;
          for (let c = 0; c < ch; c++) acc[c] = acc[c]! + wgt * data[q + c]!;
        }
      }
      for (let c = 0; c < ch; c++) out.data[o + c] = acc[c]! / sw;
    }
  }
  const stepParams = { sigmaSpatial: params.sigmaSpatial, sigmaRange: params.sigmaRange, radius: r, border: 'symmetric' };
  assertJsonParams(stepParams, 'bilateralFilter');
  return { image: out, step: { operation: 'denoise.bilateral', method: 'Bilateral filter (Tomasi & Manduchi 1998)', params: stepParams } };
}

export interface NlMeansParams {
  /** Filtering strength h in [0, 1] units (≈ 0.4–1.0 × noise σ for 3×3 patches). */
  readonly h: number;
  /** Patch half-width: 1 → 3×3 patches. */
  readonly patchRadius: number;
  /** Search window half-width: 5 → 11×11 candidates. */
  readonly searchRadius: number;
  /** Known noise σ subtracted from patch distances (Buades et al.'s 2σ² offset); 0 if unknown. */
  readonly noiseSigma: number;
}

export const NL_MEANS_DEFAULTS: NlMeansParams = Object.freeze({ h: 0.03, patchRadius: 1, searchRadius: 5, noiseSigma: 0 });

/**
 * Non-local means (Buades, Coll & Morel 2005): each pixel is the weighted mean of pixels in its search window,
 * weighted by exp(−max(d² − 2σ², 0) / h²), d² the mean squared difference of the patches around the two
 * pixels (over all channels). Computed offset by offset with box sums, so the cost is independent of patch
 * size. The centre pixel takes weight 1 (its own distance is zero). Borders: symmetric.
 */
export function nonLocalMeans(img: Image, options: Partial<NlMeansParams> = {}): StepResult {
  const p: NlMeansParams = { ...NL_MEANS_DEFAULTS, ...options };
  if (!(p.h > 0)) throw new RangeError('h must be > 0');
  const { width: w, height: h, channels: ch, data } = img;
  const pr = Math.max(0, Math.floor(p.patchRadius));
  const sr = Math.max(0, Math.floor(p.searchRadius));
  const n = w * h;
  const num = new Float64Array(n * ch);
  const den = new Float64Array(n);
  // Padded copy so every shifted access is in range: margin = search + patch radius.
  const m = sr + pr;
  const pw = w + 2 * m;
  const ph = h + 2 * m;
  const pad = new Float64Array(pw * ph * ch);
  for (let y = 0; y < ph; y++) {
    const sy = borderIndex(y - m, h, 'symmetric');
    for (let x = 0; x < pw; x++) {
      const sx = borderIndex(x - m, w, 'symmetric');
      for (let c = 0; c < ch; c++) pad[(y * pw + x) * ch + c] = data[(sy * w + sx) * ch + c]!;
    }
  }
  // Squared differences on the region that patches of output pixels can touch: (w + 2pr) × (h + 2pr).
  const dw = w + 2 * pr;
  const dh = h + 2 * pr;
  const diff = new Float64Array(dw * dh);
  const integ = new Float64Array((dw + 1) * (dh + 1));
  const patchArea = (2 * pr + 1) ** 2 * ch;
  const offset2 = 2 * p.noiseSigma * p.noiseSigma;
  const invH2 = 1 / (p.h * p.h);
  for (let oy = -sr; oy <= sr; oy++) {
    for (let ox = -sr; ox <= sr; ox++) {
      for (let y = 0; y < dh; y++) {
        for (let x = 0; x < dw; x++) {
          const a = ((y + sr) * pw + x + sr) * ch;
          const b = ((y + sr + oy) * pw + x + sr + ox) * ch;
          let d2 = 0;
          for (let c = 0; c < ch; c++) {
            const d = pad[a + c]! - pad[b + c]!;
            d2 += d * d;
          }
          diff[y * dw + x] = d2;
        }
      }
      for (let y = 0; y < dh; y++) {
        let row = 0;
        for (let x = 0; x < dw; x++) {
          row += diff[y * dw + x]!;
          integ[(y + 1) * (dw + 1) + x + 1] = integ[y * (dw + 1) + x + 1]! + row;
        }
      }
      const side = 2 * pr + 1;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          // Patch around output (x, y) covers diff rows y…y+2pr, columns x…x+2pr.
          const s =
            integ[(y + side) * (dw + 1) + x + side]! - integ[y * (dw + 1) + x + side]! - integ[(y + side) * (dw + 1) + x]! + integ[y * (dw + 1) + x]!;
          const d2 = s / patchArea;
          const wgt = Math.exp(-Math.max(d2 - offset2, 0) * invH2);
          const o = y * w + x;
          den[o] = den[o]! + wgt;
          const q = ((y + m + oy) * pw + x + m + ox) * ch;
          for (let c = 0; c < ch; c++) num[o * ch + c] = num[o * ch + c]! + wgt * pad[q + c]!;
        }
      }
    }
  }
  const out = createImage(w, h, ch);
  for (let o = 0; o < n; o++) for (let c = 0; c < ch; c++) out.data[o * ch + c] = num[o * ch + c]! / den[o]!;
  const stepParams = { h: p.h, patchRadius: pr, searchRadius: sr, noiseSigma: p.noiseSigma, border: 'symmetric' };
  assertJsonParams(stepParams, 'nonLocalMeans');
  return { image: out, step: { operation: 'denoise.nl-means', method: 'Non-local means (Buades, Coll & Morel 2005)', params: stepParams } };
}
