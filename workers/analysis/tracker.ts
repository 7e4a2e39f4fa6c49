/**
 * Face tracks: detections of the same person across frames, one track per person.
 *
 * Each analysed frame is associated in two passes, both greedy and deterministic (best pair first, ties by
 * track then detection order):
 *
 * 1. **Motion.** Every live track predicts its box at this frame with a constant-velocity model (centre and
 *    size move by their smoothed per-frame velocity). Pairs whose IoU with the prediction is ≥ `iouMin` match,
 *    unless the two faces' embeddings disagree strongly (cosine < `embedVeto`: two people crossing).
 * 2. **Appearance.** Tracks left unmatched — also those unseen for up to `maxGapFrames` (occlusion, a missed
 *    detection, fast motion the IoU cannot bridge) — take remaining detections whose embedding is close to the
 *    track's (cosine ≥ `embedMin`), whose size is within `sizeRatioMax`, and whose centre is within a distance
 *    gate that widens with the time unseen: `gate × face width × (1 + 2 × unseen / maxGapFrames)`.
 *
 * The rest start new tracks; tracks unseen for more than `maxGapFrames` end. The track embedding is the
 * quality-weighted mean of its detections' embeddings. Thresholds are for the dlib embedding (same person
 * ~0.97, strangers ~0.87 on clean faces, lower for both on 20–40 px faces), not ArcFace-style ones.
 */
import { DEFAULT_TRACKER, type TrackerOptions } from '../../domain/analysis';
import type { Box } from './detectPyramid';

export interface TrackInput {
  readonly box: Box;
  readonly embedding: Float32Array;
  readonly quality: number;
}

interface TrackState {
  readonly id: number;
  lastFrame: number;
  cx: number;
  cy: number;
  w: number;
  h: number;
  vx: number;
  vy: number;
  vw: number;
  vh: number;
  hasVelocity: boolean;
  readonly embSum: Float64Array;
  embWeight: number;
  count: number;
}

function dot(a: Float32Array, b: Float64Array, norm: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s / norm;
}

export class Tracker {
  private readonly live: TrackState[] = [];
  private nextId = 1;

  constructor(readonly opts: TrackerOptions = DEFAULT_TRACKER) {}

  /** Assign this frame's detections to tracks; returns the track id of each detection, in input order. */
  update(frame: number, dets: readonly TrackInput[]): number[] {
    const { opts } = this;
    // Tracks unseen for too long end here; they can no longer be matched.
    for (let i = this.live.length - 1; i >= 0; i--) if (frame - this.live[i]!.lastFrame > opts.maxGapFrames) this.live.splice(i, 1);
    const assigned = new Array<number>(dets.length).fill(0);
    const trackTaken = new Set<number>();
    const norms = this.live.map((t) => Math.hypot(...t.embSum) || 1);
    const cos = (ti: number, di: number): number => dot(dets[di]!.embedding, this.live[ti]!.embSum, norms[ti]!);

    // Pass 1: IoU with the constant-velocity prediction.
    const pairs: Array<{ ti: number; di: number; v: number }> = [];
    this.live.forEach((t, ti) => {
      const dt = frame - t.lastFrame;
      const pw = Math.max(1, t.w + t.vw * dt);
      const ph = Math.max(1, t.h + t.vh * dt);
      const pred: Box = { x: t.cx + t.vx * dt - pw / 2, y: t.cy + t.vy * dt - ph / 2, w: pw, h: ph };
      dets.forEach((d, di) => {
        const v = iouOf(pred, d.box);
        if (v >= opts.iouMin && cos(ti, di) >= opts.embedVeto) pairs.push({ ti, di, v });
      });
    });
    this.takeGreedy(pairs, trackTaken, assigned, frame, dets);

    // Pass 2: appearance within a distance gate, for tracks not matched by motion.
    const pairs2: Array<{ ti: number; di: number; v: number }> = [];
    this.live.forEach((t, ti) => {
      if (trackTaken.has(ti)) return;
      const unseen = frame - t.lastFrame;
      dets.forEach((d, di) => {
        if (assigned[di]) return;
        const dw = d.box.w;
        const ratio = Math.max(dw / t.w, t.w / dw);
        if (ratio > opts.sizeRatioMax) return;
        const dist = Math.hypot(d.box.x + d.box.w / 2 - (t.cx + t.vx * unseen), d.box.y + d.box.h / 2 - (t.cy + t.vy * unseen));
        if (dist > opts.gate * Math.max(dw, t.w) * (1 + (2 * unseen) / Math.max(1, opts.maxGapFrames))) return;
        const c = cos(ti, di);
        if (c >= opts.embedMin) pairs2.push({ ti, di, v: c });
      });
    });
    this.takeGreedy(pairs2, trackTaken, assigned, frame, dets);

    // Unmatched detections start tracks, in detection order (the detector's order is deterministic).
    dets.forEach((d, di) => {
      if (assigned[di]) return;
      const t: TrackState = {
        id: this.nextId++,
        lastFrame: frame,
        cx: d.box.x + d.box.w / 2,
        cy: d.box.y + d.box.h / 2,
        w: d.box.w,
        h: d.box.h,
        vx: 0,
        vy: 0,
        vw: 0,
        vh: 0,
        hasVelocity: false,
        embSum: new Float64Array(d.embedding.length),
        embWeight: 0,
        count: 0,
      };
      this.addEmbedding(t, d);
      this.live.push(t);
      assigned[di] = t.id;
    });
    return assigned;
  }

  private takeGreedy(pairs: Array<{ ti: number; di: number; v: number }>, trackTaken: Set<number>, assigned: number[], frame: number, dets: readonly TrackInput[]): void {
    pairs.sort((a, b) => b.v - a.v || a.ti - b.ti || a.di - b.di);
    for (const p of pairs) {
      if (trackTaken.has(p.ti) || assigned[p.di]) continue;
      trackTaken.add(p.ti);
      const t = this.live[p.ti]!;
      const d = dets[p.di]!;
      assigned[p.di] = t.id;
      const dt = Math.max(1, frame - t.lastFrame);
      const cx = d.box.x + d.box.w / 2;
      const cy = d.box.y + d.box.h / 2;
      const a = t.hasVelocity ? this.opts.velocityAlpha : 1;
      t.vx = a * ((cx - t.cx) / dt) + (1 - a) * t.vx;
      t.vy = a * ((cy - t.cy) / dt) + (1 - a) * t.vy;
      t.vw = a * ((d.box.w - t.w) / dt) + (1 - a) * t.vw;
      t.vh = a * ((d.box.h - t.h) / dt) + (1 - a) * t.vh;
      t.hasVelocity = true;
      t.cx = cx;
      t.cy = cy;
      t.w = d.box.w;
      t.h = d.box.h;
      t.lastFrame = frame;
      this.addEmbedding(t, d);
    }
  }

  private addEmbedding(t: TrackState, d: TrackInput): void {
    const wgt = Math.max(0.05, d.quality);
    for (let i = 0; i < d.embedding.length; i++) t.embSum[i]! += wgt * d.embedding[i]!;
    t.embWeight += wgt;
    t.count++;
  }
}

function iouOf(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter <= 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}
