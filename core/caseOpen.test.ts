/** Opening a case: refusing what is not one without writing to it, read-only opens, the folder marker (issue 11). */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCase, openCase } from './case';
import { MARKER_FILE } from './caseMarker';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('case-open');
afterAll(() => tmp.cleanup());

describe('opening a case', () => {
  it('refuses a zero-byte or non-SQLite case.db without writing to it, also when opened for work', () => {
    for (const [name, bytes] of [['Zero', ''], ['Text', 'these are notes, not a database\n'.repeat(10)]] as const) {
      const dir = path.join(tmp.dir, `${name}.sightline`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'case.db'), bytes);
      for (const readonly of [true, false]) {
        expect(() => openCase(dir, { readonly })).toThrowError(/is not a Sightline case/);
        expect(fs.readFileSync(path.join(dir, 'case.db'), 'utf8')).toBe(bytes);
      }
      expect(fs.readdirSync(dir)).toEqual(['case.db']);
    }
  });

  it('binds a case made before markers on its first writable open (audited), never on a read-only one', () => {
    const c = createCase(path.join(tmp.dir, 'Old'), { caseNumber: 'O-1', title: 'Old', examiner: 'Tester' });
    const marker = path.join(c.dir, MARKER_FILE);
    expect(JSON.parse(fs.readFileSync(marker, 'utf8'))).toMatchObject({ format: 'sightline-case', caseUuid: c.info.caseUuid, caseNumber: 'O-1' });
    c.close();
    fs.rmSync(marker, { force: true });
    const ro = openCase(c.dir, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(() => ro.audit.append({ action: 'x' })).toThrowError(/readonly/i);
    ro.close();
    expect(fs.existsSync(marker)).toBe(false);
    const rw = openCase(c.dir);
    expect(JSON.parse(fs.readFileSync(marker, 'utf8')).caseUuid).toBe(c.info.caseUuid);
    expect(rw.audit.list({ action: 'case.bind' })).toHaveLength(1);
    expect(rw.audit.verify().ok).toBe(true);
    rw.close();
    openCase(c.dir).close();
    const again = openCase(c.dir, { readonly: true });
    expect(again.audit.list({ action: 'case.bind' })).toHaveLength(1);
    again.close();
  });
});
