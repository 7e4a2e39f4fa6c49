/**
 * Schema migrations, one entry per version. The version lives in SQLite's `user_version`. All pending
 * migrations run in one transaction; a database from a newer Sightline is refused, never "downgraded".
 * Never edit a released migration: add a new one. `schema.snapshot.sql` beside this file is what the whole
 * chain produces, checked by a test.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
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
  },
  {
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
  },
  {
    version: 3,
    name: 'footage analysis: runs, face tracks, face detections',
    up(db) {
      db.exec(`
        -- One row per analysis of a clip. Re-analysing adds a run (supersedes = the previous one); the newest run
        -- of an evidence item is what the views show, older runs stay addressable by id.
        CREATE TABLE analysis_runs (
          id INTEGER PRIMARY KEY,
          evidence_id INTEGER NOT NULL REFERENCES evidence(id),
          job_id INTEGER REFERENCES jobs(id),
          supersedes INTEGER REFERENCES analysis_runs(id),
          step INTEGER NOT NULL CHECK (step >= 1),
          frames_analysed INTEGER NOT NULL,
          detection_count INTEGER NOT NULL,
          track_count INTEGER NOT NULL,
          settings_json TEXT NOT NULL,
          models_json TEXT NOT NULL,
          stats_json TEXT NOT NULL,
          results_sha256 TEXT NOT NULL,
          crops_sha256 TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX analysis_runs_evidence ON analysis_runs(evidence_id, id);

        CREATE TABLE face_tracks (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
          ordinal INTEGER NOT NULL,
          first_frame INTEGER NOT NULL,
          last_frame INTEGER NOT NULL,
          detection_count INTEGER NOT NULL,
          best_frame INTEGER NOT NULL,
          best_quality REAL NOT NULL CHECK (best_quality BETWEEN 0 AND 1),
          median_width REAL NOT NULL,
          max_width REAL NOT NULL,
          embedding BLOB NOT NULL,
          UNIQUE (run_id, ordinal)
        ) STRICT;

        CREATE TABLE face_detections (
          id INTEGER PRIMARY KEY,
          run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
          track_id INTEGER NOT NULL REFERENCES face_tracks(id),
          evidence_id INTEGER NOT NULL,
          frame_idx INTEGER NOT NULL,
          detector_frame INTEGER NOT NULL,
          rank_in_track INTEGER NOT NULL CHECK (rank_in_track >= 1),
          x REAL NOT NULL,
          y REAL NOT NULL,
          w REAL NOT NULL CHECK (w > 0),
          h REAL NOT NULL CHECK (h > 0),
          score REAL NOT NULL CHECK (score BETWEEN 0 AND 1),
          level TEXT NOT NULL,
          landmarks_json TEXT NOT NULL,
          quality REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
          q_size REAL NOT NULL CHECK (q_size BETWEEN 0 AND 1),
          q_sharpness REAL NOT NULL CHECK (q_sharpness BETWEEN 0 AND 1),
          q_exposure REAL NOT NULL CHECK (q_exposure BETWEEN 0 AND 1),
          q_pose REAL NOT NULL CHECK (q_pose BETWEEN 0 AND 1),
          q_score REAL NOT NULL CHECK (q_score BETWEEN 0 AND 1),
          measures_json TEXT NOT NULL,
          crop_sha256 TEXT NOT NULL REFERENCES derived(sha256),
          embedding BLOB NOT NULL,
          FOREIGN KEY (evidence_id, frame_idx) REFERENCES frame_index(evidence_id, idx)
        ) STRICT;
        CREATE INDEX face_detections_frame ON face_detections(run_id, frame_idx);
        CREATE INDEX face_detections_track ON face_detections(track_id, rank_in_track);
        CREATE INDEX face_detections_track_frame ON face_detections(track_id, frame_idx);

        -- Results are evidence of what the software found: a run is never edited or removed, only superseded.
        CREATE TRIGGER analysis_runs_no_update BEFORE UPDATE ON analysis_runs
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: UPDATE refused'); END;
        CREATE TRIGGER analysis_runs_no_delete BEFORE DELETE ON analysis_runs
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: DELETE refused'); END;
        CREATE TRIGGER face_tracks_no_update BEFORE UPDATE ON face_tracks
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: UPDATE refused'); END;
        CREATE TRIGGER face_tracks_no_delete BEFORE DELETE ON face_tracks
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: DELETE refused'); END;
        CREATE TRIGGER face_detections_no_update BEFORE UPDATE ON face_detections
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: UPDATE refused'); END;
        CREATE TRIGGER face_detections_no_delete BEFORE DELETE ON face_detections
          BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: DELETE refused'); END;
      `);
    },
  },
  {
    version: 4,
    name: 'enhancement: frame selections, enhancements, replays, case settings',
    up(db) {
      db.exec(`
        -- The frames of a track chosen for an enhancement (by the investigator, or "best N" by the stated rule).
        CREATE TABLE frame_selections (
          id INTEGER PRIMARY KEY,
          track_id INTEGER NOT NULL REFERENCES face_tracks(id),
          method TEXT NOT NULL CHECK (method IN ('manual', 'best')),
          requested INTEGER,
          frames_json TEXT NOT NULL,
          detections_json TEXT NOT NULL,
          reference_frame INTEGER NOT NULL,
          rule_json TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX frame_selections_track ON frame_selections(track_id, id);

        -- One enhanced face: everything needed to explain it and to re-run it from the originals.
        CREATE TABLE enhancements (
          id INTEGER PRIMARY KEY,
          track_id INTEGER NOT NULL REFERENCES face_tracks(id),
          evidence_id INTEGER NOT NULL REFERENCES evidence(id),
          selection_id INTEGER NOT NULL REFERENCES frame_selections(id),
          job_id INTEGER REFERENCES jobs(id),
          mode TEXT NOT NULL CHECK (mode IN ('fusion', 'restore', 'fusion+restore')),
          tier TEXT NOT NULL CHECK (tier IN ('evidential', 'investigative')),
          scale INTEGER NOT NULL CHECK (scale IN (2, 4)),
          reference_frame INTEGER NOT NULL,
          frames_json TEXT NOT NULL,
          settings_json TEXT NOT NULL,
          task_json TEXT NOT NULL,
          inputs_json TEXT NOT NULL,
          registrations_json TEXT,
          contributions_json TEXT,
          steps_json TEXT NOT NULL,
          models_json TEXT NOT NULL,
          runtime_json TEXT NOT NULL,
          source_sha256 TEXT NOT NULL REFERENCES derived(sha256),
          output_sha256 TEXT NOT NULL REFERENCES derived(sha256),
          output_width INTEGER NOT NULL,
          output_height INTEGER NOT NULL,
          accepted_frames INTEGER NOT NULL,
          rejected_frames INTEGER NOT NULL,
          guard_verdict TEXT NOT NULL CHECK (guard_verdict IN ('pass', 'fail')),
          guard_quality REAL NOT NULL CHECK (guard_quality BETWEEN 0 AND 1),
          guard_similarity REAL NOT NULL CHECK (guard_similarity BETWEEN 0 AND 1),
          guard_cosine REAL NOT NULL,
          guard_json TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX enhancements_track ON enhancements(track_id, id);
        CREATE INDEX enhancements_evidence ON enhancements(evidence_id, id);

        -- Each re-run of an enhancement from the originals, and whether it reproduced the recorded output.
        CREATE TABLE enhancement_replays (
          id INTEGER PRIMARY KEY,
          enhancement_id INTEGER NOT NULL REFERENCES enhancements(id),
          job_id INTEGER REFERENCES jobs(id),
          output_sha256 TEXT NOT NULL,
          matches INTEGER NOT NULL CHECK (matches IN (0, 1)),
          details_json TEXT NOT NULL,
          created_at TEXT NOT NULL,
          created_by TEXT NOT NULL
        ) STRICT;
        CREATE INDEX enhancement_replays_enhancement ON enhancement_replays(enhancement_id, id);

        -- Per-case settings (e.g. the identity guard's thresholds); every change is audited.
        CREATE TABLE case_settings (
          key TEXT PRIMARY KEY,
          value_json TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          updated_by TEXT NOT NULL
        ) STRICT;

        CREATE TRIGGER frame_selections_no_update BEFORE UPDATE ON frame_selections
          BEGIN SELECT RAISE(ABORT, 'frame selections are immutable: UPDATE refused'); END;
        CREATE TRIGGER frame_selections_no_delete BEFORE DELETE ON frame_selections
          BEGIN SELECT RAISE(ABORT, 'frame selections are immutable: DELETE refused'); END;
        CREATE TRIGGER enhancements_no_update BEFORE UPDATE ON enhancements
          BEGIN SELECT RAISE(ABORT, 'enhancement results are immutable: UPDATE refused'); END;
        CREATE TRIGGER enhancements_no_delete BEFORE DELETE ON enhancements
          BEGIN SELECT RAISE(ABORT, 'enhancement results are immutable: DELETE refused'); END;
        CREATE TRIGGER enhancement_replays_no_update BEFORE UPDATE ON enhancement_replays
          BEGIN SELECT RAISE(ABORT, 'replay records are immutable: UPDATE refused'); END;
        CREATE TRIGGER enhancement_replays_no_delete BEFORE DELETE ON enhancement_replays
          BEGIN SELECT RAISE(ABORT, 'replay records are immutable: DELETE refused'); END;
      `);
    },
  },
  {
    version: 5,
    name: 'job runner: which process runs a job',
    up(db) {
      // `runner` is "pid@host" of the process that claimed the job. Crash recovery re-queues only jobs whose
      // runner is gone, so the app and the CLI can share a case without re-running each other's live jobs.
      db.exec(`ALTER TABLE jobs ADD COLUMN runner TEXT;`);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
