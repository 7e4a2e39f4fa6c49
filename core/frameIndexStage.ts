/**
 * The frame index of an import, staged on disk as ffmpeg produces it. An hour of 25 fps video is 90 000 frames and
 * a day two million: collected in memory they cost ~0.75 KB each (1.7 GB a day). Instead each frame goes into a
 * scratch SQLite file in the process's `.incoming/<pid>/` folder, in batches, with running statistics (count, first
 * and last time, steps between timestamps); the import's commit copies the staged rows into `frame_index` with one
 * INSERT … SELECT inside its transaction, so memory stays flat and nothing is half-recorded. A crash leaves only a
 * scratch file, swept with the rest of `.incoming/`.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Db } from './db/database';
import type { IndexedFrame } from '../platform/ffmpeg';

const BATCH = 4096;

export interface StagedIndexStats {
  readonly count: number;
  readonly first: IndexedFrame | null;
  readonly last: IndexedFrame | null;
  /** Smallest and largest step between consecutive timestamps (time-base units); null below 2 frames. */
  readonly minStep: number | null;
  readonly maxStep: number | null;
}

export class FrameIndexStage {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  /** Rows written since the last commit: each batch is one transaction (no JS array holds them). */
  private inBatch = 0;
  private count = 0;
  private first: IndexedFrame | null = null;
  private last: IndexedFrame | null = null;
  private minStep: number | null = null;
  private maxStep: number | null = null;
  private closed = false;

  constructor(readonly file: string) {
    this.db = new Database(file);
    // Scratch data, rebuilt by importing again: no journal, no fsync.
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.exec('CREATE TABLE frames (idx INTEGER PRIMARY KEY, pts INTEGER, pts_time REAL NOT NULL, md5 TEXT NOT NULL)');
    this.insert = this.db.prepare('INSERT INTO frames (idx, pts, pts_time, md5) VALUES (?, ?, ?, ?)');
    this.db.exec('BEGIN');
  }

  add(f: IndexedFrame): void {
    if (this.last) {
      const step = f.pts - this.last.pts;
      this.minStep = this.minStep === null ? step : Math.min(this.minStep, step);
      this.maxStep = this.maxStep === null ? step : Math.max(this.maxStep, step);
    }
    this.first ??= f;
    this.last = f;
    this.insert.run(this.count++, f.pts, f.ptsTime, f.md5);
    if (++this.inBatch >= BATCH) this.flush();
  }

  stats(): StagedIndexStats {
    return { count: this.count, first: this.first, last: this.last, minStep: this.minStep, maxStep: this.maxStep };
  }

  /** Write what is buffered and close the scratch file; the rows are then ready for `copyInto`. */
  finish(): void {
    if (this.closed) return;
    this.db.exec('COMMIT');
    this.closed = true;
    this.db.close();
  }

  /**
   * Copy the staged rows into `frame_index` for `evidenceId`: call inside the import's transaction. The scratch
   * file is attached under a name of its own for the duration of `run` (SQLite attaches outside transactions).
   */
  static withAttached<T>(target: Db, file: string, run: (copyInto: (evidenceId: number) => number) => T): T {
    const alias = `stage_${crypto.randomBytes(6).toString('hex')}`;
    target.prepare(`ATTACH DATABASE ? AS ${alias}`).run(file);
    try {
      return run((evidenceId) =>
        target.prepare(`INSERT INTO frame_index (evidence_id, idx, pts, pts_time, md5) SELECT ?, idx, pts, pts_time, md5 FROM ${alias}.frames ORDER BY idx`).run(evidenceId).changes,
      );
    } finally {
      target.prepare(`DETACH DATABASE ${alias}`).run();
    }
  }

  /** Close (if still open) and remove the scratch file. */
  dispose(): void {
    if (!this.closed) {
      this.closed = true;
      this.db.close();
    }
    fs.rmSync(this.file, { force: true });
  }

  private flush(): void {
    this.db.exec('COMMIT; BEGIN');
    this.inBatch = 0;
  }
}
