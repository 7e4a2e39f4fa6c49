/**
 * Merging the segments of one clip into the run's tracks, deterministically: segments are taken in frame order
 * and each one's tracks are stitched to the tracks so far by the tracker's own rules (tracker.ts), applied to the
 * tracks' summaries instead of single detections:
 *
 *  - across a segment boundary with no cut, a track of the new segment's first shot continues an earlier track of
 *    the same shot when it starts where that track's motion predicts it (IoU ≥ `iouMin`, gap ≤ `maxGapFrames`) and
 *    their mean embeddings reach the track gate — or, failing that, when it starts within the widening distance
 *    gate of a track unseen for up to `rejoinFrames` and reaches the re-join gate;
 *  - a pair that agrees on where but not on who is recorded as an `identity-split`;
 *  - when the new segment starts with a shot cut, nothing continues: a track that starts where a pre-cut track was
 *    expected is a `cut-split` of it, one whose appearance reaches the cut gate is the `same-person`.
 *
 * Tracks are numbered by first appearance (first frame, then the segment tracker's order). The segmentation is fixed
 * by the settings (domain/analysis.ts `planSegments`), never by the number of workers, so one worker running
 * every segment in turn and several running them at once produce the same tracks, detections and digest.
 */
import { identityGate } from '../../domain/trackIdentity';
import { iouOf, predictBox, type Box, type RelationKind, type TrackRelation, type TrackSummary } from './tracker';

export interface SegmentTracks {
  readonly segment: number;
  readonly start: number;
  readonly cutAtStart: boolean;
  /** Cuts inside the segment (after its first analysed frame): its tracks' `shot` counts them. */
  readonly cutsInside: number;
  readonly tracks: readonly TrackSummary[];
  readonly relations: readonly TrackRelation[];
}

export interface MergeOptions {
  readonly iouMin: number;
  readonly maxGapFrames: number;
  readonly rejoinFrames: number;
  readonly gate: number;
  readonly sizeRatioMax: number;
  readonly identityOffset: number;
}

export interface MergedTrack {
  /** 1-based, in order of first appearance. */
  readonly ordinal: number;
  /** Shot number in the clip (0 before the first cut). */
  readonly shot: number;
  readonly firstFrame: number;
  lastFrame: number;
  count: number;
  readonly members: Array<{ readonly segment: number; readonly localId: number }>;
}

export interface MergedRelation {
  readonly from: number;
  readonly to: number;
  readonly frame: number;
  readonly kind: RelationKind;
  readonly similarity: number;
}

export interface MergeResult {
  readonly tracks: MergedTrack[];
  /** `${segment}:${localId}` → ordinal. */
  readonly ordinalOf: ReadonlyMap<string, number>;
  readonly relations: MergedRelation[];
  readonly shots: number;
}

interface Live {
  readonly t: MergedTrack;
  shot: number;
  lastFrame: number;
  lastBox: Box;
  velocity: { x: number; y: number; w: number; h: number };
  readonly embSum: Float64Array;
}

function cosSums(a: Float64Array, b: Float64Array): number {
  let s = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return s / (Math.sqrt(na * nb) || 1);
}

const key = (segment: number, localId: number): string => `${segment}:${localId}`;

function predicted(l: Live, frame: number): Box {
  const b = l.lastBox;
  return predictBox({ cx: b.x + b.w / 2, cy: b.y + b.h / 2, w: b.w, h: b.h, vx: l.velocity.x, vy: l.velocity.y, vw: l.velocity.w, vh: l.velocity.h }, frame - l.lastFrame);
}

export function mergeSegments(segments: readonly SegmentTracks[], opts: MergeOptions): MergeResult {
  const ordered = [...segments].sort((a, b) => a.start - b.start);
  const all: Live[] = [];
  const ordinalOf = new Map<string, number>();
  const relations: MergedRelation[] = [];
  let shot = 0;
  for (const [k, seg] of ordered.entries()) {
    const cut = k > 0 && seg.cutAtStart;
    if (cut) shot++;
    const base = shot;
    const tracks = [...seg.tracks].sort((a, b) => a.id - b.id);
    // Earlier tracks a first-shot track of this segment may continue (no cut: the same shot) or be linked to (cut:
    // any earlier shot, as the tracker does within a segment).
    const earlier = all.filter((l) => (cut ? l.shot < base : l.shot === base));
    const joined = new Map<number, Live>();
    const conflicts = new Map<number, { from: number; similarity: number; iou: number }>();
    if (!cut && k > 0) {
      const taken = new Set<Live>();
      const pairs: Array<{ l: Live; u: TrackSummary; v: number }> = [];
      for (const u of tracks) {
        if (u.shot !== 0) continue;
        for (const l of earlier) {
          const gap = u.firstFrame - l.lastFrame;
          if (gap <= 0 || gap > opts.maxGapFrames) continue;
          const v = iouOf(predicted(l, u.firstFrame), u.firstBox);
          if (v < opts.iouMin) continue;
          const c = cosSums(l.embSum, u.embSum);
          const g = identityGate('track', u.firstBox.w, opts.identityOffset);
          if (c >= g) pairs.push({ l, u, v: v + (c - g) });
          else {
            const prev = conflicts.get(u.id);
            if (!prev || v > prev.iou) conflicts.set(u.id, { from: l.t.ordinal, similarity: c, iou: v });
          }
        }
      }
      const take = (list: typeof pairs): void => {
        list.sort((a, b) => b.v - a.v || a.l.t.ordinal - b.l.t.ordinal || a.u.id - b.u.id);
        for (const p of list) {
          if (taken.has(p.l) || joined.has(p.u.id)) continue;
          taken.add(p.l);
          joined.set(p.u.id, p.l);
        }
      };
      take(pairs);
      const pairs2: typeof pairs = [];
      for (const u of tracks) {
        if (u.shot !== 0 || joined.has(u.id)) continue;
        for (const l of earlier) {
          if (taken.has(l)) continue;
          const unseen = u.firstFrame - l.lastFrame;
          if (unseen <= 0 || unseen > opts.rejoinFrames) continue;
          const dw = u.firstBox.w;
          if (Math.max(dw / l.lastBox.w, l.lastBox.w / dw) > opts.sizeRatioMax) continue;
          const p = Math.min(unseen, opts.maxGapFrames);
          const dist = Math.hypot(u.firstBox.x + dw / 2 - (l.lastBox.x + l.lastBox.w / 2 + l.velocity.x * p), u.firstBox.y + u.firstBox.h / 2 - (l.lastBox.y + l.lastBox.h / 2 + l.velocity.y * p));
          if (dist > opts.gate * Math.max(dw, l.lastBox.w) * (1 + (2 * unseen) / Math.max(1, opts.maxGapFrames))) continue;
          const c = cosSums(l.embSum, u.embSum);
          const g = identityGate('rejoin', dw, opts.identityOffset);
          if (c >= g) pairs2.push({ l, u, v: c - g });
        }
      }
      take(pairs2);
    }
    for (const u of tracks) {
      const into = joined.get(u.id);
      if (into) {
        into.t.members.push({ segment: seg.segment, localId: u.id });
        into.t.count += u.count;
        for (let i = 0; i < into.embSum.length; i++) into.embSum[i]! += u.embSum[i]!;
        if (u.lastFrame > into.lastFrame) {
          into.lastFrame = u.lastFrame;
          into.t.lastFrame = u.lastFrame;
          into.lastBox = u.lastBox;
          into.velocity = { ...u.velocity };
        }
        ordinalOf.set(key(seg.segment, u.id), into.t.ordinal);
        continue;
      }
      const t: MergedTrack = { ordinal: all.length + 1, shot: base + u.shot, firstFrame: u.firstFrame, lastFrame: u.lastFrame, count: u.count, members: [{ segment: seg.segment, localId: u.id }] };
      const l: Live = { t, shot: t.shot, lastFrame: u.lastFrame, lastBox: u.lastBox, velocity: { ...u.velocity }, embSum: Float64Array.from(u.embSum) };
      all.push(l);
      ordinalOf.set(key(seg.segment, u.id), t.ordinal);
      const conflict = conflicts.get(u.id);
      if (conflict) relations.push({ from: conflict.from, to: t.ordinal, frame: u.firstFrame, kind: 'identity-split', similarity: conflict.similarity });
      if (cut && u.shot === 0) {
        let expected: { l: Live; iou: number } | undefined;
        let best: { l: Live; c: number } | undefined;
        for (const e of earlier) {
          if (u.firstFrame - e.lastFrame > opts.rejoinFrames) continue;
          const v = e.shot === base - 1 ? iouOf(predicted(e, u.firstFrame), u.firstBox) : 0;
          if (v >= opts.iouMin && (!expected || v > expected.iou)) expected = { l: e, iou: v };
          const c = cosSums(e.embSum, u.embSum);
          if (!best || c > best.c) best = { l: e, c };
        }
        if (best && best.c >= identityGate('cut', u.firstBox.w, opts.identityOffset)) relations.push({ from: best.l.t.ordinal, to: t.ordinal, frame: u.firstFrame, kind: 'same-person', similarity: best.c });
        else if (expected) relations.push({ from: expected.l.t.ordinal, to: t.ordinal, frame: u.firstFrame, kind: 'cut-split', similarity: cosSums(expected.l.embSum, u.embSum) });
      }
    }
    for (const r of seg.relations) {
      const from = ordinalOf.get(key(seg.segment, r.from));
      const to = ordinalOf.get(key(seg.segment, r.to));
      if (from !== undefined && to !== undefined && from !== to) relations.push({ from, to, frame: r.frame, kind: r.kind, similarity: r.similarity });
    }
    shot = base + seg.cutsInside;
  }
  relations.sort((a, b) => a.frame - b.frame || a.to - b.to || a.from - b.from);
  return { tracks: all.map((l) => l.t), ordinalOf, relations, shots: shot + 1 };
}
