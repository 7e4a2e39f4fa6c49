/**
 * The evidence report: one function makes the PDF's bytes from the case and the examiner's choices, and the
 * CLI, the browser shell and the desktop app all call it (through `createReport` or the `report` job), so
 * they produce the same file. Same case state (the audit log up to its newest non-export entry) and same
 * choices → same bytes: the date is that entry's time, the PDF's ID and the report id derive from the state
 * and the choices, fonts are embedded from the package's TTF files, every image is encoded with fixed settings.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { CaseHandle } from '../case';
import { canonicalJson } from '../../domain/canonicalJson';
import { throwIfAborted } from '../../domain/errors';
import type { Progress } from '../../domain/progress';
import { APP_VERSION } from '../../platform/appInfo';
import { getEnhancement, listReplays } from '../enhance/records';
import { getEvidence, type Evidence } from '../evidence';
import { listConclusions } from '../identify/conclusions';
import { getIdentification } from '../identify/identifications';
import { frameInfo } from '../frames';
import { EXPORT_PNG } from '../redaction/apply';
import { enhancementFrames, prepareExportImages, type ExportImage, type PreparedImages } from '../export/images';
import { checkOutputPath, writeFileAtomic } from '../export/output';
import { caseState, resolveSelection, type CaseState, type ExportSelection, type ExportSelectionInput } from '../export/selection';
import { REPORT_SECTIONS } from './sections';
import type { DisplayImage, ReportData } from './section';
import { ReportWriter } from './writer';

/** Crops are enlarged until they are about this tall on the page's image (integer factor, nearest-neighbour). */
const CROP_DISPLAY_HEIGHT = 240;

export interface ReportOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

export interface GeneratedReport {
  readonly pdf: Buffer;
  readonly reportId: string;
  readonly sha256: string;
  readonly pages: number;
  readonly state: CaseState;
  readonly selection: ExportSelection;
  readonly images: PreparedImages;
}

/** The report's id: a digest of what it describes (case, state entry, choices, app version, image hashes). */
export function reportIdOf(c: CaseHandle, state: CaseState, s: ExportSelection, images: PreparedImages): string {
  const digest = crypto
    .createHash('sha256')
    .update(
      canonicalJson({
        caseUuid: c.info.caseUuid,
        stateSeq: state.entry.seq,
        stateHash: state.entry.hash,
        selection: s,
        producedBy: c.examiner,
        appVersion: APP_VERSION,
        images: images.images.map((i) => i.sha256),
      }),
    )
    .digest('hex');
  return `SLR-${digest.slice(0, 20).toUpperCase()}`;
}

async function displayOf(img: ExportImage, scaleHint: number | null): Promise<DisplayImage> {
  const crop = img.role === 'input-crop' || img.role === 'source-crop';
  if (!crop) return { png: img.png, width: img.width, height: img.height, factor: 1 };
  const factor = scaleHint ?? Math.max(1, Math.round(CROP_DISPLAY_HEIGHT / img.height));
  if (factor === 1) return { png: img.png, width: img.width, height: img.height, factor };
  const png = await sharp(img.png).resize(img.width * factor, img.height * factor, { kernel: 'nearest' }).png(EXPORT_PNG).toBuffer();
  return { png, width: img.width * factor, height: img.height * factor, factor };
}

/** Make the PDF in memory. `images` may be passed in (the package makes them once for the report and itself). */
export async function generateReport(c: CaseHandle, input: ExportSelectionInput, opts: ReportOptions & { images?: PreparedImages; state?: CaseState } = {}): Promise<GeneratedReport> {
  const state = opts.state ?? caseState(c);
  const selection = resolveSelection(c, input);
  const images = opts.images ?? (await prepareExportImages(c, selection, opts));
  throwIfAborted(opts.signal, 'report');
  const reportId = reportIdOf(c, state, selection, images);

  const enhancements = selection.enhancementIds.map((id) => {
    const record = getEnhancement(c, id);
    return { record, frames: enhancementFrames(c, record), replays: listReplays(c, id) };
  });
  const identifications = selection.identificationIds.map((id) => ({ record: getIdentification(c, id), conclusions: listConclusions(c, { identificationId: id }) }));
  const evidenceIds = [
    ...new Set([...enhancements.map((e) => e.record.evidenceId), ...identifications.map((i) => i.record.template.evidenceId), ...selection.frames.map((f) => f.evidenceId)]),
  ].sort((a, b) => a - b);
  const evidence: Evidence[] = evidenceIds.map((id) => getEvidence(c, id));
  const frames = selection.frames.map((f) => ({ info: frameInfo(c, f.evidenceId, f.index), evidence: getEvidence(c, f.evidenceId) }));

  // Enlarged crops: the source crop by the enhancement's own scale (so it lines up with the result), the input
  // crops by one factor per enhancement.
  const displays = new Map<ExportImage, DisplayImage>();
  for (const img of images.images) {
    const e = img.enhancementId ? enhancements.find((x) => x.record.id === img.enhancementId)?.record : undefined;
    const hint = img.role === 'source-crop' && e ? Math.max(1, Math.round(e.outputWidth / img.width)) : null;
    displays.set(img, await displayOf(img, hint));
    throwIfAborted(opts.signal, 'report');
  }

  const data: ReportData = {
    case: c,
    info: c.info,
    producedBy: c.examiner,
    appVersion: APP_VERSION,
    reportId,
    state,
    selection,
    evidence,
    enhancements,
    identifications,
    frames,
    images,
    image: (role, enhancementId, frame, evidenceId) =>
      images.images.find(
        (i) =>
          i.role === role &&
          i.enhancementId === enhancementId &&
          (frame === undefined || frame === null || i.frame === frame) &&
          (evidenceId === undefined || i.evidenceId === evidenceId),
      ),
    display: (img) => displays.get(img)!,
  };

  const date = new Date(state.entry.ts);
  const w = new ReportWriter({
    title: `Evidence report ${c.info.caseNumber} — ${c.info.title}`,
    author: c.examiner,
    subject: `Sightline evidence report ${reportId}`,
    keywords: `case ${c.info.caseNumber}; report ${reportId}; audit entry ${state.entry.seq} ${state.entry.hash}`,
    creator: `Sightline ${APP_VERSION}`,
    date,
    fileId: crypto.createHash('md5').update(reportId).digest(),
    footer: (page, pages) => `Sightline evidence report ${reportId} · case ${c.info.caseNumber} · page ${page} / ${pages}`,
  });
  for (const section of REPORT_SECTIONS) {
    if (!section.applies(data)) continue;
    section.render(w, data);
    throwIfAborted(opts.signal, 'report');
  }
  const pages = w.doc.bufferedPageRange().count;
  const pdf = await w.finish();
  return { pdf, reportId, sha256: crypto.createHash('sha256').update(pdf).digest('hex'), pages, state, selection, images };
}

export interface CreatedReport {
  readonly path: string;
  readonly reportId: string;
  readonly sha256: string;
  readonly pages: number;
  readonly bytes: number;
  readonly stateEntry: { readonly seq: number; readonly hash: string; readonly ts: string };
  readonly redaction: { readonly enabled: boolean; readonly reason: string | null; readonly regions: number };
}

export function defaultReportPath(c: CaseHandle, ext = '.pdf'): string {
  return path.join(c.paths.exports, `report-${c.info.caseNumber.replace(/[^\w.-]+/g, '_')}${ext}`);
}

/**
 * Make the report and write it to `out` (checked first: not inside evidence/, not over a file unless `force`,
 * writable), atomically; then audit it (`report.create`, with its hash, its id, the choices and the redaction).
 * `commit` lets a job record the audit entry with its own success.
 */
export async function createReport(
  c: CaseHandle,
  input: ExportSelectionInput,
  out: string | undefined,
  opts: ReportOptions & { force?: boolean; commit?: (fn: () => CreatedReport) => CreatedReport } = {},
): Promise<CreatedReport> {
  const dest = checkOutputPath(c, out ?? defaultReportPath(c), { kind: 'file', extensions: ['.pdf'], force: opts.force ?? false });
  const r = await generateReport(c, input, opts);
  throwIfAborted(opts.signal, 'report');
  const result: CreatedReport = {
    path: dest,
    reportId: r.reportId,
    sha256: r.sha256,
    pages: r.pages,
    bytes: r.pdf.length,
    stateEntry: { seq: r.state.entry.seq, hash: r.state.entry.hash, ts: r.state.entry.ts },
    redaction: { enabled: r.selection.redact, reason: r.selection.reason, regions: r.images.redaction.regionCount },
  };
  writeFileAtomic(dest, r.pdf);
  const record = (): CreatedReport => {
    c.audit.append({
      action: 'report.create',
      params: {
        reportId: r.reportId,
        path: dest,
        pages: r.pages,
        selection: r.selection,
        stateEntry: result.stateEntry,
        redaction: { ...result.redaction, method: r.images.redaction.method, keptTrackIds: r.images.redaction.keptTrackIds },
      },
      inputs: r.images.images.map((i) => ({ sha256: i.sourceSha256, role: `source-${i.role}`, name: i.name })),
      outputs: [{ sha256: r.sha256, role: 'report', name: path.basename(dest) }],
    });
    return result;
  };
  try {
    return opts.commit ? opts.commit(record) : c.db.transaction(record).immediate();
  } catch (e) {
    // An unrecorded report must not lie about: the audit log is the record of what was handed over.
    fs.rmSync(dest, { force: true });
    throw e;
  }
}
