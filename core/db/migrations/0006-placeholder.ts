import type { Migration } from './types';

/** Placeholder for a version another branch owns; the lead renumbers at merge. */
export const migration: Migration = {
  version: 6,
  name: 'placeholder (renumbered at merge)',
  up() {
    // intentionally empty
  },
};
