/**
 * Examiner conclusions on a candidate of an identification, on the ENFSI (2015) verbal scale (domain/identify.ts
 * CONCLUSION_SCALE), immutable and audited. Each records the images the examiner viewed — a same-person decision
 * is made against the original frames, so a conclusion that viewed an enhanced image without the originals is
 * refused — and what the software said about the candidate (score, FMR, LR) at the time, beside, never instead
 * of, the examiner's level.
 *
 * Blind verification: a second examiner records a conclusion without seeing the first (the UI hides earlier
 * conclusions in verification mode until the verifier has recorded theirs); the record says it was blind, and
 * a verifier must be someone other than every earlier examiner of that candidate.
 */
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import { CONCLUSION_SCALE, CONCLUSION_SCALE_ID, CONCLUSION_SCALE_SOURCE, conclusionLevel } from '../../domain/identify';
import { osAccount } from '../../platform/appInfo';
import type { CaseHandle } from '../case';
import { cleanName, cleanNote } from './gallery';
import { getIdentification, type Candidate } from './identifications';

export interface ViewedImages {
  /** Where the examiner looked: the app's comparison view, or the command line (which shows no images). */
  readonly interface: 'ui' | 'cli';
  /** Original frames of the probe (native crops of the evidence) shown, by frame and crop hash. */
  readonly originalFrames: ReadonlyArray<{ readonly frame: number; readonly cropSha256: string }>;
  /** Enhancements shown beside them. */
  readonly enhancements: readonly number[];
  /** Reference photos of the candidate shown, by reference id. */
  readonly references: readonly number[];
  readonly statement?: string;
}

export interface ConclusionInput {
  readonly identificationId: number;
  readonly personId: number;
  readonly level: string;
  readonly note?: string | null;
  /** Who concludes (default: the session's examiner). */
  readonly examiner?: string;
  readonly role: 'examination' | 'verification';
  readonly blind: boolean;
  readonly viewed: ViewedImages;
}

export interface Conclusion {
  readonly id: number;
  readonly identificationId: number;
  readonly personId: number;
  readonly scale: { readonly id: string; readonly source: string };
  readonly level: string;
  readonly levelRank: number | null;
  readonly levelText: string;
  readonly note: string | null;
  readonly role: 'examination' | 'verification';
  readonly blind: boolean;
  readonly viewed: ViewedImages;
  readonly software: Pick<Candidate, 'score' | 'similarity' | 'fmr' | 'lr' | 'gate' | 'name' | 'rank'>;
  readonly examiner: string;
  readonly account: string;
  readonly createdAt: string;
}

interface Row {
  id: number;
  identification_id: number;
  person_id: number;
  scale_id: string;
  level: string;
  level_rank: number | null;
  level_text: string;
  note: string | null;
  role: 'examination' | 'verification';
  blind: number;
  viewed_json: string;
  software_json: string;
  examiner: string;
  account: string;
  created_at: string;
}

function toConclusion(r: Row): Conclusion {
  return {
    id: r.id,
    identificationId: r.identification_id,
    personId: r.person_id,
    scale: { id: r.scale_id, source: CONCLUSION_SCALE_SOURCE },
    level: r.level,
    levelRank: r.level_rank,
    levelText: r.level_text,
    note: r.note,
    role: r.role,
    blind: r.blind === 1,
    viewed: JSON.parse(r.viewed_json) as ViewedImages,
    software: JSON.parse(r.software_json) as Conclusion['software'],
    examiner: r.examiner,
    account: r.account,
    createdAt: r.created_at,
  };
}

export function listConclusions(c: CaseHandle, opts: { identificationId?: number; personId?: number } = {}): Conclusion[] {
  const rows = c.db
    .prepare('SELECT * FROM conclusions WHERE (? IS NULL OR identification_id = ?) AND (? IS NULL OR person_id = ?) ORDER BY id')
    .all(opts.identificationId ?? null, opts.identificationId ?? null, opts.personId ?? null, opts.personId ?? null) as Row[];
  return rows.map(toConclusion);
}

export function getConclusion(c: CaseHandle, id: number): Conclusion {
  const r = c.db.prepare('SELECT * FROM conclusions WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no conclusion ${id} in this case`);
  return toConclusion(r);
}

export function recordConclusion(c: CaseHandle, input: ConclusionInput): Conclusion {
  const ident = getIdentification(c, input.identificationId);
  const cand = ident.candidates.find((x) => x.personId === input.personId);
  if (!cand) {
    throw new SightlineError('INVALID_INPUT', `person ${input.personId} is not a candidate of identification ${ident.id} (candidates: ${ident.candidates.map((x) => `${x.name} #${x.personId}`).join(', ') || 'none'})`);
  }
  const level = conclusionLevel(input.level);
  if (!level) throw new SightlineError('INVALID_INPUT', `unknown conclusion level ${JSON.stringify(input.level)}; the scale's levels are: ${CONCLUSION_SCALE.map((l) => l.id).join(', ')}`);
  const examiner = input.examiner === undefined ? c.examiner : cleanName(input.examiner);
  const note = cleanNote(input.note);
  const v = input.viewed;
  if (v.enhancements.length > 0 && v.originalFrames.length === 0) {
    throw new SightlineError('INVALID_INPUT', 'an enhanced image was viewed without the original frames: a same-person decision is made against the original footage');
  }
  const earlier = listConclusions(c, { identificationId: ident.id, personId: input.personId });
  if (input.role === 'verification') {
    if (!earlier.some((x) => x.role === 'examination')) throw new SightlineError('INVALID_INPUT', `there is no examiner's conclusion on ${cand.name} in identification ${ident.id} to verify yet`);
    const same = earlier.find((x) => x.examiner.toLocaleLowerCase('en') === examiner.toLocaleLowerCase('en'));
    if (same) throw new SightlineError('INVALID_INPUT', `${examiner} already recorded conclusion ${same.id} on this candidate: a verification is made by another examiner`);
  } else if (input.blind) {
    throw new SightlineError('INVALID_INPUT', 'only a verification is blind');
  }
  const software = { rank: cand.rank, name: cand.name, score: cand.score, similarity: cand.similarity, fmr: cand.fmr, lr: cand.lr, gate: cand.gate };
  let id = 0;
  c.db.transaction(() => {
    const now = new Date().toISOString();
    id = Number(
      c.db
        .prepare(
          `INSERT INTO conclusions (identification_id, person_id, scale_id, level, level_rank, level_text, note, role, blind, viewed_json, software_json, examiner, account, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(ident.id, input.personId, CONCLUSION_SCALE_ID, level.id, level.rank, level.text, note, input.role, input.blind ? 1 : 0, canonicalJson(v), canonicalJson(software), examiner, osAccount(), now).lastInsertRowid,
    );
    c.audit.append({
      action: input.role === 'verification' ? 'identify.verification' : 'identify.conclusion',
      params: {
        conclusionId: id,
        identificationId: ident.id,
        trackId: ident.template.trackId,
        personId: input.personId,
        person: cand.name,
        scale: CONCLUSION_SCALE_ID,
        level: level.id,
        levelText: level.text,
        ...(note ? { note } : {}),
        examiner,
        role: input.role,
        blind: input.blind,
        viewed: v,
        software: { score: cand.score, fmr: cand.fmr.text, lr: cand.lr.text, gate: cand.gate.passes ? 'above' : 'below' },
      },
    });
  }).immediate();
  return getConclusion(c, id);
}
