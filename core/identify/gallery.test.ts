/**
 * The gallery's rules that need no model: names (trimmed, case-folded for uniqueness, 120 characters at most),
 * the enrolment refusals with the measured value and the minimum (a face the detector finds is rarely "too poor"
 * by the guard's quality measure — see README — so that branch is checked here directly), and the folder layout
 * of batch enrolment.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp';
import { cleanName, cleanNote, enrolmentRefusal, folderEnrolments, nameKey } from './gallery';

const tmp = tempDir('gallery-rules');
afterAll(() => tmp.cleanup());

const good = { value: 0.93, components: { resolution: 1, sharpness: 0.9, noise: 0.95, blockiness: 1, stability: 0.8 } };

describe('gallery rules', () => {
  it('cleans names and compares them case-folded', () => {
    expect(cleanName('  Ann   Lee ')).toBe('Ann Lee');
    expect(nameKey('ANN  lee')).toBe(nameKey('Ann Lee'));
    expect(() => cleanName('')).toThrow(/needs a name \(it is empty\)/);
    expect(() => cleanName('x'.repeat(121))).toThrow(/at most 120 characters \(this one has 121\)/);
    expect(() => cleanName('Ann\u0007')).toThrow(/control characters/);
    expect(cleanNote('  ')).toBeNull();
    expect(() => cleanNote('n'.repeat(2001))).toThrow(/at most 2000 characters/);
  });

  it('refuses a face too small or too poor for enrolment, saying the measured value and the minimum', () => {
    expect(enrolmentRefusal('a.jpg', 73, good)).toBeNull();
    expect(enrolmentRefusal('a.jpg', 31.6, good)?.message).toBe('the face in a.jpg is too small for enrolment: 32 px wide (minimum 40 px)');
    const poor = enrolmentRefusal('b.jpg', 90, { value: 0.42, components: { ...good.components, blockiness: 0 } });
    expect(poor?.message).toBe('the face in b.jpg is too poor for enrolment: quality 0.420 (minimum above 0.5; resolution 1.00, sharpness 0.90, noise 0.95, blockiness 0.00, stability 0.80)');
    expect(poor?.details).toEqual({ reason: 'too-poor', quality: 0.42 });
  });

  it('reads a folder with one sub-folder per person', () => {
    const root = path.join(tmp.dir, 'people');
    for (const [p, files] of [['Ann_Lee', ['1.jpg', '2.png', 'notes.txt']], ['Bo Chen', ['a.JPG']]] as const) {
      fs.mkdirSync(path.join(root, p), { recursive: true });
      for (const f of files) fs.writeFileSync(path.join(root, p, f), 'x');
    }
    fs.writeFileSync(path.join(root, 'index.csv'), 'x');
    const r = folderEnrolments(root);
    expect(r.items.map((i) => [i.person, path.basename(i.path)])).toEqual([
      ['Ann Lee', '1.jpg'],
      ['Ann Lee', '2.png'],
      ['Bo Chen', 'a.JPG'],
    ]);
    expect(r.skipped).toEqual(['Ann_Lee/notes.txt: not a photo', 'index.csv: not a sub-folder (one sub-folder per person)']);
    expect(() => folderEnrolments(path.join(tmp.dir, 'nowhere'))).toThrow(/no folder at/);
    fs.mkdirSync(path.join(tmp.dir, 'empty'));
    expect(() => folderEnrolments(path.join(tmp.dir, 'empty'))).toThrow(/has no photos in sub-folders/);
  });
});
