/**
 * Contrast adjustment with stated parameters: a global linear stretch and CLAHE. Both are monotonic intensity
 * mappings of recorded pixels (CLAHE locally), reversible in intent and easy to explain in court.
 */
import { createImage, toGray, type Image } from '../image/image';
import { assertJsonParams } from '../../domain/processingStep';
import type { StepResult } from './step';

export interface LinearStretchParams {
  /** Luma percentile mapped to 0 (fraction, e.g. 0.01). */
  readonly lowPercentile: number;
  /** Luma percentile mapped to 1 (fraction, e.g. 0.99). */
  readonly highPercentile: number;
}

export const LINEAR_STRETCH_DEFAULTS: LinearStretchParams = Object.freeze({ lowPercentile: 0.01, highPercentile: 0.99 });

/** The luma value below which a fraction `p` of pixels lies (exact order statistic, linear between ranks). */
function percentile(sorted: Float32Array, p: number): number {
  if (sorted.length === 0) return 0;
  const r = Math.min(Math.max(p, 0), 1) * (sorted.length - 1);
  const i = Math.floor(r);
  const f = r - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

/**
 * Linear stretch: out = (in − lo) / (hi − lo), clipped to [0, 1], with lo and hi the stated luma percentiles.
 * The same gain and offset apply to every channel, so colour balance is kept.
 */
export function linearStretch(img: Image, options: Partial<LinearStretchParams> = {}): StepResult {
  const p: LinearStretchParams = { ...LINEAR_STRETCH_DEFAULTS, ...options };
  if (!(p.highPercentile > p.lowPercentile)) throw new RangeError('highPercentile must exceed lowPercentile');
  const sorted = Float32Array.from(toGray(img).data).sort();
  const lo = percentile(sorted, p.lowPercentile);
  let hi = percentile(sorted, p.highPercentile);
  if (!(hi > lo)) hi = lo + 1e-6;
  const g = 1 / (hi - lo);
  const out = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < out.data.length; i++) {
    const v = (img.data[i]! - lo) * g;
    out.data[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  const stepParams = { lowPercentile: p.lowPercentile, highPercentile: p.highPercentile };
  assertJsonParams(stepParams, 'linearStretch');
  return {
    image: out,
    step: { operation: 'contrast.linear-stretch', method: 'Linear contrast stretch between stated luma percentiles, clipped to [0, 1]', params: stepParams },
    measurements: { low: lo, high: hi },
  };
}

export interface ClaheParams {
  /** Tiles across and down; each gets its own equalisation. */
  readonly tilesX: number;
  readonly tilesY: number;
  /** Clip limit as a multiple of the mean histogram height (pixels/bins): lower limits the contrast gain more; 2–4 is typical. */
  readonly clipLimit: number;
  /** Histogram bins. */
  readonly bins: number;
}

export const CLAHE_DEFAULTS: ClaheParams = Object.freeze({ tilesX: 4, tilesY: 4, clipLimit: 2, bins: 256 });

/**
 * Contrast-limited adaptive histogram equalisation (Zuiderveld 1994) of the luma: per-tile histograms clipped
 * at clipLimit × mean height with the excess spread evenly, mapped through their cumulative distribution, and
 * blended bilinearly between tile centres. For colour images the luma change is added to every channel.
 */
export function clahe(img: Image, options: Partial<ClaheParams> = {}): StepResult {
  const p: ClaheParams = { ...CLAHE_DEFAULTS, ...options };
  const tx = Math.max(1, Math.floor(p.tilesX));
  const ty = Math.max(1, Math.floor(p.tilesY));
  const bins = Math.max(2, Math.floor(p.bins));
  const g = toGray(img);
  const { width: w, height: h } = g;
  const maps = new Float64Array(tx * ty * bins);
  const binOf = (v: number) => {
    const b = Math.floor(v * bins);
    return b < 0 ? 0 : b >= bins ? bins - 1 : b;
  };
  for (let j = 0; j < ty; j++) {
    for (let i = 0; i < tx; i++) {
      const x0 = Math.floor((i * w) / tx), x1 = Math.floor(((i + 1) * w) / tx);
      const y0 = Math.floor((j * h) / ty), y1 = Math.floor(((j + 1) * h) / ty);
      const hist = new Float64Array(bins);
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { hist[binOf(g.data[y * w + x]!)]!++; n++; }
      if (n === 0) continue;
      const limit = Math.max(1, (p.clipLimit * n) / bins);
      let excess = 0;
      for (let b = 0; b < bins; b++) {
        if (hist[b]! > limit) {
          excess += hist[b]! - limit;
          hist[b] = limit;
        }
      }
      const add = excess / bins;
      let acc = 0;
      const base = (j * tx + i) * bins;
      for (let b = 0; b < bins; b++) {
        acc += hist[b]! + add;
        maps[base + b] = acc / n;
      }
    }
  }
  // Bilinear blend of the four nearest tile mappings, tile centres at ((i + 0.5)·w/tx, (j + 0.5)·h/ty).
  const out = createImage(w, h, img.channels);
  for (let y = 0; y < h; y++) {
    const fy = (y + 0.5) * (ty / h) - 0.5;
    const j0 = Math.max(0, Math.min(ty - 1, Math.floor(fy)));
    const j1 = Math.min(ty - 1, j0 + 1);
    const wy = Math.max(0, Math.min(1, fy - j0));
    for (let x = 0; x < w; x++) {
      const fx = (x + 0.5) * (tx / w) - 0.5;
      const i0 = Math.max(0, Math.min(tx - 1, Math.floor(fx)));
      const i1 = Math.min(tx - 1, i0 + 1);
      const wx = Math.max(0, Math.min(1, fx - i0));
      const v = g.data[y * w + x]!;
      const b = binOf(v);
      const m00 = maps[(j0 * tx + i0) * bins + b]!, m01 = maps[(j0 * tx + i1) * bins + b]!;
      const m10 = maps[(j1 * tx + i0) * bins + b]!, m11 = maps[(j1 * tx + i1) * bins + b]!;
      const nv = (m00 * (1 - wx) + m01 * wx) * (1 - wy) + (m10 * (1 - wx) + m11 * wx) * wy;
      const o = (y * w + x) * img.channels;
      for (let c = 0; c < img.channels; c++) {
        const r = img.channels === 1 ? nv : img.data[o + c]! + (nv - v);
        out.data[o + c] = r < 0 ? 0 : r > 1 ? 1 : r;
      }
    }
  }
  const stepParams = { tilesX: tx, tilesY: ty, clipLimit: p.clipLimit, bins, interpolation: 'bilinear between tile centres', colour: 'luma delta added to each channel' };
  assertJsonParams(stepParams, 'clahe');
  return { image: out, step: { operation: 'contrast.clahe', method: 'Contrast-limited adaptive histogram equalisation (Zuiderveld 1994)', params: stepParams } };
}
