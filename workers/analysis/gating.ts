/**
 * Motion gating: on a still camera most of a frame is the same picture as before, and a face that is not where a
 * track expects it and not where pixels changed cannot have appeared. So between full searches the detector runs
 * only on
 *
 *  - the regions whose pixels changed: 16×16 blocks whose mean absolute luma difference from the frame last
 *    *searched there* exceeds `threshold` grey levels (compared with that frame, not the previous one, so slow
 *    drift accumulates and is searched in the end), grown by one block and merged into rectangles;
 *  - the boxes where live tracks are expected (their prediction, grown by a face width each way), so a face that
 *    stands still stays tracked;
 *
 * and a full search runs at the start of each segment, after every shot cut, at least every `fullSearchFrames`
 * frames (counted on the absolute frame index, so the schedule does not depend on how the clip was segmented),
 * and whenever more than `maxAreaFraction` of the frame changed (a pan, a zoom, lights). Each region is grown by a
 * margin so a face partly inside a changed block is wholly inside the searched window.
 *
 * The small-face path (a grid of SSD cells, the costly part: ~2 s for the whole grid of a 1080p frame on two
 * cores) keeps its own reference — the pixels each part of the frame had when the path last searched it:
 *  - the whole grid at a segment's start, after a cut, and when gating is off;
 *  - on a scheduled full search, the cells whose pixels changed since the small-face path last searched them (a
 *    cell whose pixels are the same gives the same answer), and the tracked small faces;
 *  - on a full search forced by change (a pan), only the tracked small faces: new faces under ~28 px are found at
 *    the next scheduled full search, at most `fullSearchFrames` (one second) later;
 *  - between full searches, the changes no tracked face explains (a new face may be small) and the tracked small
 *    faces.
 * (Searching a tracked small face only when BlazeFace had not found it in that frame saved a third of the SSD runs
 * on the still-camera benchmark, but lost a 20 px face in 21–23 % of the frames of the panning one: not done.)
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface GatingOptions {
  readonly enabled: boolean;
  readonly threshold: number;
  readonly fullSearchFrames: number;
  readonly maxAreaFraction: number;
}

/** Where the small-face path searches: the whole grid, or `regions` (changes, and the areas around tracked small faces). */
export type SmallSearch = { readonly grid: true } | { readonly grid: false; readonly regions: Rect[] };

/**
 * A full search (the one-pass detector over the whole frame), or `regions` for it (every changed area and every
 * expected face); either way with `small`, where the small-face path searches.
 */
export type SearchPlan =
  | { readonly full: true; readonly reason: 'start' | 'cut' | 'schedule' | 'change' | 'disabled'; readonly small: SmallSearch }
  | { readonly full: false; readonly regions: Rect[]; readonly small: SmallSearch };

const GRID: SmallSearch = { grid: true };

/** Search everything, with both detectors (a segment's first frame; the benchmarks' single frames). */
export const WHOLE_FRAME: SearchPlan = { full: true, reason: 'start', small: GRID };

/** Half-resolution luma (BT.601, 2×2 mean): the change test's input, halving noise and cost. */
export function halfLuma(frame: Uint8Array, width: number, height: number): Uint8Array {
  const w = width >> 1;
  const h = height >> 1;
  const out = new Uint8Array(w * h);
  const stride = width * 3;
  for (let y = 0; y < h; y++) {
    const r0 = 2 * y * stride;
    const r1 = r0 + stride;
    for (let x = 0; x < w; x++) {
      const a = r0 + 6 * x;
      const b = r1 + 6 * x;
      const r = frame[a]! + frame[a + 3]! + frame[b]! + frame[b + 3]!;
      const g = frame[a + 1]! + frame[a + 4]! + frame[b + 1]! + frame[b + 4]!;
      const bl = frame[a + 2]! + frame[a + 5]! + frame[b + 2]! + frame[b + 5]!;
      out[y * w + x] = (0.299 * r + 0.587 * g + 0.114 * bl) / 4 + 0.5;
    }
  }
  return out;
}

/** Block side in half-resolution pixels (16 frame pixels). */
const B = 8;

export class MotionGate {
  /** The pixels each part of the frame had when it was last searched (by the one-pass detector). */
  private ref: Uint8Array | null = null;
  /** The same for the small-face path. */
  private smallRef: Uint8Array | null = null;
  private readonly lw: number;
  private readonly lh: number;
  private readonly bw: number;
  private readonly bh: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly opts: GatingOptions,
  ) {
    this.lw = width >> 1;
    this.lh = height >> 1;
    this.bw = Math.ceil(this.lw / B);
    this.bh = Math.ceil(this.lh / B);
  }

  /**
   * Where to search frame `index`. `expected`: boxes where live tracks predict a face; those up to `smallWidth`
   * wide are the small-face path's too. `forceFull`: the segment's first frame or a cut. Call `searched(...)` once
   * the frame has been searched.
   */
  plan(index: number, luma: Uint8Array, expected: readonly Rect[], forceFull: 'start' | 'cut' | null, smallWidth = 0): SearchPlan {
    if (!this.opts.enabled) return { full: true, reason: 'disabled', small: GRID };
    if (forceFull) return { full: true, reason: forceFull, small: GRID };
    if (!this.ref || !this.smallRef) return { full: true, reason: 'schedule', small: GRID };
    const grownExpected = expected.map((e) => {
      const m = Math.max(e.w, e.h);
      return { box: e, rect: this.clamp({ x: e.x - m, y: e.y - m, w: e.w + 2 * m, h: e.h + 2 * m }) };
    });
    // The areas around tracked faces small enough for the small-face path.
    const tracked = grownExpected.filter((g) => g.box.w <= smallWidth).map((g) => g.rect);
    const smallSearch = (changes: readonly Rect[]): SmallSearch => ({ grid: false, regions: mergeRects([...changes, ...tracked].filter((r) => r.w > 0 && r.h > 0)) });
    if (index % Math.max(1, this.opts.fullSearchFrames) === 0) {
      // The small-face path: wherever pixels changed since it last looked.
      return { full: true, reason: 'schedule', small: smallSearch(this.changedRects(this.changedBlocks(luma, this.smallRef))) };
    }
    const changed = this.changedBlocks(luma, this.ref);
    if (changed.count > this.opts.maxAreaFraction * this.bw * this.bh) return { full: true, reason: 'change', small: smallSearch([]) };
    const rects: Rect[] = [];
    const small: Rect[] = [];
    for (const r of this.changedRects(changed)) {
      rects.push(r);
      // A change that a tracked face's expected box (grown) covers is that face moving; any other change may be a
      // new face of any size, so the small-face path searches it too.
      const covered = grownExpected.reduce((a, g) => a + overlap(r, g.rect), 0);
      if (covered < 0.7 * r.w * r.h) small.push(r);
    }
    for (const g of grownExpected) rects.push(g.rect);
    const merged = mergeRects(rects.filter((r) => r.w > 0 && r.h > 0));
    const area = merged.reduce((a, r) => a + r.w * r.h, 0);
    if (area > this.opts.maxAreaFraction * this.width * this.height) return { full: true, reason: 'change', small: smallSearch([]) };
    return { full: false, regions: merged, small: smallSearch(small) };
  }

  /**
   * Record what was searched: those pixels become the references the next change tests compare with. `small`: the
   * areas the small-face path searched (detect.ts `FaceFinder.smallSearched`), or the whole grid.
   */
  searched(luma: Uint8Array, plan: SearchPlan, small: readonly Rect[] | 'grid'): void {
    if (plan.full || !this.ref) this.ref = Uint8Array.from(luma);
    else this.copyRects(this.ref, luma, plan.regions);
    if (small === 'grid' || !this.smallRef) this.smallRef = Uint8Array.from(luma);
    else this.copyRects(this.smallRef, luma, small);
  }

  private copyRects(ref: Uint8Array, luma: Uint8Array, rects: readonly Rect[]): void {
    for (const r of rects) {
      const x0 = Math.max(0, r.x >> 1);
      const y0 = Math.max(0, r.y >> 1);
      const x1 = Math.min(this.lw, (r.x + r.w + 1) >> 1);
      const y1 = Math.min(this.lh, (r.y + r.h + 1) >> 1);
      for (let y = y0; y < y1; y++) ref.set(luma.subarray(y * this.lw + x0, y * this.lw + x1), y * this.lw + x0);
    }
  }

  /** Blocks whose mean absolute luma difference from `ref` exceeds the threshold. */
  private changedBlocks(luma: Uint8Array, ref: Uint8Array): { blocks: Uint8Array; count: number } {
    const blocks = new Uint8Array(this.bw * this.bh);
    let count = 0;
    for (let by = 0; by < this.bh; by++) {
      for (let bx = 0; bx < this.bw; bx++) {
        const x0 = bx * B;
        const y0 = by * B;
        const x1 = Math.min(this.lw, x0 + B);
        const y1 = Math.min(this.lh, y0 + B);
        let sum = 0;
        for (let y = y0; y < y1; y++) {
          const row = y * this.lw;
          for (let x = x0; x < x1; x++) {
            const d = luma[row + x]! - ref[row + x]!;
            sum += d < 0 ? -d : d;
          }
        }
        if (sum > this.opts.threshold * (x1 - x0) * (y1 - y0)) {
          blocks[by * this.bw + bx] = 1;
          count++;
        }
      }
    }
    return { blocks, count };
  }

  /** Changed blocks, grown by one block, as connected components' bounding rectangles (frame pixels). */
  private changedRects({ blocks: changed }: { blocks: Uint8Array }): Rect[] {
    const grown = new Uint8Array(this.bw * this.bh);
    for (let by = 0; by < this.bh; by++) {
      for (let bx = 0; bx < this.bw; bx++) {
        if (!changed[by * this.bw + bx]) continue;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
          const x = bx + dx;
          const y = by + dy;
          if (x >= 0 && y >= 0 && x < this.bw && y < this.bh) grown[y * this.bw + x] = 1;
        }
      }
    }
    const out: Rect[] = [];
    const seen = new Uint8Array(this.bw * this.bh);
    for (let i = 0; i < grown.length; i++) {
      if (!grown[i] || seen[i]) continue;
      let x0 = this.bw;
      let y0 = this.bh;
      let x1 = -1;
      let y1 = -1;
      const stack = [i];
      seen[i] = 1;
      while (stack.length) {
        const k = stack.pop()!;
        const x = k % this.bw;
        const y = (k - x) / this.bw;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x);
        y1 = Math.max(y1, y);
        for (const [nx, ny] of [[x - 1, y], [x + 1, y], [x, y - 1], [x, y + 1]] as const) {
          if (nx < 0 || ny < 0 || nx >= this.bw || ny >= this.bh) continue;
          const n = ny * this.bw + nx;
          if (grown[n] && !seen[n]) {
            seen[n] = 1;
            stack.push(n);
          }
        }
      }
      out.push(this.clamp({ x: x0 * 2 * B, y: y0 * 2 * B, w: (x1 - x0 + 1) * 2 * B, h: (y1 - y0 + 1) * 2 * B }));
    }
    return out;
  }

  private clamp(r: Rect): Rect {
    const x = Math.max(0, Math.floor(r.x));
    const y = Math.max(0, Math.floor(r.y));
    return { x, y, w: Math.max(0, Math.min(this.width, Math.ceil(r.x + r.w)) - x), h: Math.max(0, Math.min(this.height, Math.ceil(r.y + r.h)) - y) };
  }
}

function overlap(a: Rect, b: Rect): number {
  return Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
}

/** Merge overlapping (or touching) rectangles until none overlap; deterministic (sorted input, fixed order). */
export function mergeRects(input: readonly Rect[]): Rect[] {
  let rects = [...input].sort((a, b) => a.y - b.y || a.x - b.x || a.w - b.w || a.h - b.h);
  let changed = true;
  while (changed) {
    changed = false;
    const out: Rect[] = [];
    for (const r of rects) {
      const i = out.findIndex((o) => r.x <= o.x + o.w && o.x <= r.x + r.w && r.y <= o.y + o.h && o.y <= r.y + r.h);
      if (i < 0) {
        out.push({ ...r });
        continue;
      }
      const o = out[i]!;
      const x = Math.min(o.x, r.x);
      const y = Math.min(o.y, r.y);
      out[i] = { x, y, w: Math.max(o.x + o.w, r.x + r.w) - x, h: Math.max(o.y + o.h, r.y + r.h) - y };
      changed = true;
    }
    rects = out.sort((a, b) => a.y - b.y || a.x - b.x || a.w - b.w || a.h - b.h);
  }
  return rects;
}
