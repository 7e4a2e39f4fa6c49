import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
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
};
