/**
 * Identification from the command line, through the built binary (npm test builds first): enrol two people from
 * the committed ORL portraits (a photo with two faces is refused with the faces listed, then enrolled with
 * --face), analyse a clip in which one of them appears (the watchlist alert is printed), list the alerts,
 * identify the track, find its appearances, record a conclusion and a blind verification, and find it all in the
 * verified audit log. Then `sightline bench identify` on a folder-per-person set made from the fixtures.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../../models/install';
import { APP_ROOT } from '../../../platform/appInfo';
import { makeFaceClip } from '../../../testing/faceClip';
import { faceFile } from '../../../testing/faces';
import { tempDir } from '../../../testing/tmp';

const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const tmp = tempDir('cli-identify');
const caseDir = path.join(tmp.dir, 'Harbour');

function cli(...args: string[]): { code: number; stdout: string; stderr: string; json: () => any } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir, timeout: 600_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) };
}

let clip = '';
let pair = '';

beforeAll(async () => {
  if (!fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does)');
  await installModels({ log: () => {} });
  clip = (
    await makeFaceClip({
      out: path.join(tmp.dir, 'harbour-cam.mp4'),
      width: 400,
      height: 240,
      frames: 12,
      crf: 23,
      faces: [
        { portrait: faceFile(4, 3), faceWidth: 56, start: [30, 50], velocity: [3, 1] },
        { portrait: faceFile(6, 2), faceWidth: 52, start: [250, 60], velocity: [-2, 1] },
      ],
    })
  ).file;
  const a = await sharp(faceFile(2, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
  const b = await sharp(faceFile(7, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
  pair = path.join(tmp.dir, 'pair.png');
  await sharp({ create: { width: 300, height: 160, channels: 3, background: '#707070' } }).composite([{ input: a, left: 0, top: 4 }, { input: b, left: 150, top: 4 }]).png().toFile(pair);
  expect(cli('case', 'create', caseDir, '--number', 'H-2', '--title', 'Harbour', '--examiner', 'DC Rivera').code).toBe(0);
}, 180_000);
afterAll(() => tmp.cleanup());

describe('sightline gallery / analyze / alerts / identify / appearances / conclude', () => {
  it('enrols, alerts after analysis, identifies, finds appearances and records conclusions, all audited', () => {
    const add = cli('gallery', 'add', caseDir, '--person', 'Ann Lee', '--note', 'custody photos', faceFile(4, 1), faceFile(4, 4), '--json');
    expect(add.code, add.stderr).toBe(0);
    expect(add.json().results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    expect(cli('gallery', 'add', caseDir, '--person', 'Bo Chen', faceFile(9, 1)).code).toBe(0);

    const several = cli('gallery', 'add', caseDir, '--person', 'Pat Moss', pair);
    expect(several.code).toBe(1);
    expect(several.stderr).toMatch(/pair\.png shows 2 faces; choose one \(--face N\): #1 at \(\d+, \d+\) \d+ px wide/);
    expect(cli('gallery', 'add', caseDir, '--person', 'Pat Moss', '--face', '2', pair).code).toBe(0);
    const noName = cli('gallery', 'add', caseDir, '--person', '  ', faceFile(3, 1));
    expect(noName.code).toBe(1);
    expect(noName.stderr.trim().split('\n')).toHaveLength(1);
    // Batch: one sub-folder per person (the sub-folder names the person; underscores read as spaces).
    const folder = path.join(tmp.dir, 'custody');
    fs.mkdirSync(path.join(folder, 'Cy_Dunn'), { recursive: true });
    fs.copyFileSync(faceFile(5, 1), path.join(folder, 'Cy_Dunn', 'front.png'));
    const imp = cli('gallery', 'import', caseDir, folder);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/enrolled 1 of 1 photo\(s\) of 1 people/);
    const list = cli('gallery', 'list', caseDir, '--json').json();
    expect(list.people.map((p: { name: string; references: unknown[] }) => [p.name, p.references.length])).toEqual([
      ['Ann Lee', 2],
      ['Bo Chen', 1],
      ['Cy Dunn', 1],
      ['Pat Moss', 1],
    ]);

    expect(cli('import', caseDir, clip).code).toBe(0);
    const evidence = cli('evidence', caseDir, '--json').json().evidence as Array<{ id: number; kind: string }>;
    const clipId = evidence.find((e) => e.kind === 'video')!.id;
    const an = cli('analyze', caseDir, String(clipId), '--json');
    expect(an.code, an.stderr).toBe(0);
    const analysed = an.json();
    const ann = analysed.tracks.find((t: { best: Array<{ box: { x: number } }> }) => t.best[0]!.box.x < 200);
    expect(analysed.alerts.map((a: { candidate: { name: string }; trackId: number }) => [a.candidate.name, a.trackId])).toEqual([['Ann Lee', ann.id]]);
    const alerts = cli('alerts', caseDir);
    expect(alerts.stdout).toMatch(/1 new of 1 alert\(s\)/);
    expect(alerts.stdout).toContain('Ann Lee');

    const id = cli('identify', caseDir, '--track', `${clipId}/${ann.ordinal}`, '--json');
    expect(id.code, id.stderr).toBe(0);
    const ident = id.json().identification;
    expect(ident.candidates[0]).toMatchObject({ name: 'Ann Lee', gate: { passes: true } });
    const human = cli('identify', caseDir, '--track', String(ann.id), '--top', '2');
    expect(human.stdout).toContain('INVESTIGATIVE LEAD, NOT AN IDENTIFICATION');
    expect(human.stdout).toMatch(/CANDIDATE ABOVE THRESHOLD/);
    expect(human.stdout).toMatch(/calibration identify-v1 sha256 [0-9a-f]{64}/);

    const app = cli('appearances', caseDir, '--track', String(ann.id));
    expect(app.code, app.stderr).toBe(0);
    expect(app.stdout).toMatch(/against 1 other track\(s\)/);

    const bad = cli('conclude', caseDir, '--identification', String(ident.id), '--person', 'Ann Lee', '--conclusion', 'identification');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--conclusion must be one of: same-extremely-strong, /);
    const k = cli('conclude', caseDir, '--identification', String(ident.id), '--person', 'Ann Lee', '--conclusion', 'same-moderate', '--note', 'hairline and ears agree');
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/recorded conclusion \d+ {2}examination by DC Rivera .*: moderate support for the same person — hairline and ears agree/);
    const v = cli('conclude', caseDir, '--identification', String(ident.id), '--person', 'Ann Lee', '--conclusion', 'same-weak', '--verify', '--blind', '--examiner', 'PC Okafor');
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/verification \(blind\) by PC Okafor/);
    expect(cli('conclude', caseDir, '--identification', '9999', '--person', 'Ann Lee', '--conclusion', 'neutral').stderr).toMatch(/^sightline: no identification 9999 in this case\n$/);
    expect(cli('conclude', caseDir, '--identification', String(ident.id), '--person', 'Nobody Known', '--conclusion', 'neutral').stderr).toMatch(/^sightline: no person named "Nobody Known" in this case's gallery/);
    expect(cli('identify', caseDir, '--track', '99/1').code).toBe(1);

    expect(cli('audit', 'verify', caseDir).code).toBe(0);
    const out = path.join(tmp.dir, 'audit.json');
    expect(cli('audit', 'export', caseDir, '--format', 'json', '--out', out).code).toBe(0);
    const actions = new Set((JSON.parse(fs.readFileSync(out, 'utf8')).entries as Array<{ action: string }>).map((e) => e.action));
    for (const a of ['gallery.enrol', 'analysis.run', 'watchlist.search', 'watchlist.alert', 'identify.search', 'identify.appearances', 'identify.conclusion', 'identify.verification']) expect(actions).toContain(a);
  }, 900_000);

  it('benchmarks identification on a folder-per-person set (table, JSON, CMC/DET plot)', async () => {
    const set = path.join(tmp.dir, 'people');
    for (let p = 1; p <= 4; p++) {
      fs.mkdirSync(path.join(set, `person_${p}`), { recursive: true });
      for (let i = 1; i <= 2; i++) fs.copyFileSync(faceFile(p, i), path.join(set, `person_${p}`, `${i}.png`));
    }
    const plot = path.join(tmp.dir, 'cmc.svg');
    const r = cli('bench', 'identify', set, '--sizes', '40', '--codec', 'crf:23', '--frames', '2', '--probes-per-person', '1', '--probe-people', '3', '--plot', plot, '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = r.json();
    expect(out.results.map((x: { size: number; mode: string; probes: number; gallery: number }) => [x.size, x.mode, x.probes, x.gallery])).toEqual([
      [40, 'single', 3, 4],
      [40, 'template', 3, 4],
    ]);
    expect(out.setup).toMatch(/gallery 4 people .* photos of 3 people/);
    for (const x of out.results) expect(x.rank1).toBeGreaterThanOrEqual(1 / 3);
    expect(fs.readFileSync(plot, 'utf8')).toMatch(/^<svg[\s\S]*CMC[\s\S]*DET[\s\S]*<\/svg>\n$/);
    const badCodec = cli('bench', 'identify', set, '--codec', 'h265');
    expect(badCodec.code).toBe(1);
    expect(badCodec.stderr).toMatch(/--codec must look like crf:30/);
    const badHalf = cli('bench', 'identify', set, '--half', 'first');
    expect(badHalf.code).toBe(1);
    expect(badHalf.stderr).toMatch(/--half must be calibration or test, got "first"/);
  }, 600_000);
});
