/**
 * Orphans: files in the case's stores that the database does not record. An import killed between the rename
 * into `evidence/` and its commit leaves a complete, read-only, unrecorded copy; a killed analysis or
 * enhancement leaves the face crops and images its worker had already written to `derived/`; a killed writer
 * leaves a `*.part` file. Nothing refers to them, but they are not deleted either: on open they are moved to
 * `quarantine/<time>/evidence/` and `quarantine/<time>/derived/`, each listed with its size and SHA-256 in one
 * `case.quarantine` audit entry, for an examiner to inspect or remove.
 *
 * Only what no live process can still commit is swept. A process working on a case (the app and the CLI can
 * share one) may have written a file it has not recorded yet, so:
 *  - every process that opens a case for work keeps a folder `.incoming/<pid>/` (with its host name) while it
 *    lives; the sweep runs only when no other live process has one, and no job is running under a live runner;
 *  - a file modified in the last minute is left for the next open (a writer that opened the case just now, or
 *    one from a version before these markers).
 * Markers of another host cannot be checked and count as live.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseHandle, CasePaths } from './case';

/** Files younger than this are someone's work in progress. */
export const QUARANTINE_MIN_AGE_MS = 60_000;

export interface QuarantinedFile {
  readonly store: 'evidence' | 'derived';
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface QuarantineResult {
  /** The folder the files went to; null when nothing was swept. */
  readonly folder: string | null;
  readonly files: QuarantinedFile[];
  /** Why nothing was swept this time, when something blocked it. */
  readonly skipped: string | null;
}

export const HOST_FILE = 'host';

/** Mark this process as working on the case: `.incoming/<pid>/host`. */
export function markWriter(paths: CasePaths): void {
  const dir = path.join(paths.incoming, String(process.pid));
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, HOST_FILE), os.hostname());
}

/** Is the process behind `.incoming/<name>` alive (or on another host, where it cannot be told)? */
export function writerAlive(paths: CasePaths, name: string): boolean {
  const pid = Number(name);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const host = fs.readFileSync(path.join(paths.incoming, name, HOST_FILE), 'utf8').trim();
    if (host && host !== os.hostname()) return true;
  } catch {
    // no host file: a marker of this host (or of a version before host files)
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What stops a sweep now: another live writer, or a job running under a live process. */
function blocker(c: CaseHandle): string | null {
  let names: string[] = [];
  try {
    names = fs.readdirSync(c.paths.incoming);
  } catch {
    // no .incoming yet: nobody is writing
  }
  const other = names.find((n) => n !== String(process.pid) && writerAlive(c.paths, n));
  if (other) return `process ${other} is working on the case`;
  const running = c.db.prepare(`SELECT id, runner FROM jobs WHERE state = 'running'`).all() as { id: number; runner: string | null }[];
  const live = running.find((j) => j.runner && !j.runner.startsWith(`${process.pid}@`));
  return live ? `job ${live.id} is running in ${live.runner}` : null;
}

function sha256Of(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Unrecorded files of the case's stores, old enough to be nobody's work in progress. */
function orphans(c: CaseHandle, now: number): Array<{ store: 'evidence' | 'derived'; name: string }> {
  const out: Array<{ store: 'evidence' | 'derived'; name: string }> = [];
  const stored = new Set((c.db.prepare('SELECT stored_name FROM evidence').pluck().all() as string[]));
  const derived = new Set((c.db.prepare('SELECT sha256 FROM derived').pluck().all() as string[]));
  const old = (file: string): boolean => {
    try {
      return now - fs.lstatSync(file).mtimeMs >= QUARANTINE_MIN_AGE_MS;
    } catch {
      return false;
    }
  };
  for (const [store, dir] of [['evidence', c.paths.evidence], ['derived', c.paths.derived]] as const) {
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const recorded = store === 'evidence' ? stored.has(name) : derived.has(name.replace(/\..*$/, '')) && !name.endsWith('.part');
      if (recorded || !old(path.join(dir, name))) continue;
      if (!fs.lstatSync(path.join(dir, name)).isFile()) continue;
      out.push({ store, name });
    }
  }
  return out;
}

/**
 * Move orphans to `quarantine/<time>/` and audit them. Called when a case is opened for work, after jobs of dead
 * processes have been marked abandoned (whose crops are among the orphans).
 */
export function quarantineOrphans(c: CaseHandle, now = Date.now()): QuarantineResult {
  const blocked = blocker(c);
  if (blocked) return { folder: null, files: [], skipped: blocked };
  const found = orphans(c, now);
  if (found.length === 0) return { folder: null, files: [], skipped: null };
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  let folder = path.join(c.dir, 'quarantine', stamp);
  for (let k = 2; fs.existsSync(folder); k++) folder = path.join(c.dir, 'quarantine', `${stamp}-${k}`);
  const files: QuarantinedFile[] = [];
  for (const { store, name } of found) {
    const from = path.join(store === 'evidence' ? c.paths.evidence : c.paths.derived, name);
    const st = fs.statSync(from);
    const sha256 = sha256Of(from);
    fs.mkdirSync(path.join(folder, store), { recursive: true });
    // A rename within the case folder: the file keeps its bytes, its name and its permissions.
    fs.renameSync(from, path.join(folder, store, name));
    files.push({ store, name, size: st.size, sha256 });
  }
  c.audit.append({
    action: 'case.quarantine',
    params: {
      folder: path.relative(c.dir, folder).split(path.sep).join('/'),
      reason: 'files in evidence/ or derived/ that the case does not record (left by a process that ended before its commit); moved, not deleted',
      files: files.map((f) => ({ store: f.store, name: f.name, size: f.size })),
    },
    outputs: files.map((f) => ({ sha256: f.sha256, role: `quarantined-${f.store}`, name: `${f.store}/${f.name}` })),
  });
  return { folder, files, skipped: null };
}
