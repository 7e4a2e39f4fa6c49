/**
 * Re-checking stored evidence files against the SHA-256 recorded at import.
 *
 * A file in `evidence/` is read-only, but nothing stops someone with access to the folder from changing it: a byte
 * of container metadata changes no pixel (so the frame-index MD5s still match) but it is no longer the file that
 * was imported and hashed. So the file is re-hashed when a case is opened for work and before every job or
 * extraction that reads it. To keep that cheap, each check is cached with the file's identity — size, modification
 * and change time (ns), inode and device — in `evidence_checks`: any write to a file updates its change time
 * (ctime), which no user can set back, so while the identity is unchanged the bytes are too and the file is not
 * hashed again. Copying the case elsewhere, restoring a backup or `touch` makes the next check hash it again.
 * `sightline evidence verify` ignores the cache and re-hashes everything.
 *
 * A change is audited once per new state (`evidence.altered`, `evidence.missing`, `evidence.restored` when the
 * recorded bytes are back); a file that differs is never used: every reader gets EVIDENCE_ALTERED or
 * EVIDENCE_MISSING naming the evidence.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CaseHandle } from './case';
import { SightlineError, throwIfAborted } from '../domain/errors';
import type { Progress } from '../domain/progress';
import { sha256File } from '../platform/hashing';
import type { Evidence } from './evidence';

// Not from evidence.ts, which records the first check at import (this module is imported by it).
function evidenceFile(c: CaseHandle, e: Pick<Evidence, 'storedName'>): string {
  return path.join(c.paths.evidence, e.storedName);
}

export type EvidenceStatus = 'intact' | 'altered' | 'missing';

export interface EvidenceCheck {
  readonly evidenceId: number;
  readonly originalName: string;
  readonly path: string;
  readonly status: EvidenceStatus;
  /** Recorded at import. */
  readonly sha256: string;
  /** What the file hashes to now (null when missing). */
  readonly actualSha256: string | null;
  readonly size: number | null;
  /** False when the cached check of an unchanged file was used. */
  readonly rehashed: boolean;
  readonly checkedAt: string;
}

export interface CheckOptions {
  /** Re-hash even when the file's identity is unchanged (sightline evidence verify). */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
}

interface CheckRow {
  evidence_id: number;
  size: number;
  mtime_ns: string;
  ctime_ns: string;
  ino: string;
  dev: string;
  sha256: string;
  ok: number;
  checked_at: string;
}

interface Identity {
  readonly size: number;
  readonly mtime_ns: string;
  readonly ctime_ns: string;
  readonly ino: string;
  readonly dev: string;
}

/** A missing file is cached as this identity (no file has size -1), so it is audited once, not on every open. */
const MISSING: Identity = { size: -1, mtime_ns: '0', ctime_ns: '0', ino: '0', dev: '0' };

function identityOf(file: string): Identity | null {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
  if (!st.isFile()) return null;
  return { size: Number(st.size), mtime_ns: String(st.mtimeNs), ctime_ns: String(st.ctimeNs), ino: String(st.ino), dev: String(st.dev) };
}

function sameIdentity(a: Identity, b: Identity): boolean {
  return a.size === b.size && a.mtime_ns === b.mtime_ns && a.ctime_ns === b.ctime_ns && a.ino === b.ino && a.dev === b.dev;
}

/** Record a freshly stored file as verified (import: it was just hashed). Call inside the import's commit. */
export function recordVerified(c: CaseHandle, evidenceId: number, file: string, sha256: string): void {
  const id = identityOf(file);
  if (!id) return;
  store(c, evidenceId, id, sha256, true);
}

function store(c: CaseHandle, evidenceId: number, id: Identity, sha256: string, ok: boolean): string {
  const now = new Date().toISOString();
  c.db
    .prepare(
      `INSERT INTO evidence_checks (evidence_id, size, mtime_ns, ctime_ns, ino, dev, sha256, ok, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(evidence_id) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ctime_ns = excluded.ctime_ns, ino = excluded.ino,
         dev = excluded.dev, sha256 = excluded.sha256, ok = excluded.ok, checked_at = excluded.checked_at`,
    )
    .run(evidenceId, id.size, id.mtime_ns, id.ctime_ns, id.ino, id.dev, sha256, ok ? 1 : 0, now);
  return now;
}

/** Check one evidence file (cached by its identity unless `force`). Never throws for a bad file: see `requireIntact`. */
export async function checkEvidenceFile(c: CaseHandle, e: Evidence, opts: CheckOptions = {}): Promise<EvidenceCheck> {
  const file = evidenceFile(c, e);
  const base = { evidenceId: e.id, originalName: e.originalName, path: file, sha256: e.sha256 };
  const cached = c.db.prepare('SELECT * FROM evidence_checks WHERE evidence_id = ?').get(e.id) as CheckRow | undefined;
  const before = identityOf(file);
  if (!before) {
    const checkedAt = record(c, e, cached, MISSING, 'missing', null);
    return { ...base, status: 'missing', actualSha256: null, size: null, rehashed: false, checkedAt };
  }
  if (!opts.force && cached && cached.size >= 0 && sameIdentity(cached, before)) {
    return { ...base, status: cached.ok === 1 ? 'intact' : 'altered', actualSha256: cached.sha256, size: before.size, rehashed: false, checkedAt: cached.checked_at };
  }
  throwIfAborted(opts.signal, 'verification');
  const actual = await sha256File(file, {
    signal: opts.signal,
    onBytes: (n) => opts.onProgress?.({ stage: 'verify', current: n, total: before.size, unit: 'bytes' }),
  });
  const after = identityOf(file);
  // A file that changed while it was read is being written to: whatever it hashed to, it is not the evidence.
  const stable = after !== null && sameIdentity(before, after);
  const status: EvidenceStatus = stable && actual === e.sha256 && before.size === e.size ? 'intact' : 'altered';
  const checkedAt = record(c, e, cached, stable ? before : { ...before, ctime_ns: 'changing' }, status, actual);
  return { ...base, status, actualSha256: actual, size: before.size, rehashed: true, checkedAt };
}

/** Cache the outcome and audit a change of state (read-only handles record nothing). */
function record(c: CaseHandle, e: Evidence, cached: CheckRow | undefined, id: Identity, status: EvidenceStatus, actual: string | null): string {
  const now = new Date().toISOString();
  if (c.readonly) return now;
  const previous: EvidenceStatus | 'unchecked' = !cached ? 'unchecked' : cached.size < 0 ? 'missing' : cached.ok === 1 ? 'intact' : 'altered';
  const changed = previous !== status || (status === 'altered' && cached?.sha256 !== actual);
  return c.db
    .transaction(() => {
      const at = store(c, e.id, id, actual ?? 'missing', status === 'intact');
      if (changed && !(status === 'intact' && previous !== 'altered' && previous !== 'missing')) {
        const action = status === 'intact' ? 'evidence.restored' : status === 'missing' ? 'evidence.missing' : 'evidence.altered';
        c.audit.append({
          action,
          params: { evidenceId: e.id, originalName: e.originalName, storedName: e.storedName, path: evidenceFile(c, e), recordedSha256: e.sha256, actualSha256: actual, size: id.size >= 0 ? id.size : null },
          inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }],
        });
      }
      return at;
    })
    .immediate();
}

/** The error every reader of a bad evidence file gets: it names the evidence, where it should be, and what differs. */
export function integrityError(check: EvidenceCheck): SightlineError | null {
  const who = `evidence #${check.evidenceId} "${check.originalName}"`;
  const details = { evidenceId: check.evidenceId, originalName: check.originalName, expectedPath: check.path, sha256: check.sha256, actualSha256: check.actualSha256 };
  if (check.status === 'missing') {
    return new SightlineError('EVIDENCE_MISSING', `${who} is missing from the case: expected ${check.path} (SHA-256 ${check.sha256}); restore it from a backup of the case (its name is its SHA-256)`, details);
  }
  if (check.status === 'altered') {
    return new SightlineError(
      'EVIDENCE_ALTERED',
      `${who} was changed on disk after import: ${check.path} now hashes to ${check.actualSha256 ?? '?'}, not the recorded SHA-256 ${check.sha256}; it is not used. Restore it from a backup (sightline evidence verify lists every item)`,
      details,
    );
  }
  return null;
}

/** The stored file of `e`, re-checked (cached) and refused unless it is the file that was imported. */
export async function verifiedEvidenceFile(c: CaseHandle, e: Evidence, opts: Omit<CheckOptions, 'force'> = {}): Promise<string> {
  const check = await checkEvidenceFile(c, e, opts);
  const err = integrityError(check);
  if (err) throw err;
  return check.path;
}

/** Check every evidence file of the case (cached unless `force`), in id order. */
export async function checkAllEvidence(c: CaseHandle, list: readonly Evidence[], opts: CheckOptions = {}): Promise<EvidenceCheck[]> {
  const out: EvidenceCheck[] = [];
  for (const e of list) out.push(await checkEvidenceFile(c, e, opts));
  return out;
}

/** The last recorded state of each evidence item (no file access): for lists and views. */
export function recordedIntegrity(c: CaseHandle): Map<number, EvidenceStatus> {
  const rows = c.db.prepare('SELECT evidence_id, size, ok FROM evidence_checks').all() as Pick<CheckRow, 'evidence_id' | 'size' | 'ok'>[];
  return new Map(rows.map((r) => [r.evidence_id, r.size < 0 ? 'missing' : r.ok === 1 ? 'intact' : 'altered']));
}
