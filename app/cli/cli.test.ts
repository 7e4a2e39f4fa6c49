/**
 * The README's flow, through the built `sightline` binary (npm test builds first): create, import a clip made
 * by ffmpeg, export a frame, verify and export the audit log; and the one-line errors for bad input.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../../platform/appInfo';
import { makeClip } from '../../testing/synth';
import { tempDir } from '../../testing/tmp';

const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const tmp = tempDir('cli');
const caseDir = path.join(tmp.dir, 'Case 42');
let clip: string;

function cli(...args: string[]): { code: number; stdout: string; stderr: string; json: () => any } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  clip = await makeClip({ out: path.join(tmp.dir, 'camera 3 — entrance.mp4'), width: 320, height: 240, fps: 25, seconds: 2 });
});
afterAll(() => tmp.cleanup());

describe('sightline CLI', () => {
  it('runs the README flow end to end', async () => {
    const created = cli('case', 'create', caseDir, '--number', '2026-0042', '--title', 'Robbery, Main St', '--examiner', 'Det. Ada Ng', '--agency', 'Metro PD', '--json');
    expect(created.code).toBe(0);
    expect(created.json().case).toMatchObject({ caseNumber: '2026-0042', title: 'Robbery, Main St', examiner: 'Det. Ada Ng', agency: 'Metro PD' });
    expect(fs.existsSync(path.join(`${caseDir}.sightline`, 'case.db'))).toBe(true);

    const imported = cli('import', caseDir, clip, '--json');
    expect(imported.code).toBe(0);
    const ev = imported.json().results[0].evidence;
    expect(ev).toMatchObject({ id: 1, kind: 'video', codec: 'h264', width: 320, height: 240, frameCount: 50 });
    expect(ev.sha256).toMatch(/^[0-9a-f]{64}$/);

    const human = cli('import', caseDir, clip);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('already in case');
    expect(human.stdout).toContain(ev.sha256);

    const out = path.join(tmp.dir, 'frame 17.png');
    const frame = cli('frame', caseDir, '1', '17', '--out', out, '--json');
    expect(frame.code).toBe(0);
    expect(frame.json()).toMatchObject({ ok: true, path: out, frame: { index: 17, time: expect.closeTo(0.68, 6) } });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([320, 240]);

    const verify = cli('audit', 'verify', caseDir);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/audit chain intact: 4 entries/);

    for (const format of ['json', 'csv']) {
      const file = path.join(tmp.dir, `audit.${format}`);
      const exp = cli('audit', 'export', caseDir, '--format', format, '--out', file, '--json');
      expect(exp.code).toBe(0);
      expect(fs.readFileSync(file, 'utf8')).toContain(exp.json().headHash);
    }
    const actions = (JSON.parse(fs.readFileSync(path.join(tmp.dir, 'audit.json'), 'utf8')) as { entries: { action: string }[] }).entries.map((e) => e.action);
    expect(actions).toEqual(['case.create', 'evidence.import', 'evidence.import.duplicate', 'frame.export']);

    const info = cli('case', 'info', caseDir);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('2026-0042');
  });

  it('gives one-line errors and non-zero exits for bad input, changing nothing', () => {
    const before = cli('audit', 'verify', caseDir, '--json').json().verification.entries as number;
    const txt = path.join(tmp.dir, 'report.mp4');
    fs.writeFileSync(txt, 'not a video\n'.repeat(100));
    const empty = path.join(tmp.dir, 'empty.mp4');
    fs.writeFileSync(empty, '');
    const cases: [string[], RegExp][] = [
      [['import', caseDir, path.join(tmp.dir, 'missing.mp4')], /file not found/],
      [['import', caseDir, empty], /is empty/],
      [['import', caseDir, txt], /not a video or image/],
      [['import', caseDir, tmp.dir], /is a folder, not a file/],
      [['import', path.join(tmp.dir, 'no such case'), clip], /no case at .* \(folder does not exist\)/],
      [['import', tmp.dir, clip], /is not a Sightline case/],
      [['frame', caseDir, '1', '999', '--out', path.join(tmp.dir, 'x.png')], /frame 999 is out of range: evidence 1 has frames 0–49/],
      [['frame', caseDir, '7', '0', '--out', path.join(tmp.dir, 'x.png')], /no evidence with id 7 in this case/],
      [['case', 'create', path.join(tmp.dir, 'incomplete'), '--number', '1'], /--title is required/],
      [['case', 'create', caseDir, '--number', '1', '--title', 't', '--examiner', 'e'], /a case already exists/],
      [['import', caseDir, clip, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0], args.join(' ')).toMatch(message);
      expect(lines[0]).toMatch(/^sightline: /);
    }
    expect(fs.existsSync(path.join(tmp.dir, 'x.png'))).toBe(false);
    expect(cli('audit', 'verify', caseDir, '--json').json().verification.entries).toBe(before);
  });

  it('reports a hand-edited audit row with exit code 3 and the entry number', () => {
    const dir = path.join(tmp.dir, 'Tampered');
    expect(cli('case', 'create', dir, '--number', 'T-1', '--title', 'T', '--examiner', 'E').code).toBe(0);
    expect(cli('import', dir, clip).code).toBe(0);
    const db = new Database(path.join(`${dir}.sightline`, 'case.db'));
    db.exec('DROP TRIGGER audit_no_update');
    db.prepare(`UPDATE audit SET examiner = 'Someone Else' WHERE seq = 2`).run();
    db.close();
    const r = cli('audit', 'verify', dir);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/BROKEN at entry 2/);
  });

  it('refuses a case written by a newer version', () => {
    const dir = path.join(tmp.dir, 'Newer');
    expect(cli('case', 'create', dir, '--number', 'N-1', '--title', 'T', '--examiner', 'E').code).toBe(0);
    const db = new Database(path.join(`${dir}.sightline`, 'case.db'));
    db.pragma('user_version = 999');
    db.close();
    const r = cli('case', 'info', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/written by a newer Sightline/);
  });
});
