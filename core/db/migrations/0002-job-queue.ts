import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 2,
  name: 'persisted job queue',
  up(db) {
    db.exec(`
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
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
        finished_at TEXT
      ) STRICT;
      CREATE INDEX jobs_state ON jobs(state, id);
    `);
  },
};
