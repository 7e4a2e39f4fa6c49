/**
 * A case on disk: `NAME.sightline/` holding `case.db`, `evidence/`, `derived/`, `exports/`.
 * `CaseHandle` is the open case that every service works on: the database (only this process writes it), the
 * folders, the audit log, and who is acting.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuditLog } from './audit';
import { APP_VERSION, osAccount } from '../platform/appInfo';
import Database from 'better-sqlite3';
import { openDatabase, type Db } from './db/database';
import { LATEST_VERSION } from './db/migrations';
import { checkMarker, writeMarker, MARKER_FILE } from './caseMarker';
import { abandonOrphanedJobs } from './jobs';
import { markWriter, quarantineOrphans, writerAlive, type QuarantineResult } from './quarantine';
import { SightlineError, fromSystemError } from '../domain/errors';

export const CASE_SUFFIX = '.sightline';

export interface CaseMeta {
  readonly caseNumber: string;
  readonly title: string;
  readonly examiner: string;
  readonly agency?: string | null;
}

export interface CaseInfo extends CaseMeta {
  readonly caseUuid: string;
  readonly agency: string | null;
  readonly createdAt: string;
  readonly appVersion: string;
}

export interface CasePaths {
  readonly root: string;
  readonly db: string;
  readonly evidence: string;
  readonly derived: string;
  readonly exports: string;
  /** Work-in-progress files; anything here after a crash is garbage and is removed on open. */
  readonly incoming: string;
}

export interface OpenCaseOptions {
  /** Who is acting in this session (recorded in the audit log); defaults to the case's examiner. */
  readonly examiner?: string;
  /**
   * Open only to read (the CLI's `case info`, `evidence`, `jobs`, …): the database is opened read-only, nothing
   * is swept, bound or recorded. A case of an older schema is the one exception: it is upgraded once.
   */
  readonly readonly?: boolean;
}

/** What opening a case for work recovered from processes that ended mid-work. */
export interface Recovery {
  /** Jobs of killed processes, now `abandoned`. */
  readonly abandonedJobs: number[];
  readonly quarantine: QuarantineResult;
}

export class CaseHandle {
  readonly audit: AuditLog;
  /** Set by openCase for a case opened for work. */
  recovery: Recovery | null = null;
  private closed = false;

  constructor(
    readonly paths: CasePaths,
    readonly db: Db,
    readonly info: CaseInfo,
    readonly examiner: string,
    readonly readonly = false,
  ) {
    this.audit = new AuditLog(db, info.caseUuid, { examiner, account: osAccount() });
  }

  get dir(): string {
    return this.paths.root;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.readonly) {
      try {
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a checkpoint is an optimisation; closing still persists the WAL
      }
    }
    this.db.close();
  }
}

export function casePaths(root: string): CasePaths {
  return {
    root,
    db: path.join(root, 'case.db'),
    evidence: path.join(root, 'evidence'),
    derived: path.join(root, 'derived'),
    exports: path.join(root, 'exports'),
    incoming: path.join(root, '.incoming'),
  };
}

function clean(label: string, v: string | null | undefined, required: boolean): string | null {
  const s = (v ?? '').normalize('NFC').trim();
  if (!s) {
    if (required) throw new SightlineError('INVALID_INPUT', `${label} is required`);
    return null;
  }
  if (s.length > 500) throw new SightlineError('INVALID_INPUT', `${label} is longer than 500 characters`);
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new SightlineError('INVALID_INPUT', `${label} contains control characters`);
  return s;
}

/** `X` → `X.sightline` (a case is always a `.sightline` folder). */
export function normaliseCaseDir(dir: string): string {
  const abs = path.resolve(dir);
  return abs.endsWith(CASE_SUFFIX) ? abs : abs + CASE_SUFFIX;
}

export function createCase(dir: string, meta: CaseMeta): CaseHandle {
  const caseNumber = clean('case number', meta.caseNumber, true)!;
  const title = clean('title', meta.title, true)!;
  const examiner = clean('examiner', meta.examiner, true)!;
  const agency = clean('agency', meta.agency, false);
  const root = normaliseCaseDir(dir);
  const paths = casePaths(root);
  if (fs.existsSync(paths.db)) throw new SightlineError('CASE_EXISTS', `a case already exists at ${root}`);
  if (fs.existsSync(root)) {
    if (!fs.statSync(root).isDirectory()) throw new SightlineError('INVALID_INPUT', `${root} exists and is not a folder`);
    if (fs.readdirSync(root).length > 0) throw new SightlineError('INVALID_INPUT', `${root} exists and is not empty`);
  }
  try {
    for (const d of [paths.root, paths.evidence, paths.derived, paths.exports, paths.incoming]) fs.mkdirSync(d, { recursive: true });
    markWriter(paths);
  } catch (e) {
    throw fromSystemError(e, `cannot create ${root}`) ?? e;
  }
  const db = openDatabase(paths.db, { create: true });
  try {
    const info: CaseInfo = {
      caseUuid: crypto.randomUUID(),
      caseNumber,
      title,
      examiner,
      agency,
      createdAt: new Date().toISOString(),
      appVersion: APP_VERSION,
    };
    const handle = new CaseHandle(paths, db, info, examiner);
    db.transaction(() => {
      db.prepare(
        `INSERT INTO case_info (id, case_uuid, case_number, title, examiner, agency, created_at, app_version)
         VALUES (1, @caseUuid, @caseNumber, @title, @examiner, @agency, @createdAt, @appVersion)`,
      ).run(info);
      handle.audit.append({ action: 'case.create', params: { ...info } });
    }).immediate();
    writeMarker(root, info);
    return handle;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Find the case folder for `dir` (with or without the `.sightline` suffix). */
export function resolveCaseDir(dir: string): string {
  const abs = path.resolve(dir);
  for (const candidate of [abs, abs + CASE_SUFFIX]) {
    if (fs.existsSync(path.join(candidate, 'case.db'))) return candidate;
  }
  if (!fs.existsSync(abs) && !fs.existsSync(abs + CASE_SUFFIX)) throw new SightlineError('NOT_A_CASE', `no case at ${abs} (folder does not exist)`);
  throw new SightlineError('NOT_A_CASE', `${abs} is not a Sightline case (no case.db)`);
}

interface CaseRow {
  case_uuid: string;
  case_number: string;
  title: string;
  examiner: string;
  agency: string | null;
  created_at: string;
  app_version: string;
}

function toInfo(row: CaseRow): CaseInfo {
  return {
    caseUuid: row.case_uuid,
    caseNumber: row.case_number,
    title: row.title,
    examiner: row.examiner,
    agency: row.agency,
    createdAt: row.created_at,
    appVersion: row.app_version,
  };
}

/**
 * Look at a case database without changing it: refuse anything that is not a Sightline case (a zero-byte file,
 * a file that is not SQLite, a database without a case record) before any connection could write to it.
 */
function inspectCaseDb(root: string, file: string): { info: CaseInfo; schema: number } {
  const notACase = (why: string): SightlineError => new SightlineError('NOT_A_CASE', `${root} is not a Sightline case (${why}); nothing was changed`);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch (e) {
    throw fromSystemError(e, file) ?? e;
  }
  if (size === 0) throw notACase('case.db is empty: 0 bytes');
  let raw: Database.Database;
  try {
    raw = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw notACase(`case.db cannot be opened: ${(e as Error).message}`);
  }
  try {
    const schema = raw.pragma('user_version', { simple: true }) as number;
    const hasTable = raw.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'case_info'`).get();
    if (!hasTable) throw notACase(schema === 0 ? 'case.db holds no Sightline tables' : 'case.db has no case record');
    const row = raw.prepare('SELECT * FROM case_info WHERE id = 1').get() as CaseRow | undefined;
    if (!row) throw notACase('case.db has no case record');
    return { info: toInfo(row), schema };
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    if (/not a database|file is encrypted|malformed/i.test((e as Error).message)) throw notACase('case.db is not a SQLite database');
    throw e;
  } finally {
    raw.close();
  }
}

export function openCase(dir: string, opts: OpenCaseOptions = {}): CaseHandle {
  const root = resolveCaseDir(dir);
  const paths = casePaths(root);
  const { info, schema } = inspectCaseDb(root, paths.db);
  // Before anything is written: is this folder's database this folder's case?
  const binding = checkMarker(root, info);
  const examiner = clean('examiner', opts.examiner, false) ?? info.examiner;
  if (opts.readonly) {
    // Upgrading an older schema is the one write a reading command makes: the rows it reads need the new tables.
    if (schema < LATEST_VERSION) openDatabase(paths.db).close();
    return new CaseHandle(paths, openDatabase(paths.db, { readonly: true }), info, examiner, true);
  }
  const db = openDatabase(paths.db);
  try {
    for (const d of [paths.evidence, paths.derived, paths.exports]) fs.mkdirSync(d, { recursive: true });
    sweepIncoming(paths);
    // While this process lives, others leave what it may still commit alone (core/quarantine.ts).
    markWriter(paths);
    const handle = new CaseHandle(paths, db, info, examiner);
    if (binding === 'absent') {
      db.transaction(() => {
        writeMarker(root, info);
        handle.audit.append({ action: 'case.bind', params: { marker: MARKER_FILE, caseUuid: info.caseUuid, caseNumber: info.caseNumber, reason: 'case made before case markers: bound to this folder on its first writable open' } });
      }).immediate();
    }
    // What a killed process left: its jobs end abandoned, then files nobody can still commit go to quarantine.
    const abandonedJobs = abandonOrphanedJobs(handle);
    handle.recovery = { abandonedJobs, quarantine: quarantineOrphans(handle) };
    return handle;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * Remove half-written files left by a crashed process: they were never recorded, so nothing refers to them.
 * Each process writes under `.incoming/<pid>/`, so a live process's work (the app and the CLI may share a case)
 * is never touched; a folder marked with another host's name is left alone (its process cannot be checked).
 */
function sweepIncoming(paths: CasePaths): void {
  fs.mkdirSync(paths.incoming, { recursive: true });
  for (const name of fs.readdirSync(paths.incoming)) {
    if (name !== String(process.pid) && writerAlive(paths, name)) continue;
    fs.rmSync(path.join(paths.incoming, name), { recursive: true, force: true });
  }
}

/** A fresh scratch file path for this process, on the same file system as the case (so rename is atomic). */
export function scratchPath(c: CaseHandle, suffix: string): string {
  const dir = path.join(c.paths.incoming, String(process.pid));
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${crypto.randomBytes(8).toString('hex')}${suffix}`);
}

export function readCaseInfoSummary(c: CaseHandle): Record<string, unknown> {
  const count = (sql: string): number => (c.db.prepare(sql).get() as { n: number }).n;
  return {
    dir: c.dir,
    ...c.info,
    schemaVersion: c.db.pragma('user_version', { simple: true }),
    evidence: count('SELECT count(*) AS n FROM evidence'),
    auditEntries: c.audit.count(),
    auditHead: c.audit.headHash(),
  };
}
