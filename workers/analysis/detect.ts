/**
 * Face candidates in a frame, from two detectors that see different face sizes (bench/detectors.ts measured them
 * side by side; README "Footage analysis"):
 *
 * - **BlazeFace (back-camera model), one pass at native resolution** — fully convolutional, so it runs on the whole
 *   frame (or on the windows motion gating asks for) with no tiling and no letterbox: faces of ~20–160 px in one
 *   run, plus ×0.5 and ×0.25 passes of the whole frame for larger faces (each a quarter of the cost of the one
 *   before). Windows of equal size go through the network as one batch.
 * - **The SSD on ×1.6 cells, for faces smaller than the one-pass detector sees** (the small-face path): 160 px
 *   cells on a fixed grid (stride 128, so any face ≤ 32 px lies wholly inside one), each enlarged to 256 px, four
 *   per 512 px SSD input (a 2×2 mosaic), so one network run covers four cells; only boxes ≤ `smallMaxWidth` px
 *   are kept from it (wider faces are BlazeFace's, which is more precise there).
 *
 * Both report candidates at the low `proposalScore`; the face check (faceCheck.ts) decides what is a face. The
 * same module gives the face check its **second opinion**: each candidate is re-examined by the *other* detector on
 * a window centred on it and scaled so the face sits in that detector's best range (BlazeFace candidates by the
 * SSD at ~64 px, SSD candidates by BlazeFace at ~48 px) — which is also how the small-face path reaches the faces
 * a detector scored just below threshold.
 *
 * Deterministic: windows and cells in fixed order, boxes sorted by score then position before the NMS.
 */
import { runModel } from '../inference/session';
import { decodeWindow, type BlazeWindow } from '../faces/blaze';
import { DETECTOR_INPUT, fillTileTensor, windowPositions, type TileGeometry } from './pyramid';
import type { Rect, SearchPlan } from './gating';
import { mergeRects } from './gating';

export const BLAZE_MODEL_ID = 'face-detector-blazeface';
export const SSD_MODEL_ID = 'face-detector';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type DetectorSource = 'blaze' | 'ssd';

export interface Candidate {
  readonly box: Box;
  /** The detector's own score (sigmoid output, 0..1). */
  readonly score: number;
  readonly source: DetectorSource;
  /** Which pass found it: 'blaze x1', 'blaze x0.5', 'blaze x0.25', 'ssd x1.6'. */
  readonly level: string;
  /** BlazeFace's six key points (frame px), null for SSD boxes. */
  readonly keypoints: ReadonlyArray<readonly [number, number]> | null;
}

export interface FinderOptions {
  readonly proposalScore: number;
  readonly smallProposalScore: number;
  readonly smallFaces: boolean;
  readonly smallMaxWidth: number;
  readonly nmsIou: number;
  readonly containThreshold: number;
}

export interface FinderStats {
  blazeRuns: number;
  blazeWindows: number;
  ssdRuns: number;
  ssdCells: number;
  secondOpinionRuns: number;
  networkMs: number;
  /** Of `networkMs`: BlazeFace's runs and the SSD's (second opinions included). */
  blazeMs: number;
  ssdMs: number;
  prepareMs: number;
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter <= 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}

function containment(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.max(1e-9, Math.min(a.w * a.h, b.w * b.h));
}

/**
 * Greedy NMS, best score first, ties by position. A box overlapping a kept one by more than `iouThreshold`, or
 * lying more than `containThreshold` inside it (a second box on the chin, an ear, half a face), is dropped.
 */
export function nms<T extends { box: Box; score: number }>(cands: readonly T[], iouThreshold: number, containThreshold: number): T[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score || a.box.y - b.box.y || a.box.x - b.box.x || a.box.w - b.box.w);
  const kept: T[] = [];
  for (const c of sorted) if (kept.every((k) => iou(k.box, c.box) <= iouThreshold && containment(k.box, c.box) <= containThreshold)) kept.push(c);
  return kept;
}

const round64 = (v: number): number => Math.max(128, Math.ceil(v / 64) * 64);
const SSD_CELL_OUT = DETECTOR_INPUT / 2;
/** Small-face cells: source side and the overlap that keeps any face ≤ 32 px wholly inside one cell. */
const CELL_SRC = 160;
const CELL_OVERLAP = 32;

interface SsdCell {
  readonly x0: number;
  readonly y0: number;
  /** Source side (frame px) and scale (input px per frame px). */
  readonly side: number;
  readonly scale: number;
  /** Which cell edges are frame edges (a box may touch those). */
  readonly frameEdge: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

interface BlazeJob extends BlazeWindow {
  readonly w: number;
  readonly h: number;
  readonly inW: number;
  readonly inH: number;
  readonly level: string;
  readonly frameEdge: { left: boolean; top: boolean; right: boolean; bottom: boolean };
}

export class FaceFinder {
  readonly stats: FinderStats = { blazeRuns: 0, blazeWindows: 0, ssdRuns: 0, ssdCells: 0, secondOpinionRuns: 0, networkMs: 0, blazeMs: 0, ssdMs: 0, prepareMs: 0 };
  private readonly grid: SsdCell[];

  constructor(
    readonly width: number,
    readonly height: number,
    readonly opts: FinderOptions,
  ) {
    const side = Math.min(CELL_SRC, width, height);
    const scale = SSD_CELL_OUT / side;
    this.grid = [];
    for (const y0 of windowPositions(height, side, CELL_OVERLAP)) {
      for (const x0 of windowPositions(width, side, CELL_OVERLAP)) {
        this.grid.push({ x0, y0, side, scale, frameEdge: { left: x0 === 0, top: y0 === 0, right: x0 + side >= width, bottom: y0 + side >= height } });
      }
    }
  }

  /**
   * Where the small-face path searched in the last `find` (cell squares, frame px), or the whole grid: the motion
   * gate's reference for the next change test of the small-face path (gating.ts).
   */
  smallSearched: Rect[] | 'grid' = [];

  /** Candidates in the searched part of the frame (`plan`), best first after one NMS over both detectors. */
  async find(frame: Uint8Array, plan: SearchPlan, signal?: AbortSignal): Promise<Candidate[]> {
    const jobs = plan.full ? this.fullFrameJobs() : this.regionJobs(plan.regions);
    const out: Candidate[] = [];
    for (const f of await this.runBlaze(frame, jobs, this.opts.proposalScore)) out.push(f);
    this.smallSearched = [];
    if (signal?.aborted) return [];
    if (this.opts.smallFaces) {
      let cells: readonly SsdCell[];
      if (plan.small.grid) {
        cells = this.grid;
        this.smallSearched = 'grid';
      } else {
        cells = this.cellsFor(plan.small.regions);
        this.smallSearched = cells.map((c) => ({ x: c.x0, y: c.y0, w: Math.round(c.side), h: Math.round(c.side) }));
      }
      this.stats.ssdCells += cells.length;
      const boxes = await this.runSsdCells(frame, cells, this.opts.smallProposalScore, signal);
      for (const b of boxes) if (b.box.w <= this.opts.smallMaxWidth) out.push({ ...b, source: 'ssd', level: 'ssd x1.6', keypoints: null });
    }
    return nms(out, this.opts.nmsIou, this.opts.containThreshold);
  }

  /**
   * The other detector's best score on each candidate, on a window centred on it at that detector's best scale:
   * the SSD (face ~64 px in a 256 px mosaic cell) for BlazeFace candidates, BlazeFace (face ~48 px in a 128 px
   * window) for SSD candidates. 0 when it finds nothing overlapping the candidate (IoU ≥ 0.3).
   */
  async secondOpinion(frame: Uint8Array, cands: readonly Candidate[]): Promise<number[]> {
    const out = new Array<number>(cands.length).fill(0);
    const ssdIdx: number[] = [];
    const ssdCells: SsdCell[] = [];
    const blazeIdx: number[] = [];
    const blazeJobs: BlazeJob[] = [];
    cands.forEach((c, i) => {
      const cx = c.box.x + c.box.w / 2;
      const cy = c.box.y + c.box.h / 2;
      if (c.source === 'blaze') {
        const scale = Math.min(3.2, Math.max(0.25, 64 / c.box.w));
        const side = SSD_CELL_OUT / scale;
        ssdIdx.push(i);
        ssdCells.push({ x0: Math.round(cx - side / 2), y0: Math.round(cy - side / 2), side, scale, frameEdge: { left: true, top: true, right: true, bottom: true } });
      } else {
        blazeIdx.push(i);
        blazeJobs.push(closeWindow(c.box, 'second'));
      }
    });
    if (ssdCells.length) {
      const before = this.stats.ssdRuns;
      const boxes = await this.runSsdCells(frame, ssdCells, 0.05, undefined, true);
      this.stats.secondOpinionRuns += this.stats.ssdRuns - before;
      for (const b of boxes) {
        const i = ssdIdx[b.cell]!;
        if (iou(b.box, cands[i]!.box) >= 0.3) out[i] = Math.max(out[i]!, b.score);
      }
    }
    if (blazeJobs.length) {
      const before = this.stats.blazeRuns;
      const faces = await this.runBlaze(frame, blazeJobs, 0.05, true);
      this.stats.secondOpinionRuns += this.stats.blazeRuns - before;
      for (const f of faces) {
        const i = blazeIdx[f.job]!;
        if (iou(f.box, cands[i]!.box) >= 0.3) out[i] = Math.max(out[i]!, f.score);
      }
    }
    return out;
  }

  /**
   * Small-face cells for gated regions: one cell centred on a region that fits in one (a tracked small face, a
   * small change), else the grid cells it touches. Sorted, without duplicates.
   */
  private cellsFor(regions: readonly Rect[]): SsdCell[] {
    const side = this.grid[0]?.side ?? CELL_SRC;
    const out = new Map<string, SsdCell>();
    for (const r of regions) {
      if (r.w <= side - CELL_OVERLAP && r.h <= side - CELL_OVERLAP) {
        const x0 = Math.max(0, Math.min(this.width - side, Math.round(r.x + r.w / 2 - side / 2)));
        const y0 = Math.max(0, Math.min(this.height - side, Math.round(r.y + r.h / 2 - side / 2)));
        out.set(`${x0},${y0}`, { x0, y0, side, scale: SSD_CELL_OUT / side, frameEdge: { left: x0 === 0, top: y0 === 0, right: x0 + side >= this.width, bottom: y0 + side >= this.height } });
        continue;
      }
      for (const c of this.grid) if (c.x0 < r.x + r.w && r.x < c.x0 + c.side && c.y0 < r.y + r.h && r.y < c.y0 + c.side) out.set(`${c.x0},${c.y0}`, c);
    }
    return [...out.values()].sort((a, b) => a.y0 - b.y0 || a.x0 - b.x0);
  }

  private fullFrameJobs(): BlazeJob[] {
    const jobs: BlazeJob[] = [];
    const all = { left: true, top: true, right: true, bottom: true };
    for (const scale of [1, 0.5, 0.25]) {
      const outW = Math.round(this.width * scale);
      const outH = Math.round(this.height * scale);
      // A pass whose picture is under ~128 px sees nothing the finer passes did not.
      if (scale < 1 && Math.max(outW, outH) < 128) break;
      jobs.push({ x0: 0, y0: 0, w: this.width, h: this.height, scale, outW, outH, inW: Math.ceil(outW / 32) * 32, inH: Math.ceil(outH / 32) * 32, level: `blaze x${scale}`, frameEdge: all });
    }
    return jobs;
  }

  /** One native-scale window per region, its size rounded up to a multiple of 64 (so windows batch), centred on it. */
  private regionJobs(regions: readonly Rect[]): BlazeJob[] {
    const jobs: BlazeJob[] = [];
    for (const r of mergeRects(regions)) {
      const w = Math.min(this.width, round64(r.w));
      const h = Math.min(this.height, round64(r.h));
      const x0 = Math.max(0, Math.min(this.width - w, Math.round(r.x + r.w / 2 - w / 2)));
      const y0 = Math.max(0, Math.min(this.height - h, Math.round(r.y + r.h / 2 - h / 2)));
      const frameEdge = { left: x0 === 0, top: y0 === 0, right: x0 + w >= this.width, bottom: y0 + h >= this.height };
      jobs.push({ x0, y0, w, h, scale: 1, outW: w, outH: h, inW: Math.ceil(w / 32) * 32, inH: Math.ceil(h / 32) * 32, level: 'blaze x1', frameEdge });
      // A large region may hold a face too big for the native pass.
      if (w >= 256 && h >= 256) {
        const ow = Math.round(w / 2);
        const oh = Math.round(h / 2);
        jobs.push({ x0, y0, w, h, scale: 0.5, outW: ow, outH: oh, inW: Math.ceil(ow / 32) * 32, inH: Math.ceil(oh / 32) * 32, level: 'blaze x0.5', frameEdge });
      }
    }
    return jobs;
  }

  /** Run BlazeFace on windows, batching windows of equal input size into one run; faces in frame px with their job index. */
  private async runBlaze(frame: Uint8Array, jobs: readonly BlazeJob[], minScore: number, noEdgeRule = false): Promise<Array<Candidate & { job: number }>> {
    const groups = new Map<string, number[]>();
    jobs.forEach((j, i) => {
      const k = `${j.inW}x${j.inH}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(i);
    });
    const out: Array<Candidate & { job: number }> = [];
    for (const [, idx] of [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const { inW, inH } = jobs[idx[0]!]!;
      const per = inW * inH * 3;
      const t0 = performance.now();
      const data = new Float32Array(per * idx.length);
      idx.forEach((ji, n) => {
        const j = jobs[ji]!;
        const geom: TileGeometry = { x0: j.x0, y0: j.y0, w: j.w, h: j.h, scale: j.scale, outW: j.outW, outH: j.outH };
        fillTileTensor(frame, this.width, this.height, geom, data, n * per, inW, inH);
      });
      const t1 = performance.now();
      this.stats.prepareMs += t1 - t0;
      const res = await runModel(BLAZE_MODEL_ID, data, [idx.length, inH, inW, 3]);
      const dt = performance.now() - t1;
      this.stats.networkMs += dt;
      this.stats.blazeMs += dt;
      this.stats.blazeRuns++;
      this.stats.blazeWindows += idx.length;
      const raw = blazeRows(res, idx.length);
      idx.forEach((ji, n) => {
        const j = jobs[ji]!;
        for (const f of decodeWindow('back', raw[n]!, inH, inW, j, minScore)) {
          // A face cut by an inner window edge is a partial face: the window was grown so the whole face is elsewhere in it.
          const r = f.rawBox;
          const tol = 0.15 * r.w;
          if (!noEdgeRule) {
            if ((!j.frameEdge.left && r.x < j.x0 - tol) || (!j.frameEdge.top && r.y < j.y0 - tol)) continue;
            if ((!j.frameEdge.right && r.x + r.w > j.x0 + j.w + tol) || (!j.frameEdge.bottom && r.y + r.h > j.y0 + j.h + tol)) continue;
          }
          const b = clampBox(f.box, this.width, this.height);
          if (!b) continue;
          out.push({ box: b, score: f.score, source: 'blaze', level: j.level, keypoints: f.keypoints, job: ji });
        }
      });
    }
    return out;
  }

  /** The SSD on cells, four per 512 px input (2×2 mosaic), all inputs in one batch; boxes in frame px with their cell. */
  private async runSsdCells(frame: Uint8Array, cells: readonly SsdCell[], minScore: number, signal?: AbortSignal, keepAll = false): Promise<Array<{ box: Box; score: number; cell: number }>> {
    const out: Array<{ box: Box; score: number; cell: number }> = [];
    if (!cells.length) return out;
    const S = DETECTOR_INPUT;
    const H = SSD_CELL_OUT;
    // Batches of at most 2 inputs (8 cells) per run: a run cannot be interrupted, and Cancel must not wait long.
    const perInput = 4;
    const maxBatch = 2;
    for (let start = 0; start < cells.length; start += perInput * maxBatch) {
      if (signal?.aborted) return out;
      const chunk = cells.slice(start, start + perInput * maxBatch);
      const inputs = Math.ceil(chunk.length / perInput);
      const t0 = performance.now();
      const data = new Float32Array(inputs * S * S * 3);
      chunk.forEach((c, k) => {
        const n = Math.floor(k / perInput);
        const q = k % perInput;
        const off = n * S * S * 3 + ((q >> 1) * H * S + (q & 1) * H) * 3;
        const geom: TileGeometry = { x0: c.x0, y0: c.y0, w: c.side, h: c.side, scale: c.scale, outW: H, outH: H };
        fillTileTensor(frame, this.width, this.height, geom, data, off, S, S, false);
      });
      const t1 = performance.now();
      this.stats.prepareMs += t1 - t0;
      const res = await runModel(SSD_MODEL_ID, data, [inputs, S, S, 3]);
      const dt = performance.now() - t1;
      this.stats.networkMs += dt;
      this.stats.ssdMs += dt;
      this.stats.ssdRuns++;
      const boxes = res.boxes!.data as Float32Array;
      const scores = res.scores!.data as Float32Array;
      const anchors = scores.length / inputs;
      for (let n = 0; n < inputs; n++) {
        for (let a = 0; a < anchors; a++) {
          const score = scores[n * anchors + a]!;
          if (score < minScore) continue;
          const o = (n * anchors + a) * 4;
          const y0 = boxes[o]! * S;
          const x0 = boxes[o + 1]! * S;
          const y1 = boxes[o + 2]! * S;
          const x1 = boxes[o + 3]! * S;
          // Which quadrant (cell) the box belongs to: its centre's.
          const qx = (x0 + x1) / 2 >= H ? 1 : 0;
          const qy = (y0 + y1) / 2 >= H ? 1 : 0;
          const k = n * perInput + qy * 2 + qx;
          const c = chunk[k];
          if (!c) continue;
          const lx0 = x0 - qx * H;
          const ly0 = y0 - qy * H;
          const lx1 = x1 - qx * H;
          const ly1 = y1 - qy * H;
          const edge = 2;
          if (!keepAll) {
            // Boxes reaching over a cell's inner edge belong to a neighbouring cell (or straddle two).
            if ((!c.frameEdge.left && lx0 <= edge) || (!c.frameEdge.top && ly0 <= edge)) continue;
            if ((!c.frameEdge.right && lx1 >= H - edge) || (!c.frameEdge.bottom && ly1 >= H - edge)) continue;
          } else if (lx0 < -edge || ly0 < -edge || lx1 > H + edge || ly1 > H + edge) continue;
          const b = clampBox({ x: c.x0 + lx0 / c.scale, y: c.y0 + ly0 / c.scale, w: (lx1 - lx0) / c.scale, h: (ly1 - ly0) / c.scale }, this.width, this.height);
          if (b) out.push({ box: b, score, cell: start + k });
        }
      }
    }
    if (!keepAll) {
      // One cell's NMS (overlapping cells see the same face twice; the finder's NMS merges those).
      return nms(out, this.opts.nmsIou, this.opts.containThreshold);
    }
    return out;
  }
}

/**
 * A BlazeFace window centred on a box, enlarged (×1–×4) so the face is ~48 px in a 128 px input — BlazeFace's best
 * range: the second opinion on a small-face candidate.
 */
function closeWindow(b: Box, level: string): BlazeJob {
  const scale = Math.min(4, Math.max(1, 48 / b.w));
  const src = 128 / scale;
  const x0 = Math.round(b.x + b.w / 2 - src / 2);
  const y0 = Math.round(b.y + b.h / 2 - src / 2);
  return { x0, y0, scale, outW: 128, outH: 128, w: src, h: src, inW: 128, inH: 128, level, frameEdge: { left: true, top: true, right: true, bottom: true } };
}

/** BlazeFace back's four outputs regrouped into MediaPipe's 17 columns per anchor, one array per image. */
function blazeRows(res: Record<string, { data: unknown }>, images: number): Float32Array[] {
  const s16 = res.scores_stride16!.data as Float32Array;
  const b16 = res.boxes_stride16!.data as Float32Array;
  const s32 = res.scores_stride32!.data as Float32Array;
  const b32 = res.boxes_stride32!.data as Float32Array;
  const a16 = s16.length / images;
  const a32 = s32.length / images;
  const out: Float32Array[] = [];
  for (let n = 0; n < images; n++) {
    const raw = new Float32Array((a16 + a32) * 17);
    for (let i = 0; i < a16; i++) {
      raw[i * 17] = s16[n * a16 + i]!;
      raw.set(b16.subarray((n * a16 + i) * 16, (n * a16 + i + 1) * 16), i * 17 + 1);
    }
    for (let i = 0; i < a32; i++) {
      raw[(a16 + i) * 17] = s32[n * a32 + i]!;
      raw.set(b32.subarray((n * a32 + i) * 16, (n * a32 + i + 1) * 16), (a16 + i) * 17 + 1);
    }
    out.push(raw);
  }
  return out;
}

function clampBox(b: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, b.x);
  const y0 = Math.max(0, b.y);
  const x1 = Math.min(width, b.x + b.w);
  const y1 = Math.min(height, b.y + b.h);
  return x1 - x0 < 2 || y1 - y0 < 2 ? null : { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
