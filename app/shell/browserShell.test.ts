import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp';
import { browserShell, listFolder } from './browserShell';

const tmp = tempDir('browsershell');
afterAll(() => tmp.cleanup());

describe('browser shell', () => {
  it('lists folders first, then files with sizes; marks cases; hides dot files', async () => {
    const d = path.join(tmp.dir, 'list');
    fs.mkdirSync(path.join(d, 'clips 10'), { recursive: true });
    fs.mkdirSync(path.join(d, 'clips 9'));
    fs.mkdirSync(path.join(d, 'A-1.sightline'));
    fs.writeFileSync(path.join(d, 'A-1.sightline', 'case.db'), '');
    fs.writeFileSync(path.join(d, 'cam2.mp4'), Buffer.alloc(10));
    fs.writeFileSync(path.join(d, 'cam10.mp4'), Buffer.alloc(3));
    fs.writeFileSync(path.join(d, '.DS_Store'), '');
    fs.symlinkSync(path.join(d, 'missing'), path.join(d, 'dangling'));
    const l = await listFolder(d);
    expect(l.dir).toBe(path.resolve(d));
    expect(l.parent).toBe(path.dirname(path.resolve(d)));
    expect(l.entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['A-1.sightline', 'case', null],
      ['clips 9', 'folder', null],
      ['clips 10', 'folder', null],
      ['cam2.mp4', 'file', 10],
      ['cam10.mp4', 'file', 3],
    ]);
  });

  it('says what is wrong with a path that is not a folder', async () => {
    const f = path.join(tmp.dir, 'file.txt');
    fs.writeFileSync(f, 'x');
    await expect(listFolder(f)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('is a file') });
    await expect(listFolder(path.join(tmp.dir, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('starts in the cases folder, and refuses the native dialogs with a reason', async () => {
    const casesDir = path.join(tmp.dir, 'cases');
    fs.mkdirSync(casesDir);
    const shell = browserShell({ userDataDir: path.join(tmp.dir, 'settings'), casesDir });
    const l = await shell.listFolder!(null);
    expect(l.dir).toBe(casesDir);
    expect(l.places[0]).toEqual({ label: 'Cases', path: casesDir });
    await expect(shell.openFiles({})).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('no system file dialog') });
  });
});
