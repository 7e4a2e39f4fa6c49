/**
 * Locates the real-photo test set (ORL faces, 20 people × 10 portraits, 92×112 grey) beside the repository:
 * ../shared/data/orl-faces-dev, or wherever SIGHTLINE_TEST_DATA points. Tests skip with a note when absent;
 * the data is never copied into the repository.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../models/paths';

export function orlDir(): string {
  return process.env.SIGHTLINE_TEST_DATA ?? path.resolve(repoRoot(), '..', 'shared', 'data', 'orl-faces-dev');
}

export function hasOrl(): boolean {
  return existsSync(path.join(orlDir(), 's1', '1.png'));
}

export interface OrlImage {
  person: number;
  index: number;
  file: string;
}

export function orlImages(people = 20, perPerson = 10): OrlImage[] {
  const out: OrlImage[] = [];
  for (let p = 1; p <= people; p++) for (let i = 1; i <= perPerson; i++) out.push({ person: p, index: i, file: path.join(orlDir(), `s${p}`, `${i}.png`) });
  return out;
}
