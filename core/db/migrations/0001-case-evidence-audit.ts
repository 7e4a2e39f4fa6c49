import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 1,
  name: 'case, evidence, frame index, derived files, audit log',
  up(db) {
    db.exec(`
      CREATE TABLE case_info (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        case_uuid TEXT NOT NULL,
        case_number TEXT NOT NULL,
        title TEXT NOT NULL,
        examiner TEXT NOT NULL,
        agency TEXT,
        created_at TEXT NOT NULL,
        app_version TEXT NOT NULL
      ) STRICT;

      CREATE TABLE evidence (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        md5 TEXT NOT NULL,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('video', 'image')),
        original_name TEXT NOT NULL,
        source_path TEXT NOT NULL,
        stored_name TEXT NOT NULL,
        container TEXT NOT NULL,
        codec TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        fps REAL,
        duration REAL,
        frame_count INTEGER NOT NULL,
        time_base TEXT,
        start_time REAL NOT NULL DEFAULT 0,
        no_timestamps INTEGER NOT NULL DEFAULT 0,
        decoder TEXT NOT NULL DEFAULT 'ffmpeg' CHECK (decoder IN ('ffmpeg', 'sharp')),
        vfr INTEGER NOT NULL DEFAULT 0,
        probe_json TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        imported_by TEXT NOT NULL
      ) STRICT;

      -- One row per decoded frame in presentation order: frame index ↔ exact timestamp, also for VFR.
      CREATE TABLE frame_index (
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        idx INTEGER NOT NULL,
        pts INTEGER,
        pts_time REAL NOT NULL,
        md5 TEXT NOT NULL,
        PRIMARY KEY (evidence_id, idx)
      ) STRICT, WITHOUT ROWID;

      -- Every derived image in derived/<sha256>.png, content-addressed.
      CREATE TABLE derived (
        sha256 TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        evidence_id INTEGER REFERENCES evidence(id),
        params_json TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX derived_evidence ON derived(evidence_id);

      CREATE TABLE derived_cache (
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        idx INTEGER NOT NULL,
        variant TEXT NOT NULL,
        sha256 TEXT NOT NULL REFERENCES derived(sha256),
        PRIMARY KEY (evidence_id, idx, variant)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        ts TEXT NOT NULL,
        examiner TEXT NOT NULL,
        account TEXT NOT NULL,
        action TEXT NOT NULL,
        params_json TEXT NOT NULL,
        inputs_json TEXT NOT NULL,
        outputs_json TEXT NOT NULL,
        app_version TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE
      ) STRICT;
      CREATE INDEX audit_action ON audit(action);
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
    `);
  },
};
