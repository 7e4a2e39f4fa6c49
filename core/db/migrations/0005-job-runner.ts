import type { Migration } from './types';

/** Released: never edit; add a new migration instead. */
export const migration: Migration = {
  version: 5,
  name: 'job runner: which process runs a job',
  up(db) {
    // `runner` is "pid@host" of the process that claimed the job. Crash recovery re-queues only jobs whose
    // runner is gone, so the app and the CLI can share a case without re-running each other's live jobs.
    db.exec(`ALTER TABLE jobs ADD COLUMN runner TEXT;`);
  },
};
