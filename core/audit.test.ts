import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { auditToCsv, auditToJson } from './audit';
import { createCase, openCase } from './case';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('audit');
afterAll(() => tmp.cleanup());

function makeCase(name: string) {
  const c = createCase(path.join(tmp.dir, name), { caseNumber: 'A-1', title: 'Audit', examiner: 'Examiner One' });
  for (let i = 0; i < 5; i++) {
    c.audit.append({ action: 'test.step', params: { i, note: `step ${i}`, nested: { b: 2, a: [1, 2.5] } }, inputs: [{ sha256: 'a'.repeat(64), role: 'evidence' }] });
  }
  return c;
}

describe('audit log', () => {
  it('chains entries and verifies intact', () => {
    const c = makeCase('intact');
    const r = c.audit.verify();
    expect(r).toMatchObject({ ok: true, entries: 6 });
    expect(r.headHash).toBe(c.audit.headHash());
    const entries = c.audit.list();
    expect(entries[0]!.action).toBe('case.create');
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    c.close();
  });

  it('refuses UPDATE and DELETE through SQL', () => {
    const c = makeCase('triggers');
    expect(() => c.db.prepare(`UPDATE audit SET action = 'forged' WHERE seq = 2`).run()).toThrowError(/append-only: UPDATE refused/);
    expect(() => c.db.prepare('DELETE FROM audit WHERE seq = 2').run()).toThrowError(/append-only: DELETE refused/);
    expect(c.audit.verify().ok).toBe(true);
    c.close();
  });

  it('names the first entry changed by hand with the sqlite3 library', () => {
    const c = makeCase('tampered');
    const dbFile = c.paths.db;
    c.close();
    // An attacker with file access drops the trigger, edits row 4, and puts the trigger back.
    const raw = new Database(dbFile);
    raw.exec('DROP TRIGGER audit_no_update');
    raw.prepare(`UPDATE audit SET params_json = '{"i":99}' WHERE seq = 4`).run();
    raw.exec(`CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;`);
    raw.close();
    const reopened = openCase(path.join(tmp.dir, 'tampered'));
    const r = reopened.audit.verify();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.firstBadSeq).toBe(4);
      expect(r.reason).toMatch(/entry 4 was altered/);
    }
    reopened.close();
  });

  it('detects a deleted entry and a recomputed-but-unlinked forgery', () => {
    const c = makeCase('deleted');
    const dbFile = c.paths.db;
    c.close();
    const raw = new Database(dbFile);
    raw.exec('DROP TRIGGER audit_no_delete');
    raw.prepare('DELETE FROM audit WHERE seq = 3').run();
    raw.close();
    const reopened = openCase(path.join(tmp.dir, 'deleted'));
    const r = reopened.audit.verify();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.firstBadSeq).toBe(3);
    reopened.close();
  });

  it('exports JSON and CSV carrying the head hash', () => {
    const c = makeCase('export');
    const v = c.audit.verify();
    const entries = c.audit.list();
    const json = JSON.parse(auditToJson({ ...c.info }, entries, v)) as { headHash: string; entries: unknown[] };
    expect(json.headHash).toBe(v.headHash);
    expect(json.entries).toHaveLength(6);
    const csv = auditToCsv(entries, v);
    expect(csv.split('\r\n')[0]).toBe('seq,ts,examiner,account,action,params,inputs,outputs,app_version,prev_hash,hash');
    expect(csv).toContain(`# head_hash,${v.headHash}`);
    expect(csv).toContain('# chain,intact');
    c.close();
  });

  it('filters by action family', () => {
    const c = makeCase('filter');
    expect(c.audit.list({ action: 'test' }).length).toBe(5);
    expect(c.audit.list({ action: 'case.create' }).length).toBe(1);
    c.close();
  });
});
