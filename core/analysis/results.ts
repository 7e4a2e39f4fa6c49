/**
 * Analysis results in the case database: recording a run (inside the job's commit) and the read side the views,
 * the CLI and later stages use.
 *
 * Reproducibility record. Each run stores `results_sha256`: SHA-256 over the canonical JSON of its tracks and
 * detections (one line each, in a fixed order, embeddings as the hex of their float32 bytes), computed from
 * exactly the values written. `verifyRunDigest` recomputes it from the rows, so a changed row is detectable, and
 * two runs of the same clip with the same settings and models can be compared by one hash. The audit entry
 * carries the same hash.
 */
import fs from 'node:fs';
import type { CaseHandle } from '../case';
import { canonicalJson } from '../../domain/canonicalJson';
import { derivedPath, recordDerived } from '../derived';
import { SightlineError } from '../../domain/errors';
import type { Evidence } from '../evidence';
import { sha256Hex } from '../../platform/hashing';
import type { AnalyzeResult, AnalyzedDetection, AnalyzedTrack } from '../../workers/analysis/analyze';
import type { AnalysisSettings } from '../../domain/analysis';
import type { QualityComponents } from '../../workers/analysis/quality';

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
  readonly score: number;
  readonly level: string;
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
  /** The track's best detections, best first. */
  readonly best: DetectionSummary[];
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
}

// ───────────────────────────── digests ─────────────────────────────

function embeddingHex(e: Float32Array): string {
  return Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('hex');
}

function embeddingBlob(e: Float32Array): Buffer {
  return Buffer.from(e.buffer, e.byteOffset, e.byteLength);
}

function blobEmbedding(b: Buffer): Float32Array {
  // Copy: the blob's buffer may not be 4-byte aligned.
  return new Float32Array(new Uint8Array(b).buffer);
}

function trackLine(t: AnalyzedTrack): string {
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
  });
}

function detectionLine(d: AnalyzedDetection): string {
  return canonicalJson({
    frame: d.frame,
    detectorFrame: d.detectorFrame,
    box: [d.box.x, d.box.y, d.box.w, d.box.h],
    score: d.score,
    level: d.level,
    landmarks5: d.landmarks5,
    quality: d.quality,
    components: d.components,
    measures: d.measures,
    crop: d.crop.sha256,
    embedding: embeddingHex(d.embedding),
    track: d.track,
    rank: d.rank,
  });
}

/** SHA-256 of a run's results: tracks by ordinal, then detections in frame order (the worker's order). */
export function resultsDigest(tracks: readonly AnalyzedTrack[], detections: readonly AnalyzedDetection[]): string {
  const lines = [...tracks.map(trackLine), ...detections.map(detectionLine)];
  return sha256Hex(`${lines.join('\n')}\n`);
}

/** SHA-256 of the sorted, distinct crop hashes: names every crop file of the run in one hash. */
export function cropsDigest(detections: readonly AnalyzedDetection[]): string {
  return sha256Hex(`${[...new Set(detections.map((d) => d.crop.sha256))].sort().join('\n')}\n`);
}

// ───────────────────────────── recording ─────────────────────────────

/** Check what a worker returned before any of it is recorded. */
export function checkResult(c: CaseHandle, e: Evidence, step: number, r: AnalyzeResult): void {
  if (r.stats.framesDecoded !== r.stats.framesExpected) {
    throw new SightlineError(
      'CORRUPT_MEDIA',
      `the analysis decoded ${r.stats.framesDecoded} frames but the frame index of evidence ${e.id} implies ${r.stats.framesExpected} (every ${step}. of ${e.frameCount}): nothing was recorded`,
    );
  }
  if (r.stats.framesVerified !== r.stats.framesDecoded) {
    throw new SightlineError('INTERNAL', `the analysis verified ${r.stats.framesVerified} of ${r.stats.framesDecoded} decoded frames against the frame index: nothing was recorded`);
  }
  const crops = new Set<string>();
  for (const d of r.detections) {
    if (!Number.isInteger(d.frame) || d.frame < 0 || d.frame >= e.frameCount || d.frame % step !== 0) {
      throw new SightlineError('INTERNAL', `the analysis returned a detection at frame ${d.frame}, which it did not analyse`);
    }
    if (d.embedding.length !== 128 || d.track < 1 || d.rank < 1) throw new SightlineError('INTERNAL', 'the analysis returned a malformed detection');
    crops.add(d.crop.sha256);
  }
  for (const sha of crops) {
    if (!fs.existsSync(derivedPath(c, sha))) throw new SightlineError('INTERNAL', `face crop ${sha} is missing from the derived store`);
  }
}

export interface RecordRunInput {
  readonly evidence: Evidence;
  readonly jobId: number | null;
  readonly settings: AnalysisSettings;
  readonly models: ModelRecord[];
  readonly result: AnalyzeResult;
  readonly worker: Record<string, unknown>;
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
  readonly resultsSha256: string;
  readonly cropsSha256: string;
  readonly stats: AnalyzeResult['stats'];
}

/**
 * Runs are ordered by when their job was queued (the job id), not by when they committed: the newest run is the
 * one the investigator asked for last. A job that commits after a later-queued job's run (an old job that ran
 * long, one that was retried or resumed) is recorded as history: it supersedes the run before it in that order
 * and never becomes the newest. SQL: the order key of a run.
 */
const RUN_ORDER = 'COALESCE(job_id, 0) DESC, id DESC';

/** Write a run, its tracks, detections, crop records and audit entry. Call inside the job's commit. */
export function recordRun(c: CaseHandle, input: RecordRunInput): RecordedRun {
  const { evidence: e, result: r, settings } = input;
  const db = c.db;
  const now = new Date().toISOString();
  const order = input.jobId ?? Number.MAX_SAFE_INTEGER;
  const previous = db.prepare(`SELECT id FROM analysis_runs WHERE evidence_id = ? AND COALESCE(job_id, 0) < ? ORDER BY ${RUN_ORDER} LIMIT 1`).get(e.id, order) as { id: number } | undefined;
  const newer = db.prepare(`SELECT id FROM analysis_runs WHERE evidence_id = ? AND COALESCE(job_id, 0) > ? ORDER BY ${RUN_ORDER} LIMIT 1`).get(e.id, order) as { id: number } | undefined;
  const resultsSha256 = resultsDigest(r.tracks, r.detections);
  const cropsSha256 = cropsDigest(r.detections);
  const runId = Number(
    db
      .prepare(
        `INSERT INTO analysis_runs (evidence_id, job_id, supersedes, step, frames_analysed, detection_count, track_count, settings_json,
           models_json, stats_json, results_sha256, crops_sha256, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        e.id,
        input.jobId,
        previous?.id ?? null,
        settings.step,
        r.stats.framesDecoded,
        r.detections.length,
        r.tracks.length,
        canonicalJson(settings),
        canonicalJson(input.models),
        canonicalJson({ ...r.stats, worker: input.worker }),
        resultsSha256,
        cropsSha256,
        now,
        c.examiner,
      ).lastInsertRowid,
  );
  const insTrack = db.prepare(
    `INSERT INTO face_tracks (run_id, ordinal, first_frame, last_frame, detection_count, best_frame, best_quality, median_width, max_width, embedding)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const trackIds = new Map<number, number>();
  for (const t of r.tracks) {
    const id = Number(insTrack.run(runId, t.ordinal, t.firstFrame, t.lastFrame, t.count, t.bestFrame, t.bestQuality, t.medianWidth, t.maxWidth, embeddingBlob(t.embedding)).lastInsertRowid);
    trackIds.set(t.ordinal, id);
  }
  const seenCrops = new Set<string>();
  const insDet = db.prepare(
    `INSERT INTO face_detections (run_id, track_id, evidence_id, frame_idx, detector_frame, rank_in_track, x, y, w, h, score, level, landmarks_json,
       quality, q_size, q_sharpness, q_exposure, q_pose, q_score, measures_json, crop_sha256, embedding)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const d of r.detections) {
    if (!seenCrops.has(d.crop.sha256)) {
      seenCrops.add(d.crop.sha256);
      recordDerived(c, { sha256: d.crop.sha256, path: derivedPath(c, d.crop.sha256), width: d.crop.width, height: d.crop.height }, {
        kind: 'face-crop',
        evidenceId: e.id,
        params: { frame: d.frame, box: d.box, landmarks5: d.landmarks5, template: `dlib-5pt-${d.crop.width}` },
        width: d.crop.width,
        height: d.crop.height,
      });
    }
    const q = d.components;
    insDet.run(
      runId,
      trackIds.get(d.track)!,
      e.id,
      d.frame,
      d.detectorFrame,
      d.rank,
      d.box.x,
      d.box.y,
      d.box.w,
      d.box.h,
      d.score,
      d.level,
      JSON.stringify(d.landmarks5),
      d.quality,
      q.size,
      q.sharpness,
      q.exposure,
      q.pose,
      q.score,
      canonicalJson(d.measures),
      d.crop.sha256,
      embeddingBlob(d.embedding),
    );
  }
  c.audit.append({
    action: 'analysis.run',
    params: {
      evidenceId: e.id,
      runId,
      jobId: input.jobId,
      supersedes: previous?.id ?? null,
      newest: newer === undefined,
      ...(newer ? { supersededBy: newer.id } : {}),
      settings,
      models: input.models,
      worker: input.worker,
      framesAnalysed: r.stats.framesDecoded,
      detections: r.detections.length,
      tracks: r.tracks.length,
      tilesRun: r.stats.tilesRun,
      tilesReused: r.stats.tilesReused,
      tilesFlat: r.stats.tilesFlat,
    },
    inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }, ...input.models.map((m) => ({ sha256: m.sha256, role: 'model', name: m.id }))],
    outputs: [
      { sha256: resultsSha256, role: 'analysis-results', name: `run ${runId}: ${r.detections.length} detections in ${r.tracks.length} tracks` },
      { sha256: cropsSha256, role: 'face-crops', name: `${seenCrops.size} aligned face crops (SHA-256 of their sorted hashes)` },
    ],
  });
  return {
    runId,
    evidenceId: e.id,
    supersedes: previous?.id ?? null,
    newest: newer === undefined,
    framesAnalysed: r.stats.framesDecoded,
    detections: r.detections.length,
    tracks: r.tracks.length,
    resultsSha256,
    cropsSha256,
    stats: r.stats,
  };
}

// ───────────────────────────── reading ─────────────────────────────

interface RunRow {
  id: number;
  evidence_id: number;
  job_id: number | null;
  supersedes: number | null;
  step: number;
  frames_analysed: number;
  detection_count: number;
  track_count: number;
  settings_json: string;
  models_json: string;
  stats_json: string;
  results_sha256: string;
  crops_sha256: string;
  created_at: string;
  created_by: string;
}

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
    quality: r.quality,
    components: { size: r.q_size, sharpness: r.q_sharpness, exposure: r.q_exposure, pose: r.q_pose, score: r.q_score },
    landmarks5: JSON.parse(r.landmarks_json) as Array<[number, number]>,
    cropSha256: r.crop_sha256,
  };
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
}

/** Tracks of a run (default: the newest run of the evidence) in order of appearance, each with its best detections. */
export function listTracks(c: CaseHandle, evidenceId: number, opts: { runId?: number; best?: number } = {}): { run: AnalysisRun | null; tracks: TrackSummary[] } {
  const run = runFor(c, evidenceId, opts.runId);
  if (!run) return { run: null, tracks: [] };
  const rows = c.db.prepare('SELECT * FROM face_tracks WHERE run_id = ? ORDER BY ordinal').all(run.id) as TrackRow[];
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
      best: (bestQ.all(t.id, n) as DetRow[]).map(toDetection),
    })),
  };
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
      `SELECT d.*, t.ordinal FROM face_detections d JOIN face_tracks t ON t.id = d.track_id
       WHERE d.run_id = ? AND d.frame_idx = ? ORDER BY t.ordinal`,
    )
    .all(run.id, index) as Array<DetRow & { ordinal: number }>;
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
  }));
  const present = new Set(rows.map((r) => r.track_id));
  const spanning = c.db.prepare('SELECT id, ordinal FROM face_tracks WHERE run_id = ? AND first_frame < ? AND last_frame > ? ORDER BY ordinal').all(run.id, index, index) as Array<{
    id: number;
    ordinal: number;
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
    });
  }
  return { runId: run.id, faces };
}

/** Recompute a run's results digest from its rows and compare with the one recorded when it was written. */
export function verifyRunDigest(c: CaseHandle, runId: number): { ok: boolean; recorded: string; actual: string } {
  const run = getRun(c, runId);
  const trackRows = c.db.prepare('SELECT * FROM face_tracks WHERE run_id = ? ORDER BY ordinal').all(runId) as TrackRow[];
  const ordinalOf = new Map(trackRows.map((t) => [t.id, t.ordinal]));
  const tracks: AnalyzedTrack[] = trackRows.map((t) => ({
    ordinal: t.ordinal,
    firstFrame: t.first_frame,
    lastFrame: t.last_frame,
    count: t.detection_count,
    bestFrame: t.best_frame,
    bestQuality: t.best_quality,
    medianWidth: t.median_width,
    maxWidth: t.max_width,
    embedding: blobEmbedding(t.embedding),
  }));
  const detRows = c.db.prepare('SELECT * FROM face_detections WHERE run_id = ? ORDER BY id').all(runId) as DetRow[];
  const detections: AnalyzedDetection[] = detRows.map((r) => ({
    frame: r.frame_idx,
    detectorFrame: r.detector_frame,
    box: { x: r.x, y: r.y, w: r.w, h: r.h },
    score: r.score,
    level: r.level,
    landmarks5: JSON.parse(r.landmarks_json) as Array<[number, number]>,
    quality: r.quality,
    components: { size: r.q_size, sharpness: r.q_sharpness, exposure: r.q_exposure, pose: r.q_pose, score: r.q_score },
    measures: JSON.parse(r.measures_json) as AnalyzedDetection['measures'],
    crop: { sha256: r.crop_sha256, width: 0, height: 0 },
    embedding: blobEmbedding(r.embedding),
    track: ordinalOf.get(r.track_id)!,
    rank: r.rank_in_track,
  }));
  const actual = resultsDigest(tracks, detections);
  return { ok: actual === run.resultsSha256, recorded: run.resultsSha256, actual };
}
