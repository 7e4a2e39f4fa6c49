/**
 * Shot cuts between consecutive analysed frames. A face track must never continue across a cut: the person at
 * the same place after a cut is, as often as not, someone else (issue 13: a track swapped people at a scene cut).
 *
 * Each frame is reduced to a signature: a 96-px-wide luma thumbnail (means of every 2nd pixel, or every 4th in
 * frames wider than 1000 px) and a 4×4×4 RGB colour histogram of the same samples. Two measures compare a frame with the one
 * before it:
 *
 * - **colour change** `hist` = 1 − Σ min(p, q) over the normalised histograms (0 = same colours, 1 = disjoint);
 * - **structure change** `structure` = 1 − the best zero-mean normalised cross-correlation of the thumbnails over
 *   shifts of up to ±`maxShift` of the thumbnail's width and height (a pan or a shake moves the picture but keeps
 *   its structure, so the best shift correlates well; a cut leaves nothing that correlates).
 *
 * A cut is declared when both exceed their thresholds (`CUT_DEFAULTS`): a flash or an exposure change moves the
 * colours but not the structure; a fast pan blurs the structure but keeps the colours. The thresholds were set on
 * the real clips' consecutive frames (no cut in them: hand-held walking, a panning selfie, a crowd) and on hard cuts
 * between real and synthetic scenes (bench/shotCuts.ts prints both distributions and the margins).
 */

export interface CutOptions {
  /** Minimum colour change (histogram intersection distance, 0..1). */
  readonly histThreshold: number;
  /** Minimum structure change (1 − best shifted NCC, 0..2). */
  readonly structureThreshold: number;
  /** Largest shift searched, as a fraction of the thumbnail's width/height. */
  readonly maxShift: number;
}

export const CUT_DEFAULTS: CutOptions = { histThreshold: 0.2, structureThreshold: 0.3, maxShift: 0.12 };

export interface FrameSignature {
  readonly thumb: Float32Array;
  readonly tw: number;
  readonly th: number;
  readonly hist: Float32Array;
}

export interface CutScore {
  readonly hist: number;
  readonly structure: number;
  readonly cut: boolean;
}

const THUMB_W = 96;
const BINS = 4;

/** The signature of an RGB24 frame. */
export function frameSignature(frame: Uint8Array, width: number, height: number): FrameSignature {
  const tw = Math.min(THUMB_W, width);
  const th = Math.max(1, Math.round((tw * height) / width));
  const thumb = new Float32Array(tw * th);
  const count = new Float32Array(tw * th);
  const hist = new Float32Array(BINS * BINS * BINS);
  const sx = tw / width;
  const sy = th / height;
  const shift = 8 - Math.log2(BINS);
  let n = 0;
  // Sparser samples in large frames: the signature is a 96 px thumbnail, so ~10 samples per thumbnail pixel do.
  const stride = width > 1000 ? 4 : 2;
  for (let y = 0; y < height; y += stride) {
    const ty = Math.min(th - 1, Math.floor(y * sy));
    const row = y * width * 3;
    for (let x = 0; x < width; x += stride) {
      const o = row + x * 3;
      const r = frame[o]!;
      const g = frame[o + 1]!;
      const b = frame[o + 2]!;
      const ti = ty * tw + Math.min(tw - 1, Math.floor(x * sx));
      thumb[ti]! += 0.299 * r + 0.587 * g + 0.114 * b;
      count[ti]!++;
      hist[((r >> shift) * BINS + (g >> shift)) * BINS + (b >> shift)]!++;
      n++;
    }
  }
  for (let i = 0; i < thumb.length; i++) thumb[i] = count[i]! > 0 ? thumb[i]! / count[i]! : 0;
  for (let i = 0; i < hist.length; i++) hist[i]! /= Math.max(1, n);
  return { thumb, tw, th, hist };
}

/** Zero-mean normalised cross-correlation of `a` and `b` shifted by (dx, dy), over their overlap. */
function shiftedNcc(a: FrameSignature, b: FrameSignature, dx: number, dy: number): number {
  const { tw, th } = a;
  const x0 = Math.max(0, dx);
  const x1 = Math.min(tw, tw + dx);
  const y0 = Math.max(0, dy);
  const y1 = Math.min(th, th + dy);
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      sa += a.thumb[y * tw + x]!;
      sb += b.thumb[(y - dy) * tw + x - dx]!;
      n++;
    }
  }
  if (n === 0) return 0;
  const ma = sa / n;
  const mb = sb / n;
  let num = 0;
  let va = 0;
  let vb = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const u = a.thumb[y * tw + x]! - ma;
      const v = b.thumb[(y - dy) * tw + x - dx]! - mb;
      num += u * v;
      va += u * u;
      vb += v * v;
    }
  }
  // Two flat pictures (a black screen held over a cut) carry no structure to compare: call them alike.
  if (va < 1e-3 * n || vb < 1e-3 * n) return va < 1e-3 * n && vb < 1e-3 * n ? 1 : 0;
  return num / Math.sqrt(va * vb);
}

/** Compare frame `b` with the frame `a` analysed before it. */
export function cutScore(a: FrameSignature, b: FrameSignature, opts: CutOptions = CUT_DEFAULTS): CutScore {
  let inter = 0;
  for (let i = 0; i < a.hist.length; i++) inter += Math.min(a.hist[i]!, b.hist[i]!);
  const hist = Math.max(0, 1 - inter);
  if (a.tw !== b.tw || a.th !== b.th) return { hist, structure: 2, cut: true };
  const mx = Math.round(opts.maxShift * a.tw);
  const my = Math.round(opts.maxShift * a.th);
  // Coarse-to-fine: every 2nd shift first, then the neighbours of the best (a smooth surface at this scale).
  let best = -1;
  let bx = 0;
  let by = 0;
  for (let dy = -my; dy <= my; dy += 2) {
    for (let dx = -mx; dx <= mx; dx += 2) {
      const v = shiftedNcc(a, b, dx, dy);
      if (v > best) {
        best = v;
        bx = dx;
        by = dy;
      }
    }
  }
  for (let dy = by - 1; dy <= by + 1; dy++) {
    for (let dx = bx - 1; dx <= bx + 1; dx++) {
      if (Math.abs(dx) > mx || Math.abs(dy) > my) continue;
      best = Math.max(best, shiftedNcc(a, b, dx, dy));
    }
  }
  const structure = 1 - best;
  return { hist, structure, cut: hist >= opts.histThreshold && structure >= opts.structureThreshold };
}
