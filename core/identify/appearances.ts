/**
 * Appearances: one track searched against every other track of every analysed clip of the case (the newest run
 * of each), each compared as its template. Every other track is listed with its score; those that pass the gate
 * (both templates' quality above the threshold, similarity above it) are "candidate appearances".
 *
 * The calibration was measured for a probe against a clean reference photo; two surveillance templates compared
 * with each other score lower for the same person, so the FMR and LR shown here (from the band of the smaller of
 * the two faces) are indicative only, and every result says so.
 */
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import { LEAD_NOT_IDENTIFICATION, type GateThresholds } from '../../domain/identify';
import { sha256Hex } from '../../platform/hashing';
import { latestRun } from '../analysis/results';
import type { CaseHandle } from '../case';
import { listEvidence } from '../evidence';
import { calibrationInUse, getGate, modelInUse } from './common';
import { judgeScore, type Candidate } from './identifications';
import { getTemplate, templateEmbedding } from './templates';

export const APPEARANCE_CAVEAT =
  'Scores compare two surveillance templates; the false-match rate and likelihood ratio were calibrated for a probe against a reference photo, so here they are indicative only. ' + LEAD_NOT_IDENTIFICATION;

export interface Appearance extends Pick<Candidate, 'score' | 'similarity' | 'fmr' | 'lr' | 'gate'> {
  readonly trackId: number;
  readonly templateId: number;
  readonly evidenceId: number;
  readonly originalName: string;
  readonly runId: number;
  readonly ordinal: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly bestFrame: number;
  readonly quality: number;
  /** Same clip and overlapping frames as the query: two faces at once, so not the same person unless the tracker split one. */
  readonly simultaneous: boolean;
}

export interface AppearanceSearch {
  readonly id: number;
  readonly trackId: number;
  readonly templateId: number;
  readonly tracksSearched: number;
  readonly results: Appearance[];
  readonly gate: GateThresholds;
  readonly calibration: { readonly id: string; readonly sha256: string };
  readonly model: { readonly id: string; readonly sha256: string };
  readonly caveat: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Track ids of the newest run of every analysed evidence item. */
export function searchableTracks(c: CaseHandle): Array<{ trackId: number; runId: number; evidenceId: number }> {
  const out: Array<{ trackId: number; runId: number; evidenceId: number }> = [];
  for (const e of listEvidence(c)) {
    const run = latestRun(c, e.id);
    if (!run) continue;
    const rows = c.db.prepare('SELECT id FROM face_tracks WHERE run_id = ? ORDER BY ordinal').all(run.id) as Array<{ id: number }>;
    for (const r of rows) out.push({ trackId: r.id, runId: run.id, evidenceId: e.id });
  }
  return out;
}

interface TrackRow {
  id: number;
  run_id: number;
  ordinal: number;
  first_frame: number;
  last_frame: number;
  best_frame: number;
}

/** Compare the query template with the others' and record the search (call inside a transaction). */
export function recordAppearances(c: CaseHandle, queryTemplateId: number, others: ReadonlyArray<{ trackId: number; templateId: number }>, jobId: number | null): AppearanceSearch {
  const q = getTemplate(c, queryTemplateId);
  const qe = templateEmbedding(c, queryTemplateId);
  const cal = calibrationInUse();
  const model = modelInUse();
  const gate = getGate(c);
  const qRow = c.db.prepare('SELECT * FROM face_tracks WHERE id = ?').get(q.trackId) as TrackRow;
  const names = new Map(listEvidence(c).map((e) => [e.id, e.originalName]));
  const results: Appearance[] = others
    .filter((o) => o.trackId !== q.trackId)
    .map((o) => {
      const t = getTemplate(c, o.templateId);
      const e = templateEmbedding(c, o.templateId);
      let s = 0;
      for (let k = 0; k < e.length; k++) s += e[k]! * qe[k]!;
      const row = c.db.prepare('SELECT * FROM face_tracks WHERE id = ?').get(o.trackId) as TrackRow;
      const judged = judgeScore(cal, Math.min(q.faceWidth, t.faceWidth), Math.min(q.quality, t.quality), s, gate);
      return {
        trackId: o.trackId,
        templateId: o.templateId,
        evidenceId: t.evidenceId,
        originalName: names.get(t.evidenceId) ?? `evidence ${t.evidenceId}`,
        runId: row.run_id,
        ordinal: row.ordinal,
        firstFrame: row.first_frame,
        lastFrame: row.last_frame,
        bestFrame: row.best_frame,
        quality: t.quality,
        simultaneous: row.run_id === qRow.run_id && row.first_frame <= qRow.last_frame && row.last_frame >= qRow.first_frame,
        ...judged,
      };
    })
    .sort((a, b) => b.score - a.score || a.trackId - b.trackId);
  const now = new Date().toISOString();
  const id = Number(
    c.db
      .prepare(
        `INSERT INTO appearance_searches (template_id, track_id, tracks_searched, results_json, calibration_id, calibration_sha256, model_id, model_sha256, job_id, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(queryTemplateId, q.trackId, results.length, canonicalJson({ results, gate }), cal.id, cal.sha256, model.id, model.sha256, jobId, now, c.examiner).lastInsertRowid,
  );
  const above = results.filter((r) => r.gate.passes);
  c.audit.append({
    action: 'identify.appearances',
    params: {
      searchId: id,
      trackId: q.trackId,
      templateId: queryTemplateId,
      tracksSearched: results.length,
      gate,
      above: above.map((r) => ({ trackId: r.trackId, evidenceId: r.evidenceId, frames: [r.firstFrame, r.lastFrame], score: r.score })),
      caveat: 'investigative lead, not an identification',
    },
    inputs: [
      { sha256: model.sha256, role: 'model', name: model.id },
      { sha256: cal.sha256, role: 'calibration', name: cal.id },
    ],
    outputs: [{ sha256: sha256Hex(canonicalJson(results)), role: 'appearance-list', name: `appearance search ${id}: ${results.length} track(s), ${above.length} above threshold` }],
  });
  return getAppearanceSearch(c, id);
}

export function getAppearanceSearch(c: CaseHandle, id: number): AppearanceSearch {
  const r = c.db.prepare('SELECT * FROM appearance_searches WHERE id = ?').get(id) as
    | { id: number; template_id: number; track_id: number; tracks_searched: number; results_json: string; calibration_id: string; calibration_sha256: string; model_id: string; model_sha256: string; created_at: string; created_by: string }
    | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no appearance search ${id} in this case`);
  const { results, gate } = JSON.parse(r.results_json) as { results: Appearance[]; gate: GateThresholds };
  return {
    id: r.id,
    trackId: r.track_id,
    templateId: r.template_id,
    tracksSearched: r.tracks_searched,
    results,
    gate,
    calibration: { id: r.calibration_id, sha256: r.calibration_sha256 },
    model: { id: r.model_id, sha256: r.model_sha256 },
    caveat: APPEARANCE_CAVEAT,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function latestAppearanceSearch(c: CaseHandle, trackId: number): AppearanceSearch | null {
  const r = c.db.prepare('SELECT id FROM appearance_searches WHERE track_id = ? ORDER BY id DESC LIMIT 1').get(trackId) as { id: number } | undefined;
  return r ? getAppearanceSearch(c, r.id) : null;
}
