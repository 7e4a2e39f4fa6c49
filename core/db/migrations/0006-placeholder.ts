import type { Migration } from './types';

/** Another branch's migration takes this version; this branch holds its place (the lead renumbers at merge). */
export const migration: Migration = {
  version: 6,
  name: 'placeholder (renumbered at merge)',
  up() {
    // intentionally empty
  },
};
