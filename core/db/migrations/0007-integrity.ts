import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 7,
  name: 'integrity: abandoned jobs, job owners and retries, evidence verification cache',
  up(db) {
    // A job whose process was killed ends `abandoned` (a state the old CHECK refuses): SQLite cannot change a
    // CHECK, so the table is rebuilt (foreign keys are off during migrations; database.ts checks them after).
    //  - owner: "pid@host" of the process that queued the job; NULL = any app may run it (returned to the queue
    //    by a clean shutdown). A queued job whose owner is gone was never asked for again: it is abandoned too.
    //  - retry_of: the job a user retried (a retry is a new job, queued now, never a resumption of the old one).
    db.exec(`
      CREATE TABLE jobs_v6 (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'abandoned')),
        params_json TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL DEFAULT 2,
        last_error TEXT,
        progress_stage TEXT,
        progress_current REAL NOT NULL DEFAULT 0,
        progress_total REAL NOT NULL DEFAULT 0,
        result_json TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        runner TEXT,
        owner TEXT,
        retry_of INTEGER REFERENCES jobs(id)
      ) STRICT;
      INSERT INTO jobs_v6 (id, kind, state, params_json, attempts, max_attempts, last_error, progress_stage, progress_current, progress_total,
          result_json, created_at, started_at, finished_at, runner)
        SELECT id, kind, state, params_json, attempts, max_attempts, last_error, progress_stage, progress_current, progress_total,
          result_json, created_at, started_at, finished_at, runner FROM jobs;
      DROP TABLE jobs;
      ALTER TABLE jobs_v6 RENAME TO jobs;
      CREATE INDEX jobs_state ON jobs(state, id);

      -- The stored evidence file as last verified: the SHA-256 its bytes had when the file had this identity
      -- (size, modification and change time in ns, inode, device). Any write to a file changes its ctime, which
      -- no user can set, so an unchanged identity means unchanged bytes and the file is not hashed again.
      CREATE TABLE evidence_checks (
        evidence_id INTEGER PRIMARY KEY REFERENCES evidence(id),
        size INTEGER NOT NULL,
        mtime_ns TEXT NOT NULL,
        ctime_ns TEXT NOT NULL,
        ino TEXT NOT NULL,
        dev TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
        checked_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
