/** Footage analysis: runs, face boxes per frame, face tracks and their detections. */
import { z } from 'zod';
import type { AnalysisRun, CutRecord, DetectionSummary, FaceBox, ProvisionalTrack, TrackRelationRecord, TrackSummary } from '../../core/analysis/results';
import type { Job } from '../../core/jobs';
import { channel, FrameIndex, Id, type MediaRef } from './channel';

export type { AnalysisRun, CutRecord, DetectionSummary, FaceBox, TrackRelationRecord, TrackSummary };

/** A face detection with its aligned crop as a media file. */
export interface DetectionView extends DetectionSummary {
  readonly crop: MediaRef;
}

export interface TrackView extends Omit<TrackSummary, 'best'> {
  readonly best: DetectionView[];
  /** The investigator's name for the track ("suspect 1"), or null. */
  readonly name: string | null;
}

export interface TrackListView {
  /** The run shown (the newest unless one was asked for); null when the clip was never analysed. */
  readonly run: AnalysisRun | null;
  /** Tracks that count as faces first (in order of appearance), then the doubtful ones. */
  readonly tracks: TrackView[];
  /** Recorded splits (identity, shot cut) and same-person links between tracks. */
  readonly relations: TrackRelationRecord[];
  readonly cuts: CutRecord[];
}

/** A track a running analysis has found so far (one segment's; segments are stitched when the job ends). */
export interface ProvisionalTrackView extends Omit<ProvisionalTrack, 'bestCropSha256'> {
  readonly crop: MediaRef;
}

export interface PartialAnalysisView {
  /** The running analyze job of the clip; null when none runs. */
  readonly jobId: number | null;
  readonly detections: number;
  readonly tracks: ProvisionalTrackView[];
}

export interface FrameFaces {
  readonly runId: number | null;
  readonly faces: FaceBox[];
}

export const analysisChannels = {
  /** Analyse a clip: find, track and rank its faces (a job; progress arrives as `jobs:progress`). */
  'analysis:start': channel<Job>()(
    z.object({ evidenceId: Id, step: z.number().int().min(1).max(10000).optional(), minScore: z.number().min(0.05).max(0.99).optional() }).strict(),
  ),
  /** The analysis runs of an evidence item, newest first (the newest is what the views show). */
  'analysis:runs': channel<AnalysisRun[]>()(z.object({ evidenceId: Id }).strict()),
  /** Face boxes on one frame, for the overlay (interpolated ones between analysed frames are marked). */
  'faces:forFrame': channel<FrameFaces>()(z.object({ evidenceId: Id, index: FrameIndex, runId: Id.optional() }).strict()),
  /** Face tracks in order of appearance, each with its best detections (crops) first. */
  'tracks:list': channel<TrackListView>()(z.object({ evidenceId: Id, runId: Id.optional(), best: z.number().int().min(1).max(50).optional() }).strict()),
  /** What a running analysis of the clip has found so far (provisional tracks, best crop first). */
  'analysis:partial': channel<PartialAnalysisView>()(z.object({ evidenceId: Id, limit: z.number().int().min(1).max(200).optional() }).strict()),
  /** Every detection of a track, best first. */
  'tracks:detections': channel<DetectionView[]>()(z.object({ trackId: Id }).strict()),
} as const;
