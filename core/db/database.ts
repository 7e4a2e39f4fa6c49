/**
 * Opening a case database: WAL, foreign keys, busy timeout, versioned migrations. The case service is the only
 * writer; workers never open the database.
 */
import Database from 'better-sqlite3';
import { SightlineError } from '../../domain/errors';
import { APP_VERSION } from '../../platform/appInfo';
import { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  readonly readonly?: boolean;
  /**
   * Start a new database (createCase, tests). Without it the file must exist and already be a Sightline
   * database: an empty file is refused before anything is written to it.
   */
  readonly create?: boolean;
  /** For migration tests: stop at this version. */
  readonly targetVersion?: number;
  readonly migrations?: readonly Migration[];
}

export function openDatabase(file: string, opts: OpenOptions = {}): Db {
  let db: Db;
  const create = opts.create === true || file === ':memory:';
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: !create });
  } catch (e) {
    throw new SightlineError('NOT_A_CASE', `cannot open case database ${file}: ${(e as Error).message}`);
  }
  try {
    db.pragma('busy_timeout = 5000');
    // Setting WAL or migrating would write a whole schema into an empty file: refuse first.
    if (!create && schemaVersion(db) === 0 && !db.prepare(`SELECT 1 FROM sqlite_schema LIMIT 1`).get()) {
      throw new SightlineError('NOT_A_CASE', `${file} is not a Sightline case database (it is empty); nothing was written to it`);
    }
    if (!opts.readonly) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // A file that is not SQLite fails here, on the first real read.
    migrate(db, opts.targetVersion ?? LATEST_VERSION, opts.migrations ?? MIGRATIONS, opts.readonly ?? false);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof SightlineError) throw e;
    const msg = (e as Error).message;
    if (/not a database|file is encrypted/i.test(msg)) {
      throw new SightlineError('NOT_A_CASE', `${file} is not a Sightline case database`);
    }
    throw e;
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function migrate(db: Db, target: number, migrations: readonly Migration[], readonly: boolean): void {
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest) {
    throw new SightlineError(
      'CASE_TOO_NEW',
      `this case was written by a newer Sightline (schema ${current}; this is ${APP_VERSION} with schema ${latest}); open it with that version or newer`,
      { schemaVersion: current, supported: latest },
    );
  }
  const pending = migrations.filter((m) => m.version > current && m.version <= target);
  if (pending.length === 0) return;
  if (readonly) {
    throw new SightlineError('CASE_TOO_NEW', `case schema ${current} needs migration to ${target}; open it writable once`);
  }
  // Foreign keys are off while migrating (SQLite's procedure for rebuilding a table others refer to: they can
  // only be switched outside a transaction) and checked, whole, before the migration commits.
  const fk = db.pragma('foreign_keys', { simple: true }) === 1;
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      for (const m of pending) {
        m.up(db);
        db.pragma(`user_version = ${m.version}`);
      }
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration to schema ${target} would break ${broken.length} foreign key reference(s); nothing was changed`);
    }).immediate();
  } finally {
    if (fk) db.pragma('foreign_keys = ON');
  }
}
