/**
 * Which regions of a frame an export redacts: every face the analysis found on that frame (detections, and
 * boxes interpolated along a track between analysed frames), except the faces of the tracks the examiner chose,
 * plus every live hand-drawn box. Faces come from the newest analysis run and from the runs of the chosen tracks
 * (an enhancement may come from an older run): a face of another run that overlaps a chosen track's box on that
 * frame (IoU ≥ 0.5) is the same person and is kept.
 */
import { facesForFrame, getTrack } from '../analysis/results';
import type { CaseHandle } from '../case';
import { boxIou, type RedactionBox, type RedactionSource } from '../../domain/redaction';
import { listRedactionBoxes } from './boxes';
import { latestRun } from '../analysis/results';

export interface RedactionRegion {
  readonly source: RedactionSource;
  /** The face box as found or drawn (before the margin), in frame pixels. */
  readonly box: RedactionBox;
  readonly trackId: number | null;
  readonly detectionId: number | null;
  readonly manualBoxId: number | null;
  readonly runId: number | null;
}

export interface FrameRedactionPlan {
  readonly evidenceId: number;
  readonly index: number;
  /** Analysis runs whose faces were considered. */
  readonly runIds: number[];
  readonly keptTrackIds: number[];
  /** Boxes left as they are (the chosen tracks' faces on this frame). */
  readonly kept: Array<{ readonly trackId: number; readonly box: RedactionBox }>;
  readonly regions: RedactionRegion[];
}

const SAME_FACE_IOU = 0.5;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const round = (b: RedactionBox): RedactionBox => ({ x: r3(b.x), y: r3(b.y), w: r3(b.w), h: r3(b.h) });

export function planFrameRedaction(c: CaseHandle, evidenceId: number, index: number, keepTrackIds: readonly number[]): FrameRedactionPlan {
  const keep = new Set(keepTrackIds);
  const runIds: number[] = [];
  const newest = latestRun(c, evidenceId);
  if (newest) runIds.push(newest.id);
  for (const t of keep) {
    const { run } = getTrack(c, t);
    if (run.evidenceId === evidenceId && !runIds.includes(run.id)) runIds.push(run.id);
  }
  runIds.sort((a, b) => a - b);
  const perRun = runIds.map((runId) => ({ runId, faces: facesForFrame(c, evidenceId, index, runId).faces }));
  const kept = perRun.flatMap((r) => r.faces.filter((f) => keep.has(f.trackId)).map((f) => ({ trackId: f.trackId, box: round(f.box) })));
  const regions: RedactionRegion[] = [];
  for (const { runId, faces } of perRun) {
    for (const f of faces) {
      if (keep.has(f.trackId)) continue;
      if (kept.some((k) => boxIou(k.box, f.box) >= SAME_FACE_IOU)) continue;
      // The same bystander seen by two runs is redacted once.
      if (regions.some((r) => r.source !== 'manual' && boxIou(r.box, f.box) >= SAME_FACE_IOU)) continue;
      regions.push({ source: f.interpolated ? 'interpolated' : 'detection', box: round(f.box), trackId: f.trackId, detectionId: f.detectionId, manualBoxId: null, runId });
    }
  }
  for (const m of listRedactionBoxes(c, evidenceId, { index })) {
    regions.push({ source: 'manual', box: m.box, trackId: null, detectionId: null, manualBoxId: m.id, runId: null });
  }
  return { evidenceId, index, runIds, keptTrackIds: [...keep].sort((a, b) => a - b), kept, regions };
}
