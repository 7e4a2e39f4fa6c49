/**
 * The export package: one folder (or zip) holding the report, every image in it at full resolution, the audit
 * export (JSON + CSV), the records as JSON, and `manifest.json` listing every file with its SHA-256, signed with
 * the examiner's Ed25519 key (created on first use, kept outside the case). The report inside is the same bytes
 * `createReport` writes for the same choices. The folder is built under a temporary name and renamed into place
 * (a zip is written to a temporary file and renamed), so nothing half-written is left behind; the package is
 * audited (`package.export`) with its manifest hash, the public key and every file's hash.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { auditToCsv, auditToJson } from '../audit';
import type { CaseHandle } from '../case';
import { SightlineError, throwIfAborted } from '../../domain/errors';
import type { Progress } from '../../domain/progress';
import { APP_VERSION } from '../../platform/appInfo';
import { loadOrCreateSigningKey, signBytes } from '../../platform/signingKey';
import { getEnhancement, listReplays } from '../enhance/records';
import { getEvidence } from '../evidence';
import { frameInfo } from '../frames';
import { listRedactionBoxes } from '../redaction/boxes';
import { prepareExportImages } from '../export/images';
import { checkOutputPath, writeFileAtomic, writeFolderAtomic } from '../export/output';
import { caseState, resolveSelection, type ExportSelectionInput } from '../export/selection';
import { generateReport } from '../report/report';
import { listConclusions } from '../identify/conclusions';
import { getIdentification } from '../identify/identifications';
import { MANIFEST, PACKAGE_FORMAT, SIGNATURE, verifyInstructions, type ManifestFile, type PackageManifest } from './manifest';

export interface PackageOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly force?: boolean;
  /** The app's user-data folder, where the signing key lives (default: the CLI's; SIGHTLINE_SIGNING_KEY_DIR overrides). */
  readonly userDataDir?: string;
  readonly commit?: (fn: () => CreatedPackage) => CreatedPackage;
}

export interface CreatedPackage {
  readonly path: string;
  readonly zip: boolean;
  readonly reportId: string;
  readonly manifestSha256: string;
  readonly files: number;
  readonly bytes: number;
  readonly signer: { readonly examiner: string; readonly keyId: string; readonly publicKeyPem: string; readonly keyCreated: boolean };
  readonly redaction: { readonly enabled: boolean; readonly reason: string | null; readonly regions: number };
}

const json = (v: unknown): Buffer => Buffer.from(`${JSON.stringify(v, null, 2)}\n`, 'utf8');
const sha256 = (b: Uint8Array): string => crypto.createHash('sha256').update(b).digest('hex');

export function defaultPackagePath(c: CaseHandle): string {
  return path.join(c.paths.exports, `package-${c.info.caseNumber.replace(/[^\w.-]+/g, '_')}`);
}

export async function createPackage(c: CaseHandle, input: ExportSelectionInput, out: string | undefined, opts: PackageOptions = {}): Promise<CreatedPackage> {
  const target = out ?? defaultPackagePath(c);
  const zip = path.extname(target).toLowerCase() === '.zip';
  const dest = checkOutputPath(c, target, { kind: zip ? 'file' : 'folder', force: opts.force ?? false });
  const state = caseState(c);
  const selection = resolveSelection(c, input);
  const key = loadOrCreateSigningKey(c.examiner, { ...(opts.userDataDir ? { userDataDir: opts.userDataDir } : {}), forbiddenDir: c.dir });

  const images = await prepareExportImages(c, selection, opts);
  const report = await generateReport(c, selection, { ...opts, images, state });
  throwIfAborted(opts.signal, 'package');
  opts.onProgress?.({ stage: 'package', current: 0, total: 1 });

  // Every file of the package, by its path inside it.
  const files = new Map<string, Buffer>();
  files.set('report.pdf', report.pdf);
  for (const img of images.images) files.set(img.name, img.png);
  const verification = c.audit.verify();
  const entries = c.audit.list();
  files.set('audit/audit.json', Buffer.from(auditToJson({ ...c.info }, entries, verification), 'utf8'));
  files.set('audit/audit.csv', Buffer.from(auditToCsv(entries, verification), 'utf8'));
  files.set('records/case.json', json({ case: c.info, stateEntry: report.state.entry, auditHead: { seq: verification.entries, hash: verification.headHash }, producedBy: c.examiner, appVersion: APP_VERSION }));
  files.set('records/selection.json', json(selection));
  const evidenceIds = [...new Set(images.images.map((i) => i.evidenceId))].sort((a, b) => a - b);
  files.set('records/evidence.json', json(evidenceIds.map((id) => getEvidence(c, id))));
  files.set('records/enhancements.json', json(selection.enhancementIds.map((id) => ({ ...getEnhancement(c, id), replays: listReplays(c, id) }))));
  files.set('records/frames.json', json(selection.frames.map((f) => frameInfo(c, f.evidenceId, f.index))));
  files.set(
    'records/redaction.json',
    json({
      enabled: images.redaction.enabled,
      reason: images.redaction.reason,
      method: images.redaction.method,
      keptTrackIds: images.redaction.keptTrackIds,
      manualBoxes: evidenceIds.flatMap((id) => listRedactionBoxes(c, id, { all: true })),
      images: images.images.map((i) => ({ name: i.name, sha256: i.sha256, sourceSha256: i.sourceSha256, applied: i.redaction.applied, regions: i.redaction.regions, kept: i.kept })),
    }),
  );
  files.set('records/identifications.json', json(selection.identificationIds.map((id) => ({ ...getIdentification(c, id), conclusions: listConclusions(c, { identificationId: id }) }))));
  files.set('public-key.pem', Buffer.from(key.publicKeyPem, 'utf8'));
  const header = { case: { caseNumber: c.info.caseNumber, title: c.info.title, caseUuid: c.info.caseUuid, examiner: c.info.examiner, agency: c.info.agency }, reportId: report.reportId };
  const signer = { algorithm: 'Ed25519' as const, examiner: key.examiner, keyId: key.keyId, publicKeyPem: key.publicKeyPem };
  files.set('VERIFY.txt', Buffer.from(verifyInstructions({ ...header, signer }), 'utf8'));
  const sums = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, b]) => `${sha256(b)}  ${p}`);
  files.set('SHA256SUMS', Buffer.from(`${sums.join('\n')}\n`, 'utf8'));

  const list: ManifestFile[] = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, b]) => ({ path: p, sha256: sha256(b), size: b.length }));
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT,
    ...header,
    createdAt: new Date().toISOString(),
    createdBy: c.examiner,
    appVersion: APP_VERSION,
    stateEntry: { seq: report.state.entry.seq, hash: report.state.entry.hash, ts: report.state.entry.ts },
    auditHead: { seq: verification.entries, hash: verification.headHash },
    redaction: { enabled: selection.redact, reason: selection.reason, regions: images.redaction.regionCount },
    signer,
    files: list,
  };
  const manifestBytes = json(manifest);
  const signature = signBytes(key, manifestBytes);
  files.set(MANIFEST, manifestBytes);
  files.set(SIGNATURE, signature);
  throwIfAborted(opts.signal, 'package');

  let total = 0;
  for (const b of files.values()) total += b.length;
  if (zip) {
    // Fixed entry times (the state entry's), so the archive's bytes depend on its content only.
    const mtime = new Date(report.state.entry.ts);
    const z: Zippable = {};
    for (const [p, b] of [...files.entries()].sort(([a], [b2]) => (a < b2 ? -1 : 1))) z[p] = [new Uint8Array(b), { mtime, level: p.endsWith('.png') || p.endsWith('.pdf') ? 0 : 6 }];
    const bytes = zipSync(z);
    writeFileAtomic(dest, bytes);
    total = bytes.length;
  } else {
    await writeFolderAtomic(dest, async (tmp) => {
      for (const [p, b] of files) {
        throwIfAborted(opts.signal, 'package');
        const abs = path.join(tmp, ...p.split('/'));
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.writeFileSync(abs, b);
      }
      // Read back: a full disk or a bad medium must not leave a package that does not match its manifest.
      for (const f of list) {
        if (sha256(fs.readFileSync(path.join(tmp, ...f.path.split('/')))) !== f.sha256) throw new SightlineError('INTERNAL', `${f.path} did not read back as written`);
      }
    });
  }
  opts.onProgress?.({ stage: 'package', current: 1, total: 1 });

  const manifestSha256 = sha256(manifestBytes);
  const result: CreatedPackage = {
    path: dest,
    zip,
    reportId: report.reportId,
    manifestSha256,
    files: files.size,
    bytes: total,
    signer: { examiner: key.examiner, keyId: key.keyId, publicKeyPem: key.publicKeyPem, keyCreated: key.created },
    redaction: manifest.redaction,
  };
  const record = (): CreatedPackage => {
    c.audit.append({
      action: 'package.export',
      params: {
        path: dest,
        zip,
        reportId: report.reportId,
        manifestSha256,
        signature: signature.toString('base64'),
        signer: { algorithm: 'Ed25519', examiner: key.examiner, keyId: key.keyId, publicKeyPem: key.publicKeyPem, keyCreated: key.created },
        selection,
        stateEntry: manifest.stateEntry,
        redaction: { ...manifest.redaction, method: images.redaction.method, keptTrackIds: images.redaction.keptTrackIds },
      },
      inputs: images.images.map((i) => ({ sha256: i.sourceSha256, role: `source-${i.role}`, name: i.name })),
      outputs: [{ sha256: manifestSha256, role: 'package-manifest', name: MANIFEST }, ...list.map((f) => ({ sha256: f.sha256, role: 'package-file', name: f.path }))],
    });
    return result;
  };
  try {
    return opts.commit ? opts.commit(record) : c.db.transaction(record).immediate();
  } catch (e) {
    fs.rmSync(dest, { recursive: true, force: true });
    throw e;
  }
}
