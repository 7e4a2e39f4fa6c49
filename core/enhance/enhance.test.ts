/**
 * Enhancement end to end, through the job queue and a real worker process: a clip made from a real face (ORL,
 * 28 px wide, moving, H.264 CRF 30) is imported and analysed; frames of its track are selected (best N, spread,
 * audited); fusion and restoration run from the original evidence; every record, derived file and audit entry
 * is checked; `replay` reproduces both output hashes; the guard's thresholds are per case, audited, and
 * recorded with each result (a failing result is stored, not hidden); result tables refuse edits. Then the
 * `sightline enhance / replay / enhancements` commands on the same case.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { makeFaceClip } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { WorkerPool } from '../../workers/pool';
import { EVIDENTIAL_LABEL, INVESTIGATIVE_LABEL, resolveEnhanceSettings } from '../../domain/enhance';
import { listTracks, trackDetections, type TrackSummary } from '../analysis/results';
import { APP_ROOT } from '../../platform/appInfo';
import { createCase, type CaseHandle } from '../case';
import { importEvidence, type Evidence } from '../evidence';
import { defaultJobHandlers, type AppJobKind, type AppJobs } from '../jobKinds';
import { JobQueue, hasSucceeded, type SucceededJob } from '../jobs';
import { tempDir } from '../../testing/tmp';
import { getGuardSettings, setGuardThresholds } from './guardSettings';
import { getEnhancement, listEnhancements, listReplays, planSelection, saveSelection, selectForEnhancement } from './records';


const BIN = path.join(APP_ROOT, 'bin', 'sightline.js');
const built = fs.existsSync(path.join(APP_ROOT, 'dist', 'app', 'cli', 'main.js'));

describe('enhancement jobs on a real face clip', () => {
  const tmp = tempDir('enhance');
  const pool = new WorkerPool({ size: 1 });
  let c: CaseHandle;
  let q: JobQueue;
  let e: Evidence;
  let track: TrackSummary;

  async function run<K extends AppJobKind>(kind: K, params: AppJobs[K]['input']): Promise<SucceededJob<AppJobs, K>> {
    const job = await q.waitFor(q.enqueue(kind, params));
    expect(job.lastError, `${kind} failed`).toBeNull();
    if (!hasSucceeded(job)) throw new Error(`${kind} job ended ${job.state}`);
    return job;
  }

  beforeAll(async () => {
    await installModels({ log: () => {} });
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'corridor.mp4'),
      width: 320,
      height: 240,
      frames: 40,
      crf: 30,
      faces: [{ portrait: faceFile(9, 1), faceWidth: 28, start: [90, 60], velocity: [1.3, 0.45] }],
    });
    c = createCase(path.join(tmp.dir, 'Enhance'), { caseNumber: 'E-1', title: 'Enhance', examiner: 'Tester' });
    e = (await importEvidence(c, clip.file)).evidence;
    q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
    await run('analyze', { evidenceId: e.id });
    const { tracks } = listTracks(c, e.id);
    expect(tracks.length).toBeGreaterThanOrEqual(1);
    track = [...tracks].sort((a, b) => b.detections - a.detections)[0]!;
    expect(track.detections).toBeGreaterThanOrEqual(30);
  }, 300_000);

  afterAll(async () => {
    await q?.stop();
    await pool.close();
    c?.close();
    tmp.cleanup();
  });

  let fusionId = 0;
  let restoreId = 0;

  it('saves and audits a best-N selection spread across the track, and refuses frames without a detection', () => {
    const sel = saveSelection(c, track.id, { best: 8 });
    expect(sel.frames).toHaveLength(8);
    expect(sel.method).toBe('best');
    // Spread: the picks cover most of the track, not one burst of neighbouring frames.
    expect(sel.frames[7]! - sel.frames[0]!).toBeGreaterThan(0.6 * (track.lastFrame - track.firstFrame));
    const audit = c.audit.list({ action: 'enhance.selection' }).at(-1)!;
    expect(audit.params).toMatchObject({ selectionId: sel.id, trackId: track.id, frames: sel.frames, referenceFrame: sel.referenceFrame });
    expect(() => planSelection(c, track.id, { frames: [track.lastFrame + 100] })).toThrow(/no detection on frame/);
  });

  it('fuses the selected frames from the original evidence and records everything with one audit entry', async () => {
    const sel = saveSelection(c, track.id, { best: 10 });
    const settings = resolveEnhanceSettings({ mode: 'fusion', scale: 4 });
    const job = await run('enhance', { trackId: track.id, selectionId: sel.id, settings });
    const rec = getEnhancement(c, job.result.enhancementId);
    fusionId = rec.id;
    // The frames decoded for the job were scratch files; nothing of them is left.
    expect(fs.existsSync(path.join(c.paths.incoming, String(process.pid), `enhance-job-${job.id}`))).toBe(false);
    expect(rec).toMatchObject({ mode: 'fusion', tier: 'evidential', scale: 4, trackId: track.id, evidenceId: e.id, selectionId: sel.id, referenceFrame: sel.referenceFrame });
    expect(rec.frames).toEqual(sel.frames);
    expect(rec.inputs).toHaveLength(10);
    expect(rec.outputWidth).toBe(rec.inputs[0]!.width * 4);
    // Every frame's registration and contribution are kept; rejected frames say why.
    expect(rec.registrations).toHaveLength(10);
    expect(rec.acceptedFrames + rec.rejectedFrames).toBe(10);
    expect(rec.acceptedFrames).toBeGreaterThanOrEqual(5);
    for (const r of rec.registrations!) if (!r.accepted) expect(r.reasons.length).toBeGreaterThan(0);
    expect(rec.contributions!.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 5);
    // Every image is in the store and recorded; the native crops are exactly the detection windows.
    for (const sha of [rec.outputSha256, rec.sourceSha256, rec.guard.sourceChip, rec.guard.enhancedChip, ...rec.inputs.map((i) => i.sha256), ...rec.contributions!.map((m) => m.map.sha256)]) {
      expect(fs.existsSync(path.join(c.paths.derived, `${sha}.png`))).toBe(true);
      expect(c.db.prepare('SELECT count(*) AS n FROM derived WHERE sha256 = ?').get(sha)).toEqual({ n: 1 });
    }
    // Steps: initial transforms from the detection boxes, registration, exposure normalisation, local registration,
    // shift-and-add, Wiener with a stated PSF — each named, with its parameters.
    expect(rec.steps.map((s) => s.operation)).toEqual(['register.box', 'fusion.register', 'fusion.exposure', 'fusion.local-register', 'fusion.shift-and-add', 'deconvolve.wiener', 'clamp']);
    // What was done, in words, and the evidential label.
    expect(rec.title).toBe(`fusion ×4 of ${rec.acceptedFrames} frame${rec.acceptedFrames === 1 ? '' : 's'} (${rec.rejectedFrames} rejected)`);
    expect(rec.tierLabel).toBe(EVIDENTIAL_LABEL);
    expect(rec.guardText.meaning).toMatch(/^A pass means only: no identity drift from the source frame/);
    expect(rec.guard.sourceDetail?.effectiveFaceWidth).toBeGreaterThan(16);
    // The guard's numbers, with the thresholds in force, and only the guard's models (no network made pixels).
    expect(rec.guard.thresholds).toEqual({ minQuality: 0.6, minSimilarity: 0.7 });
    expect(rec.guard.similarity).toBeGreaterThan(0.7);
    expect(rec.models.map((m) => m.id)).toEqual(['face-landmarks', 'face-embedder']);
    const audit = c.audit.list({ action: 'enhance.run' }).at(-1)!;
    expect(audit.params).toMatchObject({ enhancementId: rec.id, tier: 'evidential', mode: 'fusion', frames: rec.frames });
    expect(audit.inputs[0]).toMatchObject({ sha256: e.sha256, role: 'evidence' });
    expect(audit.inputs.filter((i) => i.role === 'input-crop').map((i) => i.sha256)).toEqual(rec.inputs.map((i) => i.sha256));
    expect(audit.outputs[0]).toMatchObject({ sha256: rec.outputSha256, role: 'enhanced-evidential' });
    expect(c.audit.verify().ok).toBe(true);
    console.log(
      `[enhance] fusion ×4 of ${rec.frames.length} frames (${rec.acceptedFrames} fused): guard ${rec.guard.verdict}, quality ${rec.guard.quality.value.toFixed(3)}, similarity ${rec.guard.similarity.toFixed(3)} (cosine ${rec.guard.cosine.toFixed(4)})`,
    );
  });

  it('restores the best frame with the network, labelled investigative, with the model recorded by hash', async () => {
    const sel = saveSelection(c, track.id, { best: 4 });
    const job = await run('enhance', { trackId: track.id, selectionId: sel.id, settings: resolveEnhanceSettings({ mode: 'restore', scale: 4 }) });
    const rec = getEnhancement(c, job.result.enhancementId);
    restoreId = rec.id;
    expect(rec).toMatchObject({ mode: 'restore', tier: 'investigative', tierLabel: INVESTIGATIVE_LABEL });
    expect(rec.frames).toEqual([sel.referenceFrame]);
    expect(rec.models[0]).toMatchObject({ id: 'super-resolution-x4' });
    expect(rec.models[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const audit = c.audit.list({ action: 'enhance.run' }).at(-1)!;
    expect(audit.params).toMatchObject({ tier: 'investigative', tierLabel: INVESTIGATIVE_LABEL });
    expect(audit.inputs.some((i) => i.role === 'model' && i.sha256 === rec.models[0]!.sha256)).toBe(true);
  });

  it('replays fusion and restoration from the originals with identical output hashes (audited)', async () => {
    for (const id of [fusionId, restoreId]) {
      const job = await run('replay', { enhancementId: id });
      const r = job.result;
      const rec = getEnhancement(c, id);
      console.log(`[enhance] replay of enhancement ${id} (${rec.mode}): recorded ${rec.outputSha256.slice(0, 16)}…, replayed ${r.outputSha256.slice(0, 16)}… → ${r.matches ? 'MATCH' : 'MISMATCH'}`);
      expect(r.matches).toBe(true);
      expect(r.details.inputsMatch).toBe(true);
      expect(r.details.contributionsMatch).toBe(true);
      expect(r.details.guardMatches).toBe(true);
      expect(listReplays(c, id)[0]!.id).toBe(r.id);
      expect(c.audit.list({ action: 'enhance.replay' }).at(-1)!.params).toMatchObject({ enhancementId: id, matches: true });
    }
  });

  it('keeps guard thresholds per case (audited), records them with each result, and stores failing results', async () => {
    expect(getGuardSettings(c)).toMatchObject({ minQuality: 0.6, minSimilarity: 0.7, updatedAt: null });
    setGuardThresholds(c, { minQuality: 0.99 }, 'test: a gate nothing passes');
    expect(c.audit.list({ action: 'settings.guard' }).at(-1)!.params).toMatchObject({ previous: { minQuality: 0.6, minSimilarity: 0.7 }, thresholds: { minQuality: 0.99, minSimilarity: 0.7 } });
    const sel = saveSelection(c, track.id, { best: 6 });
    const job = await run('enhance', { trackId: track.id, selectionId: sel.id, settings: resolveEnhanceSettings({ mode: 'fusion', scale: 2 }) });
    const rec = getEnhancement(c, job.result.enhancementId);
    expect(rec.guard.verdict).toBe('fail');
    expect(rec.guard.thresholds.minQuality).toBe(0.99);
    expect(rec.guard.reasons.join()).toMatch(/quality/);
    expect(listEnhancements(c, { trackId: track.id }).map((x) => x.id)).toContain(rec.id);
    // Earlier results keep the verdict they were judged with.
    expect(getEnhancement(c, fusionId).guard.thresholds.minQuality).toBe(0.6);
    setGuardThresholds(c, { minQuality: 0.6 });
    expect(() => setGuardThresholds(c, { minSimilarity: 1.5 })).toThrow(/0 to 1/);
  });

  it('records "best N" as such (method best, the rule with N), and a hand-changed best N as manual from it', () => {
    const best = planSelection(c, track.id, { best: 6 });
    const frames = best.picks.map((p) => p.frame);
    const asBest = saveSelection(c, track.id, { frames, from: { best: 6 } });
    expect(asBest).toMatchObject({ method: 'best', requested: 6, frames, rule: { name: 'best-spread', n: 6 } });
    expect(c.audit.list({ action: 'enhance.selection' }).at(-1)!.params).toMatchObject({ method: 'best', requested: 6, rule: { name: 'best-spread', n: 6 } });
    const changed = saveSelection(c, track.id, { frames: frames.slice(1), from: { best: 6 } });
    expect(changed).toMatchObject({ method: 'manual', requested: null, rule: { name: 'manual', from: { requested: 6, removed: [frames[0]], added: [] } } });
    expect(saveSelection(c, track.id, { frames }).method).toBe('manual');
  });

  it('refuses a fusion of fewer than 3 frames, or runs it as a labelled single-frame deconvolution when asked', async () => {
    const one = { frames: [track.bestFrame] };
    const fusion = resolveEnhanceSettings({ mode: 'fusion', scale: 4 });
    const before = c.audit.list().length;
    expect(() => selectForEnhancement(c, track.id, one, fusion)).toThrowError(/Fusion needs at least 3 frames; 1 is selected/);
    expect(c.audit.list().length).toBe(before); // refused before anything was recorded
    // Restore needs one frame.
    expect(selectForEnhancement(c, track.id, one, resolveEnhanceSettings({ mode: 'restore', scale: 4 })).frames).toEqual([track.bestFrame]);
    // Asked for explicitly: a single-frame deconvolution, labelled so.
    const settings = resolveEnhanceSettings({ mode: 'fusion', scale: 4, fusion: { belowMinimum: 'single-frame' } });
    const sel = selectForEnhancement(c, track.id, one, settings);
    const job = await run('enhance', { trackId: track.id, selectionId: sel.id, settings });
    const rec = getEnhancement(c, job.result.enhancementId);
    expect(rec.title).toBe(`single-frame deconvolution ×4 of frame ${track.bestFrame} (not a fusion: 1 of 1 frame registered, fusion needs 3)`);
    expect(rec.steps.map((x) => x.operation)).toContain('fusion.single-frame');
    expect(rec.acceptedFrames).toBe(1);
    expect(c.audit.list({ action: 'enhance.run' }).at(-1)!.params).toMatchObject({ title: rec.title });
  });

  it('refuses to edit or delete results', () => {
    expect(() => c.db.prepare('UPDATE enhancements SET guard_verdict = ? WHERE id = ?').run('pass', fusionId)).toThrow(/immutable/);
    expect(() => c.db.prepare('DELETE FROM enhancements WHERE id = ?').run(fusionId)).toThrow(/immutable/);
    expect(() => c.db.prepare('DELETE FROM frame_selections').run()).toThrow(/immutable/);
    expect(() => c.db.prepare('UPDATE enhancement_replays SET matches = 0').run()).toThrow(/immutable/);
  });

  it.skipIf(!built)('sightline enhance / replay / enhancements on the same case', async () => {
    // Three frames picked "by hand": the track's first, middle and last detections.
    const dets = trackDetections(c, track.id).map((d) => d.frame).sort((a, b) => a - b);
    const frames = [dets[0]!, dets[dets.length >> 1]!, dets[dets.length - 1]!];
    await q.stop();
    const dir = c.dir;
    c.close();
    const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: tmp.dir });
    // The track named as `sightline tracks` numbers it: evidence / ordinal.
    const en = cli('enhance', dir, '--track', `${e.id}/${track.ordinal}`, '--frames', frames.join(','), '--mode', 'fusion+restore', '--scale', '2', '--json');
    expect(en.status, en.stderr).toBe(0);
    const out = JSON.parse(en.stdout) as { enhancement: { id: number; tier: string; tierLabel: string; frames: number[]; mode: string } };
    expect(out.enhancement).toMatchObject({ tier: 'investigative', tierLabel: INVESTIGATIVE_LABEL, mode: 'fusion+restore', frames });
    const human = cli('enhancements', dir, '--track', String(track.id));
    expect(human.status).toBe(0);
    expect(human.stdout).toContain(INVESTIGATIVE_LABEL);
    expect(human.stdout).toMatch(/EVIDENTIAL/);
    // A failing result reads as what it is (drift, too poor, too low quality), with a warning, never as a bare fail.
    expect(human.stdout).toMatch(/⚠ guard: (Identity drift|Too poor to enhance|No identity drift detected .*too low to identify)/);
    expect(human.stdout).not.toMatch(/guard: (PASS|FAIL)/);
    const rp = cli('replay', dir, String(out.enhancement.id));
    expect(rp.status, rp.stderr).toBe(0);
    expect(rp.stdout).toContain('MATCH');
    const bad = cli('enhance', dir, '--track', String(track.id), '--mode', 'magic');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--mode must be one of/);
  });
});
