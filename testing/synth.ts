/**
 * Synthetic media for tests, benchmarks and demos, generated with the same ffmpeg the app uses. Nothing here is
 * used on evidence.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runFfmpeg } from '../platform/ffmpeg';

export interface ClipSpec {
  /** Output file; the extension picks the container. */
  readonly out: string;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly seconds?: number;
  /** Arguments after the input: codec and its settings. Defaults to H.264 yuv420p. */
  readonly codecArgs?: readonly string[];
  /** Extra arguments before the output (muxer options, -f). */
  readonly formatArgs?: readonly string[];
  readonly pattern?: 'testsrc' | 'testsrc2' | 'mandelbrot';
}

/** A test-pattern clip (lavfi testsrc: a frame counter is drawn in every frame, so frames differ). */
export async function makeClip(spec: ClipSpec): Promise<string> {
  const { width = 320, height = 240, fps = 25, seconds = 2, pattern = 'testsrc' } = spec;
  fs.mkdirSync(path.dirname(spec.out), { recursive: true });
  await runFfmpeg([
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=${fps}`,
    '-t', String(seconds),
    ...(spec.codecArgs ?? ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p']),
    ...(spec.formatArgs ?? []),
    spec.out,
  ]);
  return spec.out;
}

/**
 * A variable-frame-rate H.264 clip whose frame i is a flat grey of level `levels[i]`, shown for `durations[i]`
 * seconds. Extracting frame i and reading its grey level proves the index ↔ timestamp mapping exact.
 */
export async function makeVfrClip(out: string, levels: readonly number[], durations: readonly number[], size = { width: 64, height: 48 }): Promise<string> {
  const dir = fs.mkdtempSync(path.join(path.dirname(out), '.vfr-'));
  try {
    const list: string[] = [];
    for (let i = 0; i < levels.length; i++) {
      const png = path.join(dir, `f${i}.png`);
      const v = levels[i]!;
      await sharp({ create: { width: size.width, height: size.height, channels: 3, background: { r: v, g: v, b: v } } }).png().toFile(png);
      list.push(`file '${png.replace(/'/g, "'\\''")}'`, `duration ${durations[i]}`);
    }
    const listFile = path.join(dir, 'list.txt');
    fs.writeFileSync(listFile, `${list.join('\n')}\n`);
    await runFfmpeg([
      '-hide_banner', '-nostdin', '-v', 'error', '-y',
      '-f', 'concat', '-safe', '0', '-i', listFile,
      '-vsync', 'vfr', // keep each frame's own duration
      '-c:v', 'libx264', '-preset', 'veryfast', '-qp', '0', // lossless: grey levels survive exactly
      '-pix_fmt', 'yuv444p',
      out,
    ]);
    return out;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A still image in the given format (by extension) via sharp, or ffmpeg for BMP which sharp cannot write. */
export async function makeImage(out: string, width = 64, height = 48): Promise<string> {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const ext = path.extname(out).toLowerCase();
  if (ext === '.bmp') {
    await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=1`, '-frames:v', '1', out]);
    return out;
  }
  const img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } });
  const fmt = ext === '.jpg' || ext === '.jpeg' ? img.jpeg() : ext === '.tif' || ext === '.tiff' ? img.tiff() : img.png();
  await fmt.toFile(out);
  return out;
}
