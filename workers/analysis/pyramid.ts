/**
 * The scale pyramid that brings every face size into the detector's working range.
 *
 * The SSD sees a fixed 512×512 input and finds faces 32–128 px wide there (models/README.md, "Detector working
 * range"). A 1080p frame letterboxed to 512 px shrinks ×0.27, so a 40 px face becomes 11 px and is lost. Each
 * pyramid level therefore cuts the frame into source windows of 512/scale px, resamples each window to the
 * detector's 512 px, and so covers source faces of about 32/scale … 128/scale px:
 *
 *   level 'fit'  (whole frame, ×0.27 at 1080p)  faces ≥ ~120 px
 *   level ×1     (512 px windows)                faces 32–128 px
 *   level ×2     (256 px windows, upscaled)      faces 16–64 px   ← the 20–50 px surveillance faces
 *
 * Neighbouring windows overlap by at least `overlap` source px, so any face no wider than that lies wholly inside
 * some window of its level; boxes that touch a window's inner edge are dropped (see detectPyramid) because
 * another window holds the whole face. Windows are spread evenly, so the real overlap is often larger.
 *
 * Resampling writes straight from the decoded RGB24 bytes into the detector's NHWC tensor (0..255, the model
 * normalises in-graph) with separable filters whose taps are computed once per tile shape: bilinear (pixel-
 * centre aligned) when enlarging, area averaging when shrinking — so no aliasing on the 'fit' level and no
 * float copy of the whole frame.
 */
export const DETECTOR_INPUT = 512;

export interface LevelSpec {
  /** Detector pixels per source pixel; 'fit' letterboxes the whole frame into one input. */
  readonly scale: number | 'fit';
  /** Minimum overlap of neighbouring windows, in source pixels (ignored for 'fit'). */
  readonly overlap: number;
}

export interface Tile {
  /** Index of the level in the plan's level list, and a stable key for caching. */
  readonly level: number;
  readonly key: string;
  readonly scale: number;
  /** The source window (integer pixels, inside the frame). */
  readonly x0: number;
  readonly y0: number;
  readonly w: number;
  readonly h: number;
  /** Size of the resampled window in the detector input (top-left aligned, the rest is black padding). */
  readonly outW: number;
  readonly outH: number;
  /** Whether a coarser level exists: then faces too big for this level's detector input are left to it. */
  readonly hasCoarser: boolean;
  /** Which window edges are frame edges: a box may touch those (a face cut by the frame is still a face). */
  readonly frameEdge: { readonly left: boolean; readonly top: boolean; readonly right: boolean; readonly bottom: boolean };
}

export interface LevelPlan {
  readonly name: string;
  readonly scale: number;
  readonly tiles: readonly Tile[];
}

export interface PyramidPlan {
  readonly width: number;
  readonly height: number;
  readonly levels: readonly LevelPlan[];
  readonly tiles: readonly Tile[];
}

export const DEFAULT_LEVELS: readonly LevelSpec[] = [
  { scale: 'fit', overlap: 0 },
  { scale: 1, overlap: 128 },
  { scale: 2, overlap: 48 },
];

/** Start positions of windows of `win` px covering `size` px with at least `overlap` px of overlap (evenly spread). */
export function windowPositions(size: number, win: number, overlap: number): number[] {
  if (size <= win) return [0];
  const n = Math.ceil((size - overlap) / (win - overlap));
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.round((i * (size - win)) / (n - 1)));
  return out;
}

export function planPyramid(width: number, height: number, levels: readonly LevelSpec[] = DEFAULT_LEVELS): PyramidPlan {
  const fit = DETECTOR_INPUT / Math.max(width, height);
  const plans: LevelPlan[] = [];
  const seen: number[] = [];
  for (const spec of levels) {
    // A level finer than the frame itself would only repeat 'fit' with padding: clamp it to 'fit'.
    const scale = spec.scale === 'fit' ? fit : Math.max(spec.scale, fit);
    if (seen.some((s) => Math.abs(s - scale) / s < 0.1)) continue; // a level within 10% of another adds nothing
    seen.push(scale);
    const level = plans.length;
    const name = spec.scale === 'fit' || scale === fit ? 'fit' : `x${+scale.toFixed(3)}`;
    const win = Math.min(Math.floor(DETECTOR_INPUT / scale), Math.max(width, height));
    const winW = Math.min(win, width);
    const winH = Math.min(win, height);
    if (spec.overlap >= Math.min(winW, winH) && (winW < width || winH < height)) {
      throw new RangeError(`pyramid level ×${scale}: overlap ${spec.overlap} px must be smaller than its ${winW}×${winH} window`);
    }
    const tiles: Tile[] = [];
    for (const y0 of windowPositions(height, winH, spec.overlap)) {
      for (const x0 of windowPositions(width, winW, spec.overlap)) {
        tiles.push({
          level,
          key: `${level}:${x0},${y0}`,
          scale,
          x0,
          y0,
          w: winW,
          h: winH,
          outW: Math.min(DETECTOR_INPUT, Math.round(winW * scale)),
          outH: Math.min(DETECTOR_INPUT, Math.round(winH * scale)),
          hasCoarser: false,
          frameEdge: { left: x0 === 0, top: y0 === 0, right: x0 + winW >= width, bottom: y0 + winH >= height },
        });
      }
    }
    plans.push({ name, scale, tiles });
  }
  const coarsest = Math.min(...plans.map((p) => p.scale));
  const levelsOut = plans.map((p) => ({ ...p, tiles: p.tiles.map((t) => ({ ...t, hasCoarser: p.scale > coarsest })) }));
  return { width, height, levels: levelsOut, tiles: levelsOut.flatMap((p) => p.tiles) };
}

/** Filter taps of a 1-D resampling: output sample i reads src[idx[start[i] … start[i]+count[i]−1]] with weights. */
interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly idx: Int32Array;
  readonly weight: Float32Array;
}

/**
 * Taps mapping `outN` output samples onto source samples `origin …` at `scale` output px per source px;
 * source indexes are absolute and clamped to [0, srcN), so windows read real neighbours across their edges.
 */
function makeTaps(outN: number, origin: number, scale: number, srcN: number): Taps {
  const start = new Int32Array(outN);
  const count = new Int32Array(outN);
  const idx: number[] = [];
  const weight: number[] = [];
  const clamp = (i: number): number => (i < 0 ? 0 : i >= srcN ? srcN - 1 : i);
  for (let o = 0; o < outN; o++) {
    start[o] = idx.length;
    if (scale >= 1) {
      // Bilinear with pixel-centre alignment: output centre o+½ ↔ source coordinate (o+½)/scale − ½.
      const s = (o + 0.5) / scale - 0.5 + origin;
      const i0 = Math.floor(s);
      const f = s - i0;
      idx.push(clamp(i0), clamp(i0 + 1));
      weight.push(1 - f, f);
    } else {
      // Area average: the output pixel covers source interval [o/scale, (o+1)/scale).
      const a = o / scale + origin;
      const b = (o + 1) / scale + origin;
      let sum = 0;
      const first = idx.length;
      for (let i = Math.floor(a); i < Math.ceil(b); i++) {
        const wgt = Math.min(b, i + 1) - Math.max(a, i);
        if (wgt <= 1e-9) continue;
        idx.push(clamp(i));
        weight.push(wgt);
        sum += wgt;
      }
      for (let k = first; k < weight.length; k++) weight[k]! /= sum;
    }
    count[o] = idx.length - start[o]!;
  }
  return { start, count, idx: Int32Array.from(idx), weight: Float32Array.from(weight) };
}

/** Cache of taps per tile geometry (all windows of a level share a shape; origins differ only by offsets). */
const tapCache = new Map<string, { x: Taps; y: Taps }>();

function tapsFor(tile: TileGeometry, width: number, height: number): { x: Taps; y: Taps } {
  const key = `${width}x${height}:${tile.x0},${tile.y0},${tile.w},${tile.h},${tile.scale},${tile.outW},${tile.outH}`;
  let t = tapCache.get(key);
  if (!t) {
    if (tapCache.size > 512) tapCache.clear();
    t = { x: makeTaps(tile.outW, tile.x0, tile.scale, width), y: makeTaps(tile.outH, tile.y0, tile.scale, height) };
    tapCache.set(key, t);
  }
  return t;
}

/** The part of a tile the resampler needs: a source window, its scale and the size of its resampled content. */
export type TileGeometry = Pick<Tile, 'x0' | 'y0' | 'w' | 'h' | 'scale' | 'outW' | 'outH'>;

/**
 * Resample one tile of an RGB24 frame into `dst` (a `tensorW × tensorH × 3` slot of the NHWC batch at `offset`,
 * 512×512 for the SSD), values 0..255; the area outside `outW × outH` is zero (black), as face-api pads its
 * letterbox. Detectors with other input sizes (the one-pass detector's windows) use the same resampler.
 */
export function fillTileTensor(
  frame: Uint8Array,
  width: number,
  height: number,
  tile: TileGeometry,
  dst: Float32Array,
  offset: number,
  tensorW = DETECTOR_INPUT,
  tensorH = DETECTOR_INPUT,
  /** Zero the slot's area outside the content; false when the slot is one cell of a mosaic (its neighbours' pixels). */
  clear = true,
): void {
  const { x, y } = tapsFor(tile, width, height);
  const outW = Math.min(tile.outW, tensorW);
  const outH = Math.min(tile.outH, tensorH);
  const S = tensorW;
  // Black padding right of and below the content (face-api letterboxes the same way).
  if (clear && outW < S) for (let r = 0; r < outH; r++) dst.fill(0, offset + (r * S + outW) * 3, offset + (r + 1) * S * 3);
  if (clear && outH < tensorH) dst.fill(0, offset + outH * S * 3, offset + tensorH * S * 3);
  // Native scale at whole-pixel origins (the one-pass detector's ×1 windows): a copy — what the bilinear taps give
  // there (weights 1 and 0), bit for bit, with edge pixels repeated where the window reaches past the frame.
  if (tile.scale === 1 && Number.isInteger(tile.x0) && Number.isInteger(tile.y0)) {
    copyNative(frame, width, height, tile.x0, tile.y0, outW, outH, dst, offset, S);
    return;
  }
  // Separable: the pass that shrinks more goes first, so the second pass works on fewer samples.
  if (tile.scale < 1) verticalFirst(frame, width, x, y, outW, outH, dst, offset, S);
  else horizontalFirst(frame, width, height, x, y, outW, outH, dst, offset, S);
}

function copyNative(frame: Uint8Array, width: number, height: number, x0: number, y0: number, outW: number, outH: number, dst: Float32Array, offset: number, S: number): void {
  const xa = Math.max(0, x0);
  const xb = Math.min(width, x0 + outW);
  for (let o = 0; o < outH; o++) {
    const sy = Math.min(height - 1, Math.max(0, y0 + o));
    const row = sy * width * 3;
    const out = offset + o * S * 3;
    if (xa >= xb) continue;
    // Left of the frame: its first column; right of it: its last.
    for (let c = x0; c < xa; c++) for (let k = 0; k < 3; k++) dst[out + (c - x0) * 3 + k] = frame[row + xa * 3 + k]!;
    const from = row + xa * 3;
    const n = (xb - xa) * 3;
    const at = out + (xa - x0) * 3;
    for (let i = 0; i < n; i++) dst[at + i] = frame[from + i]!;
    for (let c = xb; c < x0 + outW; c++) for (let k = 0; k < 3; k++) dst[out + (c - x0) * 3 + k] = frame[row + (xb - 1) * 3 + k]!;
  }
}

function horizontalFirst(frame: Uint8Array, width: number, height: number, x: Taps, y: Taps, outW: number, outH: number, dst: Float32Array, offset: number, S: number): void {
  let rowLo = height;
  let rowHi = -1;
  for (let i = 0; i < y.idx.length; i++) {
    const r = y.idx[i]!;
    if (r < rowLo) rowLo = r;
    if (r > rowHi) rowHi = r;
  }
  const rows = rowHi - rowLo + 1;
  const rowLen = outW * 3;
  const tmp = new Float32Array(rows * rowLen);
  // Enlarging: every output sample has exactly two taps (bilinear); a dedicated loop is ~3× faster than the general one.
  const twoTap = x.idx.length === 2 * outW && y.idx.length === 2 * outH;
  for (let r = 0; r < rows; r++) {
    if (twoTap) lerpRowBytes(frame, (rowLo + r) * width * 3, x, outW, tmp, r * rowLen);
    else resampleRowBytes(frame, (rowLo + r) * width * 3, x, outW, tmp, r * rowLen);
  }
  for (let o = 0; o < outH; o++) {
    const out = offset + o * S * 3;
    const s = y.start[o]!;
    const e = s + y.count[o]!;
    if (twoTap) {
      const a = (y.idx[s]! - rowLo) * rowLen;
      const b = (y.idx[s + 1]! - rowLo) * rowLen;
      const wa = y.weight[s]!;
      const wb = y.weight[s + 1]!;
      for (let i = 0; i < rowLen; i++) dst[out + i] = tmp[a + i]! * wa + tmp[b + i]! * wb;
      continue;
    }
    // First tap assigns, later taps accumulate: no separate clearing pass.
    const src0 = (y.idx[s]! - rowLo) * rowLen;
    const w0 = y.weight[s]!;
    for (let i = 0; i < rowLen; i++) dst[out + i] = tmp[src0 + i]! * w0;
    for (let k = s + 1; k < e; k++) {
      const src = (y.idx[k]! - rowLo) * rowLen;
      const wgt = y.weight[k]!;
      for (let i = 0; i < rowLen; i++) dst[out + i]! += tmp[src + i]! * wgt;
    }
  }
}

/** Two-tap (bilinear) row resampling from RGB24 bytes. */
function lerpRowBytes(src: Uint8Array, base: number, x: Taps, outW: number, out: Float32Array, at: number): void {
  const idx = x.idx;
  const wt = x.weight;
  for (let o = 0; o < outW; o++) {
    const pa = base + idx[2 * o]! * 3;
    const pb = base + idx[2 * o + 1]! * 3;
    const wa = wt[2 * o]!;
    const wb = wt[2 * o + 1]!;
    const q = at + o * 3;
    out[q] = src[pa]! * wa + src[pb]! * wb;
    out[q + 1] = src[pa + 1]! * wa + src[pb + 1]! * wb;
    out[q + 2] = src[pa + 2]! * wa + src[pb + 2]! * wb;
  }
}

function verticalFirst(frame: Uint8Array, width: number, x: Taps, y: Taps, outW: number, outH: number, dst: Float32Array, offset: number, S: number): void {
  // Only the source columns the horizontal taps read.
  let colLo = width;
  let colHi = -1;
  for (let i = 0; i < x.idx.length; i++) {
    const c = x.idx[i]!;
    if (c < colLo) colLo = c;
    if (c > colHi) colHi = c;
  }
  const cols = colHi - colLo + 1;
  const line = new Float32Array(cols * 3);
  const shifted: Taps = { start: x.start, count: x.count, idx: x.idx.map((i) => i - colLo), weight: x.weight };
  for (let o = 0; o < outH; o++) {
    const s = y.start[o]!;
    const e = s + y.count[o]!;
    line.fill(0);
    for (let k = s; k < e; k++) {
      const src = (y.idx[k]! * width + colLo) * 3;
      const wgt = y.weight[k]!;
      for (let i = 0; i < cols * 3; i++) line[i]! += frame[src + i]! * wgt;
    }
    resampleRowFloats(line, 0, shifted, outW, dst, offset + o * S * 3);
  }
}

/** One row through the horizontal taps: RGB samples from `src` at `base` into `out` at `at`. */
function resampleRowBytes(src: Uint8Array, base: number, x: Taps, outW: number, out: Float32Array, at: number): void {
  for (let o = 0; o < outW; o++) {
    let acc0 = 0;
    let acc1 = 0;
    let acc2 = 0;
    const s = x.start[o]!;
    const e = s + x.count[o]!;
    for (let k = s; k < e; k++) {
      const p = base + x.idx[k]! * 3;
      const wgt = x.weight[k]!;
      acc0 += src[p]! * wgt;
      acc1 += src[p + 1]! * wgt;
      acc2 += src[p + 2]! * wgt;
    }
    out[at + o * 3] = acc0;
    out[at + o * 3 + 1] = acc1;
    out[at + o * 3 + 2] = acc2;
  }
}

/** The same for float rows (the vertical-first path); separate so each call site stays monomorphic. */
function resampleRowFloats(src: Float32Array, base: number, x: Taps, outW: number, out: Float32Array, at: number): void {
  for (let o = 0; o < outW; o++) {
    let acc0 = 0;
    let acc1 = 0;
    let acc2 = 0;
    const s = x.start[o]!;
    const e = s + x.count[o]!;
    for (let k = s; k < e; k++) {
      const p = base + x.idx[k]! * 3;
      const wgt = x.weight[k]!;
      acc0 += src[p]! * wgt;
      acc1 += src[p + 1]! * wgt;
      acc2 += src[p + 2]! * wgt;
    }
    out[at + o * 3] = acc0;
    out[at + o * 3 + 1] = acc1;
    out[at + o * 3 + 2] = acc2;
  }
}
