import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 9,
  name: 'analysis on real footage: streamed staging, shot cuts, track relations, face check, near-threshold count',
  up(db) {
    db.exec(`
      -- What a running analysis job's segments have streamed so far: invisible to the views, moved into the run's
      -- tables in the job's commit (one transaction with its success) and deleted then, or when the job ends any
      -- other way. Rows of a job that is not running are stale and are swept by the next analysis job.
      CREATE TABLE analysis_staging (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        segment INTEGER NOT NULL,
        local_track INTEGER NOT NULL,
        frame_idx INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        detector_frame INTEGER NOT NULL,
        x REAL NOT NULL,
        y REAL NOT NULL,
        w REAL NOT NULL,
        h REAL NOT NULL,
        score REAL NOT NULL,
        detector TEXT NOT NULL,
        detector_score REAL NOT NULL,
        second_opinion REAL NOT NULL,
        shape_residual REAL NOT NULL,
        level TEXT NOT NULL,
        landmarks_json TEXT NOT NULL,
        quality REAL NOT NULL,
        q_size REAL NOT NULL,
        q_sharpness REAL NOT NULL,
        q_exposure REAL NOT NULL,
        q_pose REAL NOT NULL,
        q_score REAL NOT NULL,
        measures_json TEXT NOT NULL,
        crop_sha256 TEXT NOT NULL,
        crop_width INTEGER NOT NULL,
        crop_height INTEGER NOT NULL,
        embedding BLOB NOT NULL,
        UNIQUE (job_id, frame_idx, seq)
      ) STRICT;
      CREATE INDEX analysis_staging_track ON analysis_staging(job_id, segment, local_track);

      -- The face check's evidence on each detection (NULL on runs before it): which detector found the box, its
      -- own score, the other detector's second opinion and the landmark shape residual. \`score\` is now the
      -- calibrated face probability.
      ALTER TABLE face_detections ADD COLUMN detector TEXT;
      ALTER TABLE face_detections ADD COLUMN detector_score REAL;
      ALTER TABLE face_detections ADD COLUMN second_opinion REAL;
      ALTER TABLE face_detections ADD COLUMN shape_residual REAL;
      -- The shot a track lies in (tracks never cross a cut), its mean face probability, and whether it counts as a
      -- face (tracks that do not are listed after those that do, marked as doubtful).
      ALTER TABLE face_tracks ADD COLUMN shot INTEGER;
      ALTER TABLE face_tracks ADD COLUMN face_score REAL;
      ALTER TABLE face_tracks ADD COLUMN likely_face INTEGER;
      -- Candidates seen below the run's threshold (the face check's probability in [nearScore, minScore)).
      ALTER TABLE analysis_runs ADD COLUMN near_threshold INTEGER;

      CREATE TABLE analysis_cuts (
        run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
        frame_idx INTEGER NOT NULL,
        hist REAL NOT NULL,
        structure REAL NOT NULL,
        PRIMARY KEY (run_id, frame_idx)
      ) STRICT;

      -- Why a track did not continue another (identity-split: the motion matched but the face did not;
      -- cut-split: a shot cut lay between them) or why two tracks are the same person across a cut.
      CREATE TABLE face_track_relations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
        from_track INTEGER NOT NULL REFERENCES face_tracks(id),
        to_track INTEGER NOT NULL REFERENCES face_tracks(id),
        frame_idx INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('identity-split', 'cut-split', 'same-person')),
        similarity REAL NOT NULL
      ) STRICT;
      CREATE INDEX face_track_relations_run ON face_track_relations(run_id, frame_idx);

      CREATE TRIGGER analysis_cuts_no_update BEFORE UPDATE ON analysis_cuts
        BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: UPDATE refused'); END;
      CREATE TRIGGER analysis_cuts_no_delete BEFORE DELETE ON analysis_cuts
        BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: DELETE refused'); END;
      CREATE TRIGGER face_track_relations_no_update BEFORE UPDATE ON face_track_relations
        BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: UPDATE refused'); END;
      CREATE TRIGGER face_track_relations_no_delete BEFORE DELETE ON face_track_relations
        BEGIN SELECT RAISE(ABORT, 'analysis results are immutable: DELETE refused'); END;
    `);
  },
};
