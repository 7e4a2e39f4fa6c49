/**
 * The project's face detector measured against the hand labels of the real clips (bench/realLabels.ts): the
 * analysis pyramid (DEFAULT_PYRAMID, DEFAULT_DETECTOR_OPTIONS, score ≥ 0.4 unless told) on each labelled frame,
 * decoded the way `sightline analyze` decodes it. Each frame is detected on its own (no window reuse: the
 * result is what an `--exhaustive` run gives on that frame).
 *
 *   node dist/bench/realLabelsBaseline.js [--min-score 0.4] [--iou 0.4] [--upscale 2] [--out result.json]
 *   npm run bench -- real-labels
 *
 * The clips are read from ../shared/data/video beside the repository, or from SIGHTLINE_REAL_VIDEO; their
 * SHA-256 must match the labels. Printed, never asserted.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../models/paths';
import { releaseAll } from '../workers/inference/session';
import { detectFrame, readFrames } from './realLabelsDetect';
import { formatScore, loadLabels, scoreDetections, type Detection, type Score } from './realLabels';
import { heading } from './util';

export function realVideoDir(): string {
  return process.env.SIGHTLINE_REAL_VIDEO ?? path.resolve(repoRoot(), '..', 'shared', 'data', 'video');
}

export interface BaselineOptions {
  minScore?: number;
  iou?: number;
  /** Enlarge each frame ×K before the pyramid (boxes are scaled back): an experiment, not the product. */
  upscale?: number;
  log?: (line: string) => void;
}

/** Detections of the default pyramid on every labelled frame, and their score against the labels. */
export async function runBaseline(opts: BaselineOptions = {}): Promise<{ detections: Detection[]; score: Score; seconds: number }> {
  const labels = loadLabels();
  const minScore = opts.minScore ?? 0.4;
  const up = opts.upscale ?? 1;
  const log = opts.log ?? (() => {});
  const detections: Detection[] = [];
  const t0 = performance.now();
  for (const clip of labels.clips) {
    const file = path.join(realVideoDir(), clip.file);
    const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (sha !== clip.sha256) throw new Error(`${file}: SHA-256 ${sha} is not the labelled clip's ${clip.sha256}`);
    const frames = await readFrames(file, clip.frames.map((f) => f.index), up);
    for (const f of frames) {
      if (f.width / up !== clip.width || f.height / up !== clip.height) throw new Error(`${clip.file}: decoded ${f.width / up}×${f.height / up}, labels say ${clip.width}×${clip.height}`);
      const faces = await detectFrame(f, { minScore }, up);
      for (const d of faces) detections.push({ clip: clip.file, frame: f.index, box: d.box, score: d.score });
      log(`${clip.file} #${f.index}: ${faces.length} detections`);
    }
  }
  const score = scoreDetections(labels, detections, { iou: opts.iou ?? 0.4, minScore });
  return { detections, score, seconds: (performance.now() - t0) / 1000 };
}

/** `npm run bench -- real-labels`. */
export async function benchRealLabels(): Promise<void> {
  heading('Face detector on hand-labelled frames of the real clips (default pyramid, score ≥ 0.4, IoU ≥ 0.4)');
  if (!fs.existsSync(realVideoDir())) {
    process.stdout.write(`  skipped: ${realVideoDir()} is absent (set SIGHTLINE_REAL_VIDEO)\n`);
    return;
  }
  try {
    const { score, seconds } = await runBaseline();
    process.stdout.write(`${formatScore(score)}\n  (${seconds.toFixed(1)} s; labels: bench/labels/real-clips.json)\n`);
  } finally {
    await releaseAll();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const result = await runBaseline({
    minScore: Number(opt('--min-score') ?? 0.4),
    iou: Number(opt('--iou') ?? 0.4),
    upscale: Number(opt('--upscale') ?? 1),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  process.stdout.write(`${formatScore(result.score)}\n`);
  const out = opt('--out');
  if (out) {
    // One line per clip summary, detection and frame: small diffs when a detector changes.
    const { frames, clips, ...summary } = result.score;
    const lines = (xs: readonly unknown[]): string => xs.map((x) => `  ${JSON.stringify(x)}`).join(',\n');
    fs.writeFileSync(
      out,
      `{\n "summary": ${JSON.stringify({ ...summary, seconds: Math.round(result.seconds) })},\n "clips": {\n${Object.entries(clips)
        .map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
        .join(',\n')}\n },\n "detections": [\n${lines(result.detections)}\n ],\n "frames": [\n${lines(frames)}\n ]\n}\n`,
    );
  }
  await releaseAll();
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
