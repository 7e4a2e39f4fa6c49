import fs from 'node:fs';
import path from 'node:path';
import { auditToCsv, auditToJson } from './audit';
import type { CaseHandle } from './case';
import { fromSystemError } from '../domain/errors';
import { sha256Hex } from '../platform/hashing';

export interface AuditExportResult {
  readonly path: string;
  readonly format: 'json' | 'csv';
  readonly entries: number;
  readonly headHash: string;
  readonly chainIntact: boolean;
  readonly sha256: string;
}

/**
 * Write the audit log (verified first, so the export states whether the chain was intact) and audit the export
 * itself, with the exported file's hash. Default location: the case's exports/ folder.
 */
export function exportAuditLog(c: CaseHandle, format: 'json' | 'csv', out?: string): AuditExportResult {
  const verification = c.audit.verify();
  const entries = c.audit.list();
  const text = format === 'json' ? auditToJson({ ...c.info }, entries, verification) : auditToCsv(entries, verification);
  const dest = path.resolve(out ?? path.join(c.paths.exports, `audit-${c.info.caseNumber.replace(/[^\w.-]+/g, '_')}.${format}`));
  const tmp = `${dest}.${process.pid}.part`;
  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fromSystemError(e, `writing ${dest}`) ?? e;
  }
  const sha256 = sha256Hex(text);
  c.audit.append({
    action: 'audit.export',
    params: { format, path: dest, entries: entries.length, headHash: verification.headHash, chainIntact: verification.ok },
    outputs: [{ sha256, role: 'export', name: path.basename(dest) }],
  });
  return { path: dest, format, entries: entries.length, headHash: verification.headHash, chainIntact: verification.ok, sha256 };
}
