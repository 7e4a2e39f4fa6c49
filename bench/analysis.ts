/**
 * Footage analysis (issue 13): throughput, recall, identity switches — each next to a baseline measured in the same
 * run. Everything goes through the real `analyze` job (worker processes, staging, merge, commit) on clips made
 * here from ORL portraits (the shared development set when present, else the committed fixtures).
 *
 *  - Throughput, 1920×1080 H.264, faces 20–60 px, step 1: analysed frames/s and the ratio to ffmpeg's decode-only
 *    speed of the same clip, for the default settings (the default pool: on two cores, 2 workers × 2 ONNX threads),
 *    one worker with all the threads, motion gating off, and a panning camera (where gating cannot help); and the
 *    old SSD pyramid's detector time per frame.
 *  - Recall by face width (20/24/32/48 px) at CRF 28, 32 and 34, of the analysis, next to the SSD pyramid at its
 *    0.4 threshold (Sightline ≤ issue 13) on the same decoded frames.
 *  - Identity switches per 1,000 track-frames on a clip with two people crossing and a hard cut to two other
 *    people at the same places.
 *
 *   npm run bench -- analysis           (throughput)
 *   npm run bench -- analysis-quality   (recall, identity switches)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeFrames, runFfmpeg } from '../platform/ffmpeg';
import { tempDir } from '../testing/tmp';
import { makeFaceClip, type FaceClip, type MovingFace } from '../testing/faceClip';
import { benchFaceSet, faceFile, useFaceSet } from '../testing/faces';
import { DEFAULT_DETECTOR_OPTIONS, DEFAULT_PYRAMID, type AnalysisSettingsInput } from '../domain/analysis';
import { createCase, type CaseHandle } from '../core/case';
import { importEvidence, type Evidence } from '../core/evidence';
import { defaultJobHandlers } from '../core/jobKinds';
import { JobQueue } from '../core/jobs';
import { facesForFrame, getRun, listTracks, trackDetections } from '../core/analysis/results';
import { WorkerPool } from '../workers/pool';
import { PyramidDetector } from '../workers/analysis/detectPyramid';
import { planPyramid } from '../workers/analysis/pyramid';
import { releaseAll } from '../workers/inference/session';
import { heading, row, timeIt } from './util';

const W = 1920;
const H = 1080;

interface Setup {
  readonly tmp: { dir: string; cleanup(): void };
  readonly c: CaseHandle;
}

function setup(name: string): Setup {
  const tmp = tempDir(name);
  const c = createCase(path.join(tmp.dir, 'Bench'), { caseNumber: 'B-1', title: 'Bench', examiner: 'Bench' });
  return { tmp, c };
}

async function runJob(c: CaseHandle, pool: WorkerPool, e: Evidence, settings: AnalysisSettingsInput): Promise<{ ms: number; runId: number }> {
  const q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
  try {
    const { ms, value } = await timeIt(async () => {
      const job = q.enqueue('analyze', { evidenceId: e.id, settings });
      return q.waitFor(job);
    });
    if (value.state !== 'succeeded') throw new Error(`analysis ${value.state}: ${value.lastError?.message ?? ''}`);
    return { ms, runId: value.result!.runId };
  } finally {
    await q.stop();
  }
}

/**
 * Cancel latency: from Cancel to the job's `cancelled` state, with an analysis in full flight (gating off, so every
 * frame is searched whole), three times. The test suite asserts only that cancelling works, never how fast.
 */
async function cancelLatency(c: CaseHandle, pool: WorkerPool, e: Evidence): Promise<number[]> {
  const q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
  const out: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const job = q.enqueue('analyze', { evidenceId: e.id, settings: { gating: { enabled: false } } });
      await new Promise<void>((resolve) => {
        const on = (p: { jobId: number; current: number; stage: string }): void => {
          if (p.jobId === job.id && p.stage === 'analyse' && p.current >= 2) {
            q.off('progress', on);
            resolve();
          }
        };
        q.on('progress', on);
      });
      const t0 = performance.now();
      q.cancel(job.id);
      const end = await q.waitFor(job.id);
      if (end.state !== 'cancelled') throw new Error(`cancel ended the job ${end.state}`);
      out.push(performance.now() - t0);
    }
  } finally {
    await q.stop();
  }
  return out;
}

/** Six faces of 20–60 px moving over the scene (a still camera unless `pan`). */
function sixFaces(): MovingFace[] {
  return [20, 28, 36, 44, 52, 60].map((w, k) => ({
    portrait: faceFile(k + 1, 1),
    faceWidth: w,
    start: [180 + 280 * k, 160 + (k % 3) * 280] as [number, number],
    velocity: [1.5 + (k % 3), k % 2 ? -0.8 : 0.8] as [number, number],
  }));
}

async function decodeOnly(file: string, frames: number): Promise<{ nullFps: number; pipeFps: number }> {
  const n = await timeIt(() => runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-pix_fmt', 'rgb24', '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', '-f', 'null', '-']));
  const p = await timeIt(() => decodeFrames(file, { width: W, height: H }, { onFrame: () => {} }));
  return { nullFps: frames / (n.ms / 1000), pipeFps: frames / (p.ms / 1000) };
}

function stageRows(c: CaseHandle, runId: number): void {
  const s = getRun(c, runId).stats as Record<string, unknown> & { stageMs: Record<string, number>; fullSearches: Record<string, number> };
  const total = Object.values(s.stageMs).reduce((a, b) => a + b, 0);
  row(
    '    searches',
    `${Object.entries(s.fullSearches).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'} full`,
    `${s.gatedFrames as number} gated frames (mean ${(((s.meanGatedArea as number | null) ?? 0) * 100).toFixed(1)}% of the frame searched); BlazeFace ${s.blazeRuns as number} runs / ${s.blazeWindows as number} windows, SSD ${s.ssdRuns as number} runs / ${s.ssdCells as number} cells, ${s.secondOpinionRuns as number} second-opinion runs; ${s.kept as number} faces kept of ${s.candidates as number} candidates`,
  );
  row('    time by stage', '', Object.entries(s.stageMs).map(([k, v]) => `${k} ${((v / total) * 100).toFixed(0)}%`).join(', ') + ` (detector network ${(((s.detectorNetworkMs as number) / total) * 100).toFixed(0)}%: BlazeFace ${(((s.blazeMs as number) / total) * 100).toFixed(0)}%, SSD ${(((s.ssdMs as number) / total) * 100).toFixed(0)}%)`);
}

export async function benchAnalysis(): Promise<void> {
  const { set, note } = benchFaceSet();
  useFaceSet(set);
  const FRAMES = 240;
  heading(`Footage analysis throughput (1920×1080 H.264 CRF 30, ${FRAMES} frames at 24 fps, six faces of 20–60 px moving; ${note}; ${os.cpus().length} CPUs)`);
  const { tmp, c } = setup('bench-analysis');
  // The default pool (what the app and the CLI run: on two cores, 2 workers × 2 ONNX threads), and one worker with
  // every core's thread for comparison.
  const pool = new WorkerPool();
  const pool1 = new WorkerPool({ size: 1 });
  const shape = (p: WorkerPool): string => `${p.size} worker(s) × ${p.threadsPerWorker} ONNX thread(s)`;
  try {
    const still = await makeFaceClip({ out: path.join(tmp.dir, 'still.mp4'), frames: FRAMES, faces: sixFaces(), crf: 30 });
    const pan = await makeFaceClip({ out: path.join(tmp.dir, 'pan.mp4'), frames: FRAMES / 2, faces: sixFaces(), crf: 30, pan: [3, 1] });
    const es = (await importEvidence(c, still.file)).evidence;
    const ep = (await importEvidence(c, pan.file)).evidence;
    const base = await decodeOnly(still.file, FRAMES);
    row('ffmpeg decode → RGB24 → null (baseline)', `${base.nullFps.toFixed(1)} frames/s`, 'the ratio below is against this');
    row('ffmpeg decode → RGB24 → pipe into Node', `${base.pipeFps.toFixed(1)} frames/s`, 'what the analysis reads');
    // Warm the model files' page cache and the workers (not counted).
    await runJob(c, pool, es, { segmentFrames: 8, step: FRAMES / 4 });
    await runJob(c, pool1, es, { segmentFrames: 8, step: FRAMES / 4 });
    const runs: Array<[string, WorkerPool, Evidence, number, AnalysisSettingsInput]> = [
      [`still camera, default settings (${shape(pool)})`, pool, es, FRAMES, {}],
      [`still camera, default settings but ${shape(pool1)}`, pool1, es, FRAMES, {}],
      [`still camera, motion gating off (${shape(pool)})`, pool, es, FRAMES, { gating: { enabled: false } }],
      [`panning camera, default settings (${shape(pool)})`, pool, ep, FRAMES / 2, {}],
    ];
    for (const [label, p, e, frames, settings] of runs) {
      const { ms, runId } = await runJob(c, p, e, settings);
      const fps = frames / (ms / 1000);
      const run = getRun(c, runId);
      row(label, `${fps.toFixed(2)} frames/s`, `${(fps / base.nullFps).toFixed(3)}× decode-only; ${run.detectionCount} faces in ${run.trackCount} tracks`);
      stageRows(c, runId);
    }
    const cancels = await cancelLatency(c, pool, es);
    row('Cancel → job cancelled', `${Math.max(...cancels).toFixed(0)} ms worst of 3`, `${cancels.map((m) => m.toFixed(0)).join(', ')} ms; an analysis searching every frame whole, cancelled after its 2nd frame`);
    // The old detector alone, for reference: the SSD pyramid (41 windows at 1080p) on 6 frames.
    const frames: Buffer[] = [];
    await decodeFrames(still.file, { width: W, height: H }, { onFrame: (f) => void (frames.length < 6 && frames.push(f.data)) });
    const det = new PyramidDetector(planPyramid(W, H, DEFAULT_PYRAMID), { ...DEFAULT_DETECTOR_OPTIONS, reuse: { enabled: false, threshold: 0 } });
    const t = await timeIt(async () => {
      for (const [i, f] of frames.entries()) await det.detect(f, i);
    });
    row('SSD pyramid alone (Sightline ≤ issue 13)', `${(t.ms / frames.length).toFixed(0)} ms/frame`, `detector only, every window (its window reuse off), in this process with ${pool1.threadsPerWorker} ONNX threads`);
  } finally {
    await pool.close();
    await pool1.close();
    await releaseAll();
    c.close();
    tmp.cleanup();
  }
}

/** Recall of a set of boxes per frame against a clip's truth (centre inside the portrait, width ×0.5–×1.6 of the face). */
function recallOf(clip: FaceClip, sizes: readonly number[], boxesAt: (frame: number) => ReadonlyArray<{ x: number; y: number; w: number; h: number }>): { bySize: Map<number, [number, number]>; falseBoxes: number } {
  const bySize = new Map<number, [number, number]>();
  let falseBoxes = 0;
  clip.truth.forEach((rects, f) => {
    const boxes = boxesAt(f);
    const used = new Set<number>();
    rects.forEach((r, k) => {
      if (!r) return;
      const size = sizes[k]!;
      const cell = bySize.get(size) ?? [0, 0];
      cell[1]++;
      const i = boxes.findIndex((b, j) => {
        const cx = b.x + b.w / 2;
        const cy = b.y + b.h / 2;
        return !used.has(j) && cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h && b.w >= 0.5 * size && b.w <= 1.6 * size;
      });
      if (i >= 0) {
        used.add(i);
        cell[0]++;
      }
      bySize.set(size, cell);
    });
    falseBoxes += boxes.length - used.size;
  });
  return { bySize, falseBoxes };
}

export async function benchAnalysisQuality(): Promise<void> {
  const { set, note } = benchFaceSet();
  useFaceSet(set);
  const SIZES = [20, 24, 32, 48];
  const FRAMES = 12;
  heading(`Analysis recall by face width (1920×1080 H.264, ${FRAMES} frames, 4 moving faces per width; ${note}) next to the SSD pyramid at 0.4 on the same frames`);
  const { tmp, c } = setup('bench-analysis-quality');
  const pool = new WorkerPool({ size: 1 });
  try {
    for (const crf of [28, 32, 34]) {
      const faces: MovingFace[] = [];
      const sizes: number[] = [];
      for (let k = 0; k < 16; k++) {
        const size = SIZES[k % 4]!;
        faces.push({ portrait: faceFile((k % set.people) + 1, ((k + crf) % set.portraits) + 1), faceWidth: size, start: [100 + (k % 4) * 460 + 13 * Math.floor(k / 4), 80 + Math.floor(k / 4) * 250], velocity: [1 + (k % 3), 0.5] });
        sizes.push(size);
      }
      const clip = await makeFaceClip({ out: path.join(tmp.dir, `recall-crf${crf}.mp4`), frames: FRAMES, faces, crf, seed: crf });
      const e = (await importEvidence(c, clip.file)).evidence;
      const { runId } = await runJob(c, pool, e, {});
      const ours = recallOf(clip, sizes, (f) => facesForFrame(c, e.id, f, runId).faces.filter((b) => !b.interpolated).map((b) => b.box));
      const decoded: Buffer[] = [];
      await decodeFrames(clip.file, { width: W, height: H }, { onFrame: (f) => void decoded.push(f.data) });
      const pyr: Array<Array<{ x: number; y: number; w: number; h: number }>> = [];
      for (const [i, f] of decoded.entries()) {
        const det = new PyramidDetector(planPyramid(W, H, DEFAULT_PYRAMID), { ...DEFAULT_DETECTOR_OPTIONS, reuse: { enabled: false, threshold: 0 } });
        pyr.push((await det.detect(f, i)).map((x) => x.box));
      }
      const old = recallOf(clip, sizes, (f) => pyr[f]!);
      const fmt = (r: ReturnType<typeof recallOf>): string => SIZES.map((s) => {
        const [a, b] = r.bySize.get(s) ?? [0, 0];
        return `${s}px ${b ? ((100 * a) / b).toFixed(0) : '—'}%`;
      }).join(' ');
      row(`CRF ${crf}: analysis`, fmt(ours), `${ours.falseBoxes} false box(es) in ${FRAMES} frames`);
      row(`CRF ${crf}: SSD pyramid ≥ 0.4 (baseline)`, fmt(old), `${old.falseBoxes} false box(es)`);
    }

    heading('Identity switches: two people crossing, then a hard cut to two other people at the same places (640×360, CRF 30, 44 px faces)');
    const half = 30;
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'switches.mp4'),
      width: 640,
      height: 360,
      frames: 2 * half,
      crf: 30,
      seed: 41,
      scenes: [{ from: half, seed: 42 }],
      faces: [
        { portrait: faceFile(5, 1), faceWidth: 44, start: [90, 110], velocity: [14, 0], to: half },
        { portrait: faceFile(6, 1), faceWidth: 44, start: [510, 118], velocity: [-14, 0], to: half },
        // After the cut: two other people where the first two were at the cut (x counts from frame 0), crossing back.
        { portrait: faceFile(7, 1), faceWidth: 44, start: [90 + 14 * half + 14 * half, 110], velocity: [-14, 0], from: half },
        { portrait: faceFile(8, 1), faceWidth: 44, start: [510 - 14 * half - 14 * half, 118], velocity: [14, 0], from: half },
      ],
    });
    const e = (await importEvidence(c, clip.file)).evidence;
    const { runId } = await runJob(c, pool, e, {});
    const { tracks, cuts } = listTracks(c, e.id, { runId });
    let switches = 0;
    let trackFrames = 0;
    for (const t of tracks) {
      const dets = trackDetections(c, t.id).sort((a, b) => a.frame - b.frame);
      let prev: number | null = null;
      for (const d of dets) {
        trackFrames++;
        const cx = d.box.x + d.box.w / 2;
        const cy = d.box.y + d.box.h / 2;
        let who: number | null = null;
        clip.truth[d.frame]!.forEach((r, k) => {
          if (r && cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h) who = k;
        });
        if (prev !== null && who !== null && who !== prev) switches++;
        if (who !== null) prev = who;
      }
    }
    row('identity switches', `${((1000 * switches) / Math.max(1, trackFrames)).toFixed(1)} per 1,000`, `${switches} switch(es) in ${trackFrames} track-frames; ${tracks.length} tracks for 4 people; cuts at ${cuts.map((x) => x.frame).join(', ') || 'none'}`);
    fs.rmSync(clip.file, { force: true });
  } finally {
    await pool.close();
    await releaseAll();
    c.close();
    tmp.cleanup();
  }
}
