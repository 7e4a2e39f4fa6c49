import type { Migration } from './types';

/** Another branch's migration takes this version; this empty one keeps the chain gap-free until the merge. */
export const migration: Migration = {
  version: 6,
  name: 'placeholder (renumbered at merge)',
  up() {
    // intentionally empty
  },
};
