/**
 * The CLI against hostile or damaged input (issue 11): crafted file names, damaged and swapped case databases,
 * missing evidence. Runs the built `sightline` binary (npm test builds first), as an investigator would.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
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
