/**
 * Footage analysis end to end: the `analyze` job through a real worker process, real ffmpeg and the real face
 * models, on clips made here from real face photographs (ORL) pasted into a textured 1920×1080 scene at 24,
 * 40 and 96 px face width, moving, H.264 at CRF 32. Recall by face size is printed; each face must give one
 * track. Then the failure paths: a worker SIGKILLed mid-job, and Cancel (cooperative: the worker stops at its next
 * check and survives, the decoder's ffmpeg child is gone; how fast is measured by `npm run bench -- analysis`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { makeFaceClip, type FaceClip, type MovingFace } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { WorkerPool } from '../../workers/pool';
import { createCase, type CaseHandle } from '../case';
import { importEvidence, type Evidence } from '../evidence';
import { defaultJobHandlers } from '../jobKinds';
import { JobQueue, type Job } from '../jobs';
import { tempDir } from '../../testing/tmp';
import { facesForFrame, listRuns, listTracks, trackDetections, verifyRunDigest } from './results';
import { DETECTION_DEFAULTS } from '../../domain/analysis';


/** Child processes of `pid` by command name (Linux /proc), to prove the decoder's ffmpeg is gone. */
function childPids(pid: number, comm: string): number[] {
  if (process.platform !== 'linux') return [];
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const c = stat.slice(stat.indexOf('(') + 1, close);
      const ppid = Number(stat.slice(close + 2).split(' ')[1]);
      if (ppid === pid && c === comm) out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

/** Resolve at the first progress event of a job that satisfies `pred`. */
function progressWhere(q: JobQueue, jobId: number, pred: (current: number, stage: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const on = (p: { jobId: number; current: number; stage: string }): void => {
      if (p.jobId === jobId && pred(p.current, p.stage)) {
        q.off('progress', on);
        resolve();
      }
    };
    q.on('progress', on);
  });
}

function centreInside(b: { x: number; y: number; w: number; h: number }, r: { x: number; y: number; w: number; h: number }): boolean {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  return cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h;
}

describe('footage analysis on real faces (ORL, 1080p H.264 CRF 32)', () => {
  const tmp = tempDir('analysis');
  const pool = new WorkerPool({ size: 1 });
  let c: CaseHandle;
  let q: JobQueue;
  let hd: FaceClip;
  let hdEvidence: Evidence;
  let small: Evidence;
  const SIZES = [24, 40, 96];
  let faces: MovingFace[];

  beforeAll(async () => {
    await installModels({ log: () => {} });
    // Nine people, three per size, one of each size per row of the frame, each moving its own way.
    faces = [];
    for (let row = 0; row < 3; row++) {
      for (let col = 0; col < 3; col++) {
        const k = row * 3 + col + 1;
        faces.push({
          portrait: faceFile(k, 1),
          faceWidth: SIZES[(row + col) % 3]!,
          start: [col * 640 + 120 + 30 * row, row * 360 + 60 + 20 * col],
          velocity: [[3, -2, 4][(k * 7) % 3]!, [1.5, -1, 2][(k * 5) % 3]!],
        });
      }
    }
    hd = await makeFaceClip({ out: path.join(tmp.dir, 'camera-1080p.mp4'), frames: 12, faces, crf: 32 });
    const smallClip = await makeFaceClip({
      out: path.join(tmp.dir, 'camera-small.mp4'),
      width: 640,
      height: 360,
      frames: 10,
      crf: 32,
      faces: [
        { portrait: faceFile(10, 2), faceWidth: 40, start: [60, 80], velocity: [4, 1] },
        { portrait: faceFile(7, 2), faceWidth: 32, start: [420, 200], velocity: [-3, -1] },
      ],
    });
    c = createCase(path.join(tmp.dir, 'Analysis'), { caseNumber: 'A-1', title: 'Analysis', examiner: 'Tester' });
    hdEvidence = (await importEvidence(c, hd.file)).evidence;
    small = (await importEvidence(c, smallClip.file)).evidence;
    q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
  }, 300_000);

  afterAll(async () => {
    await q?.stop();
    await pool.close();
    c?.close();
    tmp.cleanup();
  });

  it('finds the faces at 24, 40 and 96 px, one track per face, and records the run with its audit entry', async () => {
    const stages = new Set<string>();
    let lastCurrent = 0;
    q.on('progress', (p) => {
      stages.add(p.stage);
      if (p.stage === 'analyse') lastCurrent = p.current;
    });
    const t0 = performance.now();
    const job = q.enqueue('analyze', { evidenceId: hdEvidence.id });
    const done = await q.waitFor(job.id);
    const seconds = (performance.now() - t0) / 1000;
    expect(done.lastError).toBeNull();
    expect(done.state).toBe('succeeded');
    expect([...stages]).toEqual(['analyse', 'record']);
    expect(lastCurrent).toBe(12);

    const { run, tracks } = listTracks(c, hdEvidence.id);
    expect(run).not.toBeNull();
    expect(run!.framesAnalysed).toBe(12);
    expect(done.result).toMatchObject({ runId: run!.id, resultsSha256: run!.resultsSha256 });

    // Recall by face size, and which tracks each face's detections went to.
    const found: Record<number, number> = {};
    const total: Record<number, number> = {};
    const tracksOfFace = faces.map(() => new Map<number, number>());
    const faceOfTrack = new Map<number, Set<number>>();
    let falsePositives = 0;
    for (let f = 0; f < hd.truth.length; f++) {
      const boxes = facesForFrame(c, hdEvidence.id, f).faces.filter((b) => !b.interpolated);
      const used = new Set<number>();
      hd.truth[f]!.forEach((rect, k) => {
        if (!rect) return;
        const size = faces[k]!.faceWidth;
        total[size] = (total[size] ?? 0) + 1;
        const i = boxes.findIndex((b, j) => !used.has(j) && centreInside(b.box, rect));
        if (i < 0) return;
        used.add(i);
        found[size] = (found[size] ?? 0) + 1;
        const t = boxes[i]!.track;
        tracksOfFace[k]!.set(t, (tracksOfFace[k]!.get(t) ?? 0) + 1);
        faceOfTrack.set(t, (faceOfTrack.get(t) ?? new Set()).add(k));
      });
      falsePositives += boxes.length - used.size;
    }
    const recall = Object.fromEntries(SIZES.map((s) => [s, (found[s] ?? 0) / total[s]!]));
    const fps = 12 / seconds;
    console.log(
      `[analysis] detection recall by face width (1920×1080, H.264 CRF 32, 3 faces × 12 frames each): ${SIZES.map((s) => `${s}px ${(recall[s]! * 100).toFixed(0)}% (${found[s] ?? 0}/${total[s]})`).join(', ')}; ` +
        `${falsePositives} false positive box(es); ${tracks.length} tracks for ${faces.length} faces; ${fps.toFixed(2)} frames/s in this test run ` +
        `(${run!.stats.tilesRun} windows run, ${run!.stats.tilesReused} reused unchanged)`,
    );
    expect(recall[96]).toBeGreaterThanOrEqual(0.9);
    expect(recall[40]).toBeGreaterThanOrEqual(0.9);
    // Measured 100% at 24 px on this clip (97–100% at CRF 34 on 15 other portraits); the bound leaves room for other builds.
    expect(recall[24]).toBeGreaterThanOrEqual(0.85);
    expect(falsePositives).toBeLessThanOrEqual(2);

    // One track per face: all of a face's detections in one track, and no track shared by two faces.
    tracksOfFace.forEach((m, k) => expect([...m.keys()], `face ${k} (${faces[k]!.faceWidth}px) tracks`).toHaveLength(1));
    for (const [t, ks] of faceOfTrack) expect(ks.size, `track ${t} faces`).toBe(1);

    // Best frames first, each with its stored aligned crop and quality components.
    for (const t of tracks) {
      expect(t.best[0]!.frame).toBe(t.bestFrame);
      const all = trackDetections(c, t.id);
      expect(all).toHaveLength(t.detections);
      for (let i = 1; i < all.length; i++) expect(all[i]!.quality).toBeLessThanOrEqual(all[i - 1]!.quality);
      for (const d of all) {
        expect(fs.existsSync(path.join(c.paths.derived, `${d.cropSha256}.png`))).toBe(true);
        for (const v of Object.values(d.components)) expect(v).toBeGreaterThanOrEqual(0);
      }
    }

    // The audit entry names the evidence, the three models by hash, the settings and the results digest.
    const entry = c.audit.list({ action: 'analysis.run' }).at(-1)!;
    expect(entry.inputs.map((i) => i.role)).toEqual(['evidence', 'model', 'model', 'model', 'model']);
    expect(entry.inputs[0]!.sha256).toBe(hdEvidence.sha256);
    expect(entry.outputs.find((o) => o.role === 'analysis-results')!.sha256).toBe(run!.resultsSha256);
    expect(entry.params).toMatchObject({ evidenceId: hdEvidence.id, runId: run!.id, settings: { step: 1, detector: { minScore: DETECTION_DEFAULTS.minScore } } });
    expect(verifyRunDigest(c, run!.id).ok).toBe(true);
    expect(c.audit.verify().ok).toBe(true);
    // Results are immutable rows.
    expect(() => c.db.prepare('UPDATE face_detections SET score = 1 WHERE run_id = ?').run(run!.id)).toThrowError(/immutable/);
  }, 600_000);

  it('re-analysing adds a new run with identical results (reproducible), the old run stays addressable', async () => {
    const first = q.enqueue('analyze', { evidenceId: small.id });
    const a = await q.waitFor(first.id);
    const second = q.enqueue('analyze', { evidenceId: small.id });
    const b = await q.waitFor(second.id);
    expect([a.state, b.state]).toEqual(['succeeded', 'succeeded']);
    const runs = listRuns(c, small.id);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.supersedes).toBe(runs[1]!.id);
    expect(runs[0]!.resultsSha256).toBe(runs[1]!.resultsSha256);
    expect(listTracks(c, small.id).run!.id).toBe(runs[0]!.id);
    expect(listTracks(c, small.id, { runId: runs[1]!.id }).tracks.length).toBe(runs[1]!.trackCount);
    expect(runs[0]!.trackCount).toBe(2);
  }, 300_000);

  it('analyses every k-th frame with step and interpolates boxes in between', async () => {
    const job = q.enqueue('analyze', { evidenceId: small.id, settings: { step: 3 } });
    const done = await q.waitFor(job.id);
    expect(done.state).toBe('succeeded');
    const run = listRuns(c, small.id)[0]!;
    expect(run.step).toBe(3);
    expect(run.framesAnalysed).toBe(4);
    const onAnalysed = facesForFrame(c, small.id, 3).faces;
    expect(onAnalysed.length).toBeGreaterThan(0);
    expect(onAnalysed.every((f) => !f.interpolated)).toBe(true);
    const between = facesForFrame(c, small.id, 4).faces;
    expect(between.length).toBe(onAnalysed.length);
    expect(between.every((f) => f.interpolated && f.detectionId === null)).toBe(true);
  }, 300_000);

  it('survives a worker killed with SIGKILL mid-job: nothing half-written, the job is retried or failed, the audit chain holds', async () => {
    const runsBefore = listRuns(c, small.id).length;
    const detectionsBefore = (c.db.prepare('SELECT count(*) AS n FROM face_detections').get() as { n: number }).n;
    const kill = async (job: Job): Promise<void> => {
      await progressWhere(q, job.id, (cur, stage) => stage === 'analyse' && cur >= 2);
      const pid = pool.pidRunning('analyze.segment')!;
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      // Mid-job nothing of the run is visible.
      expect(listRuns(c, small.id)).toHaveLength(runsBefore);
    };

    // With one attempt allowed the job ends failed, with a clear error.
    const once = q.enqueue('analyze', { evidenceId: small.id }, { maxAttempts: 1 });
    await kill(once);
    const failed = await q.waitFor(once.id);
    expect(failed.state).toBe('failed');
    expect(failed.lastError).toMatchObject({ code: 'TOOL_FAILED', message: expect.stringMatching(/died during analyze\.segment \(SIGKILL\)/) });
    expect(listRuns(c, small.id)).toHaveLength(runsBefore);
    expect((c.db.prepare('SELECT count(*) AS n FROM face_detections').get() as { n: number }).n).toBe(detectionsBefore);

    // With the default two attempts the queue retries in a fresh worker and the run is recorded once.
    const twice = q.enqueue('analyze', { evidenceId: small.id });
    await kill(twice);
    const retried = await q.waitFor(twice.id);
    expect(retried.state).toBe('succeeded');
    expect(retried.attempts).toBe(2);
    expect(listRuns(c, small.id)).toHaveLength(runsBefore + 1);
    expect(c.audit.verify().ok).toBe(true);
  }, 300_000);

  it('cancels cooperatively: the worker stops and survives, and the decoder ffmpeg is killed', async () => {
    const runsBefore = listRuns(c, hdEvidence.id).length;
    const crashesBefore = pool.crashes;
    const job = q.enqueue('analyze', { evidenceId: hdEvidence.id });
    await progressWhere(q, job.id, (cur, stage) => stage === 'analyse' && cur >= 1);
    const worker = pool.pidRunning('analyze.segment')!;
    const ffmpeg = childPids(worker, 'ffmpeg');
    if (process.platform === 'linux') expect(ffmpeg).toHaveLength(1);
    const t0 = performance.now();
    q.cancel(job.id);
    const end = await q.waitFor(job.id);
    const ms = performance.now() - t0;
    console.log(`[analysis] cancel → job cancelled in ${ms.toFixed(0)} ms; ffmpeg pid ${ffmpeg[0] ?? 'n/a'} alive afterwards: ${ffmpeg.some(alive)}`);
    expect(end.state).toBe('cancelled');
    // Not killed after the grace period: the worker honoured the cancel itself.
    expect(pool.crashes).toBe(crashesBefore);
    for (const pid of ffmpeg) expect(alive(pid)).toBe(false);
    expect(listRuns(c, hdEvidence.id)).toHaveLength(runsBefore);
    // The worker survives a cooperative cancel and serves the next job.
    expect(pool.pids()).toContain(worker);
    expect(c.audit.verify().ok).toBe(true);
  }, 300_000);
});
