/**
 * Schema migrations, one file per version (`NNNN-what.ts`). The version lives in SQLite's `user_version`. All
 * pending migrations run in one transaction; a database from a newer Sightline is refused, never "downgraded".
 * Never edit a released migration: add the next file and list it here. `../schema.snapshot.sql` is what the
 * whole chain produces, checked by a test (SIGHTLINE_UPDATE_SNAPSHOT=1 rewrites it after a new migration).
 */
import { migration as m1 } from './0001-case-evidence-audit';
import { migration as m2 } from './0002-job-queue';
import { migration as m3 } from './0003-footage-analysis';
import { migration as m4 } from './0004-enhancement';
import { migration as m5 } from './0005-job-runner';
import { migration as m6 } from './0006-redaction';
import { migration as m7 } from './0007-integrity';
import { migration as m8 } from './0008-decoder-records-track-names';
import { migration as m9 } from './0009-analysis-streaming';
import { migration as m10 } from './0010-identification';
import type { Migration } from './types';

export type { Migration } from './types';

export const MIGRATIONS: readonly Migration[] = [m1, m2, m3, m4, m5, m6, m7, m8, m9, m10];

// Versions must be 1, 2, 3, … in order: a gap or a duplicate is a programming error caught at load.
MIGRATIONS.forEach((m, i) => {
  if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}, expected ${i + 1}`);
});

export const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
