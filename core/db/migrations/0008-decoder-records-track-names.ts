import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 8,
  name: 'which ffmpeg imported each evidence item; names of face tracks',
  up(db) {
    db.exec(`
      -- The ffmpeg that indexed the evidence (path, source, version, library versions) as JSON; NULL for evidence
      -- imported before it was recorded (by the bundled 2018 build). Analysis and enhancement records carry theirs
      -- in their own JSON (stats_json.worker.ffmpeg, runtime_json.ffmpeg).
      ALTER TABLE evidence ADD COLUMN ffmpeg_json TEXT;

      -- Names investigators give face tracks ("suspect 1"). Tracks are immutable analysis results, so names live
      -- here, append-only: renaming adds a row, the newest row of a track is its name, an empty name clears it.
      CREATE TABLE track_names (
        id INTEGER PRIMARY KEY,
        track_id INTEGER NOT NULL REFERENCES face_tracks(id),
        name TEXT NOT NULL CHECK (length(name) <= 80),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX track_names_track ON track_names(track_id, id);
      CREATE TRIGGER track_names_no_update BEFORE UPDATE ON track_names
        BEGIN SELECT RAISE(ABORT, 'track names are append-only: UPDATE refused'); END;
      CREATE TRIGGER track_names_no_delete BEFORE DELETE ON track_names
        BEGIN SELECT RAISE(ABORT, 'track names are append-only: DELETE refused'); END;
    `);
  },
};
