/**
 * `case.json`: binds a case database to its folder. A case is a folder (its evidence, derived images and exports)
 * plus the database that describes them; a case.db copied or swapped into another case's folder would describe
 * files that are not there, or worse, the wrong case's files. The marker holds the case UUID (the same UUID that
 * seeds the audit chain); opening a case compares the two and refuses, saying which is which, when they differ.
 *
 * Written at creation (read-only, atomically). A case made before markers existed gets one on its first
 * writable open, audited as `case.bind`; read-only opens never write it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SightlineError, fromSystemError } from '../domain/errors';

export const MARKER_FILE = 'case.json';

export interface CaseMarker {
  readonly format: 'sightline-case';
  readonly version: 1;
  readonly caseUuid: string;
  readonly caseNumber: string;
  readonly title: string;
  readonly createdAt: string;
}

export interface CaseIdentity {
  readonly caseUuid: string;
  readonly caseNumber: string;
  readonly title: string;
  readonly createdAt: string;
}

export function markerPath(root: string): string {
  return path.join(root, MARKER_FILE);
}

export function writeMarker(root: string, info: CaseIdentity): CaseMarker {
  const marker: CaseMarker = { format: 'sightline-case', version: 1, caseUuid: info.caseUuid, caseNumber: info.caseNumber, title: info.title, createdAt: info.createdAt };
  const file = markerPath(root);
  const tmp = `${file}.${process.pid}.part`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify({ ...marker, note: 'Binds case.db to this folder. Do not edit or copy between cases.' }, null, 2)}\n`, { mode: 0o444 });
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fromSystemError(e, `writing ${file}`) ?? e;
  }
  return marker;
}

/** The folder's marker, or null when it has none (a case made before markers existed). */
export function readMarker(root: string): CaseMarker | null {
  const file = markerPath(root);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fromSystemError(e, `reading ${file}`) ?? e;
  }
  try {
    const m = JSON.parse(text) as Partial<CaseMarker>;
    if (m.format === 'sightline-case' && typeof m.caseUuid === 'string') {
      return { format: 'sightline-case', version: 1, caseUuid: m.caseUuid, caseNumber: String(m.caseNumber ?? '?'), title: String(m.title ?? '?'), createdAt: String(m.createdAt ?? '?') };
    }
  } catch {
    // reported below
  }
  throw new SightlineError('CASE_MISMATCH', `${file} is damaged (not a Sightline case marker); it binds case.db to this folder: restore it from a backup, or remove it to bind the folder to its case.db again`);
}

/**
 * Refuse a database that is not this folder's. Returns whether the folder has a marker at all (absent: a case
 * from before markers, which the caller binds on a writable open).
 */
export function checkMarker(root: string, db: CaseIdentity): 'bound' | 'absent' {
  const m = readMarker(root);
  if (!m) return 'absent';
  if (m.caseUuid !== db.caseUuid) {
    throw new SightlineError(
      'CASE_MISMATCH',
      `${path.join(root, 'case.db')} belongs to another case: the database is case ${db.caseNumber} "${db.title}" (uuid ${db.caseUuid}), but this folder is case ${m.caseNumber} "${m.title}" (uuid ${m.caseUuid}, from ${MARKER_FILE}); the databases of two cases were swapped or copied over: put each case.db back in its own folder. Nothing was changed`,
      { folder: root, database: { ...db }, marker: { ...m } },
    );
  }
  return 'bound';
}
