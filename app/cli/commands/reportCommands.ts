import type { Command } from '../command';
import { SightlineError } from '../../../domain/errors';
import { exportImage } from '../../../core/export/viewExports';
import { parseFrameList, type ExportSelectionInput } from '../../../core/export/selection';
import { verifyPackage } from '../../../core/exportPackage/verify';
import { addRedactionBox, listRedactionBoxes, removeRedactionBox } from '../../../core/redaction/boxes';
import { findEvidence } from '../../../core/evidence';
import { describeRedaction } from '../../../domain/redaction';
import { EXIT } from '../exitCodes';
import { runJobInProcess, str, withCase } from './shared';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

const SELECTION_OPTIONS = {
  enhancement: { type: 'string', multiple: true },
  identification: { type: 'string', multiple: true },
  frames: { type: 'string', multiple: true },
  'keep-track': { type: 'string', multiple: true },
  'no-redact': { type: 'boolean' },
  reason: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

const SELECTION_USAGE = '[--enhancement ID...] [--identification ID...] [--frames E:N,...] [--keep-track ID...] [--no-redact --reason TEXT] [--force]';

function ids(values: Values, key: string, what: string): number[] {
  const raw = values[key];
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap((v) => String(v).split(',')).map((t) => t.trim()).filter(Boolean);
  return list.map((t) => {
    if (!/^\d+$/.test(t) || Number(t) < 1) throw new SightlineError('INVALID_INPUT', `${what} ids are whole numbers, got ${JSON.stringify(t)}`);
    return Number(t);
  });
}

/** The selection from the flags shared by `report` and `export-package`. */
export function selectionFrom(values: Values): ExportSelectionInput {
  const framesRaw = values.frames;
  const frames = (Array.isArray(framesRaw) ? framesRaw : framesRaw === undefined ? [] : [framesRaw]).flatMap((t) => parseFrameList(String(t)));
  const noRedact = values['no-redact'] === true;
  const reason = str(values, 'reason') ?? null;
  if (noRedact && !reason?.trim()) throw new SightlineError('INVALID_INPUT', '--no-redact needs --reason TEXT (turning redaction off is recorded in the audit log)');
  if (!noRedact && reason) throw new SightlineError('INVALID_INPUT', '--reason goes with --no-redact');
  return { enhancementIds: ids(values, 'enhancement', 'enhancement'), identificationIds: ids(values, 'identification', 'identification'), frames, keepTrackIds: ids(values, 'keep-track', 'track'), redact: !noRedact, reason };
}

export const reportCmd: Command = {
  path: ['report'],
  summary: 'make the evidence report (PDF) of chosen enhancements, identifications and frames, bystanders redacted (a job; audited)',
  usage: `report DIR ${SELECTION_USAGE} --out FILE.pdf`,
  positionals: [1, 1],
  options: SELECTION_OPTIONS,
  async run([dir], values, ctx) {
    const selection = selectionFrom(values);
    const out = str(values, 'out');
    if (!out) throw new SightlineError('INVALID_INPUT', 'give --out FILE.pdf');
    await withCase(dir!, values, async (c) => {
      const job = await runJobInProcess(c, ctx, 'report', { selection, out, force: values.force === true });
      const r = job.result;
      ctx.print(
        { ok: true, ...r },
        `report ${r.reportId}: ${r.pages} pages → ${r.path}\n  sha256 ${r.sha256}\n  describes the case as of audit entry ${r.stateEntry.seq} (${r.stateEntry.hash})\n  ${r.redaction.enabled ? `bystanders redacted: ${r.redaction.regions} region(s)` : `REDACTION OFF: ${r.redaction.reason}`}`,
      );
    });
  },
};

export const exportPackageCmd: Command = {
  path: ['export-package'],
  summary: 'make the signed export package (report, images, audit, records, manifest) as a folder or .zip (a job; audited)',
  usage: `export-package DIR ${SELECTION_USAGE} --out FOLDER_OR.zip`,
  positionals: [1, 1],
  options: SELECTION_OPTIONS,
  async run([dir], values, ctx) {
    const selection = selectionFrom(values);
    const out = str(values, 'out');
    if (!out) throw new SightlineError('INVALID_INPUT', 'give --out FOLDER or --out FILE.zip');
    await withCase(dir!, values, async (c) => {
      const job = await runJobInProcess(c, ctx, 'package', { selection, out, force: values.force === true });
      const r = job.result;
      ctx.print(
        { ok: true, ...r },
        `package (${r.files} files, report ${r.reportId}) → ${r.path}\n  manifest sha256 ${r.manifestSha256}\n  signed by ${r.signer.examiner}, Ed25519 key id ${r.signer.keyId}${r.signer.keyCreated ? ' (new key, created now)' : ''}\n  ${r.redaction.enabled ? `bystanders redacted: ${r.redaction.regions} region(s)` : `REDACTION OFF: ${r.redaction.reason}`}\n  check it with: sightline verify-package ${r.path}`,
      );
    });
  },
};

export const verifyPackageCmd: Command = {
  path: ['verify-package'],
  summary: 'check an export package (every hash and the signature) with nothing but the package; exit 0 intact, 3 changed',
  usage: 'verify-package PATH',
  positionals: [1, 1],
  async run([p], _values, ctx) {
    const v = verifyPackage(p!);
    if (v.ok) {
      ctx.print({ ok: true, verification: v }, `package intact: ${v.files} files, signature valid\n  case ${v.caseNumber}, report ${v.reportId}\n  signed by ${v.signer?.examiner}, Ed25519 key id ${v.signer?.keyId}`);
      return EXIT.ok;
    }
    const d = v.firstDifference!;
    ctx.print(
      { ok: false, verification: v },
      `package CHANGED: ${d.file} ${d.reason}${v.differences.length > 1 ? `\n  (${v.differences.length - 1} more difference(s); --json lists them)` : ''}\n  signature ${v.signatureValid ? 'valid' : 'INVALID'}`,
    );
    return EXIT.auditBroken;
  },
};

export const exportImageCmd: Command = {
  path: ['export-image'],
  summary: 'export an enhanced image or its side-by-side comparison with the source, bystanders redacted (audited)',
  usage: 'export-image DIR ENHANCEMENT_ID --kind enhanced|comparison --out FILE.png [--no-redact --reason TEXT] [--force]',
  positionals: [2, 2],
  options: { kind: { type: 'string' }, out: { type: 'string' }, 'no-redact': { type: 'boolean' }, reason: { type: 'string' }, force: { type: 'boolean' } },
  async run([dir, idText], values, ctx) {
    const kind = str(values, 'kind') ?? 'enhanced';
    if (kind !== 'enhanced' && kind !== 'comparison') throw new SightlineError('INVALID_INPUT', `--kind must be enhanced or comparison, not ${kind}`);
    if (!/^\d+$/.test(idText!)) throw new SightlineError('INVALID_INPUT', `enhancement id must be a whole number, got ${JSON.stringify(idText)}`);
    const sel = selectionFrom({ 'no-redact': values['no-redact'], reason: values.reason });
    await withCase(dir!, values, async (c) => {
      const r = await exportImage(c, { kind, enhancementId: Number(idText), redact: sel.redact ?? true, reason: sel.reason ?? null, force: values.force === true, signal: ctx.signal, ...(str(values, 'out') ? { path: str(values, 'out')! } : {}) });
      ctx.print({ ok: true, ...r }, `${kind} image of enhancement ${idText} → ${r.path}\n  sha256 ${r.sha256}\n  ${r.label ?? ''}\n  ${r.redaction.enabled ? `bystanders redacted: ${r.redaction.regions} region(s)` : `REDACTION OFF: ${r.redaction.reason}`}`);
    });
  },
};

function parseBox(text: string | undefined): { x: number; y: number; w: number; h: number } {
  const parts = (text ?? '').split(',').map((t) => Number(t.trim()));
  if (parts.length !== 4 || parts.some((v) => !Number.isFinite(v))) throw new SightlineError('INVALID_INPUT', `--box is X,Y,W,H in frame pixels, got ${JSON.stringify(text ?? '')}`);
  return { x: parts[0]!, y: parts[1]!, w: parts[2]!, h: parts[3]! };
}

export const redactAddCmd: Command = {
  path: ['redact', 'add'],
  summary: 'draw a redaction box on a frame (or frames FRAME..--to LAST) of a clip; every export redacts it (audited)',
  usage: 'redact add DIR EVIDENCE_ID FRAME --box X,Y,W,H [--to LAST_FRAME] [--note TEXT]',
  positionals: [3, 3],
  options: { box: { type: 'string' }, to: { type: 'string' }, note: { type: 'string' } },
  async run([dir, ref, frameText], values, ctx) {
    await withCase(dir!, values, (c) => {
      const e = findEvidence(c, ref!);
      const first = Number(frameText);
      const to = str(values, 'to');
      const b = addRedactionBox(c, { evidenceId: e.id, firstFrame: first, ...(to !== undefined ? { lastFrame: Number(to) } : {}), box: parseBox(str(values, 'box')), note: str(values, 'note') ?? null });
      ctx.print({ ok: true, box: b }, `redaction box ${b.id} on evidence ${b.evidenceId}, frames ${b.firstFrame}–${b.lastFrame}: ${b.box.x},${b.box.y} ${b.box.w}×${b.box.h}`);
    });
  },
};

export const redactListCmd: Command = {
  path: ['redact', 'list'],
  summary: 'the hand-drawn redaction boxes of a clip (--all: removed ones too)',
  usage: 'redact list DIR EVIDENCE_ID [--frame N] [--all]',
  positionals: [2, 2],
  options: { frame: { type: 'string' }, all: { type: 'boolean' } },
  async run([dir, ref], values, ctx) {
    await withCase(dir!, values, (c) => {
      const e = findEvidence(c, ref!);
      const f = str(values, 'frame');
      const boxes = listRedactionBoxes(c, e.id, { ...(f !== undefined ? { index: Number(f) } : {}), all: values.all === true });
      ctx.print({ ok: true, method: describeRedaction(), boxes }, () =>
        boxes.length === 0
          ? 'No redaction boxes.'
          : boxes.map((b) => `#${b.id}  frames ${b.firstFrame}–${b.lastFrame}  ${b.box.x},${b.box.y} ${b.box.w}×${b.box.h}${b.note ? `  "${b.note}"` : ''}${b.removedAt ? `  REMOVED ${b.removedAt} by ${b.removedBy}: ${b.removeReason ?? ''}` : ''}`).join('\n'),
      );
    });
  },
};

export const redactRemoveCmd: Command = {
  path: ['redact', 'remove'],
  summary: 'remove a redaction box (kept in the record, marked removed with the reason; audited)',
  usage: 'redact remove DIR BOX_ID --reason TEXT',
  positionals: [2, 2],
  options: { reason: { type: 'string' } },
  async run([dir, idText], values, ctx) {
    const reason = str(values, 'reason');
    if (!reason?.trim()) throw new SightlineError('INVALID_INPUT', 'give --reason TEXT');
    await withCase(dir!, values, (c) => {
      const b = removeRedactionBox(c, Number(idText), reason);
      ctx.print({ ok: true, box: b }, `redaction box ${b.id} removed`);
    });
  },
};
