/**
 * Real face photographs for tests and benchmarks (ORL, Olivetti Research Laboratory; credit in
 * testing/fixtures/orl/README.md).
 *
 *  - FIXTURE_FACES: committed with the project (10 people × 5 portraits): every test uses these, so a fresh clone
 *    runs the face tests without anything outside the repository.
 *  - sharedFaces(): the whole development set (20 people × 10 portraits) in ../shared/data/orl-faces-dev, or
 *    wherever SIGHTLINE_TEST_DATA points — for benchmarks only; null when absent.
 *
 * `faceFile` and the reference-face helpers read the *current* set: the fixtures unless a benchmark switched
 * to the shared set with `useFaceSet`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../models/paths';

export interface FaceSet {
  /** For printouts: what the numbers were measured on. */
  readonly label: string;
  readonly dir: string;
  readonly people: number;
  readonly portraits: number;
}

export const FIXTURE_FACES: FaceSet = Object.freeze({
  label: 'ORL fixtures (10 people × 5 portraits, testing/fixtures/orl)',
  dir: path.join(repoRoot(), 'testing', 'fixtures', 'orl'),
  people: 10,
  portraits: 5,
});

/** The whole ORL development set, or null when it is not beside the repository. */
export function sharedFaces(): FaceSet | null {
  const dir = process.env.SIGHTLINE_TEST_DATA ?? path.resolve(repoRoot(), '..', 'shared', 'data', 'orl-faces-dev');
  if (!existsSync(path.join(dir, 's1', '1.png'))) return null;
  return { label: `ORL development set (20 people × 10 portraits, ${dir})`, dir, people: 20, portraits: 10 };
}

/** For benchmarks: the shared set when present, else the fixtures, with a line saying which. */
export function benchFaceSet(): { set: FaceSet; note: string } {
  const shared = sharedFaces();
  if (shared) return { set: shared, note: `faces: ${shared.label}` };
  return { set: FIXTURE_FACES, note: `faces: ../shared/data/orl-faces-dev is absent (or SIGHTLINE_TEST_DATA unset): using the ${FIXTURE_FACES.label}; figures are not comparable with the README's` };
}

let current: FaceSet = FIXTURE_FACES;

/** Switch the set that `faceFile` (and so the reference-face helpers) read. Benchmarks only. */
export function useFaceSet(set: FaceSet): void {
  current = set;
}

export function currentFaceSet(): FaceSet {
  return current;
}

/** Path of portrait `index` (1-based) of person `person` (1-based) in the current set. */
export function faceFile(person: number, index = 1, set: FaceSet = current): string {
  if (person < 1 || person > set.people || index < 1 || index > set.portraits) {
    throw new RangeError(`no portrait s${person}/${index} in ${set.label}`);
  }
  return path.join(set.dir, `s${person}`, `${index}.png`);
}

export interface FaceImage {
  readonly person: number;
  readonly index: number;
  readonly file: string;
}

/** Every portrait of a set (people × portraits), person-major. */
export function faceImages(set: FaceSet = current, people = set.people, perPerson = set.portraits): FaceImage[] {
  const out: FaceImage[] = [];
  for (let p = 1; p <= people; p++) for (let i = 1; i <= perPerson; i++) out.push({ person: p, index: i, file: faceFile(p, i, set) });
  return out;
}
