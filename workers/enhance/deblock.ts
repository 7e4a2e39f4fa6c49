/**
 * Reduction of 8×8 block-edge artefacts left by H.264 / JPEG compression, with stated thresholds.
 *
 * The filter is the H.264 in-loop deblocking decision and normal-strength filter (ITU-T H.264 §8.7.2.3–4),
 * carried over to float intensities with thresholds chosen by the examiner instead of derived from QP: a step
 * across a block boundary is smoothed only when it is small (|p0 − q0| < α) and both sides are flat
 * (|p1 − p0|, |q1 − q0| < β) — i.e. when it looks like quantisation, not like an edge of the scene — and each
 * sample moves by at most tc. The block grid's phase must be stated: a crop rarely starts on a block boundary
 * of the original frame.
 */
import { type Image } from '../image/image';
import { assertJsonParams } from '../../domain/processingStep';
import type { StepResult } from './step';

export interface DeblockParams {
  /** Transform block size of the codec (8 for JPEG and H.264 8×8; 4 for H.264 4×4 luma blocks). */
  readonly blockSize: number;
  /** Column/row of the crop where the first block boundary lies (boundary between offset−1 and offset). */
  readonly offsetX: number;
  readonly offsetY: number;
  /** Largest boundary step treated as an artefact ([0, 1] units). */
  readonly alpha: number;
  /** Largest step next to the boundary for a side to count as flat. */
  readonly beta: number;
  /** Largest change applied to any sample. */
  readonly tc: number;
}

export const DEBLOCK_DEFAULTS: DeblockParams = Object.freeze({ blockSize: 8, offsetX: 0, offsetY: 0, alpha: 0.1, beta: 0.03, tc: 0.03 });

function clip(v: number, lim: number): number {
  return v < -lim ? -lim : v > lim ? lim : v;
}

/** Filter one line of samples across a boundary; returns whether it changed anything. */
function filterLine(d: Float32Array, i0: number, stride: number, p: DeblockParams): boolean {
  // Samples p2 p1 p0 | q0 q1 q2 at i0 − 3·stride … i0 + 2·stride.
  const p0i = i0 - stride, p1i = i0 - 2 * stride, p2i = i0 - 3 * stride;
  const q0i = i0, q1i = i0 + stride, q2i = i0 + 2 * stride;
  const p0 = d[p0i]!, p1 = d[p1i]!, p2 = d[p2i]!, q0 = d[q0i]!, q1 = d[q1i]!, q2 = d[q2i]!;
  if (!(Math.abs(p0 - q0) < p.alpha && Math.abs(p1 - p0) < p.beta && Math.abs(q1 - q0) < p.beta)) return false;
  const delta = clip((4 * (q0 - p0) + (p1 - q1)) / 8, p.tc);
  if (delta === 0) return false;
  d[p0i] = p0 + delta;
  d[q0i] = q0 - delta;
  if (Math.abs(p2 - p0) < p.beta) d[p1i] = p1 + clip((p2 + (p0 + q0) / 2 - 2 * p1) / 2, p.tc);
  if (Math.abs(q2 - q0) < p.beta) d[q1i] = q1 + clip((q2 + (p0 + q0) / 2 - 2 * q1) / 2, p.tc);
  return true;
}

/** Deblock: vertical boundaries first, then horizontal (the H.264 order), each channel on its own. */
export function deblock(img: Image, options: Partial<DeblockParams> = {}): StepResult {
  const p: DeblockParams = { ...DEBLOCK_DEFAULTS, ...options };
  const b = Math.floor(p.blockSize);
  if (b < 4) throw new RangeError('blockSize must be ≥ 4');
  const { width: w, height: h, channels: ch } = img;
  const d = new Float32Array(img.data);
  const ox = ((Math.floor(p.offsetX) % b) + b) % b;
  const oy = ((Math.floor(p.offsetY) % b) + b) % b;
  let changed = 0;
  let lines = 0;
  for (let c = 0; c < ch; c++) {
    for (let x = ox; x < w; x += b) {
      if (x < 3 || x > w - 3) continue;
      for (let y = 0; y < h; y++) {
        lines++;
        if (filterLine(d, (y * w + x) * ch + c, ch, p)) changed++;
      }
    }
    for (let y = oy; y < h; y += b) {
      if (y < 3 || y > h - 3) continue;
      for (let x = 0; x < w; x++) {
        lines++;
        if (filterLine(d, (y * w + x) * ch + c, w * ch, p)) changed++;
      }
    }
  }
  const stepParams = { blockSize: b, offsetX: ox, offsetY: oy, alpha: p.alpha, beta: p.beta, tc: p.tc };
  assertJsonParams(stepParams, 'deblock');
  return {
    image: { width: w, height: h, channels: ch, data: d },
    step: {
      operation: 'deblock.h264-normal',
      method: 'Block-boundary smoothing with the H.264 in-loop deblocking decision and normal filter (ITU-T H.264 §8.7), stated thresholds',
      params: stepParams,
    },
    measurements: { boundaryLines: lines, linesFiltered: changed },
  };
}

/**
 * Blockiness: mean absolute step across block boundaries divided by the mean absolute step between
 * neighbouring pixels inside blocks (luma of channel 0). About 1 for an unblocked image, above 1 when block
 * edges stand out.
 */
export function blockiness(img: Image, blockSize = 8, offsetX = 0, offsetY = 0): number {
  const { width: w, height: h, channels: ch, data } = img;
  let sb = 0, nb = 0, si = 0, ni = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 1; x < w; x++) {
      const d = Math.abs(data[(y * w + x) * ch]! - data[(y * w + x - 1) * ch]!);
      if ((((x - offsetX) % blockSize) + blockSize) % blockSize === 0) { sb += d; nb++; } else { si += d; ni++; }
    }
  }
  for (let y = 1; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.abs(data[(y * w + x) * ch]! - data[((y - 1) * w + x) * ch]!);
      if ((((y - offsetY) % blockSize) + blockSize) % blockSize === 0) { sb += d; nb++; } else { si += d; ni++; }
    }
  }
  return nb > 0 && si > 0 ? sb / nb / (si / ni) : 1;
}
