/**
 * Identifications: a template searched against the gallery, recorded whole. Each candidate carries its score,
 * the false-match rate at that score and the score-based likelihood ratio, both from the calibration's band of
 * the probe's face size, and the dual gate's verdict; the record names the model and calibration by hash, the
 * gallery it searched, and says that a candidate is an investigative lead, not an identification. A report can
 * render it from this record alone (with its template: frames, weights, crops and chips by hash).
 */
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import {
  bandCalibration,
  calibratedSimilarity,
  fmrAt,
  gateOf,
  GATE_LABELS,
  LEAD_NOT_IDENTIFICATION,
  levelOfLr,
  lrAt,
  type FmrAt,
  type GateThresholds,
} from '../../domain/identify';
import { sha256Hex } from '../../platform/hashing';
import type { CaseHandle } from '../case';
import { calibrationInUse, getGate, modelInUse, type CalibrationInUse } from './common';
import { activeReferenceEmbeddings, getPerson, getReference } from './gallery';
import { GalleryIndex } from './searchIndex';
import { getTemplate, templateEmbedding, type IdentifyTemplate } from './templates';

export interface Candidate {
  readonly rank: number;
  readonly personId: number;
  /** The person's name when the search ran (renames later do not change the record). */
  readonly name: string;
  readonly referenceId: number;
  readonly referenceEvidenceId: number;
  readonly referenceSha256: string;
  readonly referenceQuality: number;
  readonly score: number;
  readonly similarity: number;
  readonly fmr: FmrAt;
  readonly lr: { readonly log10: number; readonly text: string; readonly bounded: boolean; readonly verbal: string };
  readonly gate: { readonly passes: boolean; readonly reasons: string[]; readonly label: string };
}

export interface Identification {
  readonly id: number;
  readonly purpose: 'identify' | 'watchlist';
  readonly template: IdentifyTemplate;
  readonly topK: number;
  readonly gallery: { readonly people: number; readonly references: number; readonly digest: string };
  readonly candidates: Candidate[];
  readonly aboveCount: number;
  readonly gate: { readonly thresholds: GateThresholds; readonly probeQuality: number };
  readonly calibration: { readonly id: string; readonly sha256: string; readonly band: string; readonly bandLabel: string; readonly reference: string; readonly condition: string };
  readonly model: { readonly id: string; readonly sha256: string; readonly recognizer: string };
  readonly caveat: string;
  readonly jobId: number | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

interface Row {
  id: number;
  template_id: number;
  purpose: 'identify' | 'watchlist';
  top_k: number;
  gallery_json: string;
  candidates_json: string;
  above_count: number;
  gate_json: string;
  calibration_id: string;
  calibration_sha256: string;
  model_id: string;
  model_sha256: string;
  band: string;
  job_id: number | null;
  created_at: string;
  created_by: string;
}

function toIdentification(c: CaseHandle, r: Row): Identification {
  const gate = JSON.parse(r.gate_json) as Identification['gate'] & { calibration: Omit<Identification['calibration'], 'id' | 'sha256' | 'band'> };
  return {
    id: r.id,
    purpose: r.purpose,
    template: getTemplate(c, r.template_id),
    topK: r.top_k,
    gallery: JSON.parse(r.gallery_json) as Identification['gallery'],
    candidates: JSON.parse(r.candidates_json) as Candidate[],
    aboveCount: r.above_count,
    gate: { thresholds: gate.thresholds, probeQuality: gate.probeQuality },
    calibration: { id: r.calibration_id, sha256: r.calibration_sha256, band: r.band, ...gate.calibration },
    model: { id: r.model_id, sha256: r.model_sha256, recognizer: getTemplate(c, r.template_id).recognizer },
    caveat: LEAD_NOT_IDENTIFICATION,
    jobId: r.job_id,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function getIdentification(c: CaseHandle, id: number): Identification {
  const r = c.db.prepare('SELECT * FROM identifications WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no identification ${id} in this case`);
  return toIdentification(c, r);
}

/** Identifications of a track (newest first). */
export function listIdentifications(c: CaseHandle, opts: { trackId?: number; purpose?: 'identify' | 'watchlist' } = {}): Identification[] {
  const rows = c.db
    .prepare(
      `SELECT i.* FROM identifications i JOIN identify_templates t ON t.id = i.template_id
       WHERE (? IS NULL OR t.track_id = ?) AND (? IS NULL OR i.purpose = ?) ORDER BY i.id DESC LIMIT 200`,
    )
    .all(opts.trackId ?? null, opts.trackId ?? null, opts.purpose ?? null, opts.purpose ?? null) as Row[];
  return rows.map((r) => toIdentification(c, r));
}

/** Score, FMR, LR and gate of one score for a probe (shared by identifications and appearances). */
export function judgeScore(cal: CalibrationInUse, faceWidth: number, probeQuality: number, score: number, gate: GateThresholds): Pick<Candidate, 'score' | 'similarity' | 'fmr' | 'lr' | 'gate'> {
  const band = bandCalibration(cal.calibration, faceWidth);
  const similarity = calibratedSimilarity(cal.calibration, score);
  const lr = lrAt(band, score);
  const g = gateOf(probeQuality, similarity, gate);
  return {
    score,
    similarity,
    fmr: fmrAt(band, score),
    lr: { log10: lr.log10, text: lr.text, bounded: lr.bounded, verbal: levelOfLr(lr.log10).text },
    gate: { passes: g.passes, reasons: g.reasons, label: g.passes ? GATE_LABELS.above : GATE_LABELS.below },
  };
}

/**
 * Search the gallery with a recorded template and record the identification (call inside a transaction: the
 * job's commit). An empty gallery is refused: there is nothing to search.
 */
export function recordIdentification(c: CaseHandle, templateId: number, opts: { topK: number; purpose: 'identify' | 'watchlist'; jobId: number | null }): Identification {
  const t = getTemplate(c, templateId);
  const model = modelInUse();
  if (t.modelSha256 !== model.sha256) throw new SightlineError('INVALID_INPUT', `template ${templateId} was made with another model (${t.modelSha256.slice(0, 12)}…); make a new one`);
  const refs = activeReferenceEmbeddings(c, model.sha256);
  if (refs.length === 0) throw new SightlineError('INVALID_INPUT', "the case's gallery has no active reference photos to search: enrol people first (sightline gallery add)");
  const cal = calibrationInUse();
  const gate = getGate(c);
  const band = bandCalibration(cal.calibration, t.faceWidth);
  const hits = new GalleryIndex(refs).search(templateEmbedding(c, templateId), opts.topK);
  const candidates: Candidate[] = hits.map((h, i) => {
    const ref = getReference(c, h.referenceId);
    return {
      rank: i + 1,
      personId: h.personId,
      name: getPerson(c, h.personId).name,
      referenceId: h.referenceId,
      referenceEvidenceId: ref.evidenceId,
      referenceSha256: ref.evidenceSha256,
      referenceQuality: ref.quality,
      ...judgeScore(cal, t.faceWidth, t.quality, h.score, gate),
    };
  });
  const people = new Set(refs.map((r) => r.personId)).size;
  const digest = sha256Hex(refs.map((r) => `${r.referenceId}:${r.personId}`).join('\n'));
  const aboveCount = candidates.filter((x) => x.gate.passes).length;
  const now = new Date().toISOString();
  const id = Number(
    c.db
      .prepare(
        `INSERT INTO identifications (template_id, purpose, top_k, gallery_json, candidates_json, above_count, gate_json, calibration_id, calibration_sha256, model_id, model_sha256, band, job_id, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        templateId,
        opts.purpose,
        opts.topK,
        canonicalJson({ people, references: refs.length, digest }),
        canonicalJson(candidates),
        aboveCount,
        canonicalJson({ thresholds: gate, probeQuality: t.quality, calibration: { bandLabel: band.label, reference: cal.calibration.reference, condition: cal.calibration.condition } }),
        cal.id,
        cal.sha256,
        model.id,
        model.sha256,
        band.band,
        opts.jobId,
        now,
        c.examiner,
      ).lastInsertRowid,
  );
  c.audit.append({
    action: opts.purpose === 'watchlist' ? 'watchlist.search' : 'identify.search',
    params: {
      identificationId: id,
      templateId,
      templateKind: t.kind,
      trackId: t.trackId,
      evidenceId: t.evidenceId,
      ...(t.enhancementId ? { enhancementId: t.enhancementId } : {}),
      frames: t.frames.map((f) => ({ frame: f.frame, weight: f.weight })),
      topK: opts.topK,
      gallery: { people, references: refs.length, digest },
      gate,
      probeQuality: t.quality,
      band: band.band,
      candidates: candidates.map((x) => ({ personId: x.personId, name: x.name, score: x.score, fmr: x.fmr.text, lr: x.lr.text, above: x.gate.passes })),
      caveat: 'investigative lead, not an identification',
    },
    inputs: [
      { sha256: sha256Hex(canonicalJson(t.frames.map((f) => f.chipSha256))), role: 'template-chips', name: `template ${templateId} (${t.frames.length} frame(s))` },
      { sha256: model.sha256, role: 'model', name: model.id },
      { sha256: cal.sha256, role: 'calibration', name: cal.id },
    ],
    outputs: [{ sha256: sha256Hex(canonicalJson(candidates)), role: 'candidate-list', name: `identification ${id}: ${candidates.length} candidate(s), ${aboveCount} above threshold` }],
  });
  return getIdentification(c, id);
}
