/**
 * What an examiner hands over: the items picked for a report or a package (enhancements, frames, the tracks
 * whose faces stay visible), whether bystanders are redacted, and the case state the output describes.
 *
 * "Case state" is the audit log up to its newest entry that is not itself an export (a report, a package, an
 * exported image): producing a report must not change what the next report of the same choices says, so the
 * same case and choices give the same bytes. The state entry's time is the report's date, its hash and number
 * are printed in the report.
 */
import { z } from 'zod';
import type { AuditEntry } from '../audit';
import type { CaseHandle } from '../case';
import { SightlineError } from '../../domain/errors';
import { getTrack } from '../analysis/results';
import { getEnhancement } from '../enhance/records';
import { getEvidence } from '../evidence';
import { getIdentification } from '../identify/identifications';

export const FrameRef = z.object({ evidenceId: z.number().int().positive(), index: z.number().int().nonnegative() }).strict();
export type FrameRef = z.output<typeof FrameRef>;

export const ExportSelection = z
  .object({
    enhancementIds: z.array(z.number().int().positive()).max(200).default([]),
    /** Identifications (candidate lists with the examiners' conclusions); their probe tracks stay unredacted. */
    identificationIds: z.array(z.number().int().positive()).max(200).default([]),
    frames: z.array(FrameRef).max(500).default([]),
    /** Tracks whose faces are not redacted, beyond the tracks of the chosen enhancements. */
    keepTrackIds: z.array(z.number().int().positive()).max(200).default([]),
    /** Redact bystanders (the default). Turning it off needs a reason, recorded in the export's audit entry. */
    redact: z.boolean().default(true),
    reason: z.string().trim().max(1000).nullable().default(null),
  })
  .strict();
export type ExportSelectionInput = z.input<typeof ExportSelection>;
export type ExportSelection = z.output<typeof ExportSelection>;

/** Audit actions that export what the case holds without changing it: they are not part of the case state. */
export const EXPORT_ACTIONS: ReadonlySet<string> = new Set(['report.create', 'package.export', 'frame.export', 'audit.export', 'image.export']);

export interface CaseState {
  /** The newest audit entry that is not an export: the report describes the case as of this entry. */
  readonly entry: AuditEntry;
  /** Entries in the whole log now (exports included), and whether the chain verified. */
  readonly totalEntries: number;
  readonly chainIntact: true;
}

/** Check the selection against the case (unknown ids, frames out of range) and normalise it (sorted, unique). */
export function resolveSelection(c: CaseHandle, input: ExportSelectionInput): ExportSelection {
  const parsed = ExportSelection.safeParse(input);
  if (!parsed.success) throw new SightlineError('INVALID_INPUT', `bad selection: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'selection'} ${i.message}`).join('; ')}`);
  const s = parsed.data;
  if (!s.redact && !s.reason) throw new SightlineError('INVALID_INPUT', 'turning redaction off needs a reason (it is recorded in the audit log)');
  if (s.enhancementIds.length === 0 && s.identificationIds.length === 0 && s.frames.length === 0) throw new SightlineError('INVALID_INPUT', 'choose at least one enhancement, identification or frame');
  const enhancementIds = [...new Set(s.enhancementIds)].sort((a, b) => a - b);
  for (const id of enhancementIds) getEnhancement(c, id); // NOT_FOUND names the id
  const identificationIds = [...new Set(s.identificationIds)].sort((a, b) => a - b);
  for (const id of identificationIds) getIdentification(c, id);
  const keepTrackIds = [...new Set(s.keepTrackIds)].sort((a, b) => a - b);
  for (const id of keepTrackIds) getTrack(c, id);
  const seen = new Set<string>();
  const frames: FrameRef[] = [];
  for (const f of [...s.frames].sort((a, b) => a.evidenceId - b.evidenceId || a.index - b.index)) {
    const key = `${f.evidenceId}:${f.index}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const e = getEvidence(c, f.evidenceId);
    if (f.index >= e.frameCount) throw new SightlineError('INVALID_INPUT', `frame ${f.index} is out of range: evidence ${e.id} has frames 0–${e.frameCount - 1}`);
    frames.push(f);
  }
  return { enhancementIds, identificationIds, frames, keepTrackIds, redact: s.redact, reason: s.redact ? null : s.reason };
}

/** Parse `E:N,E:N` (the CLI's --frames). */
export function parseFrameList(text: string): FrameRef[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const m = /^(\d+):(\d+)$/.exec(t);
      if (!m) throw new SightlineError('INVALID_INPUT', `frames are EVIDENCE_ID:FRAME, e.g. 1:120 — got ${JSON.stringify(t)}`);
      return { evidenceId: Number(m[1]), index: Number(m[2]) };
    });
}

/** Verify the audit chain (refusing a broken one, naming its first bad entry) and find the state entry. */
export function caseState(c: CaseHandle): CaseState {
  const v = c.audit.verify();
  if (!v.ok) {
    throw new SightlineError('AUDIT_BROKEN', `the audit chain is broken at entry ${v.firstBadSeq}: ${v.reason}; no report or package is made from a case whose log does not verify`, {
      firstBadSeq: v.firstBadSeq,
    });
  }
  // A report or package job that failed or was cancelled leaves a job.* entry: an export too, not case state.
  const row = c.db
    .prepare(
      `SELECT seq FROM audit WHERE action NOT IN (${[...EXPORT_ACTIONS].map(() => '?').join(',')})
         AND NOT (action LIKE 'job.%' AND json_extract(params_json, '$.kind') IN ('report', 'package'))
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(...EXPORT_ACTIONS) as { seq: number } | undefined;
  // case.create is never an export, so a case always has a state entry.
  const entry = c.audit.list({ afterSeq: (row?.seq ?? 1) - 1, limit: 1 })[0]!;
  return { entry, totalEntries: v.entries, chainIntact: true };
}

/** The tracks whose faces stay visible: the chosen enhancements' and identifications' tracks and the explicitly kept ones. */
export function keptTracks(c: CaseHandle, s: ExportSelection): number[] {
  const ids = new Set(s.keepTrackIds);
  for (const id of s.enhancementIds) ids.add(getEnhancement(c, id).trackId);
  for (const id of s.identificationIds) ids.add(getIdentification(c, id).template.trackId);
  return [...ids].sort((a, b) => a - b);
}
