/**
 * The real-face test set for the enhancement tests: ORL faces (20 people × 10 portraits, 92×112 grey) beside the
 * repository at ../shared/data/orl-faces-dev, or wherever SIGHTLINE_TEST_DATA points. Tests skip with a note
 * when it is absent; the data is never copied into the repository.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../models/paths';

export function faceDataDir(): string {
  // repoRoot() finds the repository also from the compiled copy in dist/ (npm run bench).
  return process.env.SIGHTLINE_TEST_DATA ?? path.resolve(repoRoot(), '..', 'shared', 'data', 'orl-faces-dev');
}

export function hasFaceData(): boolean {
  return existsSync(path.join(faceDataDir(), 's1', '1.png'));
}

/** Path of portrait `index` (1…10) of person `person` (1…20). */
export function faceFile(person: number, index = 1): string {
  return path.join(faceDataDir(), `s${person}`, `${index}.png`);
}
