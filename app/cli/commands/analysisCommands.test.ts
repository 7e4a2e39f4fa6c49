/**
 * `sightline analyze`, `tracks` and `jobs` through the built binary (npm test builds first), on a small test-pattern
 * clip: the job runs in the CLI's own queue and worker pool, the process exits when it is done (the pool is
 * closed), and the results, the job list and the audit chain agree.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../../models/install';
import { APP_ROOT } from '../../../platform/appInfo';
import { makeClip } from '../../../testing/synth';
import { tempDir } from '../../../testing/tmp';

const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const tmp = tempDir('cli-analysis');
const caseDir = path.join(tmp.dir, 'Lobby');

function cli(...args: string[]): { code: number; stdout: string; stderr: string; json: () => any } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir, timeout: 240_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  await installModels({ log: () => {} });
  const clip = await makeClip({ out: path.join(tmp.dir, 'lobby.mp4'), width: 320, height: 240, fps: 25, seconds: 0.4 });
  expect(cli('case', 'create', caseDir, '--number', 'L-1', '--title', 'Lobby', '--examiner', 'Det. Ada Ng').code).toBe(0);
  expect(cli('import', caseDir, clip).code).toBe(0);
}, 120_000);
afterAll(() => tmp.cleanup());

describe('sightline analyze / tracks / jobs', () => {
  it('analyses a clip, lists its tracks and the job, and keeps the audit chain intact', () => {
    const before = cli('tracks', caseDir, '1');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('has not been analysed');

    const r = cli('analyze', caseDir, '1', '--step', '2', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out).toMatchObject({ ok: true, job: { kind: 'analyze', state: 'succeeded' }, run: { id: 1, step: 2, framesAnalysed: 5, evidenceId: 1 } });
    expect(out.run.resultsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(out.run.models.map((m: { id: string }) => m.id)).toEqual(['face-detector-blazeface', 'face-detector', 'face-landmarks', 'face-embedder']);

    const tracks = cli('tracks', caseDir, '1', '--json').json();
    expect(tracks).toMatchObject({ ok: true, evidenceId: 1, run: { id: 1 } });
    expect(tracks.tracks).toHaveLength(out.run.trackCount);

    const jobs = cli('jobs', caseDir, '--json').json();
    expect(jobs.jobs).toMatchObject([{ kind: 'analyze', state: 'succeeded', attempts: 1 }]);
    const human = cli('jobs', caseDir);
    expect(human.stdout).toMatch(/#1 {2}analyze +succeeded attempt 1\/2 evidence #1 → run 1/);

    expect(cli('audit', 'verify', caseDir).code).toBe(0);
  }, 300_000);

  it('refuses bad options with a one-line error', () => {
    const r = cli('analyze', caseDir, '1', '--step', '0');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('sightline: --step must be a whole number from 1 to 10000, got "0"');
    expect(cli('analyze', caseDir, '9').stderr).toContain('no evidence with id 9');
  });
});
