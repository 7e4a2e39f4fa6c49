/**
 * Watchlist alerts: after an analysis run, every track of the run is compared with the gallery (as its template,
 * a `watchlist` identification, recorded whole); each candidate that passes the dual gate raises an alert,
 * audited. Alerts are immutable; an examiner marking one as seen is a separate, audited record.
 *
 * The hook that queues the comparison when an analysis succeeds is `followUpJobs` (core/identify/followUps.ts).
 */
import { SightlineError } from '../../domain/errors';
import { LEAD_NOT_IDENTIFICATION } from '../../domain/identify';
import { canonicalJson } from '../../domain/canonicalJson';
import type { CaseHandle } from '../case';
import { getIdentification, type Candidate, type Identification } from './identifications';

export interface WatchlistAlert {
  readonly id: number;
  readonly runId: number;
  readonly trackId: number;
  readonly evidenceId: number;
  readonly originalName: string;
  readonly ordinal: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly bestFrame: number;
  readonly identificationId: number;
  readonly personId: number;
  readonly candidate: Candidate;
  readonly createdAt: string;
  readonly reviews: Array<{ readonly note: string | null; readonly createdAt: string; readonly createdBy: string }>;
  readonly caveat: string;
}

interface Row {
  id: number;
  run_id: number;
  track_id: number;
  identification_id: number;
  person_id: number;
  candidate_json: string;
  created_at: string;
  evidence_id: number;
  original_name: string;
  ordinal: number;
  first_frame: number;
  last_frame: number;
  best_frame: number;
}

const SELECT = `SELECT a.*, r.evidence_id, e.original_name, t.ordinal, t.first_frame, t.last_frame, t.best_frame
  FROM watchlist_alerts a JOIN analysis_runs r ON r.id = a.run_id JOIN evidence e ON e.id = r.evidence_id JOIN face_tracks t ON t.id = a.track_id`;

function toAlert(c: CaseHandle, r: Row): WatchlistAlert {
  const reviews = (c.db.prepare('SELECT note, created_at, created_by FROM watchlist_alert_reviews WHERE alert_id = ? ORDER BY id').all(r.id) as Array<{ note: string | null; created_at: string; created_by: string }>).map((x) => ({
    note: x.note,
    createdAt: x.created_at,
    createdBy: x.created_by,
  }));
  return {
    id: r.id,
    runId: r.run_id,
    trackId: r.track_id,
    evidenceId: r.evidence_id,
    originalName: r.original_name,
    ordinal: r.ordinal,
    firstFrame: r.first_frame,
    lastFrame: r.last_frame,
    bestFrame: r.best_frame,
    identificationId: r.identification_id,
    personId: r.person_id,
    candidate: JSON.parse(r.candidate_json) as Candidate,
    createdAt: r.created_at,
    reviews,
    caveat: LEAD_NOT_IDENTIFICATION,
  };
}

export function listAlerts(c: CaseHandle, opts: { unreviewedOnly?: boolean } = {}): WatchlistAlert[] {
  const rows = c.db.prepare(`${SELECT} ORDER BY a.id DESC`).all() as Row[];
  const all = rows.map((r) => toAlert(c, r));
  return opts.unreviewedOnly ? all.filter((a) => a.reviews.length === 0) : all;
}

export function unreviewedAlertCount(c: CaseHandle): number {
  return (c.db.prepare('SELECT count(*) AS n FROM watchlist_alerts a WHERE NOT EXISTS (SELECT 1 FROM watchlist_alert_reviews v WHERE v.alert_id = a.id)').get() as { n: number }).n;
}

export function getAlert(c: CaseHandle, id: number): WatchlistAlert {
  const r = c.db.prepare(`${SELECT} WHERE a.id = ?`).get(id) as Row | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no watchlist alert ${id} in this case`);
  return toAlert(c, r);
}

/** Raise the alerts of one watchlist identification (inside the job's transaction). */
export function raiseAlerts(c: CaseHandle, runId: number, ident: Identification, jobId: number | null): WatchlistAlert[] {
  const out: WatchlistAlert[] = [];
  for (const cand of ident.candidates.filter((x) => x.gate.passes)) {
    const id = Number(
      c.db
        .prepare('INSERT INTO watchlist_alerts (run_id, track_id, identification_id, person_id, candidate_json, job_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(runId, ident.template.trackId, ident.id, cand.personId, canonicalJson(cand), jobId, new Date().toISOString()).lastInsertRowid,
    );
    c.audit.append({
      action: 'watchlist.alert',
      params: {
        alertId: id,
        runId,
        trackId: ident.template.trackId,
        evidenceId: ident.template.evidenceId,
        identificationId: ident.id,
        personId: cand.personId,
        person: cand.name,
        score: cand.score,
        similarity: cand.similarity,
        probeQuality: ident.gate.probeQuality,
        fmr: cand.fmr.text,
        lr: cand.lr.text,
        gate: ident.gate.thresholds,
        caveat: 'investigative lead, not an identification',
      },
    });
    out.push(getAlert(c, id));
  }
  return out;
}

/** Record that an examiner has seen an alert (audited); the alert itself never changes. */
export function reviewAlert(c: CaseHandle, id: number, note?: string | null): WatchlistAlert {
  const a = getAlert(c, id);
  const n = (note ?? '').trim() || null;
  if (n && n.length > 2000) throw new SightlineError('INVALID_INPUT', 'a note may have at most 2000 characters');
  c.db.transaction(() => {
    c.db.prepare('INSERT INTO watchlist_alert_reviews (alert_id, note, created_at, created_by) VALUES (?, ?, ?, ?)').run(id, n, new Date().toISOString(), c.examiner);
    c.audit.append({ action: 'watchlist.review', params: { alertId: id, trackId: a.trackId, personId: a.personId, ...(n ? { note: n } : {}) } });
  }).immediate();
  return getAlert(c, id);
}

export { getIdentification };
