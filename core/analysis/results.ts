/**
 * Analysis results in the case database: staging what a running job's segments stream, recording a run from the
 * staging (inside the job's commit), and the read side the views, the CLI and later stages use.
 *
 * Streaming. A segment worker sends its detections in batches; each batch goes straight into `analysis_staging`
 * (rows of this job, invisible to every view), so neither the worker nor this process holds a clip's results in
 * memory. The job's commit moves them into the run's tables with set-based SQL (track numbers from the merge, each
 * detection's rank in its track by a window function) and deletes the staging rows, in the same transaction as the
 * job's success and the audit entry.
 *
 * Reproducibility record. Each run stores `results_sha256`: SHA-256 over the canonical JSON of its tracks,
 * detections, cuts and track relations (one line each, in a fixed order, embeddings as the hex of their float32
 * bytes), computed from the rows as written — by the same function `verifyRunDigest` uses, so a changed row is
 * detectable and two runs of the same clip with the same settings and models compare by one hash, whatever the
 * number of workers that produced them. Runs recorded before issue 13 keep their original line format.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { CaseHandle } from '../case';
import { canonicalJson } from '../../domain/canonicalJson';
import { derivedPath, recordDerived } from '../derived';
import { SightlineError } from '../../domain/errors';
import type { Evidence } from '../evidence';
import type { AnalysisSettings } from '../../domain/analysis';
import type { QualityComponents } from '../../workers/analysis/quality';
import type { DetectionBatch, NearMiss, SegmentResult } from '../../workers/analysis/segment';
import type { MergeResult } from '../../workers/analysis/merge';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface ModelRecord {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly sha256: string;
}

export interface AnalysisRun {
  readonly id: number;
  readonly evidenceId: number;
  readonly jobId: number | null;
  readonly supersedes: number | null;
  readonly step: number;
  readonly framesAnalysed: number;
  readonly detectionCount: number;
  readonly trackCount: number;
  /** Candidates seen below the run's threshold (null: a run recorded before this was counted). */
  readonly nearThreshold: number | null;
  readonly settings: AnalysisSettings;
  readonly models: ModelRecord[];
  readonly stats: Record<string, unknown>;
  readonly resultsSha256: string;
  readonly cropsSha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface DetectionSummary {
  readonly id: number;
  readonly trackId: number;
  readonly frame: number;
  readonly detectorFrame: number;
  readonly rank: number;
  readonly box: Box;
  /** Calibrated face probability (runs before issue 13: the SSD's score). */
  readonly score: number;
  readonly level: string;
  /** Which detector found it and what the face check saw (null on runs before issue 13). */
  readonly detector: string | null;
  readonly detectorScore: number | null;
  readonly secondOpinion: number | null;
  readonly shapeResidual: number | null;
  readonly quality: number;
  readonly components: QualityComponents;
  readonly landmarks5: Array<[number, number]>;
  readonly cropSha256: string;
}

export interface TrackSummary {
  readonly id: number;
  readonly runId: number;
  readonly ordinal: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly detections: number;
  readonly medianWidth: number;
  readonly maxWidth: number;
  readonly bestFrame: number;
  readonly bestQuality: number;
  /** Shot of the clip the track lies in, its mean face probability, whether it counts as a face (null: older run). */
  readonly shot: number | null;
  readonly faceScore: number | null;
  readonly likelyFace: boolean | null;
  /** The track's best detections, best first. */
  readonly best: DetectionSummary[];
}

export type RelationKind = 'identity-split' | 'cut-split' | 'same-person';

export interface TrackRelationRecord {
  readonly fromTrack: number;
  readonly toTrack: number;
  /** Ordinals of the two tracks in their run. */
  readonly from: number;
  readonly to: number;
  readonly frame: number;
  readonly kind: RelationKind;
  readonly similarity: number;
}

export interface CutRecord {
  readonly frame: number;
  readonly hist: number;
  readonly structure: number;
}

export interface FaceBox {
  /** null for a box interpolated between two detections of the track (frames not analysed, or missed). */
  readonly detectionId: number | null;
  readonly trackId: number;
  readonly track: number;
  readonly box: Box;
  readonly score: number | null;
  readonly quality: number | null;
  readonly detectorFrame: number | null;
  readonly interpolated: boolean;
  readonly landmarks5: Array<[number, number]> | null;
  /** The track counts as a face (null: older run). */
  readonly likelyFace: boolean | null;
}

// ───────────────────────────── staging (while the job runs) ─────────────────────────────

/** Remove staging rows of jobs that are not running (a crash, a kill) and of this job (a retry starts afresh). */
export function sweepStaging(c: CaseHandle, jobId: number): void {
  c.db.prepare(`DELETE FROM analysis_staging WHERE job_id = ? OR job_id NOT IN (SELECT id FROM jobs WHERE state = 'running')`).run(jobId);
}

export function clearStaging(c: CaseHandle, jobId: number): void {
  c.db.prepare('DELETE FROM analysis_staging WHERE job_id = ?').run(jobId);
}

function blob(e: Float32Array): Buffer {
  return Buffer.from(e.buffer, e.byteOffset, e.byteLength);
}

/** Store one streamed batch (one transaction). */
export function stageBatch(c: CaseHandle, jobId: number, batch: DetectionBatch): void {
  const ins = c.db.prepare(
    `INSERT INTO analysis_staging (job_id, segment, local_track, frame_idx, seq, detector_frame, x, y, w, h, score, detector, detector_score,
       second_opinion, shape_residual, level, landmarks_json, quality, q_size, q_sharpness, q_exposure, q_pose, q_score, measures_json,
       crop_sha256, crop_width, crop_height, embedding)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  c.db.transaction(() => {
    for (const d of batch.detections) {
      const q = d.components;
      ins.run(
        jobId, batch.segment, d.localTrack, d.frame, d.seq, d.detectorFrame, d.box.x, d.box.y, d.box.w, d.box.h, d.score, d.detector, d.detectorScore,
        d.secondOpinion, d.shapeResidual, d.level, JSON.stringify(d.landmarks5), d.quality, q.size, q.sharpness, q.exposure, q.pose, q.score,
        canonicalJson(d.measures), d.crop.sha256, d.crop.width, d.crop.height, blob(d.embedding),
      );
    }
  })();
}

export interface ProvisionalTrack {
  readonly segment: number;
  readonly localTrack: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly detections: number;
  readonly bestFrame: number;
  readonly bestQuality: number;
  readonly bestCropSha256: string;
  readonly faceScore: number;
}

/** The running analyze job of an evidence item, if any. */
export function runningAnalysisJob(c: CaseHandle, evidenceId: number): number | null {
  const job = c.db
    .prepare(`SELECT id FROM jobs WHERE kind = 'analyze' AND state = 'running' AND json_extract(params_json, '$.evidenceId') = ? ORDER BY id DESC LIMIT 1`)
    .get(evidenceId) as { id: number } | undefined;
  return job?.id ?? null;
}

/**
 * What the running analysis of an evidence item has streamed so far: per-segment tracks (segments are stitched only
 * when the job ends), best detection first — what the views show as "partial" while the analysis runs.
 */
export function provisionalTracks(c: CaseHandle, evidenceId: number, limit = 50): { jobId: number | null; detections: number; tracks: ProvisionalTrack[] } {
  const jobId = runningAnalysisJob(c, evidenceId);
  if (jobId === null) return { jobId: null, detections: 0, tracks: [] };
  return { jobId, ...stagedTracks(c, jobId, limit) };
}

/** The tracks a job has staged so far (see provisionalTracks). */
export function stagedTracks(c: CaseHandle, jobId: number, limit = 50): { detections: number; tracks: ProvisionalTrack[] } {
  const n = (c.db.prepare('SELECT count(*) AS n FROM analysis_staging WHERE job_id = ?').get(jobId) as { n: number }).n;
  const rows = c.db
    .prepare(
      `SELECT segment, local_track, min(frame_idx) AS first_frame, max(frame_idx) AS last_frame, count(*) AS n, avg(score) AS face_score,
         (SELECT frame_idx || ',' || quality || ',' || crop_sha256 FROM analysis_staging b WHERE b.job_id = a.job_id AND b.segment = a.segment
           AND b.local_track = a.local_track ORDER BY quality DESC, frame_idx LIMIT 1) AS best
       FROM analysis_staging a WHERE job_id = ? GROUP BY segment, local_track ORDER BY first_frame, segment, local_track LIMIT ?`,
    )
    .all(jobId, limit) as Array<{ segment: number; local_track: number; first_frame: number; last_frame: number; n: number; face_score: number; best: string }>;
  return {
    detections: n,
    tracks: rows.map((r) => {
      const [f, q, sha] = r.best.split(',');
      return { segment: r.segment, localTrack: r.local_track, firstFrame: r.first_frame, lastFrame: r.last_frame, detections: r.n, bestFrame: Number(f), bestQuality: Number(q), bestCropSha256: sha!, faceScore: r.face_score };
    }),
  };
}

// ───────────────────────────── digests ─────────────────────────────

function embeddingHex(b: Buffer): string {
  return b.toString('hex');
}

function blobEmbedding(b: Buffer): Float32Array {
  // Copy: the blob's buffer may not be 4-byte aligned.
  return new Float32Array(new Uint8Array(b).buffer);
}

/**
 * Runs are ordered by when their job was queued (the job id), not by when they committed: the newest run is the
 * one the investigator asked for last. A job that commits after a later-queued job's run (an old job that ran
 * long, one that was retried or resumed) is recorded as history: it supersedes the run before it in that order
 * and never becomes the newest. SQL: the order key of a run.
 */
const RUN_ORDER = 'COALESCE(job_id, 0) DESC, id DESC';

interface RunRow {
  id: number;
  evidence_id: number;
  job_id: number | null;
  supersedes: number | null;
  step: number;
  frames_analysed: number;
  detection_count: number;
  track_count: number;
  near_threshold: number | null;
  settings_json: string;
  models_json: string;
  stats_json: string;
  results_sha256: string;
  crops_sha256: string;
  created_at: string;
  created_by: string;
}

interface TrackRow {
  id: number;
  run_id: number;
  ordinal: number;
  first_frame: number;
  last_frame: number;
  detection_count: number;
  best_frame: number;
  best_quality: number;
  median_width: number;
  max_width: number;
  embedding: Buffer;
  shot: number | null;
  face_score: number | null;
  likely_face: number | null;
}

interface DetRow {
  id: number;
  run_id: number;
  track_id: number;
  frame_idx: number;
  detector_frame: number;
  rank_in_track: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
  level: string;
  landmarks_json: string;
  quality: number;
  q_size: number;
  q_sharpness: number;
  q_exposure: number;
  q_pose: number;
  q_score: number;
  measures_json: string;
  crop_sha256: string;
  embedding: Buffer;
  detector: string | null;
  detector_score: number | null;
  second_opinion: number | null;
  shape_residual: number | null;
}

/** One track as the digest sees it (from a row, or from the summary about to be written). */
interface TrackLine {
  readonly ordinal: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly count: number;
  readonly bestFrame: number;
  readonly bestQuality: number;
  readonly medianWidth: number;
  readonly maxWidth: number;
  readonly embedding: Buffer;
  readonly shot: number | null;
  readonly faceScore: number | null;
  readonly likelyFace: boolean | null;
}

function trackLine(t: TrackLine, legacy: boolean): string {
  return canonicalJson({
    t: t.ordinal,
    firstFrame: t.firstFrame,
    lastFrame: t.lastFrame,
    count: t.count,
    bestFrame: t.bestFrame,
    bestQuality: t.bestQuality,
    medianWidth: t.medianWidth,
    maxWidth: t.maxWidth,
    embedding: embeddingHex(t.embedding),
    ...(legacy ? {} : { shot: t.shot, faceScore: t.faceScore, likelyFace: t.likelyFace }),
  });
}

/** A detection row (face_detections, or the staging query that becomes it) with its track's ordinal. */
type DetLine = Omit<DetRow, 'id' | 'run_id' | 'track_id'> & { readonly ordinal: number };

function detectionLine(d: DetLine, legacy: boolean): string {
  return canonicalJson({
    frame: d.frame_idx,
    detectorFrame: d.detector_frame,
    box: [d.x, d.y, d.w, d.h],
    score: d.score,
    level: d.level,
    landmarks5: JSON.parse(d.landmarks_json) as unknown,
    quality: d.quality,
    components: { size: d.q_size, sharpness: d.q_sharpness, exposure: d.q_exposure, pose: d.q_pose, score: d.q_score },
    measures: JSON.parse(d.measures_json) as unknown,
    crop: d.crop_sha256,
    embedding: embeddingHex(d.embedding),
    track: d.ordinal,
    rank: d.rank_in_track,
    ...(legacy ? {} : { detector: d.detector, detectorScore: d.detector_score, secondOpinion: d.second_opinion, shapeResidual: d.shape_residual }),
  });
}

const cutLine = (r: CutRecord): string => canonicalJson({ cut: r.frame, hist: r.hist, structure: r.structure });
const relationLine = (r: { kind: string; from: number; to: number; frame: number; similarity: number }): string =>
  canonicalJson({ relation: r.kind, from: r.from, to: r.to, frame: r.frame, similarity: r.similarity });

/**
 * SHA-256 of a run's results from its rows: tracks by ordinal, detections in frame order (the order they were
 * written), then shot cuts and track relations. `legacy`: the line format of runs recorded before issue 13.
 */
export function runDigest(c: CaseHandle, runId: number, legacy: boolean): string {
  const h = crypto.createHash('sha256');
  const put = (l: string): void => void h.update(`${l}\n`);
  const ordinalOf = new Map<number, number>();
  for (const t of c.db.prepare('SELECT * FROM face_tracks WHERE run_id = ? ORDER BY ordinal').iterate(runId) as Iterable<TrackRow>) {
    ordinalOf.set(t.id, t.ordinal);
    put(
      trackLine(
        {
          ordinal: t.ordinal,
          firstFrame: t.first_frame,
          lastFrame: t.last_frame,
          count: t.detection_count,
          bestFrame: t.best_frame,
          bestQuality: t.best_quality,
          medianWidth: t.median_width,
          maxWidth: t.max_width,
          embedding: t.embedding,
          shot: t.shot,
          faceScore: t.face_score,
          likelyFace: t.likely_face === null ? null : t.likely_face === 1,
        },
        legacy,
      ),
    );
  }
  for (const d of c.db.prepare('SELECT * FROM face_detections WHERE run_id = ? ORDER BY id').iterate(runId) as Iterable<DetRow>) put(detectionLine({ ...d, ordinal: ordinalOf.get(d.track_id)! }, legacy));
  if (!legacy) {
    for (const r of c.db.prepare('SELECT frame_idx, hist, structure FROM analysis_cuts WHERE run_id = ? ORDER BY frame_idx').iterate(runId) as Iterable<{ frame_idx: number; hist: number; structure: number }>) {
      put(cutLine({ frame: r.frame_idx, hist: r.hist, structure: r.structure }));
    }
    for (const r of c.db.prepare('SELECT * FROM face_track_relations WHERE run_id = ? ORDER BY id').iterate(runId) as Iterable<{ from_track: number; to_track: number; frame_idx: number; kind: string; similarity: number }>) {
      put(relationLine({ kind: r.kind, from: ordinalOf.get(r.from_track)!, to: ordinalOf.get(r.to_track)!, frame: r.frame_idx, similarity: r.similarity }));
    }
  }
  return h.digest('hex');
}

// ───────────────────────────── recording ─────────────────────────────

/** Check what the segments returned and streamed before any of it is recorded. */
export function checkStaged(c: CaseHandle, e: Evidence, jobId: number, step: number, segments: readonly SegmentResult[], expectedFrames: number): void {
  const decoded = segments.reduce((a, s) => a + s.framesDecoded, 0);
  if (decoded !== expectedFrames) {
    throw new SightlineError(
      'CORRUPT_MEDIA',
      `the analysis decoded ${decoded} frames but the frame index of evidence ${e.id} implies ${expectedFrames} (every ${step}. of ${e.frameCount}): nothing was recorded`,
    );
  }
  const staged = (c.db.prepare('SELECT count(*) AS n FROM analysis_staging WHERE job_id = ?').get(jobId) as { n: number }).n;
  const reported = segments.reduce((a, s) => a + s.detections, 0);
  if (staged !== reported) throw new SightlineError('INTERNAL', `the analysis reported ${reported} detections but ${staged} were stored`);
  const bad = c.db.prepare('SELECT frame_idx FROM analysis_staging WHERE job_id = ? AND (frame_idx < 0 OR frame_idx >= ? OR frame_idx % ? != 0 OR length(embedding) != 512) LIMIT 1').get(jobId, e.frameCount, step) as { frame_idx: number } | undefined;
  if (bad) throw new SightlineError('INTERNAL', `the analysis returned a detection at frame ${bad.frame_idx}, which it did not analyse (or a malformed one)`);
  for (const r of c.db.prepare('SELECT DISTINCT crop_sha256 FROM analysis_staging WHERE job_id = ?').iterate(jobId) as Iterable<{ crop_sha256: string }>) {
    if (!fs.existsSync(derivedPath(c, r.crop_sha256))) throw new SightlineError('INTERNAL', `face crop ${r.crop_sha256} is missing from the derived store`);
  }
}

export interface RecordRunInput {
  readonly evidence: Evidence;
  readonly jobId: number;
  readonly settings: AnalysisSettings;
  readonly models: ModelRecord[];
  readonly segments: readonly SegmentResult[];
  readonly merge: MergeResult;
  readonly stats: Record<string, unknown>;
  readonly worker: Record<string, unknown>;
  /** Mean face probability a track needs to count as a face. */
  readonly trackMinScore: number;
}

export interface RecordedRun {
  readonly runId: number;
  readonly evidenceId: number;
  readonly supersedes: number | null;
  /** False when a run of a job queued later was already recorded: this run is history, not what the views show. */
  readonly newest: boolean;
  readonly framesAnalysed: number;
  readonly detections: number;
  readonly tracks: number;
  readonly likelyFaceTracks: number;
  readonly cuts: number;
  readonly splits: number;
  readonly nearThreshold: number;
  readonly nearExamples: NearMiss[];
  readonly resultsSha256: string;
  readonly cropsSha256: string;
  readonly stats: Record<string, unknown>;
}

/** The staging rows of a job as the run's detections: its track's ordinal and its rank in the track, in frame order. */
const STAGED_DETECTIONS = `
  SELECT s.frame_idx, s.detector_frame, s.x, s.y, s.w, s.h, s.score, s.level, s.landmarks_json, s.quality, s.q_size, s.q_sharpness,
    s.q_exposure, s.q_pose, s.q_score, s.measures_json, s.crop_sha256, s.embedding, s.detector, s.detector_score, s.second_opinion,
    s.shape_residual, s.seq, m.ordinal,
    ROW_NUMBER() OVER (PARTITION BY m.ordinal ORDER BY s.quality DESC, s.frame_idx, s.seq) AS rank_in_track
  FROM analysis_staging s JOIN temp.analysis_track_map m ON m.job_id = s.job_id AND m.segment = s.segment AND m.local_track = s.local_track
  WHERE s.job_id = ?
  ORDER BY s.frame_idx, s.seq`;

/** Write a run from the job's staging: tracks, detections, cuts, relations, crop records, audit entry. Call inside the job's commit. */
export function recordRun(c: CaseHandle, input: RecordRunInput): RecordedRun {
  const { evidence: e, settings, merge, segments, jobId } = input;
  const db = c.db;
  const now = new Date().toISOString();
  const order = jobId; // runs are ordered by when their job was queued (RUN_ORDER)
  const previous = db.prepare(`SELECT id FROM analysis_runs WHERE evidence_id = ? AND COALESCE(job_id, 0) < ? ORDER BY ${RUN_ORDER} LIMIT 1`).get(e.id, order) as { id: number } | undefined;
  const newer = db.prepare(`SELECT id FROM analysis_runs WHERE evidence_id = ? AND COALESCE(job_id, 0) > ? ORDER BY ${RUN_ORDER} LIMIT 1`).get(e.id, order) as { id: number } | undefined;
  const framesAnalysed = segments.reduce((a, s) => a + s.framesDecoded, 0);
  const nearCount = segments.reduce((a, s) => a + s.near.count, 0);
  const nearExamples = segments.flatMap((s) => s.near.examples).sort((a, b) => b.score - a.score || a.frame - b.frame).slice(0, 20);
  // A "cut" at the clip's first frame has nothing before it; every other one separates two shots.
  const cuts: CutRecord[] = segments.flatMap((s) => s.cuts).filter((x) => x.frame > 0).sort((a, b) => a.frame - b.frame);

  // The merge's numbering of every segment track.
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS analysis_track_map (job_id INTEGER NOT NULL, segment INTEGER NOT NULL, local_track INTEGER NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY (job_id, segment, local_track))`);
  db.prepare('DELETE FROM temp.analysis_track_map WHERE job_id = ?').run(jobId);
  const insMap = db.prepare('INSERT INTO temp.analysis_track_map (job_id, segment, local_track, ordinal) VALUES (?, ?, ?, ?)');
  for (const t of merge.tracks) for (const m of t.members) insMap.run(jobId, m.segment, m.localId, t.ordinal);

  // Track summaries, one track at a time (nothing here grows with the clip but the number of tracks).
  const agg = db
    .prepare(
      `SELECT m.ordinal, count(*) AS n, min(s.frame_idx) AS first_frame, max(s.frame_idx) AS last_frame, max(s.w) AS max_w, avg(s.score) AS face_score
       FROM analysis_staging s JOIN temp.analysis_track_map m ON m.job_id = s.job_id AND m.segment = s.segment AND m.local_track = s.local_track
       WHERE s.job_id = ? GROUP BY m.ordinal ORDER BY m.ordinal`,
    )
    .all(jobId) as Array<{ ordinal: number; n: number; first_frame: number; last_frame: number; max_w: number; face_score: number }>;
  const ofTrack = `FROM analysis_staging s JOIN temp.analysis_track_map m ON m.job_id = s.job_id AND m.segment = s.segment AND m.local_track = s.local_track WHERE s.job_id = ? AND m.ordinal = ?`;
  const bestQ = db.prepare(`SELECT s.frame_idx, s.quality ${ofTrack} ORDER BY s.quality DESC, s.frame_idx, s.seq LIMIT 1`);
  const widthAt = db.prepare(`SELECT s.w ${ofTrack} ORDER BY s.w LIMIT 1 OFFSET ?`);
  const embs = db.prepare(`SELECT s.quality, s.embedding ${ofTrack} ORDER BY s.frame_idx, s.seq`);
  const shotOf = new Map(merge.tracks.map((t) => [t.ordinal, t.shot]));
  const trackLines: Array<TrackLine> = agg.map((a) => {
    const best = bestQ.get(jobId, a.ordinal) as { frame_idx: number; quality: number };
    const mid = (a.n - 1) >> 1;
    const w1 = (widthAt.get(jobId, a.ordinal, mid) as { w: number }).w;
    const median = a.n % 2 ? w1 : (w1 + (widthAt.get(jobId, a.ordinal, mid + 1) as { w: number }).w) / 2;
    const sum = new Float64Array(128);
    for (const r of embs.iterate(jobId, a.ordinal) as Iterable<{ quality: number; embedding: Buffer }>) {
      const wgt = Math.max(0.05, r.quality);
      const v = blobEmbedding(r.embedding);
      for (let i = 0; i < 128; i++) sum[i]! += wgt * v[i]!;
    }
    let norm = 0;
    for (let i = 0; i < 128; i++) norm += sum[i]! * sum[i]!;
    norm = Math.sqrt(norm) || 1;
    const emb = Float32Array.from(sum, (v) => v / norm);
    return {
      ordinal: a.ordinal,
      firstFrame: a.first_frame,
      lastFrame: a.last_frame,
      count: a.n,
      bestFrame: best.frame_idx,
      bestQuality: best.quality,
      medianWidth: median,
      maxWidth: a.max_w,
      embedding: blob(emb),
      shot: shotOf.get(a.ordinal) ?? 0,
      faceScore: a.face_score,
      likelyFace: a.face_score >= input.trackMinScore,
    };
  });
  if (trackLines.length !== merge.tracks.length) throw new SightlineError('INTERNAL', `the merge numbered ${merge.tracks.length} tracks but ${trackLines.length} have detections`);

  // The digests, from exactly the values about to be written (verifyRunDigest recomputes them from the rows).
  const h = crypto.createHash('sha256');
  const put = (l: string): void => void h.update(`${l}\n`);
  for (const t of trackLines) put(trackLine(t, false));
  let detections = 0;
  for (const d of db.prepare(STAGED_DETECTIONS).iterate(jobId) as Iterable<DetLine>) {
    put(detectionLine(d, false));
    detections++;
  }
  for (const x of cuts) put(cutLine(x));
  for (const r of merge.relations) put(relationLine(r));
  const resultsSha256 = h.digest('hex');
  const ch = crypto.createHash('sha256');
  for (const r of db.prepare('SELECT DISTINCT crop_sha256 FROM analysis_staging WHERE job_id = ? ORDER BY crop_sha256').iterate(jobId) as Iterable<{ crop_sha256: string }>) ch.update(`${r.crop_sha256}\n`);
  const cropsSha256 = ch.digest('hex');
  const cropCount = (db.prepare('SELECT count(DISTINCT crop_sha256) AS n FROM analysis_staging WHERE job_id = ?').get(jobId) as { n: number }).n;

  const runId = Number(
    db
      .prepare(
        `INSERT INTO analysis_runs (evidence_id, job_id, supersedes, step, frames_analysed, detection_count, track_count, settings_json,
           models_json, stats_json, results_sha256, crops_sha256, created_at, created_by, near_threshold)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.id,
        jobId,
        previous?.id ?? null,
        settings.step,
        framesAnalysed,
        detections,
        trackLines.length,
        canonicalJson(settings),
        canonicalJson(input.models),
        canonicalJson({ ...input.stats, worker: input.worker }),
        resultsSha256,
        cropsSha256,
        now,
        c.examiner,
        nearCount,
      ).lastInsertRowid,
  );
  const insTrack = db.prepare(
    `INSERT INTO face_tracks (run_id, ordinal, first_frame, last_frame, detection_count, best_frame, best_quality, median_width, max_width, embedding,
       shot, face_score, likely_face)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trackIds = new Map<number, number>();
  for (const t of trackLines) {
    const id = Number(
      insTrack.run(runId, t.ordinal, t.firstFrame, t.lastFrame, t.count, t.bestFrame, t.bestQuality, t.medianWidth, t.maxWidth, t.embedding, t.shot, t.faceScore, t.likelyFace ? 1 : 0)
        .lastInsertRowid,
    );
    trackIds.set(t.ordinal, id);
  }
  // Each crop file's record (before the detections, which reference it): the first detection that produced it.
  // Read in pages: better-sqlite3 runs no other statement while an iterator is open.
  const page = db.prepare('SELECT id, frame_idx, x, y, w, h, landmarks_json, crop_sha256, crop_width, crop_height FROM analysis_staging WHERE job_id = ? AND id > ? ORDER BY id LIMIT 512');
  for (let after = 0; ; ) {
    const rows = page.all(jobId, after) as Array<{ id: number; frame_idx: number; x: number; y: number; w: number; h: number; landmarks_json: string; crop_sha256: string; crop_width: number; crop_height: number }>;
    if (!rows.length) break;
    after = rows[rows.length - 1]!.id;
    for (const d of rows) {
      recordDerived(c, { sha256: d.crop_sha256, path: derivedPath(c, d.crop_sha256), width: d.crop_width, height: d.crop_height }, {
        kind: 'face-crop',
        evidenceId: e.id,
        params: { frame: d.frame_idx, box: { x: d.x, y: d.y, w: d.w, h: d.h }, landmarks5: JSON.parse(d.landmarks_json) as unknown, template: `dlib-5pt-${d.crop_width}` },
        width: d.crop_width,
        height: d.crop_height,
      });
    }
  }
  // Set-based: the staging rows become the run's detections in frame order (ids follow it), with their track and rank.
  db.prepare(
    `INSERT INTO face_detections (run_id, track_id, evidence_id, frame_idx, detector_frame, rank_in_track, x, y, w, h, score, level, landmarks_json,
       quality, q_size, q_sharpness, q_exposure, q_pose, q_score, measures_json, crop_sha256, embedding, detector, detector_score, second_opinion, shape_residual)
     SELECT ?, t.id, ?, d.frame_idx, d.detector_frame, d.rank_in_track, d.x, d.y, d.w, d.h, d.score, d.level, d.landmarks_json, d.quality, d.q_size,
       d.q_sharpness, d.q_exposure, d.q_pose, d.q_score, d.measures_json, d.crop_sha256, d.embedding, d.detector, d.detector_score, d.second_opinion,
       d.shape_residual
     FROM (${STAGED_DETECTIONS}) d JOIN face_tracks t ON t.run_id = ? AND t.ordinal = d.ordinal
     ORDER BY d.frame_idx, d.seq`,
  ).run(runId, e.id, jobId, runId);
  const insCut = db.prepare('INSERT INTO analysis_cuts (run_id, frame_idx, hist, structure) VALUES (?, ?, ?, ?)');
  for (const x of cuts) insCut.run(runId, x.frame, x.hist, x.structure);
  const insRel = db.prepare('INSERT INTO face_track_relations (run_id, from_track, to_track, frame_idx, kind, similarity) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of merge.relations) insRel.run(runId, trackIds.get(r.from)!, trackIds.get(r.to)!, r.frame, r.kind, r.similarity);
  const likely = trackLines.filter((t) => t.likelyFace).length;
  const splits = merge.relations.filter((r) => r.kind !== 'same-person').length;
  c.audit.append({
    action: 'analysis.run',
    params: {
      evidenceId: e.id,
      runId,
      jobId,
      supersedes: previous?.id ?? null,
      newest: newer === undefined,
      ...(newer ? { supersededBy: newer.id } : {}),
      settings,
      models: input.models,
      worker: input.worker,
      framesAnalysed,
      detections,
      tracks: trackLines.length,
      likelyFaceTracks: likely,
      segments: segments.length,
      cuts: cuts.length,
      trackRelations: { identitySplits: merge.relations.filter((r) => r.kind === 'identity-split').length, cutSplits: merge.relations.filter((r) => r.kind === 'cut-split').length, samePerson: merge.relations.filter((r) => r.kind === 'same-person').length },
      nearThreshold: nearCount,
    },
    inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }, ...input.models.map((m) => ({ sha256: m.sha256, role: 'model', name: m.id }))],
    outputs: [
      { sha256: resultsSha256, role: 'analysis-results', name: `run ${runId}: ${detections} detections in ${trackLines.length} tracks` },
      { sha256: cropsSha256, role: 'face-crops', name: `${cropCount} aligned face crops (SHA-256 of their sorted hashes)` },
    ],
  });
  clearStaging(c, jobId);
  db.prepare('DELETE FROM temp.analysis_track_map WHERE job_id = ?').run(jobId);
  return {
    runId,
    evidenceId: e.id,
    supersedes: previous?.id ?? null,
    newest: newer === undefined,
    framesAnalysed,
    detections,
    tracks: trackLines.length,
    likelyFaceTracks: likely,
    cuts: cuts.length,
    splits,
    nearThreshold: nearCount,
    nearExamples,
    resultsSha256,
    cropsSha256,
    stats: input.stats,
  };
}

// ───────────────────────────── reading ─────────────────────────────

function toRun(r: RunRow): AnalysisRun {
  return {
    id: r.id,
    evidenceId: r.evidence_id,
    jobId: r.job_id,
    supersedes: r.supersedes,
    step: r.step,
    framesAnalysed: r.frames_analysed,
    detectionCount: r.detection_count,
    trackCount: r.track_count,
    nearThreshold: r.near_threshold,
    settings: JSON.parse(r.settings_json) as AnalysisSettings,
    models: JSON.parse(r.models_json) as ModelRecord[],
    stats: JSON.parse(r.stats_json) as Record<string, unknown>,
    resultsSha256: r.results_sha256,
    cropsSha256: r.crops_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function listRuns(c: CaseHandle, evidenceId: number): AnalysisRun[] {
  return (c.db.prepare(`SELECT * FROM analysis_runs WHERE evidence_id = ? ORDER BY ${RUN_ORDER}`).all(evidenceId) as RunRow[]).map(toRun);
}

export function latestRun(c: CaseHandle, evidenceId: number): AnalysisRun | null {
  const r = c.db.prepare(`SELECT * FROM analysis_runs WHERE evidence_id = ? ORDER BY ${RUN_ORDER} LIMIT 1`).get(evidenceId) as RunRow | undefined;
  return r ? toRun(r) : null;
}

export function getRun(c: CaseHandle, runId: number): AnalysisRun {
  const r = c.db.prepare('SELECT * FROM analysis_runs WHERE id = ?').get(runId) as RunRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no analysis run ${runId} in this case`);
  return toRun(r);
}

/** The run a view shows: the one asked for (it must belong to the evidence), else the newest. */
function runFor(c: CaseHandle, evidenceId: number, runId?: number): AnalysisRun | null {
  if (runId === undefined) return latestRun(c, evidenceId);
  const run = getRun(c, runId);
  if (run.evidenceId !== evidenceId) throw new SightlineError('INVALID_INPUT', `analysis run ${runId} is of evidence ${run.evidenceId}, not ${evidenceId}`);
  return run;
}

function toDetection(r: DetRow): DetectionSummary {
  return {
    id: r.id,
    trackId: r.track_id,
    frame: r.frame_idx,
    detectorFrame: r.detector_frame,
    rank: r.rank_in_track,
    box: { x: r.x, y: r.y, w: r.w, h: r.h },
    score: r.score,
    level: r.level,
    detector: r.detector,
    detectorScore: r.detector_score,
    secondOpinion: r.second_opinion,
    shapeResidual: r.shape_residual,
    quality: r.quality,
    components: { size: r.q_size, sharpness: r.q_sharpness, exposure: r.q_exposure, pose: r.q_pose, score: r.q_score },
    landmarks5: JSON.parse(r.landmarks_json) as Array<[number, number]>,
    cropSha256: r.crop_sha256,
  };
}

/**
 * Tracks of a run (default: the newest run of the evidence), each with its best detections: tracks that count as
 * faces first, in order of appearance, then the doubtful ones (the face check's mean probability below the run's
 * track threshold) — a fist tracked for a second never heads the list. Also the run's shot cuts and the recorded
 * relations between tracks (splits, same person across a cut).
 */
export function listTracks(
  c: CaseHandle,
  evidenceId: number,
  opts: { runId?: number; best?: number } = {},
): { run: AnalysisRun | null; tracks: TrackSummary[]; relations: TrackRelationRecord[]; cuts: CutRecord[] } {
  const run = runFor(c, evidenceId, opts.runId);
  if (!run) return { run: null, tracks: [], relations: [], cuts: [] };
  const rows = c.db.prepare('SELECT * FROM face_tracks WHERE run_id = ? ORDER BY COALESCE(likely_face, 1) DESC, ordinal').all(run.id) as TrackRow[];
  const bestQ = c.db.prepare('SELECT * FROM face_detections WHERE track_id = ? ORDER BY rank_in_track LIMIT ?');
  const n = Math.max(1, opts.best ?? 5);
  return {
    run,
    tracks: rows.map((t) => ({
      id: t.id,
      runId: t.run_id,
      ordinal: t.ordinal,
      firstFrame: t.first_frame,
      lastFrame: t.last_frame,
      detections: t.detection_count,
      medianWidth: t.median_width,
      maxWidth: t.max_width,
      bestFrame: t.best_frame,
      bestQuality: t.best_quality,
      shot: t.shot,
      faceScore: t.face_score,
      likelyFace: t.likely_face === null ? null : t.likely_face === 1,
      best: (bestQ.all(t.id, n) as DetRow[]).map(toDetection),
    })),
    relations: trackRelations(c, run.id),
    cuts: (c.db.prepare('SELECT frame_idx, hist, structure FROM analysis_cuts WHERE run_id = ? ORDER BY frame_idx').all(run.id) as Array<{ frame_idx: number; hist: number; structure: number }>).map((r) => ({
      frame: r.frame_idx,
      hist: r.hist,
      structure: r.structure,
    })),
  };
}

export function trackRelations(c: CaseHandle, runId: number): TrackRelationRecord[] {
  return (
    c.db
      .prepare(
        `SELECT r.from_track, r.to_track, r.frame_idx, r.kind, r.similarity, a.ordinal AS from_ordinal, b.ordinal AS to_ordinal
         FROM face_track_relations r JOIN face_tracks a ON a.id = r.from_track JOIN face_tracks b ON b.id = r.to_track
         WHERE r.run_id = ? ORDER BY r.id`,
      )
      .all(runId) as Array<{ from_track: number; to_track: number; frame_idx: number; kind: RelationKind; similarity: number; from_ordinal: number; to_ordinal: number }>
  ).map((r) => ({ fromTrack: r.from_track, toTrack: r.to_track, from: r.from_ordinal, to: r.to_ordinal, frame: r.frame_idx, kind: r.kind, similarity: r.similarity }));
}

export function getTrack(c: CaseHandle, trackId: number): { track: TrackRow; run: AnalysisRun } {
  const track = c.db.prepare('SELECT * FROM face_tracks WHERE id = ?').get(trackId) as TrackRow | undefined;
  if (!track) throw new SightlineError('NOT_FOUND', `no face track ${trackId} in this case`);
  return { track, run: getRun(c, track.run_id) };
}

/** Every detection of a track, best first (the filmstrip, frame selection for fusion). */
export function trackDetections(c: CaseHandle, trackId: number): DetectionSummary[] {
  getTrack(c, trackId);
  return (c.db.prepare('SELECT * FROM face_detections WHERE track_id = ? ORDER BY rank_in_track').all(trackId) as DetRow[]).map(toDetection);
}

/**
 * Boxes to draw on frame `index`: the run's detections there, plus, for tracks that span the frame without a
 * detection on it (a frame skipped by `step`, or a missed detection the tracker bridged), a box interpolated
 * linearly between the track's neighbouring detections, marked `interpolated`.
 */
export function facesForFrame(c: CaseHandle, evidenceId: number, index: number, runId?: number): { runId: number | null; faces: FaceBox[] } {
  const run = runFor(c, evidenceId, runId);
  if (!run) return { runId: null, faces: [] };
  const rows = c.db
    .prepare(
      `SELECT d.*, t.ordinal, t.likely_face FROM face_detections d JOIN face_tracks t ON t.id = d.track_id
       WHERE d.run_id = ? AND d.frame_idx = ? ORDER BY t.ordinal`,
    )
    .all(run.id, index) as Array<DetRow & { ordinal: number; likely_face: number | null }>;
  const faces: FaceBox[] = rows.map((r) => ({
    detectionId: r.id,
    trackId: r.track_id,
    track: r.ordinal,
    box: { x: r.x, y: r.y, w: r.w, h: r.h },
    score: r.score,
    quality: r.quality,
    detectorFrame: r.detector_frame,
    interpolated: false,
    landmarks5: JSON.parse(r.landmarks_json) as Array<[number, number]>,
    likelyFace: r.likely_face === null ? null : r.likely_face === 1,
  }));
  const present = new Set(rows.map((r) => r.track_id));
  const spanning = c.db.prepare('SELECT id, ordinal, likely_face FROM face_tracks WHERE run_id = ? AND first_frame < ? AND last_frame > ? ORDER BY ordinal').all(run.id, index, index) as Array<{
    id: number;
    ordinal: number;
    likely_face: number | null;
  }>;
  const before = c.db.prepare('SELECT frame_idx, x, y, w, h FROM face_detections WHERE track_id = ? AND frame_idx < ? ORDER BY frame_idx DESC LIMIT 1');
  const after = c.db.prepare('SELECT frame_idx, x, y, w, h FROM face_detections WHERE track_id = ? AND frame_idx > ? ORDER BY frame_idx LIMIT 1');
  type B = { frame_idx: number; x: number; y: number; w: number; h: number };
  for (const t of spanning) {
    if (present.has(t.id)) continue;
    const a = before.get(t.id, index) as B | undefined;
    const b = after.get(t.id, index) as B | undefined;
    if (!a || !b) continue;
    const f = (index - a.frame_idx) / (b.frame_idx - a.frame_idx);
    const lerp = (u: number, v: number): number => u + (v - u) * f;
    faces.push({
      detectionId: null,
      trackId: t.id,
      track: t.ordinal,
      box: { x: lerp(a.x, b.x), y: lerp(a.y, b.y), w: lerp(a.w, b.w), h: lerp(a.h, b.h) },
      score: null,
      quality: null,
      detectorFrame: null,
      interpolated: true,
      landmarks5: null,
      likelyFace: t.likely_face === null ? null : t.likely_face === 1,
    });
  }
  return { runId: run.id, faces };
}

/** Recompute a run's results digest from its rows and compare with the one recorded when it was written. */
export function verifyRunDigest(c: CaseHandle, runId: number): { ok: boolean; recorded: string; actual: string } {
  const run = getRun(c, runId);
  const actual = runDigest(c, runId, run.nearThreshold === null);
  return { ok: actual === run.resultsSha256, recorded: run.resultsSha256, actual };
}

export { blobEmbedding };
