/** The staged frame index (issue 11, defect 7): frames written as decoded, copied whole into the case in its commit. */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from './db/database';
import { FrameIndexStage } from './frameIndexStage';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('stage');
afterAll(() => tmp.cleanup());

describe('FrameIndexStage', () => {
  it('keeps running statistics and copies every staged frame, in order, inside the caller’s transaction', () => {
    const stage = new FrameIndexStage(path.join(tmp.dir, 'frames.db'));
    const n = 10_000; // more than two batches
    const pts = (i: number): number => i * 512 + (i === 7 ? 3 : 0); // one uneven step: variable rate
    for (let i = 0; i < n; i++) stage.add({ pts: pts(i), ptsTime: pts(i) / 12800, md5: i.toString(16).padStart(32, '0') });
    stage.finish();
    expect(stage.stats()).toMatchObject({ count: n, first: { pts: 0 }, last: { pts: pts(n - 1) }, minStep: 509, maxStep: 515 });

    const db = openDatabase(':memory:');
    db.prepare(
      `INSERT INTO evidence (id, sha256, md5, size, kind, original_name, source_path, stored_name, container, codec, width, height, frame_count, probe_json, imported_at, imported_by)
       VALUES (1, 'a', 'b', 1, 'video', 'n', 'p', 's', 'c', 'h264', 2, 2, ?, '{}', 'x', 'e')`,
    ).run(n);
    // A failed commit leaves nothing; a committed one has every row.
    expect(() => FrameIndexStage.withAttached(db, stage.file, (copy) => db.transaction(() => {
      copy(1);
      throw new Error('commit fails');
    })())).toThrowError('commit fails');
    expect(db.prepare('SELECT count(*) AS n FROM frame_index').get()).toEqual({ n: 0 });
    expect(FrameIndexStage.withAttached(db, stage.file, (copy) => db.transaction(() => copy(1))())).toBe(n);
    const rows = db.prepare('SELECT idx, pts, md5 FROM frame_index WHERE evidence_id = 1 ORDER BY idx').all() as { idx: number; pts: number; md5: string }[];
    expect(rows).toHaveLength(n);
    expect(rows[7]).toEqual({ idx: 7, pts: pts(7), md5: (7).toString(16).padStart(32, '0') });
    expect(rows.every((r, i) => r.idx === i && r.pts === pts(i))).toBe(true);
    expect((db.prepare('PRAGMA database_list').all() as { name: string }[]).map((d) => d.name).filter((x) => x.startsWith('stage_'))).toEqual([]); // detached again
    db.close();
    stage.dispose();
  });
});
