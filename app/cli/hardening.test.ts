/**
 * The CLI against hostile or damaged input (issue 11): crafted file names, damaged and swapped case databases,
 * missing evidence. Runs the built `sightline` binary (npm test builds first), as an investigator would.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../platform/appInfo';
import { makeClip } from '../../testing/synth';
import { tempDir } from '../../testing/tmp';

const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const tmp = tempDir('cli-hardening');
let clip: string;

function cli(...args: string[]): { code: number; stdout: string; stderr: string; json: () => any } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

/** Anything a terminal would act on: C0 controls but newline, DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  clip = await makeClip({ out: path.join(tmp.dir, 'clip.mp4'), width: 96, height: 64, fps: 25, seconds: 1 });
});
afterAll(() => tmp.cleanup());

describe('terminal escape injection (issue 11, defect 10)', () => {
  // Clears the screen, rings, returns to column 0, forges a second "imported" line, and reverses what follows.
  const crafted = `evil\u001b[2J\u0007\rname\nimported  #9  innocent.mp4\u202egpj.exe\u2066x\u009b.mp4`;

  it('escapes control and bidi characters of a crafted file name in every human output; --json stays exact', () => {
    const dir = path.join(tmp.dir, 'Escapes');
    expect(cli('case', 'create', dir, '--number', 'E-1', '--title', 'Escapes', '--examiner', 'Tester').code).toBe(0);
    const src = path.join(tmp.dir, crafted);
    fs.copyFileSync(clip, src);

    const imported = cli('import', dir, src);
    expect(imported.code).toBe(0);
    const listed = cli('evidence', dir);
    expect(listed.code).toBe(0);
    const missing = cli('import', dir, path.join(tmp.dir, `gone-${crafted}`));
    expect(missing.code).toBe(1);
    for (const out of [imported.stdout, listed.stdout, missing.stderr]) {
      expect(out).not.toMatch(ACTIVE);
      expect(out).toContain('\\x1b[2J');
      expect(out).toContain('\\u{202e}');
      // The name's newline is shown, not obeyed: no forged "imported  #9" line.
      expect(out.split('\n').some((l) => l.startsWith('imported  #9'))).toBe(false);
    }
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);

    const json = cli('evidence', dir, '--json');
    expect(json.json().evidence[0].originalName).toBe(crafted);
    const jsonErr = cli('import', dir, path.join(tmp.dir, `gone-${crafted}`), '--json');
    expect(jsonErr.json().results[0].error.message).toContain(crafted);
  });
});

/** Every file of a case folder with its bytes' hash: to show a command changed nothing. */
function folderState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      // SQLite's shared-memory index and an empty WAL are not case data (a reader may create them).
      else if (!/case\.db-(shm|wal)$/.test(e.name)) out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('read commands never write (issue 11, defect 11)', () => {
  it('refuse a zero-byte case.db, and leave it zero bytes', () => {
    const dir = path.join(tmp.dir, 'Zero.sightline');
    fs.mkdirSync(dir);
    const db = path.join(dir, 'case.db');
    fs.writeFileSync(db, '');
    const commands = [['case', 'info', dir], ['evidence', dir], ['jobs', dir], ['audit', 'verify', dir], ['tracks', dir, '1'], ['enhancements', dir], ['guard', dir], ['import', dir, clip], ['frame', dir, '1', '0', '--out', path.join(tmp.dir, 'z.png')]];
    for (const args of commands) {
      const r = cli(...args);
      expect(fs.statSync(db).size, args.join(' ')).toBe(0);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(/is not a Sightline case \(case\.db is empty: 0 bytes\)/);
    }
    expect(fs.readdirSync(dir)).toEqual(['case.db']);
  });

  it('leave a case byte for byte as it was', () => {
    const dir = path.join(tmp.dir, 'Untouched');
    expect(cli('case', 'create', dir, '--number', 'U-1', '--title', 'Untouched', '--examiner', 'Tester').code).toBe(0);
    expect(cli('import', dir, clip).code).toBe(0);
    const before = folderState(`${dir}.sightline`);
    for (const args of [['case', 'info', dir], ['evidence', dir], ['jobs', dir], ['audit', 'verify', dir], ['tracks', dir, '1'], ['enhancements', dir], ['guard', dir]]) {
      expect(cli(...args).code, args.join(' ')).toBe(0);
    }
    expect(folderState(`${dir}.sightline`)).toEqual(before);
  });
});

describe('case databases bound to their folders (issue 11, defect 12)', () => {
  it('detects case.db files swapped between two cases and says which is which, changing nothing', () => {
    const a = path.join(tmp.dir, 'Alpha');
    const b = path.join(tmp.dir, 'Beta');
    expect(cli('case', 'create', a, '--number', 'A-100', '--title', 'Alpha case', '--examiner', 'Tester').code).toBe(0);
    expect(cli('case', 'create', b, '--number', 'B-200', '--title', 'Beta case', '--examiner', 'Tester').code).toBe(0);
    const dbA = path.join(`${a}.sightline`, 'case.db');
    const dbB = path.join(`${b}.sightline`, 'case.db');
    const swap = path.join(tmp.dir, 'swap.db');
    fs.renameSync(dbA, swap);
    fs.renameSync(dbB, dbA);
    fs.renameSync(swap, dbB);
    const beforeA = folderState(`${a}.sightline`);
    for (const args of [['case', 'info', a], ['import', a, clip]]) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/Alpha\.sightline\/case\.db belongs to another case: the database is case B-200 "Beta case" .* but this folder is case A-100 "Alpha case"/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(cli('case', 'info', b, '--json').json().error.code).toBe('CASE_MISMATCH');
    expect(folderState(`${a}.sightline`)).toEqual(beforeA);
  });
});

describe('jobs of a killed process (issue 11, defect 8)', () => {
  it('shows a job whose process is gone as abandoned, and re-runs it only on `jobs retry` (audited)', () => {
    const dir = path.join(tmp.dir, 'Killed');
    expect(cli('case', 'create', dir, '--number', 'K-1', '--title', 'Killed', '--examiner', 'Tester').code).toBe(0);
    // The row a `kill -9` leaves: running, claimed by a process that no longer exists.
    const dead = `${spawnSync(process.execPath, ['-e', '']).pid}@${os.hostname()}`;
    const db = new Database(path.join(`${dir}.sightline`, 'case.db'));
    db.prepare(`INSERT INTO jobs (kind, state, params_json, attempts, runner, created_at, started_at) VALUES ('import', 'running', ?, 1, ?, 'x', 'x')`).run(JSON.stringify({ path: clip, allowDamaged: false }), dead);
    db.close();
    const listed = cli('jobs', dir);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/#1 {2}import {3}abandoned/);
    expect(listed.stdout).toMatch(/ABANDONED: the process that ran this job \(\d+@.*\) ended before it finished/);
    // Opening the case for other work records it abandoned (audited), and does not run it.
    expect(cli('import', dir, path.join(tmp.dir, 'missing.mp4')).code).toBe(1);
    const after = new Database(path.join(`${dir}.sightline`, 'case.db'), { readonly: true });
    expect(after.prepare('SELECT state FROM jobs WHERE id = 1').get()).toEqual({ state: 'abandoned' });
    expect(after.prepare(`SELECT count(*) AS n FROM audit WHERE action = 'job.abandoned'`).get()).toEqual({ n: 1 });
    after.close();
    expect(cli('evidence', dir, '--json').json().evidence).toHaveLength(0);
    const retried = cli('jobs', 'retry', dir, '1', '--json');
    expect(retried.code).toBe(0);
    expect(retried.json().job).toMatchObject({ id: 2, kind: 'import', state: 'succeeded', retryOf: 1 });
    expect(cli('evidence', dir, '--json').json().evidence).toHaveLength(1);
    const actions = cli('jobs', dir, '--json').json().jobs.map((j: { id: number; state: string }) => [j.id, j.state]);
    expect(actions).toEqual([[2, 'succeeded'], [1, 'abandoned']]);
    const again = cli('jobs', 'retry', dir, '2');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/job 2 is succeeded: only a job that ended abandoned, failed or cancelled can be retried/);
  });
});

describe('sightline evidence verify (issue 11, defect 2)', () => {
  it('re-hashes every evidence file: exit 0 when intact, 3 naming each that differs; work commands warn', () => {
    const dir = path.join(tmp.dir, 'Verify');
    expect(cli('case', 'create', dir, '--number', 'V-1', '--title', 'Verify', '--examiner', 'Tester').code).toBe(0);
    const other = path.join(tmp.dir, 'other.mp4');
    fs.copyFileSync(clip, other);
    fs.appendFileSync(other, Buffer.alloc(16)); // other bytes, same pictures
    expect(cli('import', dir, clip, other).code).toBe(0);
    const ok = cli('evidence', 'verify', dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^intact {3}#1 {2}clip\.mp4/m);
    expect(ok.stdout).toMatch(/all 2 evidence file\(s\) intact/);

    const [first, second] = cli('evidence', dir, '--json').json().evidence as { storedName: string; sha256: string }[];
    const f1 = path.join(`${dir}.sightline`, 'evidence', first!.storedName);
    fs.chmodSync(f1, 0o644);
    fs.appendFileSync(f1, 'x');
    const f2 = path.join(`${dir}.sightline`, 'evidence', second!.storedName);
    fs.chmodSync(f2, 0o644);
    fs.rmSync(f2);
    const bad = cli('evidence', 'verify', dir);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toMatch(/^ALTERED {2}#1 {2}evidence #1 "clip\.mp4" was changed on disk after import/m);
    expect(bad.stdout).toMatch(/^MISSING {2}#2 {2}evidence #2 "other\.mp4" is missing from the case: expected .*evidence\/[0-9a-f]{64}\.mp4/m);
    expect(bad.stdout).toMatch(/2 of 2 evidence file\(s\) differ/);
    const json = cli('evidence', 'verify', dir, '--json');
    expect(json.code).toBe(3);
    expect(json.json().checks.map((x: { status: string }) => x.status)).toEqual(['altered', 'missing']);
    // Any work on the case names them; reading them fails with the same message.
    const frame = cli('frame', dir, '1', '0', '--out', path.join(tmp.dir, 'f.png'));
    expect(frame.code).toBe(1);
    expect(frame.stderr).toMatch(/^sightline: warning: evidence #1 "clip\.mp4" was changed on disk/m);
    expect(frame.stderr).toMatch(/^sightline: evidence #1 "clip\.mp4" was changed on disk after import/m);
    expect(cli('evidence', dir).stdout).toMatch(/ALTERED ON DISK/);
  });
});
