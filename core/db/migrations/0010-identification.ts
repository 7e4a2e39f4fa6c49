import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 10,
  name: 'identification: gallery, templates, identifications, appearances, watchlist alerts, examiner conclusions',
  up(db) {
    db.exec(`
      -- Known people of the case. A person is renamed or retired (each change audited, with its reason, and kept
      -- in gallery_person_events), never deleted. name_key (case-folded name) keeps names unambiguous.
      CREATE TABLE gallery_people (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        note TEXT,
        status TEXT NOT NULL CHECK (status IN ('active', 'retired')),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE gallery_person_events (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES gallery_people(id),
        action TEXT NOT NULL CHECK (action IN ('create', 'rename', 'retire', 'reinstate')),
        before_json TEXT NOT NULL,
        after_json TEXT NOT NULL,
        reason TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX gallery_person_events_person ON gallery_person_events(person_id, id);

      -- A reference photo: imported as evidence (copied, hashed, verified, read-only), its chosen face aligned,
      -- embedded and scored for quality. Immutable.
      CREATE TABLE gallery_references (
        id INTEGER PRIMARY KEY,
        person_id INTEGER NOT NULL REFERENCES gallery_people(id),
        evidence_id INTEGER NOT NULL UNIQUE REFERENCES evidence(id),
        face_index INTEGER NOT NULL,
        faces_found INTEGER NOT NULL,
        face_json TEXT NOT NULL,
        orientation INTEGER NOT NULL,
        quality REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
        quality_json TEXT NOT NULL,
        image_sha256 TEXT NOT NULL REFERENCES derived(sha256),
        chip_sha256 TEXT NOT NULL REFERENCES derived(sha256),
        thumb_sha256 TEXT NOT NULL REFERENCES derived(sha256),
        recognizer TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        embedding BLOB NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX gallery_references_person ON gallery_references(person_id, id);

      -- What a probe is compared as: a track's template (quality-weighted pooling of its frames' embeddings), a
      -- template of chosen frames, or an enhancement's output. The frames, their weights and every image used are
      -- in frames_json. Immutable; a track template is reused while model and rule are the same.
      CREATE TABLE identify_templates (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('track', 'frames', 'enhancement')),
        track_id INTEGER NOT NULL REFERENCES face_tracks(id),
        run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
        evidence_id INTEGER NOT NULL REFERENCES evidence(id),
        enhancement_id INTEGER REFERENCES enhancements(id),
        frames_json TEXT NOT NULL,
        rule_json TEXT NOT NULL,
        rule_sha256 TEXT NOT NULL,
        face_width REAL NOT NULL,
        quality REAL NOT NULL CHECK (quality BETWEEN 0 AND 1),
        quality_json TEXT NOT NULL,
        recognizer TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        embedding BLOB NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX identify_templates_track ON identify_templates(track_id, kind, model_sha256, rule_sha256);

      -- One 1:N search of a template against the gallery: the complete candidate list as shown (scores, FMR and
      -- likelihood ratio at each score, the gate), the gallery searched, the model and calibration by hash.
      CREATE TABLE identifications (
        id INTEGER PRIMARY KEY,
        template_id INTEGER NOT NULL REFERENCES identify_templates(id),
        purpose TEXT NOT NULL CHECK (purpose IN ('identify', 'watchlist')),
        top_k INTEGER NOT NULL CHECK (top_k >= 1),
        gallery_json TEXT NOT NULL,
        candidates_json TEXT NOT NULL,
        above_count INTEGER NOT NULL,
        gate_json TEXT NOT NULL,
        calibration_id TEXT NOT NULL,
        calibration_sha256 TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        band TEXT NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX identifications_template ON identifications(template_id, id);

      -- One search of a track against every other track of the case's analysed clips.
      CREATE TABLE appearance_searches (
        id INTEGER PRIMARY KEY,
        template_id INTEGER NOT NULL REFERENCES identify_templates(id),
        track_id INTEGER NOT NULL REFERENCES face_tracks(id),
        tracks_searched INTEGER NOT NULL,
        results_json TEXT NOT NULL,
        calibration_id TEXT NOT NULL,
        calibration_sha256 TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_sha256 TEXT NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX appearance_searches_track ON appearance_searches(track_id, id);

      -- A track of a new analysis run whose best candidate passed the gate. Immutable; seeing it is recorded apart.
      CREATE TABLE watchlist_alerts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES analysis_runs(id),
        track_id INTEGER NOT NULL REFERENCES face_tracks(id),
        identification_id INTEGER NOT NULL REFERENCES identifications(id),
        person_id INTEGER NOT NULL REFERENCES gallery_people(id),
        candidate_json TEXT NOT NULL,
        job_id INTEGER REFERENCES jobs(id),
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX watchlist_alerts_run ON watchlist_alerts(run_id, id);

      CREATE TABLE watchlist_alert_reviews (
        id INTEGER PRIMARY KEY,
        alert_id INTEGER NOT NULL REFERENCES watchlist_alerts(id),
        note TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL
      ) STRICT;
      CREATE INDEX watchlist_alert_reviews_alert ON watchlist_alert_reviews(alert_id);

      -- An examiner's conclusion on one candidate of one identification, on the stated ordinal scale, with the
      -- images the examiner viewed. Immutable; a blind verification is a second row that was recorded without
      -- the first being shown.
      CREATE TABLE conclusions (
        id INTEGER PRIMARY KEY,
        identification_id INTEGER NOT NULL REFERENCES identifications(id),
        person_id INTEGER NOT NULL REFERENCES gallery_people(id),
        scale_id TEXT NOT NULL,
        level TEXT NOT NULL,
        level_rank INTEGER,
        level_text TEXT NOT NULL,
        note TEXT,
        role TEXT NOT NULL CHECK (role IN ('examination', 'verification')),
        blind INTEGER NOT NULL CHECK (blind IN (0, 1)),
        viewed_json TEXT NOT NULL,
        software_json TEXT NOT NULL,
        examiner TEXT NOT NULL,
        account TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX conclusions_identification ON conclusions(identification_id, person_id, id);

      CREATE TRIGGER gallery_people_no_delete BEFORE DELETE ON gallery_people
        BEGIN SELECT RAISE(ABORT, 'gallery people are never deleted: retire them instead'); END;
      CREATE TRIGGER gallery_people_fixed BEFORE UPDATE OF id, created_at, created_by ON gallery_people
        BEGIN SELECT RAISE(ABORT, 'a gallery person''s identity and creation are fixed'); END;
    `);
    for (const [table, what] of [
      ['gallery_person_events', 'gallery history'],
      ['gallery_references', 'reference photos'],
      ['identify_templates', 'identification templates'],
      ['identifications', 'identifications'],
      ['appearance_searches', 'appearance searches'],
      ['watchlist_alerts', 'watchlist alerts'],
      ['watchlist_alert_reviews', 'alert reviews'],
      ['conclusions', 'examiner conclusions'],
    ] as const) {
      db.exec(`
        CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
          BEGIN SELECT RAISE(ABORT, '${what} are immutable: UPDATE refused'); END;
        CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
          BEGIN SELECT RAISE(ABORT, '${what} are immutable: DELETE refused'); END;
      `);
    }
  },
};
