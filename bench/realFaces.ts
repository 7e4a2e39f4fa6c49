/**
 * Enhancement on real faces (issue 14): the real clips of ../shared/data/video degraded to surveillance size, the
 * app's own analysis for the tracks, and per track — before (the pipeline as it was: global registration only)
 * and after (exposure normalisation + local registration + the 3-frame minimum) — how many of the selected frames
 * contributed, and the identity similarity of the fused face to the same person's best full-quality frame in the
 * undegraded clip. Printed only; nothing is asserted.
 *
 * Data (stated in the README): hikers_handheld (640×480) scaled to 288×216 (faces up to ~40 px) and the selfie
 * clip (plays 640×480) scaled to 128×96 (faces ~35–45 px), area downscale, H.264 CRF 30 (x264 preset medium,
 * audio dropped), made with the ffmpeg the app resolves. Identity reference per degraded track: the matching
 * track in the undegraded clip (box overlap on common frames, majority vote) and its highest-quality detection's
 * embedding (the analysis's own aligned 150 px chip). Each degraded track with ≥ 12 detections and best quality
 * ≥ 0.4 gets "best 8" (the app's spread rule) and a fusion ×4 both ways. The source crop and both results are
 * aligned on the same points (the reference detection's landmarks) before they are embedded.
 *
 * `npm run bench -- realfaces`. The case (analyses included) is kept in $SIGHTLINE_BENCH_WORK (default
 * <tmp>/sightline-bench-realfaces) and reused by later runs; delete it to start over.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { installModels } from '../models/install';
import { APP_ROOT } from '../platform/appInfo';
import { runFfmpeg } from '../platform/ffmpeg';
import { describeFfmpeg, ffmpegInfo } from '../platform/tools';
import { createCase, openCase, type CaseHandle } from '../core/case';
import { importEvidence, listEvidence, type Evidence } from '../core/evidence';
import { defaultJobHandlers, type AppJobKind, type AppJobs } from '../core/jobKinds';
import { JobQueue, hasSucceeded, type SucceededJob } from '../core/jobs';
import { latestRun, listTracks, trackDetections, type DetectionSummary } from '../core/analysis/results';
import { getEnhancement, saveSelection } from '../core/enhance/records';
import { derivedPath } from '../core/derived';
import { WorkerPool } from '../workers/pool';
import { cosineSimilarity, embedFaces } from '../workers/faces/embed';
import { fromBytes } from '../workers/image/image';
import { alignFace, type Landmarks5 } from '../workers/faces/align';
import { EnhanceSettings, resolveEnhanceSettings } from '../domain/enhance';
import { identitySimilarity } from '../domain/identity';
import { heading } from './util';

const VIDEO = path.join(APP_ROOT, '..', 'shared', 'data', 'video');

interface Clip {
  /** The case it is analysed in (one per source clip: the original and its degraded versions). */
  readonly caseName: string;
  readonly source: string;
  readonly degraded: string;
  /** Degraded size; the scale from original to degraded pixels. */
  readonly width: number;
  readonly height: number;
  readonly scale: number;
  /** Analyse the undegraded original every k-th frame (it only provides the identity references). */
  readonly originalStep: number;
}

const CLIPS: Clip[] = [
  { caseName: 'hikers', source: 'hikers_handheld_openmpf.mp4', degraded: 'hikers-288x216-crf30.mp4', width: 288, height: 216, scale: 0.45, originalStep: 2 },
  { caseName: 'selfie', source: 'selfie_group_rot90_openmpf.mp4', degraded: 'selfie-128x96-crf30.mp4', width: 128, height: 96, scale: 0.2, originalStep: 3 },
  { caseName: 'selfie', source: 'selfie_group_rot90_openmpf.mp4', degraded: 'selfie-160x120-crf30.mp4', width: 160, height: 120, scale: 0.25, originalStep: 3 },
];

function iou(a: DetectionSummary['box'], b: DetectionSummary['box']): number {
  const x = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const i = x * y;
  return i / (a.w * a.h + b.w * b.h - i);
}

function embeddingOf(c: CaseHandle, detectionId: number): Float32Array {
  const r = c.db.prepare('SELECT embedding FROM face_detections WHERE id = ?').get(detectionId) as { embedding: Buffer };
  return new Float32Array(new Uint8Array(r.embedding).buffer);
}

/**
 * The embedding of an image of the face aligned on the REFERENCE DETECTION's five landmarks (mapped onto its grid),
 * the same points for the source crop and for every result: the landmark network re-run on each result would
 * frame the faces differently and put its own noise into a before/after comparison.
 */
async function alignedEmbedding(c: CaseHandle, sha: string, landmarks: ReadonlyArray<readonly [number, number]>, scale: number): Promise<Float32Array> {
  const { data, info } = await sharp(derivedPath(c, sha)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const off = (scale - 1) / 2;
  const lm = landmarks.map(([x, y]) => [scale * x + off, scale * y + off] as [number, number]) as unknown as Landmarks5;
  const [e] = await embedFaces([alignFace(fromBytes(data, info.width, info.height, 3), lm, 150).crop]);
  return e!;
}

export async function benchRealFaces(): Promise<void> {
  heading('enhance on real faces: frames contributed and identity similarity, before → after (issue 14)');
  if (!fs.existsSync(VIDEO)) {
    process.stdout.write(`  ${VIDEO} is absent: this section needs the real clips of ../shared/data/video; skipped.\n`);
    return;
  }
  await installModels({ log: () => {} });
  const work = process.env.SIGHTLINE_BENCH_WORK ?? path.join(os.tmpdir(), 'sightline-bench-realfaces');
  fs.mkdirSync(work, { recursive: true });
  process.stdout.write(`  ${describeFfmpeg(ffmpegInfo())}; work folder ${work}\n`);
  for (const clip of CLIPS) {
    const out = path.join(work, clip.degraded);
    if (!fs.existsSync(out)) {
      await runFfmpeg([
        '-hide_banner', '-nostdin', '-v', 'error', '-y',
        '-i', path.join(VIDEO, clip.source),
        '-vf', `scale=${clip.width}:${clip.height}:flags=area`, // surveillance-size faces
        '-an',
        '-c:v', 'libx264', '-preset', 'medium', '-crf', '30', // surveillance-grade compression
        out,
      ]);
    }
  }
  const pool = new WorkerPool({ size: 1 });
  const cases = new Map<string, { c: CaseHandle; q: JobQueue }>();
  const open = (name: string): { c: CaseHandle; q: JobQueue } => {
    let h = cases.get(name);
    if (!h) {
      const dir = path.join(work, `${name}.sightline`);
      const c = fs.existsSync(dir) ? openCase(dir) : createCase(dir, { caseNumber: `BENCH-${name}`, title: `Real faces: ${name} (bench)`, examiner: 'bench' });
      h = { c, q: new JobQueue(c, defaultJobHandlers({ pool: () => pool })) };
      cases.set(name, h);
    }
    return h;
  };
  let c: CaseHandle = undefined as unknown as CaseHandle;
  let q: JobQueue = undefined as unknown as JobQueue;
  const run = async <K extends AppJobKind>(kind: K, params: AppJobs[K]['input']): Promise<SucceededJob<AppJobs, K> | string> => {
    const job = await q.waitFor(q.enqueue(kind, params));
    return hasSucceeded(job) ? job : (job.lastError?.message ?? job.state);
  };
  try {
    const byName = (name: string): Evidence | undefined => listEvidence(c).find((e) => e.originalName === name);
    const ensure = async (file: string, step: number): Promise<Evidence> => {
      const e = byName(path.basename(file)) ?? (await importEvidence(c, file)).evidence;
      if (!latestRun(c, e.id)) {
        const t0 = performance.now();
        const r = await run('analyze', { evidenceId: e.id, settings: { step } });
        if (typeof r === 'string') throw new Error(`analysis of ${e.originalName} failed: ${r}`);
        process.stdout.write(`  analysed ${e.originalName} (every ${step}. frame) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
      }
      return e;
    };
    const totals = { tracks: 0, before: { frames: 0, sim: 0, refused: 0 }, after: { frames: 0, sim: 0, refused: 0 }, source: 0 };
    for (const clip of CLIPS) {
      ({ c, q } = open(clip.caseName));
      const original = await ensure(path.join(VIDEO, clip.source), clip.originalStep);
      const degraded = await ensure(path.join(work, clip.degraded), 1);
      const origTracks = listTracks(c, original.id).tracks;
      const origDets = new Map<number, DetectionSummary[]>();
      for (const t of origTracks) origDets.set(t.id, trackDetections(c, t.id));
      const byFrame = new Map<number, DetectionSummary[]>();
      for (const ds of origDets.values()) for (const d of ds) byFrame.set(d.frame, [...(byFrame.get(d.frame) ?? []), d]);
      process.stdout.write(
        `\n  ${clip.degraded} (${clip.source} ×${clip.scale}, H.264 CRF 30): ${degraded.frameCount} frames\n` +
          `  ${'track'.padEnd(6)} ${'dets'.padStart(5)} ${'face px'.padStart(8)} ${'frames fused: before → after'.padStart(30)}  ${'identity similarity to the full-quality frame: source → before → after'.padStart(72)}\n`,
      );
      for (const t of listTracks(c, degraded.id).tracks) {
        if (t.detections < 12 || t.bestQuality < 0.4) continue;
        const dets = trackDetections(c, t.id);
        // The same person in the undegraded clip: the original track whose boxes overlap this track's most.
        const votes = new Map<number, number>();
        for (const d of dets) {
          const box = { x: d.box.x / clip.scale, y: d.box.y / clip.scale, w: d.box.w / clip.scale, h: d.box.h / clip.scale };
          for (const o of byFrame.get(d.frame) ?? []) if (iou(box, o.box) >= 0.3) votes.set(o.trackId, (votes.get(o.trackId) ?? 0) + 1);
        }
        const match = [...votes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
        if (!match) {
          process.stdout.write(`  ${String(t.ordinal).padEnd(6)} no matching track in the original clip; skipped\n`);
          continue;
        }
        const best = [...origDets.get(match[0])!].sort((a, b) => b.quality - a.quality || a.frame - b.frame)[0]!;
        const reference = embeddingOf(c, best.id);
        const results: Record<'before' | 'after', { frames: string; sim: number | null; accepted: number | null }> = {
          before: { frames: '', sim: null, accepted: null },
          after: { frames: '', sim: null, accepted: null },
        };
        let sourceSim: number | null = null;
        for (const variant of ['before', 'after'] as const) {
          // "before": the schema's defaults — the pipeline as recorded before issue 14; "after": a new enhancement's.
          const settings = variant === 'before' ? EnhanceSettings.parse({ mode: 'fusion', scale: 4 }) : resolveEnhanceSettings({ mode: 'fusion', scale: 4 });
          const selection = saveSelection(c, t.id, { best: 8 });
          const r = await run('enhance', { trackId: t.id, selectionId: selection.id, settings });
          if (typeof r === 'string') {
            const m = /only (\d+) of (\d+) did/.exec(r);
            results[variant] = { frames: m ? `${m[1]}/${m[2]} (refused)` : `failed`, sim: null, accepted: m ? Number(m[1]) : 0 };
            totals[variant].refused++;
            continue;
          }
          const e = getEnhancement(c, r.result.enhancementId);
          const refLandmarks = e.inputs.find((i) => i.frame === e.referenceFrame)!.landmarks;
          const sim = identitySimilarity(cosineSimilarity(await alignedEmbedding(c, e.outputSha256, refLandmarks, e.scale), reference));
          sourceSim ??= identitySimilarity(cosineSimilarity(await alignedEmbedding(c, e.sourceSha256, refLandmarks, 1), reference));
          results[variant] = { frames: `${e.acceptedFrames}/${e.frames.length}`, sim, accepted: e.acceptedFrames };
        }
        totals.tracks++;
        for (const v of ['before', 'after'] as const) {
          totals[v].frames += results[v].accepted ?? 0;
          totals[v].sim += results[v].sim ?? sourceSim ?? 0;
        }
        totals.source += sourceSim ?? 0;
        const f = (v: number | null): string => (v === null ? '—' : v.toFixed(3));
        process.stdout.write(
          `  ${String(t.ordinal).padEnd(6)} ${String(t.detections).padStart(5)} ${`${Math.round(t.medianWidth)}/${Math.round(t.maxWidth)}`.padStart(8)} ${`${results.before.frames} → ${results.after.frames}`.padStart(30)}  ${`${f(sourceSim)} → ${f(results.before.sim)} → ${f(results.after.sim)}`.padStart(72)}   (full-quality frame ${best.frame}, ${Math.round(best.box.w)} px)\n`,
        );
      }
    }
    if (totals.tracks > 0) {
      const n = totals.tracks;
      process.stdout.write(
        `\n  ${n} tracks: frames fused per track ${(totals.before.frames / n).toFixed(1)} → ${(totals.after.frames / n).toFixed(1)} of 8; refused ${totals.before.refused} → ${totals.after.refused}; ` +
          `mean identity similarity source ${(totals.source / n).toFixed(3)} → before ${(totals.before.sim / n).toFixed(3)} → after ${(totals.after.sim / n).toFixed(3)} (a refused fusion counts as its source frame)\n`,
      );
    }
  } finally {
    for (const h of cases.values()) {
      await h.q.stop();
      h.c.close();
    }
    await pool.close();
  }
}
