import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from './database';
import { LATEST_VERSION } from './migrations';
import { tempDir } from '../../testing/tmp';
import { createCase, openCase } from '../case';

const tmp = tempDir('migrations');
afterAll(() => tmp.cleanup());

function schemaOf(db: Database.Database): string {
  const rows = db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as { sql: string }[];
  return `${rows.map((r) => `${r.sql.replace(/\s+/g, ' ').trim()};`).join('\n')}\n`;
}

describe('migrations', () => {
  it('runs the whole chain to the latest version and matches the committed schema snapshot', () => {
    const db = openDatabase(':memory:');
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    const snapshot = path.join(__dirname, 'schema.snapshot.sql');
    const actual = schemaOf(db);
    if (process.env.SIGHTLINE_UPDATE_SNAPSHOT || !fs.existsSync(snapshot)) fs.writeFileSync(snapshot, actual);
    expect(actual).toBe(fs.readFileSync(snapshot, 'utf8'));
    db.close();
  });

  it('keeps data across migrations (migrate to 1, insert, migrate on)', () => {
    const file = path.join(tmp.dir, 'stepwise.db');
    const v1 = openDatabase(file, { targetVersion: 1, create: true });
    expect(schemaVersion(v1)).toBe(1);
    v1.prepare(`INSERT INTO case_info VALUES (1, 'u', 'N-1', 'T', 'E', NULL, '2026-01-01T00:00:00Z', '0.0.1')`).run();
    v1.close();
    const latest = openDatabase(file);
    expect(schemaVersion(latest)).toBe(LATEST_VERSION);
    expect(latest.prepare('SELECT case_number FROM case_info').get()).toEqual({ case_number: 'N-1' });
    latest.close();
  });

  it('rebuilds the jobs table at version 6 keeping its rows and the runs and replays that refer to them', () => {
    const file = path.join(tmp.dir, 'v5.db');
    const v5 = openDatabase(file, { targetVersion: 5, create: true });
    v5.prepare(`INSERT INTO jobs (id, kind, state, params_json, attempts, created_at, runner) VALUES (7, 'analyze', 'succeeded', '{}', 1, 'x', '1@h')`).run();
    v5.prepare(
      `INSERT INTO evidence (id, sha256, md5, size, kind, original_name, source_path, stored_name, container, codec, width, height, frame_count, probe_json, imported_at, imported_by)
       VALUES (1, 'a', 'b', 1, 'video', 'n', 'p', 's', 'c', 'h264', 2, 2, 1, '{}', 'x', 'e')`,
    ).run();
    v5.prepare(
      `INSERT INTO analysis_runs (evidence_id, job_id, step, frames_analysed, detection_count, track_count, settings_json, models_json, stats_json, results_sha256, crops_sha256, created_at, created_by)
       VALUES (1, 7, 1, 1, 0, 0, '{}', '[]', '{}', 'r', 'c', 'x', 'e')`,
    ).run();
    v5.close();
    const v6 = openDatabase(file);
    expect(v6.prepare('SELECT id, kind, state, runner, owner, retry_of FROM jobs').all()).toEqual([{ id: 7, kind: 'analyze', state: 'succeeded', runner: '1@h', owner: null, retry_of: null }]);
    expect(v6.pragma('foreign_key_check')).toEqual([]);
    expect(v6.pragma('foreign_keys', { simple: true })).toBe(1);
    v6.prepare(`UPDATE jobs SET state = 'abandoned' WHERE id = 7`).run();
    expect(() => v6.prepare(`DELETE FROM jobs WHERE id = 7`).run()).toThrowError(/FOREIGN KEY/);
    v6.close();
  });

  it('refuses a case database written by a newer version, and leaves it untouched', () => {
    const c = createCase(path.join(tmp.dir, 'future'), { caseNumber: 'F-1', title: 'Future', examiner: 'E' });
    const dbFile = c.paths.db;
    c.close();
    const raw = new Database(dbFile);
    raw.pragma(`user_version = ${LATEST_VERSION + 7}`);
    raw.close();
    const before = fs.readFileSync(dbFile);
    expect(() => openCase(path.join(tmp.dir, 'future'))).toThrowError(/newer Sightline/);
    try {
      openCase(path.join(tmp.dir, 'future'));
    } catch (e) {
      expect((e as { code: string }).code).toBe('CASE_TOO_NEW');
    }
    expect(fs.readFileSync(dbFile).equals(before)).toBe(true);
  });

  it('uses the primary key for the hot frame lookup (EXPLAIN QUERY PLAN)', () => {
    const db = openDatabase(':memory:');
    const plan = db.prepare('EXPLAIN QUERY PLAN SELECT idx, pts, pts_time, md5 FROM frame_index WHERE evidence_id = ? AND idx = ?').all(1, 2) as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/SEARCH frame_index USING PRIMARY KEY/);
    const audit = db.prepare('EXPLAIN QUERY PLAN SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').all() as { detail: string }[];
    expect(audit.map((p) => p.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
    db.close();
  });
});
