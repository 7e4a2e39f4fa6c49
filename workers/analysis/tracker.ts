/**
 * Face tracks: detections of one person within one shot.
 *
 * Every association needs two kinds of agreement: **where** (motion or a spatial gate) and **who** (the dlib
 * embedding's cosine with the track's quality-weighted mean embedding above a gate calibrated by face width,
 * domain/trackIdentity.ts). Each analysed frame is associated in two passes, both greedy and deterministic
 * (best pair first, ties by track then detection order):
 *
 * 1. **Motion.** Every track unseen for at most `maxGapFrames` predicts its box at this frame with a constant-
 *    velocity model. Pairs whose IoU with the prediction is ≥ `iouMin` match if the cosine reaches the *track
 *    gate*. A pair that agrees on where but not on who is an identity conflict: the detection does not continue
 *    the track, and if it starts a new track the split is recorded (`identity-split`, with the cosine).
 * 2. **Re-join.** Tracks left unmatched and unseen for at most `rejoinFrames` (occlusion, a missed detection, fast
 *    motion, someone leaving and coming back) take remaining detections whose cosine reaches the stricter *re-join
 *    gate*, whose size is within `sizeRatioMax`, and whose centre lies within a distance gate that widens with the
 *    time unseen: `gate × face width × (1 + 2 × unseen / maxGapFrames)`.
 *
 * **Shot cuts** (shotCut.ts) end every track: no track crosses a cut. A track that starts after a cut where a
 * pre-cut track was expected is recorded as a `cut-split` of it; when its cosine with a pre-cut track (the best one
 * seen within `rejoinFrames`) reaches the strict *cut gate*, the two are recorded as the `same-person` across the
 * cut — a link between two tracks, never one track.
 *
 * The rest start new tracks; tracks unseen for more than `rejoinFrames` end. The tracker keeps only its live
 * tracks' state (a 128-d sum and a few numbers each), so memory does not grow with the clip; ended tracks are
 * summarised once and handed out by `drainEnded()`.
 */
import { DEFAULT_TRACKER, type TrackerOptions } from '../../domain/analysis';
import { identityGate } from '../../domain/trackIdentity';

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface TrackInput {
  readonly box: Box;
  readonly embedding: Float32Array;
  readonly quality: number;
  /** The face check's probability and the second opinion it used (kept per track: see `confident`). */
  readonly faceProb?: number;
  readonly second?: number;
}

export type RelationKind = 'identity-split' | 'cut-split' | 'same-person';

/** A recorded relation between two tracks: why one did not continue the other, or why they are the same person. */
export interface TrackRelation {
  readonly from: number;
  readonly to: number;
  /** The frame `to` starts at. */
  readonly frame: number;
  readonly kind: RelationKind;
  /** Cosine between the detection starting `to` and `from`'s mean embedding. */
  readonly similarity: number;
}

/** What a track looks like from outside: enough to stitch it to tracks of the neighbouring segments. */
export interface TrackSummary {
  readonly id: number;
  /** Shot number within the tracker's run (0 before the first cut). */
  readonly shot: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly count: number;
  readonly firstBox: Box;
  readonly lastBox: Box;
  /** Per-frame velocity of the box centre and size at the last detection. */
  readonly velocity: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  /** Quality-weighted sum of the detections' embeddings (not normalised) and its weight. */
  readonly embSum: Float64Array;
  readonly embWeight: number;
}

interface TrackState {
  readonly id: number;
  readonly shot: number;
  readonly firstFrame: number;
  readonly firstBox: Box;
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
  norm: number;
  count: number;
  probSum: number;
  secondSum: number;
}

export function cosineToSum(e: Float32Array, sum: Float64Array, norm: number): number {
  let s = 0;
  for (let i = 0; i < e.length; i++) s += e[i]! * sum[i]!;
  return s / (norm || 1);
}

export function sumNorm(sum: Float64Array): number {
  let s = 0;
  for (let i = 0; i < sum.length; i++) s += sum[i]! * sum[i]!;
  return Math.sqrt(s);
}

export function iouOf(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter <= 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}

/**
 * How far a prediction may change a face's size from the last one seen (a factor either way). A face grows or
 * shrinks as it approaches or recedes, but not without end: extrapolated freely, a track unseen for a second
 * predicted a 2 px "face" where an 18 px one had been (and the small-face path searched for it every frame).
 */
export const PREDICTED_SIZE_DRIFT = 1.25;

/** The box a track predicts `dt` frames after its last detection (constant velocity of centre and size; the size within `PREDICTED_SIZE_DRIFT`). */
export function predictBox(t: { cx: number; cy: number; w: number; h: number; vx: number; vy: number; vw: number; vh: number }, dt: number): Box {
  const size = (v: number, dv: number): number => Math.max(1, Math.min(v * PREDICTED_SIZE_DRIFT, Math.max(v / PREDICTED_SIZE_DRIFT, v + dv * dt)));
  const pw = size(t.w, t.vw);
  const ph = size(t.h, t.vh);
  return { x: t.cx + t.vx * dt - pw / 2, y: t.cy + t.vy * dt - ph / 2, w: pw, h: ph };
}

export interface TrackerUpdate {
  /** Track id of each detection, in input order. */
  readonly ids: number[];
  /** Relations recorded at this frame (splits, same-person links). */
  readonly relations: TrackRelation[];
}

export class Tracker {
  private live: TrackState[] = [];
  /** Tracks ended by the last cut: candidates for a same-person link, never continued. */
  private preCut: TrackState[] = [];
  private ended: TrackSummary[] = [];
  private nextId: number;
  private shot = 0;

  constructor(
    readonly opts: TrackerOptions = DEFAULT_TRACKER,
    /** First id handed out (segments use disjoint id ranges only for readability; merge renumbers anyway). */
    firstId = 1,
  ) {
    this.nextId = firstId;
  }

  private gate(kind: 'track' | 'rejoin' | 'cut', width: number): number {
    return identityGate(kind, width, this.opts.identityOffset);
  }

  /** Assign this frame's detections to tracks. `cut`: a shot cut lies between the previous analysed frame and this one. */
  update(frame: number, dets: readonly TrackInput[], cut = false): TrackerUpdate {
    const { opts } = this;
    const relations: TrackRelation[] = [];
    if (cut) {
      // Nothing continues across a cut; the old tracks remain only as candidates for a same-person link (from any
      // earlier shot within `rejoinFrames`: edited footage often cuts back and forth between two cameras).
      this.preCut = [...this.preCut, ...this.live];
      this.live = [];
      this.shot++;
    }
    for (let i = this.live.length - 1; i >= 0; i--) {
      if (frame - this.live[i]!.lastFrame > opts.rejoinFrames) this.ended.push(summarise(this.live.splice(i, 1)[0]!));
    }
    for (let i = this.preCut.length - 1; i >= 0; i--) {
      if (frame - this.preCut[i]!.lastFrame > opts.rejoinFrames) this.ended.push(summarise(this.preCut.splice(i, 1)[0]!));
    }
    const assigned = new Array<number>(dets.length).fill(0);
    const trackTaken = new Set<number>();
    const cos = (t: TrackState, di: number): number => cosineToSum(dets[di]!.embedding, t.embSum, t.norm);

    // Pass 1: IoU with the constant-velocity prediction, and the track gate.
    const pairs: Array<{ ti: number; di: number; v: number }> = [];
    const conflicts = new Map<number, { from: number; similarity: number; iou: number }>();
    this.live.forEach((t, ti) => {
      const dt = frame - t.lastFrame;
      if (dt > opts.maxGapFrames) return;
      const pred = predictBox(t, dt);
      dets.forEach((d, di) => {
        const v = iouOf(pred, d.box);
        if (v < opts.iouMin) return;
        const c = cos(t, di);
        const g = this.gate('track', d.box.w);
        if (c >= g) pairs.push({ ti, di, v: v + (c - g) });
        else {
          const prev = conflicts.get(di);
          if (!prev || v > prev.iou) conflicts.set(di, { from: t.id, similarity: c, iou: v });
        }
      });
    });
    this.takeGreedy(pairs, trackTaken, assigned, frame, dets);

    // Pass 2: appearance within a widening distance gate, for tracks not matched by motion.
    const pairs2: Array<{ ti: number; di: number; v: number }> = [];
    this.live.forEach((t, ti) => {
      if (trackTaken.has(ti)) return;
      const unseen = frame - t.lastFrame;
      dets.forEach((d, di) => {
        if (assigned[di]) return;
        const dw = d.box.w;
        if (Math.max(dw / t.w, t.w / dw) > opts.sizeRatioMax) return;
        const p = Math.min(unseen, opts.maxGapFrames);
        const dist = Math.hypot(d.box.x + dw / 2 - (t.cx + t.vx * p), d.box.y + d.box.h / 2 - (t.cy + t.vy * p));
        if (dist > opts.gate * Math.max(dw, t.w) * (1 + (2 * unseen) / Math.max(1, opts.maxGapFrames))) return;
        const c = cos(t, di);
        const g = this.gate('rejoin', dw);
        if (c >= g) pairs2.push({ ti, di, v: c - g });
      });
    });
    this.takeGreedy(pairs2, trackTaken, assigned, frame, dets);

    // Unmatched detections start tracks, in detection order (the detector's order is deterministic).
    dets.forEach((d, di) => {
      if (assigned[di]) return;
      const t: TrackState = {
        id: this.nextId++,
        shot: this.shot,
        firstFrame: frame,
        firstBox: { ...d.box },
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
        norm: 0,
        count: 0,
        probSum: 0,
        secondSum: 0,
      };
      this.addEmbedding(t, d);
      this.live.push(t);
      assigned[di] = t.id;
      const conflict = conflicts.get(di);
      if (conflict) relations.push({ from: conflict.from, to: t.id, frame, kind: 'identity-split', similarity: conflict.similarity });
      if (this.preCut.length) {
        // After a cut: the pre-cut track expected here (motion), and the best pre-cut match by appearance.
        let expected: { t: TrackState; iou: number } | undefined;
        let best: { t: TrackState; c: number } | undefined;
        for (const p of this.preCut) {
          // Only a track of the shot just before can have been "expected here" by motion.
          const v = p.shot === this.shot - 1 ? iouOf(predictBox(p, frame - p.lastFrame), d.box) : 0;
          if (v >= opts.iouMin && (!expected || v > expected.iou)) expected = { t: p, iou: v };
          const c = cosineToSum(d.embedding, p.embSum, p.norm);
          if (!best || c > best.c) best = { t: p, c };
        }
        if (best && best.c >= this.gate('cut', d.box.w)) relations.push({ from: best.t.id, to: t.id, frame, kind: 'same-person', similarity: best.c });
        else if (expected) relations.push({ from: expected.t.id, to: t.id, frame, kind: 'cut-split', similarity: cosineToSum(d.embedding, expected.t.embSum, expected.t.norm) });
      }
    });
    return { ids: assigned, relations };
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
      // A re-join after a long gap says nothing about velocity: start the estimate afresh.
      const fresh = !t.hasVelocity || dt > this.opts.maxGapFrames;
      const a = fresh ? 1 : this.opts.velocityAlpha;
      t.vx = a * ((cx - t.cx) / dt) + (1 - a) * t.vx;
      t.vy = a * ((cy - t.cy) / dt) + (1 - a) * t.vy;
      t.vw = a * ((d.box.w - t.w) / dt) + (1 - a) * t.vw;
      t.vh = a * ((d.box.h - t.h) / dt) + (1 - a) * t.vh;
      if (dt > this.opts.maxGapFrames) t.vx = t.vy = t.vw = t.vh = 0;
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
    t.norm = sumNorm(t.embSum);
    t.count++;
    t.probSum += d.faceProb ?? 0;
    t.secondSum += d.second ?? 0;
  }

  /**
   * Tracks seen in the last analysed frame with at least `minCount` detections whose mean face probability is at
   * least `minProb`: their predicted box and mean second opinion. A candidate continuing one of these need not have
   * the other detector re-run on it every frame (segment.ts); it inherits the track's second opinion.
   */
  confident(frame: number, step: number, minCount = 3, minProb = 0.8): Array<{ box: Box; second: number }> {
    return this.live
      .filter((t) => frame - t.lastFrame <= step && t.count >= minCount && t.probSum / t.count >= minProb)
      .map((t) => ({ box: predictBox(t, frame - t.lastFrame), second: t.secondSum / t.count }));
  }

  /** Where live tracks (unseen for at most `maxGapFrames`) expect a face at `frame`: motion gating searches there. */
  predictions(frame: number): Box[] {
    return this.live.filter((t) => frame - t.lastFrame <= this.opts.maxGapFrames).map((t) => predictBox(t, frame - t.lastFrame));
  }

  /** Tracks that have ended since the last call (their summaries), in order of ending. */
  drainEnded(): TrackSummary[] {
    const out = this.ended;
    this.ended = [];
    return out;
  }

  /** End every track (the end of the segment) and return all summaries not yet drained. */
  finish(): TrackSummary[] {
    for (const t of [...this.preCut, ...this.live]) this.ended.push(summarise(t));
    this.preCut = [];
    this.live = [];
    return this.drainEnded();
  }
}

function summarise(t: TrackState): TrackSummary {
  return {
    id: t.id,
    shot: t.shot,
    firstFrame: t.firstFrame,
    lastFrame: t.lastFrame,
    count: t.count,
    firstBox: t.firstBox,
    lastBox: { x: t.cx - t.w / 2, y: t.cy - t.h / 2, w: t.w, h: t.h },
    velocity: { x: t.vx, y: t.vy, w: t.vw, h: t.vh },
    embSum: t.embSum,
    embWeight: t.embWeight,
  };
}
