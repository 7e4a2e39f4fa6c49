/**
 * Identification end to end, through the job queue, a real worker process, real ffmpeg and the real models, on
 * the committed ORL faces: two people are enrolled from portraits; every kind of bad reference photo is refused
 * with its one-line reason and nothing recorded; a clip in which one of them appears (a different portrait of
 * her, 56 px wide, H.264) is analysed, the follow-up watchlist comparison raises an alert for her and not for
 * the stranger beside her; identifying her track ranks her first above the gate with score, FMR and LR from the
 * hash-pinned calibration; a second clip's track of hers is found as an appearance; conclusions and a blind
 * verification are recorded under their rules; everything is in the audit log, whose chain holds, and the
 * records refuse edits.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { loadManifest } from '../../models/manifest';
import { makeFaceClip } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { tempDir } from '../../testing/tmp';
import { WorkerPool } from '../../workers/pool';
import { CONCLUSION_SCALE, LEAD_NOT_IDENTIFICATION } from '../../domain/identify';
import { SightlineError } from '../../domain/errors';
import { listTracks, type TrackSummary } from '../analysis/results';
import { createCase, type CaseHandle } from '../case';
import { importEvidence, listEvidence, type Evidence } from '../evidence';
import { followUpJobs } from '../followUps';
import { defaultJobHandlers, type AppJobKind, type AppJobs } from '../jobKinds';
import { JobQueue, hasSucceeded, type SucceededJob } from '../jobs';
import { listAlerts, reviewAlert, unreviewedAlertCount } from './alerts';
import { IDENTIFY_CALIBRATION_ID, setGate } from './common';
import { listConclusions, recordConclusion } from './conclusions';
import { findPerson, listPeople, prepareEnrolment, renamePerson, setPersonStatus } from './gallery';
import { getIdentification } from './identifications';
import { resolveSelection } from '../export/selection';
import { planTemplate } from './templates';
import { resolveEnhanceSettings } from '../../domain/enhance';
import { getEnhancement, saveSelection } from '../enhance/records';

describe('identification: gallery, watchlist, identify, appearances, conclusions', () => {
  const tmp = tempDir('identify');
  const pool = new WorkerPool({ size: 1 });
  let c: CaseHandle;
  let q: JobQueue;
  let clipA: Evidence;
  let annTrack: TrackSummary;
  let strangerTrack: TrackSummary;
  let annId = 0;
  let boId = 0;

  async function run<K extends AppJobKind>(kind: K, params: AppJobs[K]['input']): Promise<SucceededJob<AppJobs, K>> {
    const job = await q.waitFor(q.enqueue(kind, params));
    expect(job.lastError, `${kind} failed`).toBeNull();
    if (!hasSucceeded(job)) throw new Error(`${kind} job ended ${job.state}`);
    return job;
  }

  /** Everything an enrolment would record, to prove a refused photo recorded nothing. */
  function records(): Record<string, number> {
    const n = (sql: string): number => (c.db.prepare(sql).get() as { n: number }).n;
    return {
      evidence: n('SELECT count(*) AS n FROM evidence'),
      people: n('SELECT count(*) AS n FROM gallery_people'),
      references: n('SELECT count(*) AS n FROM gallery_references'),
      audit: n(`SELECT count(*) AS n FROM audit WHERE action NOT LIKE 'job.%'`),
    };
  }

  beforeAll(async () => {
    await installModels({ log: () => {} });
    c = createCase(path.join(tmp.dir, 'Quay'), { caseNumber: 'Q-7', title: 'Quay Road', examiner: 'DC Rivera' });
    q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
  }, 120_000);

  afterAll(async () => {
    await q?.stop();
    await pool.close();
    c?.close();
    tmp.cleanup();
  });

  it('enrols two people from reference photos, imported like evidence and audited', async () => {
    const ann = await run('enrol', { path: faceFile(4, 1), person: 'Ann Lee', note: 'custody photo' });
    const bo = await run('enrol', { path: faceFile(9, 1), person: 'Bo Chen' });
    annId = ann.result.person.id;
    boId = bo.result.person.id;
    expect(ann.result).toMatchObject({ newPerson: true, person: { name: 'Ann Lee', note: 'custody photo', status: 'active' } });
    const ref = ann.result.reference;
    expect(ref.facesFound).toBe(1);
    expect(ref.face.box.w).toBeGreaterThan(40);
    expect(ref.quality).toBeGreaterThan(0.5);
    expect(ref.modelSha256).toBe(loadManifest().models.find((m) => m.id === 'identity-embedder')!.sha256);
    // The photo is evidence: copied under its SHA-256, read-only, with its import audited.
    const e = listEvidence(c).find((x) => x.id === ref.evidenceId)!;
    expect(e).toMatchObject({ kind: 'image', originalName: '1.png' });
    const stored = path.join(c.paths.evidence, e.storedName);
    expect(fs.statSync(stored).mode & 0o222).toBe(0);
    expect(fs.existsSync(path.join(c.paths.derived, `${ref.chipSha256}.png`))).toBe(true);
    const actions = c.audit.list({ limit: 100000 }).map((x) => x.action);
    expect(actions.filter((a) => a === 'gallery.enrol')).toHaveLength(2);
    expect(actions.filter((a) => a === 'evidence.import')).toHaveLength(2);
    // A second photo of Ann joins her.
    const more = await run('enrol', { path: faceFile(4, 4), person: '  ann   LEE ' });
    expect(more.result).toMatchObject({ newPerson: false, person: { id: annId, name: 'Ann Lee' } });
    expect(findPerson(c, 'Ann Lee').references).toHaveLength(2);
  }, 240_000);

  it('refuses every kind of bad reference photo with a one-line reason and records nothing', async () => {
    const dir = path.join(tmp.dir, 'bad');
    fs.mkdirSync(dir);
    const noise = Buffer.alloc(160 * 120 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
    await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } }).png().toFile(path.join(dir, 'wall.png'));
    const a = await sharp(faceFile(2, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
    const b = await sharp(faceFile(7, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
    await sharp({ create: { width: 300, height: 160, channels: 3, background: '#707070' } }).composite([{ input: a, left: 0, top: 4 }, { input: b, left: 150, top: 4 }]).png().toFile(path.join(dir, 'pair.png'));
    await sharp(faceFile(2, 1)).resize(46, 56).png().toFile(path.join(dir, 'small.png'));
    fs.writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from('this is not a JPEG at all, only some text'));
    fs.writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
    const before = records();
    const refuse = async (req: Parameters<typeof prepareEnrolment>[1], re: RegExp, code = 'INVALID_INPUT'): Promise<SightlineError> => {
      const err = await prepareEnrolment(c, req, pool).then(
        () => null,
        (e: unknown) => e as SightlineError,
      );
      expect(err, `${req.path} was not refused`).toBeInstanceOf(SightlineError);
      expect(err!.message).toMatch(re);
      expect(err!.message).not.toContain('\n');
      expect(err!.code).toBe(code);
      return err!;
    };
    await refuse({ path: path.join(dir, 'wall.png'), person: 'X' }, /no face found in wall\.png/);
    const several = await refuse({ path: path.join(dir, 'pair.png'), person: 'X' }, /pair\.png shows 2 faces; choose one \(--face N\): #1 at/);
    expect((several.details?.faces as unknown[]).length).toBe(2);
    await refuse({ path: path.join(dir, 'small.png'), person: 'X' }, /too small for enrolment: \d+ px wide \(minimum 40 px\)/);
    await refuse({ path: path.join(dir, 'broken.jpg'), person: 'X' }, /broken\.jpg cannot be read as a photo/, 'UNSUPPORTED_MEDIA');
    await refuse({ path: path.join(dir, 'empty.jpg'), person: 'X' }, /empty \(0 bytes\)/, 'EMPTY_FILE');
    await refuse({ path: faceFile(4, 1), person: 'Someone' }, /1\.png is already enrolled: reference #\d+ of Ann Lee/);
    await refuse({ path: faceFile(3, 1), person: '   ' }, /needs a name/);
    await refuse({ path: faceFile(3, 1), person: 'x'.repeat(500) }, /at most 120 characters \(this one has 500\)/);
    await refuse({ path: path.join(dir, 'missing.png'), person: 'X' }, /file not found/, 'FILE_NOT_FOUND');
    // Through a job, the failure is the job's, with nothing else recorded.
    const job = await q.waitFor(q.enqueue('enrol', { path: path.join(dir, 'wall.png'), person: 'X' }));
    expect(job.state).toBe('failed');
    expect(job.lastError?.message).toMatch(/no face found/);
    expect(records()).toEqual(before);
    // Choosing one of several faces enrols that face.
    const chosen = await run('enrol', { path: path.join(dir, 'pair.png'), person: 'Pat Moss', faceIndex: (several.details!.faces as Array<{ index: number; box: { x: number } }>).find((f) => f.box.x > 150)!.index });
    expect(chosen.result.reference.face.box.x).toBeGreaterThan(150);
    expect(chosen.result.reference.facesFound).toBe(2);
  }, 240_000);

  it('raises a watchlist alert after an analysis for the enrolled person, not for the stranger', async () => {
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'quay-cam.mp4'),
      width: 400,
      height: 240,
      frames: 14,
      crf: 23,
      faces: [
        { portrait: faceFile(4, 3), faceWidth: 56, start: [30, 50], velocity: [3, 1] },
        { portrait: faceFile(6, 2), faceWidth: 52, start: [250, 60], velocity: [-2, 1] },
      ],
    });
    clipA = (await importEvidence(c, clip.file)).evidence;
    const analysed = await run('analyze', { evidenceId: clipA.id });
    const tracks = listTracks(c, clipA.id).tracks;
    expect(tracks).toHaveLength(2);
    annTrack = tracks.find((t) => t.best[0]!.box.x < 200)!;
    strangerTrack = tracks.find((t) => t.best[0]!.box.x >= 200)!;
    const follow = followUpJobs(c, analysed);
    expect(follow).toEqual([{ kind: 'watchlist', params: { runId: analysed.result.runId } }]);
    const w = await run('watchlist', follow[0]!.params);
    expect(followUpJobs(c, analysed)).toEqual([]);
    expect(w.result.identifications).toHaveLength(2);
    const alerts = listAlerts(c);
    expect(alerts.map((a) => [a.trackId, a.personId])).toEqual([[annTrack.id, annId]]);
    expect(alerts[0]!.candidate.gate.passes).toBe(true);
    expect(unreviewedAlertCount(c)).toBe(1);
    reviewAlert(c, alerts[0]!.id, 'checked the clip');
    expect(unreviewedAlertCount(c)).toBe(0);
    expect(c.audit.list({ limit: 100000 }).filter((x) => x.action === 'watchlist.alert')).toHaveLength(1);
  }, 400_000);

  it('identifies the track: Ann first, above the gate, with score, FMR and LR from the pinned calibration', async () => {
    const done = await run('identify', { trackId: annTrack.id });
    const ident = done.result;
    const top = ident.candidates[0]!;
    expect(top).toMatchObject({ rank: 1, personId: annId, name: 'Ann Lee', gate: { passes: true, label: 'candidate above threshold' } });
    expect(top.score).toBeGreaterThan(ident.candidates[1]!.score);
    expect(top.fmr.text).toMatch(/^(< )?\d/);
    expect(top.lr.log10).toBeGreaterThan(0);
    expect(ident.candidates.slice(1).every((x) => !x.gate.passes)).toBe(true);
    expect(ident.caveat).toBe(LEAD_NOT_IDENTIFICATION);
    const cal = loadManifest().calibrations!.find((x) => x.id === IDENTIFY_CALIBRATION_ID)!;
    expect(ident.calibration).toMatchObject({ id: cal.id, sha256: cal.sha256, band: 'm' });
    // The template: the track's frames, their weights (summing to 1), every crop and chip by hash.
    const t = ident.template;
    expect(t.kind).toBe('track');
    expect(t.frames.length).toBeGreaterThan(3);
    expect(t.frames.reduce((s, f) => s + f.weight, 0)).toBeCloseTo(1, 3);
    for (const f of t.frames) expect(fs.existsSync(path.join(c.paths.derived, `${f.cropSha256}.png`))).toBe(true);
    // The stored record reads back whole; a second identification reuses the template.
    expect(getIdentification(c, ident.id)).toEqual(ident);
    const again = await run('identify', { trackId: annTrack.id, topK: 2 });
    expect(again.result.template.id).toBe(t.id);
    expect(again.result.candidates).toHaveLength(2);
    // Chosen frames make their own template.
    const frames = t.frames.slice(0, 3).map((f) => f.frame);
    const chosen = await run('identify', { trackId: annTrack.id, frames });
    expect(chosen.result.template).toMatchObject({ kind: 'frames' });
    expect(chosen.result.template.frames.map((f) => f.frame)).toEqual(frames);
    const audit = c.audit.list({ limit: 100000 }).filter((x) => x.action === 'identify.search');
    expect(audit.at(-1)!.inputs.map((i) => i.role)).toEqual(['template-chips', 'model', 'calibration']);
  }, 400_000);

  it("identifies an enhancement's output (its band stays the source face's)", async () => {
    const sel = saveSelection(c, annTrack.id, { best: 6 });
    const enh = await run('enhance', { trackId: annTrack.id, selectionId: sel.id, settings: resolveEnhanceSettings({ mode: 'fusion', scale: 2 }) });
    const r = await run('identify', { trackId: annTrack.id, enhancementId: enh.result.enhancementId });
    expect(r.result.template).toMatchObject({ kind: 'enhancement', enhancementId: enh.result.enhancementId, trackId: annTrack.id });
    expect(r.result.template.frames[0]!.cropSha256).toBe(getEnhancement(c, enh.result.enhancementId).outputSha256);
    expect(r.result.template.faceWidth).toBeLessThan(80);
    expect(r.result.candidates[0]!.personId).toBe(annId);
  }, 300_000);

  it('finds her appearance in another clip', async () => {
    const clip = await makeFaceClip({ out: path.join(tmp.dir, 'gate-cam.mp4'), width: 320, height: 240, frames: 12, crf: 23, faces: [{ portrait: faceFile(4, 5), faceWidth: 52, start: [120, 60], velocity: [2, 0] }] });
    const b = (await importEvidence(c, clip.file)).evidence;
    await run('analyze', { evidenceId: b.id });
    const bTrack = listTracks(c, b.id).tracks[0]!;
    const s = (await run('appearances', { trackId: annTrack.id })).result;
    expect(s.tracksSearched).toBe(2);
    expect(s.results[0]).toMatchObject({ trackId: bTrack.id, evidenceId: b.id, gate: { passes: true } });
    const stranger = s.results.find((r) => r.trackId === strangerTrack.id)!;
    expect(stranger.simultaneous).toBe(true);
    expect(stranger.score).toBeLessThan(s.results[0]!.score);
  }, 400_000);

  it('records conclusions and a blind verification under their rules (immutable, audited)', () => {
    const ident = getIdentification(c, (c.db.prepare(`SELECT max(id) AS id FROM identifications WHERE purpose = 'identify'`).get() as { id: number }).id);
    const originals = ident.template.frames.slice(0, 2).map((f) => ({ frame: f.frame, cropSha256: f.cropSha256 }));
    const viewed = { interface: 'ui' as const, originalFrames: originals, enhancements: [], references: [ident.candidates[0]!.referenceId] };
    const first = recordConclusion(c, { identificationId: ident.id, personId: annId, level: 'same-moderately-strong', note: 'ears and hairline agree', role: 'examination', blind: false, viewed });
    expect(first).toMatchObject({ levelText: 'moderately strong support for the same person', examiner: 'DC Rivera', role: 'examination', blind: false });
    expect(() => recordConclusion(c, { identificationId: ident.id, personId: annId, level: 'same-strong', role: 'verification', blind: true, viewed })).toThrow(/already recorded conclusion/);
    const second = recordConclusion(c, { identificationId: ident.id, personId: annId, level: 'same-moderate', examiner: 'PC Okafor', role: 'verification', blind: true, viewed });
    expect(second.blind).toBe(true);
    expect(listConclusions(c, { identificationId: ident.id }).map((k) => k.examiner)).toEqual(['DC Rivera', 'PC Okafor']);
    expect(() => recordConclusion(c, { identificationId: ident.id, personId: annId, level: 'same-strong', role: 'examination', blind: false, viewed: { ...viewed, originalFrames: [], enhancements: [1] } })).toThrow(/without the original frames/);
    expect(() => recordConclusion(c, { identificationId: ident.id, personId: annId, level: 'identification', role: 'examination', blind: false, viewed })).toThrow(/unknown conclusion level/);
    const notCandidate = listPeople(c).find((p) => !ident.candidates.some((x) => x.personId === p.id));
    if (notCandidate) expect(() => recordConclusion(c, { identificationId: ident.id, personId: notCandidate.id, level: 'neutral', role: 'examination', blind: false, viewed })).toThrow(/not a candidate/);
    expect(() => getIdentification(c, 9999)).toThrow(/no identification 9999/);
    expect(CONCLUSION_SCALE.some((l) => l.id === first.level)).toBe(true);
    expect(() => c.db.prepare('UPDATE conclusions SET level = ? WHERE id = ?').run('neutral', first.id)).toThrow(/immutable/);
    expect(() => c.db.prepare('DELETE FROM identifications').run()).toThrow(/immutable/);
    expect(() => c.db.prepare('DELETE FROM gallery_people WHERE id = ?').run(boId)).toThrow(/never deleted/);
  });

  it('puts an identification with its conclusions into the evidence report and the signed package', async () => {
    const ident = getIdentification(c, (c.db.prepare(`SELECT max(id) AS id FROM identifications WHERE purpose = 'identify'`).get() as { id: number }).id);
    const pdf = path.join(tmp.dir, 'ident-report.pdf');
    const done = await run('report', { selection: { identificationIds: [ident.id] }, out: pdf });
    expect(done.result.path).toBe(pdf);
    const txt = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
    expect(txt).toContain(`Identification ${ident.id}`);
    expect(txt).toContain('Investigative lead, not an identification');
    // Every candidate's row: name, score, FMR and LR (the table's cells, not only the conclusions that name one).
    for (const k of ident.candidates) {
      expect(txt).toContain(k.name);
      expect(txt).toContain(k.score.toFixed(3));
      expect(txt).toContain(k.fmr.text);
    }
    // The probe's frames with their crop hashes.
    for (const f of ident.template.frames) expect(txt).toContain(f.cropSha256.slice(0, 16));
    expect(txt).toContain(ident.calibration.sha256.slice(0, 24));
    expect(txt).toContain('moderately strong support for the same person');
    expect(txt).toContain('PC Okafor');
    // The probe's track is the subject: the package keeps it unredacted and carries the records.
    const pkg = path.join(tmp.dir, 'ident-package');
    await run('package', { selection: { identificationIds: [ident.id] }, out: pkg });
    const records = JSON.parse(fs.readFileSync(path.join(pkg, 'records', 'identifications.json'), 'utf8')) as Array<{ id: number; conclusions: unknown[] }>;
    expect(records.map((r) => r.id)).toEqual([ident.id]);
    expect(records[0]!.conclusions).toHaveLength(2);
    const redaction = JSON.parse(fs.readFileSync(path.join(pkg, 'records', 'redaction.json'), 'utf8')) as { keptTrackIds: number[] };
    expect(redaction.keptTrackIds).toContain(ident.template.trackId);
    expect(() => resolveSelection(c, { identificationIds: [999_999] })).toThrow(/999999/);
  }, 300_000);

  it('renames and retires people with a reason; a retired person is left out of searches', async () => {
    expect(() => renamePerson(c, boId, 'Bo Chan', '')).toThrow(/needs a reason/);
    expect(renamePerson(c, boId, 'Bo Chan', 'spelling on the warrant').name).toBe('Bo Chan');
    setPersonStatus(c, boId, 'retired', 'eliminated from the enquiry');
    const r = await run('identify', { trackId: strangerTrack.id });
    expect(r.result.candidates.some((x) => x.personId === boId)).toBe(false);
    const p = findPerson(c, 'Bo Chan');
    expect(p.history.map((h) => h.action)).toEqual(['create', 'rename', 'retire']);
    setGate(c, { minSimilarity: 0.95 }, 'stricter for this case');
    expect(c.audit.list({ limit: 100000 }).some((x) => x.action === 'settings.identify-gate')).toBe(true);
  }, 300_000);

  it('refuses a track whose run recorded no embeddings, and keeps the audit chain intact', () => {
    const run0 = c.db.prepare('SELECT * FROM analysis_runs WHERE evidence_id = ? ORDER BY id DESC LIMIT 1').get(clipA.id) as Record<string, unknown>;
    const { id: _id, ...rest } = run0;
    const cols = Object.keys(rest);
    const runId = Number(c.db.prepare(`INSERT INTO analysis_runs (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...cols.map((k) => rest[k] as never)).lastInsertRowid);
    const t = c.db.prepare('SELECT * FROM face_tracks WHERE id = ?').get(annTrack.id) as Record<string, unknown>;
    const trackId = Number(
      c.db
        .prepare('INSERT INTO face_tracks (run_id, ordinal, first_frame, last_frame, detection_count, best_frame, best_quality, median_width, max_width, embedding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(runId, 1, t.first_frame as number, t.last_frame as number, 0, t.best_frame as number, t.best_quality as number, t.median_width as number, t.max_width as number, Buffer.alloc(0)).lastInsertRowid,
    );
    expect(() => planTemplate(c, trackId)).toThrow(/recorded no face embeddings; identification needs a run with embeddings/);
    expect(c.audit.verify().ok).toBe(true);
    const actions = new Set(c.audit.list({ limit: 100000 }).map((x) => x.action));
    for (const a of ['gallery.enrol', 'watchlist.search', 'watchlist.alert', 'watchlist.review', 'identify.search', 'identify.appearances', 'identify.conclusion', 'identify.verification', 'gallery.rename', 'gallery.retire']) expect(actions).toContain(a);
  });
});
