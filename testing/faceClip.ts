/**
 * Surveillance-like test clips with known faces: real portraits (the ORL set, see testing/faces.ts)
 * pasted into a textured, static scene at chosen face widths, moving along straight lines, with per-frame sensor
 * noise, encoded as H.264 at a low quality (CRF 32+, the blocking of real DVR footage). Returns where each face
 * is in every frame, so tests and the benchmark can measure recall. Used only by tests and `npm run bench`.
 *
 * Face width follows workers/faces/faces.test.ts: the face spans ~70% of a 92 px ORL portrait's width, so a
 * "40 px face" is a portrait scaled to 57 px wide.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runFfmpeg } from '../platform/ffmpeg';
import { createRng } from '../domain/random';
import type { Box } from '../workers/analysis/detectPyramid';

export const FACE_FRACTION_OF_PORTRAIT = 0.7;

export interface MovingFace {
  /** Portrait image file (grey or colour). */
  readonly portrait: string;
  /** Face width in pixels (the portrait is scaled to faceWidth / 0.7). */
  readonly faceWidth: number;
  /** Top-left of the portrait in frame 0. */
  readonly start: readonly [number, number];
  /** Pixels per frame. */
  readonly velocity: readonly [number, number];
  /** Frames [from, to) in which the face is in the picture (default: all); its position still counts from frame 0. */
  readonly from?: number;
  readonly to?: number;
}

export interface FaceClipSpec {
  readonly out: string;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly frames: number;
  readonly faces: readonly MovingFace[];
  readonly crf?: number;
  /** Std of the per-frame luma noise added before encoding (grey levels). */
  readonly noise?: number;
  readonly seed?: number;
  /**
   * Hard cuts: from frame `from` on, the static scene is the one drawn with `seed` (a different place), and
   * `pan` px/frame moves the camera over it (default 0: a still camera).
   */
  readonly scenes?: ReadonlyArray<{ readonly from: number; readonly seed: number; readonly pan?: readonly [number, number] }>;
  /** Camera motion over the first scene, px/frame (a pan: every pixel changes, so motion gating cannot help). */
  readonly pan?: readonly [number, number];
  /** Extra sprites drawn like faces but not faces (e.g. a hand), with their own motion; not in `truth`. */
  readonly props?: ReadonlyArray<{ readonly image: (frame: number) => RgbaSprite; readonly at: (frame: number) => { x: number; y: number } }>;
}

/** An RGBA image (0..255, row-major) drawn over the scene with its alpha. */
export interface RgbaSprite {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface FaceClip {
  readonly file: string;
  readonly width: number;
  readonly height: number;
  /** truth[frame][face] = the portrait's rectangle in that frame (null when it is outside the frame). */
  readonly truth: ReadonlyArray<ReadonlyArray<Box | null>>;
}

/** A static textured scene: smooth shading, "walls" and "doors", fine texture. Deterministic for a seed. */
function background(width: number, height: number, seed: number): Uint8Array {
  const rng = createRng(seed);
  const out = new Uint8Array(width * height * 3);
  const rects = Array.from({ length: 14 }, () => ({
    x: rng.int(width),
    y: rng.int(height),
    w: 80 + rng.int(500),
    h: 60 + rng.int(400),
    c: [rng.uniform(-50, 50), rng.uniform(-50, 50), rng.uniform(-50, 50)],
  }));
  const fx = rng.uniform(0.002, 0.006);
  const fy = rng.uniform(0.002, 0.006);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let base = 110 + 40 * Math.sin(x * fx) * Math.cos(y * fy) + 12 * Math.sin((x + 2 * y) * 0.05);
      const col = [base * 0.95, base, base * 1.05];
      for (const r of rects) {
        if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) {
          col[0]! += r.c[0]!;
          col[1]! += r.c[1]!;
          col[2]! += r.c[2]!;
        }
      }
      base = rng.uniform(-6, 6);
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = Math.max(0, Math.min(255, Math.round(col[k]! + base)));
    }
  }
  return out;
}

export async function makeFaceClip(spec: FaceClipSpec): Promise<FaceClip> {
  const { width = 1920, height = 1080, fps = 24, crf = 32, noise = 3, seed = 7 } = spec;
  const dir = fs.mkdtempSync(path.join(path.dirname(spec.out), '.faceclip-'));
  try {
    // Scenes are drawn larger than the frame when the camera pans, so the view never runs off the picture.
    const scenes = [{ from: 0, seed, pan: spec.pan ?? ([0, 0] as const) }, ...(spec.scenes ?? []).map((s) => ({ from: s.from, seed: s.seed, pan: s.pan ?? ([0, 0] as const) }))].sort((a, b) => a.from - b.from);
    const reach = (p: readonly [number, number]): [number, number] => [Math.ceil(Math.abs(p[0]) * spec.frames), Math.ceil(Math.abs(p[1]) * spec.frames)];
    const drawn = scenes.map((s) => {
      const [rx, ry] = reach(s.pan);
      return { ...s, w: width + rx, h: height + ry, bg: background(width + rx, height + ry, s.seed) };
    });
    const view = (i: number): Uint8Array => {
      let sc = drawn[0]!;
      for (const d of drawn) if (i >= d.from) sc = d;
      const t = i - sc.from;
      const ox = sc.pan[0] >= 0 ? Math.round(sc.pan[0] * t) : sc.w - width - Math.round(-sc.pan[0] * t);
      const oy = sc.pan[1] >= 0 ? Math.round(sc.pan[1] * t) : sc.h - height - Math.round(-sc.pan[1] * t);
      if (sc.w === width && sc.h === height) return sc.bg;
      const out = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) out.set(sc.bg.subarray(((oy + y) * sc.w + ox) * 3, ((oy + y) * sc.w + ox + width) * 3), y * width * 3);
      return out;
    };
    const sprites = await Promise.all(
      spec.faces.map(async (f) => {
        const meta = await sharp(f.portrait).metadata();
        const w = Math.max(4, Math.round(f.faceWidth / FACE_FRACTION_OF_PORTRAIT));
        const h = Math.max(4, Math.round((w * (meta.height ?? 112)) / (meta.width ?? 92)));
        const data = await sharp(f.portrait).removeAlpha().toColourspace('srgb').resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
        const ch = data.length / (w * h);
        return { w, h, ch, data };
      }),
    );
    const truth: Array<Array<Box | null>> = [];
    const rng = createRng(seed + 1);
    for (let i = 0; i < spec.frames; i++) {
      const frame = Buffer.from(view(i));
      const row: Array<Box | null> = [];
      for (const prop of spec.props ?? []) {
        const { x, y } = prop.at(i);
        const img = prop.image(i);
        for (let v = 0; v < img.height; v++) {
          const fy = Math.round(y) + v;
          if (fy < 0 || fy >= height) continue;
          for (let u = 0; u < img.width; u++) {
            const fx = Math.round(x) + u;
            if (fx < 0 || fx >= width) continue;
            const si = (v * img.width + u) * 4;
            const a = img.data[si + 3]! / 255;
            if (a <= 0) continue;
            const o = (fy * width + fx) * 3;
            for (let k = 0; k < 3; k++) frame[o + k] = Math.round(img.data[si + k]! * a + frame[o + k]! * (1 - a));
          }
        }
      }
      spec.faces.forEach((f, k) => {
        const s = sprites[k]!;
        const x0 = Math.round(f.start[0] + f.velocity[0] * i);
        const y0 = Math.round(f.start[1] + f.velocity[1] * i);
        if (x0 + s.w <= 0 || y0 + s.h <= 0 || x0 >= width || y0 >= height || i < (f.from ?? 0) || i >= (f.to ?? Infinity)) {
          row.push(null);
          return;
        }
        for (let y = 0; y < s.h; y++) {
          const fy = y0 + y;
          if (fy < 0 || fy >= height) continue;
          for (let x = 0; x < s.w; x++) {
            const fx = x0 + x;
            if (fx < 0 || fx >= width) continue;
            const si = (y * s.w + x) * s.ch;
            const o = (fy * width + fx) * 3;
            // A slight warm cast, so the face is not the only grey thing in a colour scene.
            frame[o] = Math.min(255, s.data[si]! * 1.06);
            frame[o + 1] = s.data[si + (s.ch >= 3 ? 1 : 0)]!;
            frame[o + 2] = s.data[si + (s.ch >= 3 ? 2 : 0)]! * 0.92;
          }
        }
        row.push({ x: x0, y: y0, w: s.w, h: s.h });
      });
      if (noise > 0) {
        for (let p = 0; p < frame.length; p += 3) {
          const n = rng.normal() * noise;
          for (let k = 0; k < 3; k++) frame[p + k] = Math.max(0, Math.min(255, Math.round(frame[p + k]! + n)));
        }
      }
      truth.push(row);
      await sharp(frame, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toFile(path.join(dir, `f${String(i).padStart(5, '0')}.png`));
    }
    fs.mkdirSync(path.dirname(spec.out), { recursive: true });
    await runFfmpeg([
      '-hide_banner', '-nostdin', '-v', 'error', '-y',
      '-framerate', String(fps),
      '-i', path.join(dir, 'f%05d.png'),
      '-c:v', 'libx264', '-preset', 'veryfast',
      '-crf', String(crf), // low quality: the blocking and smoothing of real DVR footage
      '-g', String(fps * 2), // a keyframe every two seconds, as many DVRs do
      '-pix_fmt', 'yuv420p',
      spec.out,
    ]);
    return { file: spec.out, width, height, truth };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
