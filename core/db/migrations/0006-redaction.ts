import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 6,
  name: 'redaction: boxes the examiner draws over bystanders',
  up(db) {
    db.exec(`
      -- A box the examiner drew on a frame (or a frame range) of a clip, to be redacted in every export on top of
      -- the faces the analysis found. Never deleted: removing a box marks it (who, when, why), so an export can
      -- always be explained by the boxes that were live when it was made.
      CREATE TABLE redaction_boxes (
        id INTEGER PRIMARY KEY,
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        first_frame INTEGER NOT NULL CHECK (first_frame >= 0),
        last_frame INTEGER NOT NULL CHECK (last_frame >= first_frame),
        x REAL NOT NULL,
        y REAL NOT NULL,
        w REAL NOT NULL CHECK (w > 0),
        h REAL NOT NULL CHECK (h > 0),
        note TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        removed_at TEXT,
        removed_by TEXT,
        remove_reason TEXT
      ) STRICT;
      CREATE INDEX redaction_boxes_frames ON redaction_boxes(evidence_id, first_frame, last_frame);
      CREATE TRIGGER redaction_boxes_no_delete BEFORE DELETE ON redaction_boxes
        BEGIN SELECT RAISE(ABORT, 'redaction boxes are never deleted; mark them removed'); END;
      -- The only change allowed is marking a live box removed, once.
      CREATE TRIGGER redaction_boxes_remove_only BEFORE UPDATE ON redaction_boxes
        WHEN OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL
          OR NEW.id IS NOT OLD.id OR NEW.evidence_id IS NOT OLD.evidence_id OR NEW.first_frame IS NOT OLD.first_frame
          OR NEW.last_frame IS NOT OLD.last_frame OR NEW.x IS NOT OLD.x OR NEW.y IS NOT OLD.y OR NEW.w IS NOT OLD.w
          OR NEW.h IS NOT OLD.h OR NEW.note IS NOT OLD.note OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
        BEGIN SELECT RAISE(ABORT, 'a redaction box can only be marked removed, once'); END;
    `);
  },
};
