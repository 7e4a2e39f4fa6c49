/**
 * Redaction boxes the examiner draws by hand (clip view, `sightline redact`): faces the analysis missed, a
 * name badge, a reflection. Stored per evidence item and frame range, audited when drawn and when removed, and
 * never deleted (a removed box keeps who removed it and why), so any export can be explained by the boxes that
 * were live when it was made.
 */
import type { CaseHandle } from '../case';
import { SightlineError } from '../../domain/errors';
import type { RedactionBox } from '../../domain/redaction';
import { getEvidence } from '../evidence';

export interface ManualRedactionBox {
  readonly id: number;
  readonly evidenceId: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
  readonly box: RedactionBox;
  readonly note: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly removedAt: string | null;
  readonly removedBy: string | null;
  readonly removeReason: string | null;
}

interface Row {
  id: number;
  evidence_id: number;
  first_frame: number;
  last_frame: number;
  x: number;
  y: number;
  w: number;
  h: number;
  note: string | null;
  created_at: string;
  created_by: string;
  removed_at: string | null;
  removed_by: string | null;
  remove_reason: string | null;
}

function toBox(r: Row): ManualRedactionBox {
  return {
    id: r.id,
    evidenceId: r.evidence_id,
    firstFrame: r.first_frame,
    lastFrame: r.last_frame,
    box: { x: r.x, y: r.y, w: r.w, h: r.h },
    note: r.note,
    createdAt: r.created_at,
    createdBy: r.created_by,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removeReason: r.remove_reason,
  };
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export interface AddBoxInput {
  readonly evidenceId: number;
  readonly firstFrame: number;
  /** Defaults to firstFrame (a box on one frame). */
  readonly lastFrame?: number;
  readonly box: RedactionBox;
  readonly note?: string | null;
}

/** Draw a box (audited as `redaction.box.add`). The box is clipped to the frame; one wholly outside is refused. */
export function addRedactionBox(c: CaseHandle, input: AddBoxInput): ManualRedactionBox {
  const e = getEvidence(c, input.evidenceId);
  const first = input.firstFrame;
  const last = input.lastFrame ?? first;
  for (const f of [first, last]) {
    if (!Number.isInteger(f) || f < 0 || f >= e.frameCount) throw new SightlineError('INVALID_INPUT', `frame ${f} is out of range: evidence ${e.id} has frames 0–${e.frameCount - 1}`);
  }
  if (last < first) throw new SightlineError('INVALID_INPUT', `the last frame (${last}) is before the first (${first})`);
  const b = input.box;
  if (![b.x, b.y, b.w, b.h].every(Number.isFinite)) throw new SightlineError('INVALID_INPUT', 'the box needs finite x, y, w and h');
  const x0 = Math.max(0, b.x);
  const y0 = Math.max(0, b.y);
  const x1 = Math.min(e.width, b.x + b.w);
  const y1 = Math.min(e.height, b.y + b.h);
  if (x1 - x0 < 2 || y1 - y0 < 2) throw new SightlineError('INVALID_INPUT', `the box (${b.x}, ${b.y}, ${b.w}×${b.h}) does not cover at least 2×2 pixels of the ${e.width}×${e.height} frame`);
  const box = { x: r3(x0), y: r3(y0), w: r3(x1 - x0), h: r3(y1 - y0) };
  const note = input.note?.trim() ? input.note.trim().slice(0, 500) : null;
  return c.db.transaction(() => {
    const id = Number(
      c.db
        .prepare(`INSERT INTO redaction_boxes (evidence_id, first_frame, last_frame, x, y, w, h, note, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(e.id, first, last, box.x, box.y, box.w, box.h, note, new Date().toISOString(), c.examiner).lastInsertRowid,
    );
    c.audit.append({
      action: 'redaction.box.add',
      params: { boxId: id, evidenceId: e.id, firstFrame: first, lastFrame: last, box, note },
      inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }],
    });
    return getRedactionBox(c, id);
  }).immediate();
}

/** Mark a box removed (audited as `redaction.box.remove`); the row stays. */
export function removeRedactionBox(c: CaseHandle, id: number, reason?: string | null): ManualRedactionBox {
  const box = getRedactionBox(c, id);
  if (box.removedAt) throw new SightlineError('INVALID_INPUT', `redaction box ${id} was already removed (${box.removedAt} by ${box.removedBy})`);
  const why = reason?.trim() ? reason.trim().slice(0, 500) : null;
  return c.db.transaction(() => {
    c.db.prepare('UPDATE redaction_boxes SET removed_at = ?, removed_by = ?, remove_reason = ? WHERE id = ?').run(new Date().toISOString(), c.examiner, why, id);
    c.audit.append({ action: 'redaction.box.remove', params: { boxId: id, evidenceId: box.evidenceId, firstFrame: box.firstFrame, lastFrame: box.lastFrame, box: box.box, reason: why } });
    return getRedactionBox(c, id);
  }).immediate();
}

export function getRedactionBox(c: CaseHandle, id: number): ManualRedactionBox {
  const r = c.db.prepare('SELECT * FROM redaction_boxes WHERE id = ?').get(id) as Row | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no redaction box ${id} in this case`);
  return toBox(r);
}

/** Live boxes covering frame `index` (or every box of the evidence, removed ones too, with `all`). */
export function listRedactionBoxes(c: CaseHandle, evidenceId: number, opts: { index?: number; all?: boolean } = {}): ManualRedactionBox[] {
  getEvidence(c, evidenceId);
  const rows =
    opts.index === undefined
      ? (c.db.prepare(`SELECT * FROM redaction_boxes WHERE evidence_id = ? ${opts.all ? '' : 'AND removed_at IS NULL'} ORDER BY id`).all(evidenceId) as Row[])
      : (c.db
          .prepare(`SELECT * FROM redaction_boxes WHERE evidence_id = ? AND first_frame <= ? AND last_frame >= ? ${opts.all ? '' : 'AND removed_at IS NULL'} ORDER BY id`)
          .all(evidenceId, opts.index, opts.index) as Row[]);
  return rows.map(toBox);
}
