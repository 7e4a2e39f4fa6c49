import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
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
};
