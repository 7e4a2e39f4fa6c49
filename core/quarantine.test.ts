/**
 * Orphans left by a killed process (issue 11, defect 4): unrecorded files in evidence/ and derived/ are moved to
 * quarantine/<time>/ and audited when the case is next opened for work, never deleted, and never while another
 * live process might still commit them.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROOT } from '../platform/appInfo';
import { createCase, openCase } from './case';
import { listEvidence } from './evidence';
import { HOST_FILE } from './quarantine';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('quarantine');
let clip: string;

beforeAll(async () => {
  clip = await makeClip({ out: path.join(tmp.dir, 'clip.mp4'), width: 96, height: 64, seconds: 1 });
});
afterAll(() => tmp.cleanup());

/** Import in a child process that is SIGKILLed between the rename into evidence/ and the commit. */
function importAndDieBeforeCommit(caseDir: string, file: string): void {
  const script = path.join(tmp.dir, 'die-before-commit.ts');
  fs.writeFileSync(
    script,
    `import { openCase } from ${JSON.stringify(path.join(APP_ROOT, 'core', 'case'))};
import { importEvidence } from ${JSON.stringify(path.join(APP_ROOT, 'core', 'evidence'))};
const c = openCase(${JSON.stringify(caseDir)});
void importEvidence(c, ${JSON.stringify(file)}, { commit: () => { process.kill(process.pid, 'SIGKILL'); throw new Error('unreachable'); } });
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: APP_ROOT, encoding: 'utf8' });
  expect(r.signal).toBe('SIGKILL');
}

/** Make a file look as old as a file left by an earlier session. */
function age(file: string, minutes = 5): void {
  const t = new Date(Date.now() - minutes * 60_000);
  fs.utimesSync(file, t, t);
}

describe('orphans of a killed process', () => {
  it('moves an unrecorded evidence copy (kill -9 before the commit) and unrecorded crops to quarantine/, audited', () => {
    const dir = createCase(path.join(tmp.dir, 'Killed'), { caseNumber: 'Q-1', title: 'Quarantine', examiner: 'Tester' }).dir;
    importAndDieBeforeCommit(dir, clip);
    const evidenceDir = path.join(dir, 'evidence');
    const [orphan] = fs.readdirSync(evidenceDir);
    expect(orphan).toMatch(/^[0-9a-f]{64}\.mp4$/);
    // What a killed analysis leaves in derived/: crops its worker wrote, and a crop half-written.
    const crop = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(path.join(dir, 'derived', `${crop}.png`), 'crop', { mode: 0o444 });
    fs.writeFileSync(path.join(dir, 'derived', `${crop}.png.999999.part`), 'half');
    for (const f of [path.join(evidenceDir, orphan!), path.join(dir, 'derived', `${crop}.png`), path.join(dir, 'derived', `${crop}.png.999999.part`)]) age(f);

    const c = openCase(dir);
    try {
      expect(listEvidence(c)).toEqual([]);
      expect(fs.readdirSync(evidenceDir)).toEqual([]);
      expect(fs.readdirSync(path.join(dir, 'derived'))).toEqual([]);
      const q = c.recovery!.quarantine;
      expect(q.folder).toMatch(/quarantine[\\/]\d{4}-\d\d-\d\dT/);
      expect(fs.readdirSync(path.join(q.folder!, 'evidence'))).toEqual([orphan]);
      expect(fs.readdirSync(path.join(q.folder!, 'derived')).sort()).toEqual([`${crop}.png`, `${crop}.png.999999.part`]);
      // Moved whole: the copy's bytes are the clip's, read-only as it was.
      const moved = path.join(q.folder!, 'evidence', orphan!);
      expect(crypto.createHash('sha256').update(fs.readFileSync(moved)).digest('hex')).toBe(orphan!.slice(0, 64));
      expect(fs.statSync(moved).mode & 0o222).toBe(0);
      const entry = c.audit.list({ action: 'case.quarantine' }).at(-1)!;
      expect(entry.outputs.map((o) => o.name).sort()).toEqual([`derived/${crop}.png`, `derived/${crop}.png.999999.part`, `evidence/${orphan}`].sort());
      expect(entry.outputs.find((o) => o.name === `evidence/${orphan}`)?.sha256).toBe(orphan!.slice(0, 64));
      expect(c.audit.verify().ok).toBe(true);
    } finally {
      c.close();
    }
    // Nothing more the next time.
    const again = openCase(dir);
    expect(again.recovery!.quarantine).toMatchObject({ folder: null, files: [] });
    again.close();
  });

  it('leaves unrecorded files alone while another live process works on the case, or when they are fresh', () => {
    const dir = createCase(path.join(tmp.dir, 'Shared'), { caseNumber: 'Q-2', title: 'Shared', examiner: 'Tester' }).dir;
    const crop = path.join(dir, 'derived', `${crypto.randomBytes(32).toString('hex')}.png`);
    fs.writeFileSync(crop, 'crop of a running analysis');
    // A crop written a moment ago, with nobody else around: someone's work in progress, left for later.
    let c = openCase(dir);
    expect(c.recovery!.quarantine.files).toEqual([]);
    expect(fs.existsSync(crop)).toBe(true);
    c.close();
    age(crop);
    // The parent of this test is alive: as if the app had the case open while this process (the CLI) opens it.
    const other = path.join(dir, '.incoming', String(process.ppid));
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, HOST_FILE), os.hostname());
    c = openCase(dir);
    expect(c.recovery!.quarantine).toMatchObject({ folder: null, skipped: `process ${process.ppid} is working on the case` });
    expect(fs.existsSync(crop)).toBe(true);
    c.close();
    // Once it has gone, the next open sweeps.
    fs.rmSync(other, { recursive: true });
    c = openCase(dir);
    expect(c.recovery!.quarantine.files.map((f) => f.name)).toEqual([path.basename(crop)]);
    c.close();
  });
});
