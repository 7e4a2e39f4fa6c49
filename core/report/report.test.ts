/**
 * The evidence report and the export package end to end, on a real clip: two real faces (ORL) walk through a
 * 320×240 H.264 scene; the clip is imported and analysed, one face is enhanced (fusion: evidential; restore:
 * investigative), and then:
 *  - the report is made twice (with its own audit entry in between) and the bytes are identical;
 *  - its pages, rendered by pdftoppm, are not blank and the first holds the case; pdftotext finds every required
 *    field; pdffonts shows only embedded DejaVu fonts;
 *  - every exported image leaves the subject's pixels untouched and redacts the bystander's;
 *  - the package verifies (sightline verify-package, and openssl + sha256sum as VERIFY.txt says), and fails,
 *    naming the file, after one byte of an image, the report, the audit export or the manifest changes;
 *  - bad input: unknown ids, a path inside evidence/, an existing file, redaction off without a reason, a
 *    broken audit chain.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { makeFaceClip } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { makeImage } from '../../testing/synth';
import { tempDir } from '../../testing/tmp';
import { WorkerPool } from '../../workers/pool';
import { resolveEnhanceSettings, tierLabel } from '../../domain/enhance';
import { APP_ROOT, APP_VERSION } from '../../platform/appInfo';
import { listTracks, type TrackSummary } from '../analysis/results';
import { createCase, openCase, type CaseHandle } from '../case';
import { saveSelection } from '../enhance/records';
import { importEvidence, type Evidence } from '../evidence';
import { defaultJobHandlers, type AppJobKind, type AppJobs } from '../jobKinds';
import { JobQueue, hasSucceeded, type SucceededJob } from '../jobs';
import { getFrame } from '../frames';
import { createPackage } from '../exportPackage/package';
import { verifyPackage } from '../exportPackage/verify';
import { exportImage } from '../export/viewExports';
import { addRedactionBox, listRedactionBoxes, removeRedactionBox } from '../redaction/boxes';
import { createReport, generateReport } from './report';

const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const built = fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'));

async function raw(file: string | Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Mean absolute difference of two same-sized RGB images inside a rectangle. */
function meanDiff(a: { data: Buffer; width: number }, b: { data: Buffer }, r: { x: number; y: number; w: number; h: number }): number {
  let s = 0;
  let n = 0;
  for (let y = Math.max(0, Math.round(r.y)); y < Math.round(r.y + r.h); y++) {
    for (let x = Math.max(0, Math.round(r.x)); x < Math.round(r.x + r.w); x++) {
      for (let k = 0; k < 3; k++) s += Math.abs(a.data[(y * a.width + x) * 3 + k]! - b.data[(y * a.width + x) * 3 + k]!);
      n += 3;
    }
  }
  return n ? s / n : 0;
}

describe('evidence report and export package', () => {
  const tmp = tempDir('report');
  const pool = new WorkerPool({ size: 1 });
  let c: CaseHandle;
  let q: JobQueue;
  let e: Evidence;
  let subject: TrackSummary;
  let bystander: TrackSummary;
  let fusionId = 0;
  let restoreId = 0;

  async function run<K extends AppJobKind>(kind: K, params: AppJobs[K]['input']): Promise<SucceededJob<AppJobs, K>> {
    const job = await q.waitFor(q.enqueue(kind, params));
    expect(job.lastError, `${kind} failed`).toBeNull();
    if (!hasSucceeded(job)) throw new Error(`${kind} job ended ${job.state}`);
    return job;
  }

  beforeAll(async () => {
    process.env.SIGHTLINE_SIGNING_KEY_DIR = path.join(tmp.dir, 'keys');
    await installModels({ log: () => {} });
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'lobby.mp4'),
      width: 320,
      height: 240,
      frames: 16,
      crf: 26,
      faces: [
        { portrait: faceFile(9, 1), faceWidth: 40, start: [30, 60], velocity: [1.2, 0.3] },
        { portrait: faceFile(3, 1), faceWidth: 40, start: [200, 70], velocity: [-0.8, 0.2] },
      ],
    });
    c = createCase(path.join(tmp.dir, 'Report'), { caseNumber: 'R-2026/7', title: 'Lobby, two people', examiner: 'Det. A. Ng', agency: 'Metro PD' });
    e = (await importEvidence(c, clip.file)).evidence;
    q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
    await run('analyze', { evidenceId: e.id });
    const { tracks } = listTracks(c, e.id, { best: 1 });
    expect(tracks.length).toBeGreaterThanOrEqual(2);
    const byX = [...tracks].sort((a, b) => a.best[0]!.box.x - b.best[0]!.box.x);
    subject = byX[0]!;
    bystander = byX[byX.length - 1]!;
    const sel = saveSelection(c, subject.id, { best: 6 });
    fusionId = (await run('enhance', { trackId: subject.id, selectionId: sel.id, settings: resolveEnhanceSettings({ mode: 'fusion', scale: 2 }) })).result.enhancementId;
    const sel2 = saveSelection(c, subject.id, { best: 1 });
    restoreId = (await run('enhance', { trackId: subject.id, selectionId: sel2.id, settings: resolveEnhanceSettings({ mode: 'restore', scale: 4 }) })).result.enhancementId;
    await run('replay', { enhancementId: fusionId });
  }, 600_000);

  afterAll(async () => {
    await q?.stop();
    await pool.close();
    c?.close();
    delete process.env.SIGHTLINE_SIGNING_KEY_DIR;
    tmp.cleanup();
  });

  const selection = () => ({ enhancementIds: [fusionId, restoreId], frames: [{ evidenceId: e.id, index: 8 }] });

  it('makes the same PDF bytes twice from the same case state and choices (its own audit entry in between)', async () => {
    const out1 = path.join(tmp.dir, 'out', 'report-1.pdf');
    const r1 = await createReport(c, selection(), out1);
    const r2 = await generateReport(c, selection());
    expect(r2.sha256).toBe(r1.sha256);
    expect(r2.reportId).toBe(r1.reportId);
    expect(fs.readFileSync(out1).equals(r2.pdf)).toBe(true);
    // A report job that failed or was cancelled is recorded (job.*) but is not case state either.
    c.audit.append({ action: 'job.cancelled', params: { jobId: 999, kind: 'report', attempts: 1 } });
    expect((await generateReport(c, selection())).sha256).toBe(r1.sha256);
    const audit = c.audit.list({ action: 'report.create' }).at(-1)!;
    expect(audit.outputs[0]).toMatchObject({ sha256: r1.sha256, role: 'report' });
    expect(audit.params).toMatchObject({ reportId: r1.reportId, pages: r1.pages, redaction: { enabled: true } });
    // The PDF's dates are the state entry's, not the clock's.
    const info = spawnSync('pdfinfo', ['-isodates', out1], { encoding: 'utf8' }).stdout;
    expect(info).toContain(`CreationDate:    ${r1.stateEntry.ts.slice(0, 19)}Z`);
    expect(info).toContain(`ModDate:         ${r1.stateEntry.ts.slice(0, 19)}Z`);
    expect(r1.stateEntry.seq).toBeLessThan(c.audit.count());
  });

  it('renders pages that are not blank, with every required field in its text and only embedded fonts', async () => {
    const out = path.join(tmp.dir, 'out', 'report-view.pdf');
    const r = await createReport(c, selection(), out);
    const pngDir = path.join(tmp.dir, 'pages');
    fs.mkdirSync(pngDir, { recursive: true });
    const ppm = spawnSync('pdftoppm', ['-r', '60', '-png', out, path.join(pngDir, 'p')], { encoding: 'utf8' });
    expect(ppm.status, ppm.stderr).toBe(0);
    const pages = fs.readdirSync(pngDir).filter((f) => f.endsWith('.png')).sort();
    expect(pages.length).toBe(r.pages);
    expect(r.pages).toBeGreaterThanOrEqual(4);
    for (const p of pages) {
      const st = await sharp(path.join(pngDir, p)).greyscale().stats();
      // A blank page is one flat grey level; text and images spread it.
      expect(st.channels[0]!.stdev, p).toBeGreaterThan(8);
    }
    if (process.env.SIGHTLINE_DOCS_SCREENSHOTS) {
      const hi = spawnSync('pdftoppm', ['-r', '80', '-png', '-f', '2', '-l', '2', '-singlefile', out, path.join(APP_ROOT, 'docs', 'screenshots', 'report-page')]);
      expect(hi.status).toBe(0);
    }
    const txt = spawnSync('pdftotext', ['-layout', out, '-'], { encoding: 'utf8' }).stdout;
    const flat = txt.replace(/\s+/g, ' ');
    for (const s of ['R-2026/7', 'Lobby, two people', 'Det. A. Ng', 'Metro PD', 'UTC', `Sightline ${APP_VERSION}`, e.sha256, e.md5, r.reportId, r.stateEntry.hash, `page 1 / ${r.pages}`, `page ${r.pages} / ${r.pages}`]) {
      expect(flat, s).toContain(s);
    }
    for (const s of [tierLabel('evidential'), tierLabel('investigative'), 'Identity guard', 'Processing steps', 'IDENTICAL', 'Bystander redaction', 'Method']) expect(flat, s).toContain(s);
    expect(flat).toMatch(/nearest-\s?neighbour/);
    const fonts = spawnSync('pdffonts', [out], { encoding: 'utf8' }).stdout.split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThanOrEqual(2);
    for (const f of fonts) {
      expect(f).toMatch(/DejaVu/);
      expect(f).toMatch(/\byes\s+yes\b/); // embedded, subset
    }
  });

  it('redacts the bystander and leaves the subject in every exported image; originals untouched', async () => {
    const evidenceBefore = fs.readFileSync(path.join(c.paths.evidence, e.storedName));
    const r = await generateReport(c, selection());
    const frameImg = r.images.images.find((i) => i.role === 'frame')!;
    const original = await raw((await getFrame(c, e.id, 8)).file.path);
    const exported = await raw(frameImg.png);
    const by = frameImg.redaction.regions.find((x) => x.trackId === bystander.id);
    expect(by, 'the bystander is redacted on the chosen frame').toBeDefined();
    expect(frameImg.kept.length).toBe(1); // the enhancements' subject stays visible in the chosen frame too
    expect(meanDiff(original, exported, by!.imageBox)).toBeGreaterThan(5);
    // In the enhancement's reference frame the subject is kept and the bystander redacted.
    const ref = r.images.images.find((i) => i.role === 'reference-frame' && i.enhancementId === fusionId)!;
    const refOrig = await raw((await getFrame(c, e.id, ref.frame!)).file.path);
    const refOut = await raw(ref.png);
    expect(ref.kept.length).toBe(1);
    expect(meanDiff(refOrig, refOut, ref.kept[0]!)).toBe(0);
    const refBy = ref.redaction.regions.find((x) => x.trackId === bystander.id)!;
    expect(meanDiff(refOrig, refOut, refBy.imageBox)).toBeGreaterThan(5);
    // Every image of the export is redacted where it shows a bystander; the evidence file is unchanged.
    for (const img of r.images.images) for (const x of img.redaction.regions) expect(x.trackId === subject.id).toBe(false);
    expect(fs.readFileSync(path.join(c.paths.evidence, e.storedName)).equals(evidenceBefore)).toBe(true);
  });

  it('redacts hand-drawn boxes too, records and audits them, and keeps removed ones', async () => {
    const b = addRedactionBox(c, { evidenceId: e.id, firstFrame: 8, box: { x: 140, y: 180, w: 40, h: 30 }, note: 'name badge' });
    expect(c.audit.list({ action: 'redaction.box.add' }).at(-1)!.params).toMatchObject({ boxId: b.id, firstFrame: 8 });
    const x = await exportImage(c, { kind: 'frame', evidenceId: e.id, index: 8, path: path.join(tmp.dir, 'out', 'frame8.png') });
    const a = c.audit.list({ action: 'image.export' }).at(-1)!;
    expect(a.outputs[0]!.sha256).toBe(x.sha256);
    expect((a.params.redaction as { regions: Array<{ manualBoxId: number | null }> }).regions.some((r) => r.manualBoxId === b.id)).toBe(true);
    const original = await raw((await getFrame(c, e.id, 8)).file.path);
    expect(meanDiff(original, await raw(x.path), b.box)).toBeGreaterThan(1);
    removeRedactionBox(c, b.id, 'test');
    expect(listRedactionBoxes(c, e.id, { index: 8 })).toHaveLength(0);
    expect(listRedactionBoxes(c, e.id, { all: true })[0]).toMatchObject({ id: b.id, removedBy: 'Det. A. Ng', removeReason: 'test' });
    expect(() => c.db.prepare('DELETE FROM redaction_boxes').run()).toThrow(/never deleted/);
    expect(() => c.db.prepare('UPDATE redaction_boxes SET x = 0').run()).toThrow(/only be marked removed/);
  });

  it('exports the enhanced image and the comparison, audited with their hashes and labelled inside the PNG', async () => {
    const en = await exportImage(c, { kind: 'enhanced', enhancementId: restoreId });
    expect(path.dirname(en.path)).toBe(c.paths.exports);
    expect(en.label).toBe(tierLabel('investigative'));
    const cmp = await exportImage(c, { kind: 'comparison', enhancementId: fusionId, path: path.join(tmp.dir, 'out', 'cmp.png') });
    const meta = await sharp(cmp.path).metadata();
    expect(meta.width).toBeGreaterThan(en.width);
    expect(fs.readFileSync(cmp.path).toString('latin1')).toContain('Description');
    expect(c.audit.list({ action: 'image.export' }).at(-1)!.outputs[0]!.sha256).toBe(cmp.sha256);
    await expect(exportImage(c, { kind: 'comparison', enhancementId: fusionId, path: cmp.path })).rejects.toThrow(/already exists/);
    await exportImage(c, { kind: 'comparison', enhancementId: fusionId, path: cmp.path, force: true });
  });

  it('makes a signed package that verifies, and names the first file that changed', async () => {
    const dir = path.join(tmp.dir, 'out', 'package');
    const p = await createPackage(c, selection(), dir);
    expect(p.signer.keyCreated).toBe(true);
    expect(fs.existsSync(path.join(tmp.dir, 'keys'))).toBe(true);
    const audit = c.audit.list({ action: 'package.export' }).at(-1)!;
    expect(audit.params).toMatchObject({ manifestSha256: p.manifestSha256, signer: { keyId: p.signer.keyId, publicKeyPem: p.signer.publicKeyPem } });
    for (const f of ['report.pdf', 'manifest.json', 'manifest.sig', 'public-key.pem', 'audit/audit.json', 'audit/audit.csv', 'records/enhancements.json', 'records/redaction.json', 'SHA256SUMS', 'VERIFY.txt']) {
      expect(fs.existsSync(path.join(dir, f)), f).toBe(true);
    }
    // The report in the package is the report of the same choices.
    expect(fs.readFileSync(path.join(dir, 'report.pdf')).equals((await generateReport(c, selection())).pdf)).toBe(true);
    expect(verifyPackage(dir).ok).toBe(true);
    // Without Sightline: OpenSSL and coreutils, as VERIFY.txt says.
    const ossl = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'public-key.pem', '-rawin', '-in', 'manifest.json', '-sigfile', 'manifest.sig'], { cwd: dir, encoding: 'utf8' });
    expect(ossl.status, ossl.stderr + ossl.stdout).toBe(0);
    expect(spawnSync('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], { cwd: dir }).status).toBe(0);
    // One byte of any file — an image, the report, the audit export, the manifest — is found and named.
    const image = fs.readdirSync(path.join(dir, 'images', `enhancement-${fusionId}`)).find((f) => f.startsWith('input-frame'))!;
    for (const rel of [`images/enhancement-${fusionId}/${image}`, 'report.pdf', 'audit/audit.csv', 'manifest.json']) {
      const abs = path.join(dir, rel);
      const orig = fs.readFileSync(abs);
      const bad = Buffer.from(orig);
      bad[bad.length >> 1] ^= 0x01;
      fs.writeFileSync(abs, bad);
      const v = verifyPackage(dir);
      expect(v.ok, rel).toBe(false);
      expect(v.firstDifference!.file, rel).toBe(rel);
      fs.writeFileSync(abs, orig);
    }
    fs.writeFileSync(path.join(dir, 'extra.txt'), 'added');
    expect(verifyPackage(dir).firstDifference).toMatchObject({ file: 'extra.txt' });
    fs.rmSync(path.join(dir, 'extra.txt'));
    expect(verifyPackage(dir).ok).toBe(true);
    // A zip of the same package verifies too; the same key signs it.
    const zip = await createPackage(c, selection(), path.join(tmp.dir, 'out', 'package.zip'));
    expect(zip.signer).toMatchObject({ keyId: p.signer.keyId, keyCreated: false });
    expect(verifyPackage(zip.path).ok).toBe(true);
  });

  it('refuses bad input with one-line errors and leaves nothing behind', async () => {
    const entries = c.audit.count();
    await expect(createReport(c, { enhancementIds: [9999] }, path.join(tmp.dir, 'out', 'x.pdf'))).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'no enhancement 9999 in this case' });
    await expect(createReport(c, selection(), path.join(c.paths.evidence, 'r.pdf'))).rejects.toThrow(/inside the case's evidence/);
    await expect(createReport(c, selection(), path.join(tmp.dir, 'out', 'report-1.pdf'))).rejects.toThrow(/already exists.*--force/);
    await expect(createReport(c, { ...selection(), redact: false }, path.join(tmp.dir, 'out', 'y.pdf'))).rejects.toThrow(/needs a reason/);
    await expect(createReport(c, { frames: [{ evidenceId: e.id, index: 10_000 }] }, path.join(tmp.dir, 'out', 'z.pdf'))).rejects.toThrow(/out of range/);
    fs.writeFileSync(path.join(tmp.dir, 'a-file'), 'x');
    await expect(createReport(c, selection(), path.join(tmp.dir, 'a-file', 'r.pdf'))).rejects.toThrow(/not a folder/);
    await expect(createPackage(c, { enhancementIds: [9999] }, path.join(tmp.dir, 'out', 'p2'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(c.audit.count()).toBe(entries);
    expect(fs.readdirSync(path.join(tmp.dir, 'out')).filter((f) => f.includes('.part'))).toEqual([]);
    expect(fs.existsSync(path.join(tmp.dir, 'out', 'x.pdf'))).toBe(false);
  });

  it('a full disk or a read-only folder: a one-line error, nothing half-written, nothing audited', async (ctx) => {
    const full = path.join(tmp.dir, 'tiny-disk');
    const ro = path.join(tmp.dir, 'ro-disk');
    fs.mkdirSync(full, { recursive: true });
    fs.mkdirSync(ro, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', full], { stdio: 'ignore' });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', ro], { stdio: 'ignore' });
    } catch {
      console.warn('[skip] full-disk test: cannot mount a small tmpfs here (needs root); run the suite as root to include it');
      ctx.skip();
    }
    try {
      const entries = c.audit.count();
      // The report (~0.7 MB) does not fit in 256 KiB.
      await expect(createReport(c, selection(), path.join(full, 'report.pdf'))).rejects.toMatchObject({ code: 'DISK_FULL' });
      await expect(createPackage(c, selection(), path.join(full, 'package'))).rejects.toMatchObject({ code: 'DISK_FULL' });
      await expect(createPackage(c, selection(), path.join(full, 'package.zip'))).rejects.toMatchObject({ code: 'DISK_FULL' });
      expect(fs.readdirSync(full)).toEqual([]);
      await expect(createReport(c, selection(), path.join(ro, 'report.pdf'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
      expect(c.audit.count()).toBe(entries);
    } finally {
      for (const m of [full, ro]) spawnSync('umount', ['-l', m]);
    }
  });

  it('a report job shows progress and, cancelled, leaves no file and no report entry', async () => {
    const out = path.join(tmp.dir, 'out', 'cancelled.pdf');
    const reports = c.audit.list({ action: 'report.create' }).length;
    const stages: string[] = [];
    const job = q.enqueue('report', { selection: { enhancementIds: [fusionId, restoreId], frames: [{ evidenceId: e.id, index: 8 }], keepTrackIds: [], redact: true, reason: null }, out, force: false });
    const onProgress = (p: { jobId: number; stage: string }): void => {
      if (p.jobId !== job.id) return;
      stages.push(p.stage);
      q.cancel(job.id);
    };
    q.on('progress', onProgress);
    const done = await q.waitFor(job);
    q.off('progress', onProgress);
    expect(stages[0]).toBe('images');
    expect(done.state).toBe('cancelled');
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.includes('.part'))).toEqual([]);
    expect(c.audit.list({ action: 'report.create' })).toHaveLength(reports);
    // Its job.cancelled entry is no case state: the next report is still the same bytes.
    expect(c.audit.list({ action: 'job.cancelled' }).at(-1)!.params).toMatchObject({ kind: 'report' });
  });

  it('turns redaction off only with a reason, and says so in the report and the audit entry', async () => {
    const r = await createReport(c, { ...selection(), redact: false, reason: 'court order 12/2026: faces of all present to be shown' }, path.join(tmp.dir, 'out', 'unredacted.pdf'));
    expect(r.redaction).toMatchObject({ enabled: false, reason: 'court order 12/2026: faces of all present to be shown' });
    expect(c.audit.list({ action: 'report.create' }).at(-1)!.params).toMatchObject({ redaction: { enabled: false, reason: 'court order 12/2026: faces of all present to be shown' } });
    const txt = spawnSync('pdftotext', [r.path, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(txt).toContain('Redaction was turned OFF');
  });

  it('says so in the report when a frame was never analysed (only drawn boxes could be redacted)', async () => {
    const still = (await importEvidence(c, await makeImage(path.join(tmp.dir, 'still.png'), 96, 64))).evidence;
    const r = await createReport(c, { frames: [{ evidenceId: still.id, index: 0 }] }, path.join(tmp.dir, 'out', 'still.pdf'));
    const img = r.redaction;
    expect(img.enabled).toBe(true);
    const txt = spawnSync('pdftotext', [r.path, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(txt).toContain('No face analysis covers');
  });

  it.skipIf(!built)('sightline report / export-package / verify-package (exit 0 intact, 3 changed)', async () => {
    await q.stop();
    const dir = c.dir;
    c.close();
    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir, env: { ...process.env, SIGHTLINE_SIGNING_KEY_DIR: path.join(tmp.dir, 'keys') } });
    const out = path.join(tmp.dir, 'cli', 'report.pdf');
    const rep = cli('report', dir, '--enhancement', String(fusionId), '--frames', `${e.id}:8`, '--out', out, '--json');
    expect(rep.status, rep.stderr).toBe(0);
    expect(JSON.parse(rep.stdout)).toMatchObject({ ok: true, path: out });
    expect(cli('report', dir, '--enhancement', String(fusionId), '--out', out).stderr).toMatch(/already exists/);
    expect(cli('report', dir, '--enhancement', '777', '--out', path.join(tmp.dir, 'cli', 'r2.pdf')).stderr).toMatch(/^sightline: no enhancement 777 in this case\n$/);
    expect(cli('report', dir, '--enhancement', String(fusionId), '--no-redact', '--out', path.join(tmp.dir, 'cli', 'r3.pdf')).status).toBe(1);
    const pkg = path.join(tmp.dir, 'cli', 'pkg');
    const ex = cli('export-package', dir, '--enhancement', String(fusionId), '--out', pkg);
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/Ed25519 key id [0-9a-f]{64}/);
    // The recipient has only the package: copy it elsewhere, remove the case, verify.
    const moved = path.join(tmp.dir, 'recipient', 'pkg');
    fs.cpSync(pkg, moved, { recursive: true });
    const ok = cli('verify-package', moved);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/package intact/);
    fs.appendFileSync(path.join(moved, 'records', 'selection.json'), ' ');
    const bad = cli('verify-package', moved);
    expect(bad.status).toBe(3);
    expect(bad.stdout).toMatch(/records\/selection\.json differs/);
    expect(cli('verify-package', path.join(tmp.dir, 'nowhere')).status).toBe(1);
    // frame --redact writes the frame with the bystanders redacted.
    const fr = cli('frame', dir, String(e.id), '8', '--redact', '--out', path.join(tmp.dir, 'cli', 'f8.png'), '--json');
    expect(fr.status, fr.stderr).toBe(0);
    expect(JSON.parse(fr.stdout).redaction.regions).toBeGreaterThanOrEqual(2);
  });

  it('refuses a report from a case whose audit chain is broken, naming the first bad entry', async () => {
    const c2 = openCase(path.join(tmp.dir, 'Report'));
    try {
      c2.db.exec('DROP TRIGGER IF EXISTS audit_no_update');
      const triggers = c2.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit'").all() as { name: string }[];
      for (const t of triggers) c2.db.exec(`DROP TRIGGER ${t.name}`);
      c2.db.prepare("UPDATE audit SET examiner = 'someone else' WHERE seq = 3").run();
      await expect(createReport(c2, { enhancementIds: [fusionId] }, path.join(tmp.dir, 'out', 'broken.pdf'))).rejects.toMatchObject({ code: 'AUDIT_BROKEN', message: expect.stringMatching(/broken at entry 3/) });
      expect(fs.existsSync(path.join(tmp.dir, 'out', 'broken.pdf'))).toBe(false);
    } finally {
      c2.close();
    }
  });
});
