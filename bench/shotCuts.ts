/**
 * Shot-cut detector (workers/analysis/shotCut.ts): how far the real clips' consecutive frames (hand-held walking,
 * a panning selfie, a crowd — no cuts) stay from the thresholds, and how far above them hard cuts land:
 *
 *  - cuts between the real clips (last frame of one, first of another, all scaled to 640×360),
 *  - "same place, later" cuts inside one clip (frame i against frame i + 150, a different moment at the same
 *    location: the hardest kind for colour alone),
 *  - cuts between synthetic scenes (testing/faceClip.ts backgrounds with faces).
 *
 * Prints the distributions (max / 99th percentile of the no-cut pairs, min / 1st percentile of the cuts) for both
 * measures and the counts on each side of CUT_DEFAULTS. The real clips come from ../shared/data/video.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeFrames } from '../platform/ffmpeg';
import { makeFaceClip } from '../testing/faceClip';
import { faceFile } from '../testing/faces';
import { tempDir } from '../testing/tmp';
import { CUT_DEFAULTS, cutScore, frameSignature, type CutScore, type FrameSignature } from '../workers/analysis/shotCut';
import { realVideoDir } from './realLabelsBaseline';
import { displayedSize } from './realLabelsDetect';
import { heading, row } from './util';

const CLIPS = ['hikers_handheld_openmpf.mp4', 'marathon_crowd_openmpf.mkv', 'selfie_group_rot90_openmpf.mp4'];

async function signatures(file: string, size: { width: number; height: number }, scaleTo?: { width: number; height: number }): Promise<FrameSignature[]> {
  const out: FrameSignature[] = [];
  await decodeFrames(file, size, { ...(scaleTo ? { scaleTo } : {}), onFrame: (f) => void out.push(frameSignature(f.data, f.width, f.height)) });
  return out;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round((p / 100) * (s.length - 1))))]!;
}

function summary(label: string, scores: CutScore[], expectCut: boolean): void {
  const h = scores.map((s) => s.hist);
  const st = scores.map((s) => s.structure);
  const hits = scores.filter((s) => s.cut).length;
  const tail = expectCut
    ? `hist min ${pct(h, 0).toFixed(3)} p1 ${pct(h, 1).toFixed(3)}; structure min ${pct(st, 0).toFixed(3)} p1 ${pct(st, 1).toFixed(3)}`
    : `hist max ${pct(h, 100).toFixed(3)} p99 ${pct(h, 99).toFixed(3)}; structure max ${pct(st, 100).toFixed(3)} p99 ${pct(st, 99).toFixed(3)}; both-high max ${Math.max(...scores.map((s) => Math.min(s.hist / CUT_DEFAULTS.histThreshold, s.structure / CUT_DEFAULTS.structureThreshold))).toFixed(2)}× threshold`;
  row(label, `${hits}/${scores.length} cut`, tail);
  if (process.env.CUT_GRID) {
    const grid: string[] = [];
    for (const th of [0.1, 0.15, 0.2, 0.25]) for (const ts of [0.2, 0.3, 0.4]) grid.push(`${th}/${ts}:${scores.filter((s) => s.hist >= th && s.structure >= ts).length}`);
    process.stdout.write(`      grid (hist/structure: cuts) ${grid.join(' ')}\n`);
  }
}

export async function benchShotCuts(): Promise<void> {
  heading(`Shot cuts (thresholds: colour change ≥ ${CUT_DEFAULTS.histThreshold}, structure change ≥ ${CUT_DEFAULTS.structureThreshold}, shifts ±${CUT_DEFAULTS.maxShift * 100}%)`);
  const tmp = tempDir('bench-cuts');
  try {
    const dir = realVideoDir();
    const real: Record<string, FrameSignature[]> = {};
    const scaled: Record<string, FrameSignature[]> = {};
    if (fs.existsSync(dir)) {
      for (const name of CLIPS) {
        const file = path.join(dir, name);
        const size = await displayedSize(file);
        real[name] = await signatures(file, size);
        scaled[name] = await signatures(file, size, { width: 640, height: 360 });
        const consecutive = real[name]!.slice(1).map((s, i) => cutScore(real[name]![i]!, s));
        summary(`${name.split('_')[0]} consecutive frames (no cut)`, consecutive, false);
        const later = real[name]!.slice(150).map((s, i) => cutScore(real[name]![i]!, s));
        if (later.length) summary(`${name.split('_')[0]} frame i vs i+150 (same place)`, later, true);
      }
      const between: CutScore[] = [];
      for (const a of CLIPS) {
        for (const b of CLIPS) {
          if (a === b) continue;
          const sa = scaled[a]!;
          const sb = scaled[b]!;
          for (let k = 0; k < 20; k++) between.push(cutScore(sa[Math.floor((k * (sa.length - 1)) / 19)]!, sb[Math.floor(((19 - k) * (sb.length - 1)) / 19)]!));
        }
      }
      summary('cuts between the real clips (640×360)', between, true);
    } else {
      process.stdout.write(`  real clips absent (${dir}): synthetic cuts only\n`);
    }
    const synth: FrameSignature[][] = [];
    for (let k = 0; k < 4; k++) {
      const file = path.join(tmp.dir, `scene${k}.mp4`);
      await makeFaceClip({ out: file, width: 640, height: 360, frames: 3, crf: 30, seed: 11 + k, faces: [{ portrait: faceFile(k + 1, 1), faceWidth: 40, start: [300, 150], velocity: [2, 0] }] });
      synth.push(await signatures(file, { width: 640, height: 360 }));
    }
    const synthCuts: CutScore[] = [];
    const synthSame: CutScore[] = [];
    for (let a = 0; a < synth.length; a++) {
      synthSame.push(cutScore(synth[a]![0]!, synth[a]![1]!), cutScore(synth[a]![1]!, synth[a]![2]!));
      for (let b = 0; b < synth.length; b++) if (a !== b) synthCuts.push(cutScore(synth[a]![2]!, synth[b]![0]!));
    }
    summary('synthetic scenes, consecutive frames', synthSame, false);
    summary('synthetic scenes, hard cuts', synthCuts, true);
  } finally {
    tmp.cleanup();
  }
}

if (require.main === module) {
  benchShotCuts().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
