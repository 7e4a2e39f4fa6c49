/**
 * Run the analysis pyramid detector on single frames of a clip, the way `sightline analyze` sees them (same
 * ffmpeg decode arguments: autorotate on, bicubic+accurate_rnd+full_chroma_int to RGB24, frame N = N-th decoded
 * picture in presentation order). Used to propose boxes while labelling (bench/labels/README.md) and to measure
 * a detector against the labels (bench/realLabelsBaseline.ts).
 *
 *   node dist/bench/realLabelsDetect.js CLIP 0,60,120 [--min-score 0.1] [--upscale 2]
 *
 * prints one JSON line per frame: { index, width, height, faces: [{ box: [x, y, w, h], score, level }] } with
 * boxes in pixels of the decoded (displayed) frame. `--upscale K` enlarges the frame ×K (bicubic) before the
 * pyramid and divides the boxes by K: a way to propose faces below the pyramid's ~20 px floor.
 */
import { spawn } from 'node:child_process';
import { toolPaths } from '../platform/tools';
import { PyramidDetector, DEFAULT_DETECTOR_OPTIONS, type DetectorOptions } from '../workers/analysis/detectPyramid';
import { DEFAULT_PYRAMID } from '../domain/analysis';
import { planPyramid } from '../workers/analysis/pyramid';

export interface FrameRgb {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly data: Buffer;
}

export interface Proposal {
  readonly box: [number, number, number, number];
  readonly score: number;
  readonly level: string;
}

/** Decoded size (after autorotation) of the first video stream. */
export async function displayedSize(file: string): Promise<{ width: number; height: number }> {
  const out = await run(toolPaths().ffmpeg, ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'framemd5', 'pipe:1']);
  const m = /#dimensions 0: (\d+)x(\d+)/.exec(out.toString('utf8'));
  if (!m) throw new Error(`cannot read the decoded size of ${file}`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** Frames `indices` of `file` as RGB24, in pixels of the displayed (autorotated) picture. One ffmpeg pass. */
export async function readFrames(file: string, indices: readonly number[], scale = 1): Promise<FrameRgb[]> {
  const size = await displayedSize(file);
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const width = Math.round(size.width * scale);
  const height = Math.round(size.height * scale);
  const filters = [`select='${sorted.map((n) => `eq(n\\,${n})`).join('+')}'`];
  if (scale !== 1) filters.push(`scale=${width}:${height}:flags=bicubic`);
  const raw = await run(toolPaths().ffmpeg, [
    '-hide_banner', '-nostdin', '-v', 'error', '-copyts', '-i', file, '-map', '0:v:0',
    '-vf', filters.join(','), '-vsync', 'passthrough',
    '-pix_fmt', 'rgb24', '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', '-f', 'rawvideo', 'pipe:1',
  ]);
  const bytes = width * height * 3;
  if (raw.length !== bytes * sorted.length) throw new Error(`${file}: expected ${sorted.length} frames of ${width}×${height}, got ${raw.length} bytes`);
  return sorted.map((index, i) => ({ index, width, height, data: raw.subarray(i * bytes, (i + 1) * bytes) }));
}

/** The analysis pyramid (DEFAULT_PYRAMID) on one frame, with no history (so no window reuse). */
export async function detectFrame(frame: FrameRgb, opts: Partial<DetectorOptions> = {}, divide = 1): Promise<Proposal[]> {
  const plan = planPyramid(frame.width, frame.height, DEFAULT_PYRAMID);
  const det = new PyramidDetector(plan, { ...DEFAULT_DETECTOR_OPTIONS, ...opts, reuse: { enabled: false, threshold: 0 } });
  const faces = await det.detect(frame.data, frame.index);
  const r = (v: number): number => Math.round((v / divide) * 10) / 10;
  return faces.map((f) => ({ box: [r(f.box.x), r(f.box.y), r(f.box.w), r(f.box.h)], score: Math.round(f.score * 1000) / 1000, level: plan.levels[f.level]!.name }));
}

function run(cmd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${cmd} exit ${code}: ${err.trim().slice(-400)}`))));
  });
}

async function main(): Promise<void> {
  const [file, list, ...rest] = process.argv.slice(2);
  if (!file || !list) throw new Error('usage: realLabelsDetect CLIP N,N,… [--min-score S] [--upscale K]');
  const opt = (name: string): string | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const minScore = Number(opt('--min-score') ?? DEFAULT_DETECTOR_OPTIONS.minScore);
  const up = Number(opt('--upscale') ?? 1);
  const frames = await readFrames(file, list.split(',').map(Number), up);
  for (const f of frames) {
    const faces = await detectFrame(f, { minScore }, up);
    process.stdout.write(`${JSON.stringify({ index: f.index, width: f.width / up, height: f.height / up, upscale: up, minScore, faces })}\n`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
