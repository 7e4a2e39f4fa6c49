/**
 * The content-addressed store of derived images: `<derivedDir>/<sha256>.<ext>`. A file enters the store only after
 * it is complete (written to scratch, hashed, renamed), so a crash leaves at worst an unreferenced but correct file.
 * Files only: the case's record of them (core/derived.ts) is written by the caller's transaction. Worker
 * processes, which never open the database, use the same functions with the case's derived/ folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fromSystemError, SightlineError } from '../domain/errors';
import { sha256Hex } from './hashing';

export interface DerivedFile {
  readonly sha256: string;
  /** Absolute path in the case's derived/ folder. */
  readonly path: string;
  readonly width: number;
  readonly height: number;
}

export function derivedFilePath(derivedDir: string, sha256: string, ext = '.png'): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new SightlineError('INVALID_INPUT', `not a SHA-256: ${sha256}`);
  return path.join(derivedDir, `${sha256}${ext}`);
}

/** Move a finished scratch file into the store under its hash. The scratch file is consumed. */
export function adoptDerivedFile(derivedDir: string, scratch: string, width: number, height: number, ext = '.png'): DerivedFile {
  try {
    const sha256 = sha256Hex(fs.readFileSync(scratch));
    const dest = derivedFilePath(derivedDir, sha256, ext);
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
export function storeDerivedBytes(derivedDir: string, bytes: Buffer, width: number, height: number, ext = '.png'): DerivedFile {
  return { ...writeDerivedBytes(derivedDir, bytes, ext), width, height };
}

/** Write bytes under their hash; the file appears only when complete. */
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
