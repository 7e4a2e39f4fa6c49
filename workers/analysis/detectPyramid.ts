/**
 * Face detection over the scale pyramid of a frame (see pyramid.ts), with two ways of not running the network
 * where it cannot change the answer:
 *
 * - **Unchanged windows reuse their last answer.** Surveillance cameras are mostly still. A window whose pixels
 *   did not change since the detector last ran on it (no 16×16 block of its luma moved by more than
 *   `reuse.threshold` grey levels on average, compared with the frame the detector actually saw) gets that run's
 *   boxes again. Each box carries `detectorFrame`, the frame whose pixels the network saw, so a reused box is
 *   never presented as a fresh detection. The comparison is always against that frame, not the previous one, so
 *   slow drift accumulates and triggers a new run. `reuse.enabled = false` runs every window on every frame.
 * - **Flat windows are skipped.** A window whose luma standard deviation is below `flatStd` grey levels holds
 *   no face (a face has eyes, brows and a mouth); it counts as searched with no result.
 *
 * Windows that do run are batched through the detector. Boxes are mapped back to frame pixels, boxes touching
 * a window's inner edge are dropped (a neighbouring window holds the whole face), and one non-maximum
 * suppression merges windows and levels.
 */
import { runModel } from '../inference/session';
import { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from '../../domain/analysis';
import { DETECTOR_INPUT, fillTileTensor, type PyramidPlan, type Tile } from './pyramid';
import { nms, type Box } from './detect';
import { halfLuma as gatingHalfLuma } from './gating';

export { DEFAULT_DETECTOR_OPTIONS, type DetectorOptions };

export const DETECTOR_MODEL_ID = 'face-detector';

export type { Box };

export interface Candidate {
  readonly box: Box;
  readonly score: number;
  /** Pyramid level (index into the plan's levels) whose window produced the box. */
  readonly level: number;
  /** The frame whose pixels the detector ran on (earlier than the current frame when the window was reused). */
  readonly detectorFrame: number;
}

export interface DetectStats {
  tilesRun: number;
  tilesReused: number;
  tilesFlat: number;
  detectorMs: number;
  prepareMs: number;
}

interface CacheEntry {
  readonly frame: number;
  /** Half-resolution luma of the window as the detector saw it. */
  readonly ref: Uint8Array;
  readonly faces: readonly Candidate[];
}

/** Half-resolution luma (gating.ts `halfLuma`) with its size. */
function halfLuma(frame: Uint8Array, width: number, height: number): { data: Uint8Array; width: number; height: number } {
  return { data: gatingHalfLuma(frame, width, height), width: width >> 1, height: height >> 1 };
}

function halfRect(t: Tile, lw: number, lh: number): { x: number; y: number; w: number; h: number } {
  const x = Math.min(lw - 1, t.x0 >> 1);
  const y = Math.min(lh - 1, t.y0 >> 1);
  return { x, y, w: Math.max(1, Math.min(lw - x, t.w >> 1)), h: Math.max(1, Math.min(lh - y, t.h >> 1)) };
}

function copyRect(l: { data: Uint8Array; width: number }, r: { x: number; y: number; w: number; h: number }): Uint8Array {
  const out = new Uint8Array(r.w * r.h);
  for (let y = 0; y < r.h; y++) out.set(l.data.subarray((r.y + y) * l.width + r.x, (r.y + y) * l.width + r.x + r.w), y * r.w);
  return out;
}

/** True when some 8×8 block (16×16 source px) differs from `ref` by more than `threshold` on average. */
function changed(l: { data: Uint8Array; width: number }, r: { x: number; y: number; w: number; h: number }, ref: Uint8Array, threshold: number): boolean {
  const B = 8;
  for (let by = 0; by < r.h; by += B) {
    const bh = Math.min(B, r.h - by);
    for (let bx = 0; bx < r.w; bx += B) {
      const bw = Math.min(B, r.w - bx);
      let sum = 0;
      for (let y = 0; y < bh; y++) {
        const li = (r.y + by + y) * l.width + r.x + bx;
        const ri = (by + y) * r.w + bx;
        for (let x = 0; x < bw; x++) {
          const d = l.data[li + x]! - ref[ri + x]!;
          sum += d < 0 ? -d : d;
        }
      }
      if (sum > threshold * bw * bh) return true;
    }
  }
  return false;
}

function isFlat(l: { data: Uint8Array; width: number }, r: { x: number; y: number; w: number; h: number }, minStd: number): boolean {
  if (minStd <= 0) return false;
  let s = 0;
  let s2 = 0;
  for (let y = 0; y < r.h; y++) {
    const li = (r.y + y) * l.width + r.x;
    for (let x = 0; x < r.w; x++) {
      const v = l.data[li + x]!;
      s += v;
      s2 += v * v;
    }
  }
  const n = r.w * r.h;
  const m = s / n;
  return s2 / n - m * m < minStd * minStd;
}

/** Greedy NMS, best score first, ties by position (detect.ts `nms`; here containment is off by default). */
export function suppress<T extends { box: Box; score: number }>(cands: readonly T[], iouThreshold: number, containThreshold = 1.01): T[] {
  return nms(cands, iouThreshold, containThreshold);
}

export class PyramidDetector {
  private readonly cache = new Map<string, CacheEntry>();
  private batchData: Float32Array;
  readonly stats: DetectStats = { tilesRun: 0, tilesReused: 0, tilesFlat: 0, detectorMs: 0, prepareMs: 0 };

  constructor(
    readonly plan: PyramidPlan,
    readonly opts: DetectorOptions = DEFAULT_DETECTOR_OPTIONS,
  ) {
    this.batchData = new Float32Array(Math.max(1, opts.batch) * DETECTOR_INPUT * DETECTOR_INPUT * 3);
  }

  /** Faces in one RGB24 frame (frame pixels), best first. Checks `signal` between detector runs. */
  async detect(frame: Uint8Array, index: number, signal?: AbortSignal): Promise<Candidate[]> {
    const { width, height } = this.plan;
    const t0 = performance.now();
    const luma = halfLuma(frame, width, height);
    const out: Candidate[] = [];
    const toRun: Array<{ tile: Tile; rect: ReturnType<typeof halfRect> }> = [];
    for (const tile of this.plan.tiles) {
      const rect = halfRect(tile, luma.width, luma.height);
      const prev = this.cache.get(tile.key);
      if (prev && this.opts.reuse.enabled && !changed(luma, rect, prev.ref, this.opts.reuse.threshold)) {
        this.stats.tilesReused++;
        out.push(...prev.faces);
        continue;
      }
      if (isFlat(luma, rect, this.opts.flatStd)) {
        this.stats.tilesFlat++;
        this.cache.set(tile.key, { frame: index, ref: copyRect(luma, rect), faces: [] });
        continue;
      }
      toRun.push({ tile, rect });
    }
    this.stats.prepareMs += performance.now() - t0;

    const B = Math.max(1, this.opts.batch);
    for (let s = 0; s < toRun.length; s += B) {
      if (signal?.aborted) return [];
      const chunk = toRun.slice(s, s + B);
      const tp = performance.now();
      chunk.forEach(({ tile }, n) => fillTileTensor(frame, width, height, tile, this.batchData, n * DETECTOR_INPUT * DETECTOR_INPUT * 3));
      const input = chunk.length === B ? this.batchData : this.batchData.subarray(0, chunk.length * DETECTOR_INPUT * DETECTOR_INPUT * 3);
      const td = performance.now();
      this.stats.prepareMs += td - tp;
      const res = await runModel(DETECTOR_MODEL_ID, input, [chunk.length, DETECTOR_INPUT, DETECTOR_INPUT, 3]);
      this.stats.detectorMs += performance.now() - td;
      this.stats.tilesRun += chunk.length;
      const boxes = res.boxes!.data as Float32Array;
      const scores = res.scores!.data as Float32Array;
      const anchors = scores.length / chunk.length;
      chunk.forEach(({ tile, rect }, n) => {
        const faces = this.decodeTile(tile, boxes, scores, n * anchors, anchors, index);
        this.cache.set(tile.key, { frame: index, ref: copyRect(luma, rect), faces });
        out.push(...faces);
      });
    }
    return suppress(out, this.opts.iouThreshold, this.opts.containThreshold);
  }

  private decodeTile(tile: Tile, boxes: Float32Array, scores: Float32Array, base: number, anchors: number, frame: number): Candidate[] {
    const { width, height } = this.plan;
    const S = DETECTOR_INPUT;
    const edge = 2; // detector px: a box this close to an inner window edge is cut by it
    const cands: Candidate[] = [];
    for (let a = 0; a < anchors; a++) {
      const score = scores[base + a]!;
      if (score < this.opts.minScore) continue;
      const o = (base + a) * 4;
      // [ymin, xmin, ymax, xmax] as fractions of the 512 input → detector px.
      const y0 = boxes[o]! * S;
      const x0 = boxes[o + 1]! * S;
      const y1 = boxes[o + 2]! * S;
      const x1 = boxes[o + 3]! * S;
      if ((!tile.frameEdge.left && x0 <= edge) || (!tile.frameEdge.top && y0 <= edge)) continue;
      if ((!tile.frameEdge.right && x1 >= tile.outW - edge) || (!tile.frameEdge.bottom && y1 >= tile.outH - edge)) continue;
      if (tile.hasCoarser && x1 - x0 > this.opts.maxBoxWidth) continue;
      const fx0 = Math.max(0, tile.x0 + x0 / tile.scale);
      const fy0 = Math.max(0, tile.y0 + y0 / tile.scale);
      const fx1 = Math.min(width, tile.x0 + x1 / tile.scale);
      const fy1 = Math.min(height, tile.y0 + y1 / tile.scale);
      if (fx1 - fx0 < 2 || fy1 - fy0 < 2) continue;
      cands.push({ box: { x: fx0, y: fy0, w: fx1 - fx0, h: fy1 - fy0 }, score, level: tile.level, detectorFrame: frame });
    }
    return suppress(cands, this.opts.iouThreshold, this.opts.containThreshold);
  }
}
