/**
 * The content-addressed store of derived images: `derived/<sha256>.<ext>`. A file enters the store only after it
 * is complete (written to scratch, hashed, renamed); the database row is written by the caller's transaction or
 * by `recordDerived`, so a crash leaves at worst an unreferenced but correct file.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CaseHandle } from './case';
import { canonicalJson } from './canonicalJson';
import { fromSystemError, SightlineError } from './errors';
import { sha256Hex } from './hashing';

export interface DerivedFile {
  readonly sha256: string;
  /** Absolute path in the case's derived/ folder. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

export interface DerivedMeta {
  readonly kind: string;
  readonly evidenceId: number | null;
  readonly params: Record<string, unknown>;
  readonly width: number;
  readonly height: number;
}

export function derivedPath(c: CaseHandle, sha256: string, ext = '.png'): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new SightlineError('INVALID_INPUT', `not a SHA-256: ${sha256}`);
  return path.join(c.paths.derived, `${sha256}${ext}`);
}

/** Move a finished scratch file into the store under its hash. The scratch file is consumed. */
export function adoptDerivedFile(c: CaseHandle, scratch: string, width: number, height: number, ext = '.png'): DerivedFile {
  try {
    const sha256 = sha256Hex(fs.readFileSync(scratch));
    const dest = derivedPath(c, sha256, ext);
    if (fs.existsSync(dest)) fs.rmSync(scratch, { force: true });
    else {
      fs.renameSync(scratch, dest);
      fs.chmodSync(dest, 0o444);
    }
    return { sha256, path: dest, width, height };
  } catch (e) {
    fs.rmSync(scratch, { force: true });
    throw fromSystemError(e, 'storing a derived file') ?? e;
  }
}

/** Write bytes into the store (for images produced in memory by the pipeline). */
export function storeDerivedBytes(c: CaseHandle, bytes: Buffer, width: number, height: number, ext = '.png'): DerivedFile {
  return { ...writeDerivedBytes(c.paths.derived, bytes, ext), width, height };
}

/**
 * The store's write rule without a case handle, for worker processes (they never open the database): the file
 * appears under its hash only when complete, so a crash leaves at most an unreferenced but correct file.
 */
export function writeDerivedBytes(derivedDir: string, bytes: Buffer, ext = '.png'): { sha256: string; path: string } {
  const sha256 = sha256Hex(bytes);
  const dest = path.join(derivedDir, `${sha256}${ext}`);
  if (!fs.existsSync(dest)) {
    const tmp = `${dest}.${process.pid}.part`;
    try {
      fs.writeFileSync(tmp, bytes, { mode: 0o444 });
      fs.renameSync(tmp, dest);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fromSystemError(e, 'storing a derived file') ?? e;
    }
  }
  return { sha256, path: dest };
}

export function recordDerived(c: CaseHandle, file: DerivedFile, meta: DerivedMeta): void {
  c.db
    .prepare(
      `INSERT OR IGNORE INTO derived (sha256, kind, evidence_id, params_json, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(file.sha256, meta.kind, meta.evidenceId, canonicalJson(meta.params), meta.width, meta.height, new Date().toISOString());
}
