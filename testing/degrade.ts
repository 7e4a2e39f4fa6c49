/**
 * Synthetic surveillance sequences made from one high-resolution face, with known ground truth, for testing
 * and benchmarking multi-frame fusion.
 *
 * Imaging model per frame k (all parameters stated in the result):
 *   HR face → optical blur (Gaussian) → small rigid motion T_k (sub-pixel shift, optional rotation/scale)
 *   → area integration onto a grid `factor` times coarser (the sensor) → optional occluder → additive Gaussian
 *   noise → 8-bit quantisation → optional H.264 round trip through the ffmpeg binary.
 * Randomness comes only from a seeded generator, so a seed and the parameters reproduce a sequence exactly
 * (H.264 included: x264 runs single-threaded).
 */
import { spawn } from 'node:child_process';
import { createImage, type Affine, type Image } from '../workers/image/image';
import { downsampleBox, gaussianBlur, warpAffineBicubic } from '../workers/image/filters';
import { createRng } from '../domain/random';
import { composeAffine, translation } from '../workers/image/register';

export interface H264Params {
  /** x264 constant rate factor; 30–40 is surveillance-grade damage. */
  readonly crf: number;
  /** x264 preset (speed/efficiency trade-off); it changes the artefacts, so it is stated. */
  readonly preset: string;
  /** Frames per second declared to the encoder (affects rate control only). */
  readonly fps: number;
  /**
   * Maximum GOP length (x264 keyint): an I-frame at least every `gop` frames. 1 = intra-only. Frames an examiner
   * picks from a long track are often far apart, i.e. from different GOPs, which a short `gop` stands in for.
   */
  readonly gop?: number;
}

export interface DegradeParams {
  /** Number of frames K. */
  readonly frames: number;
  /** Integer decimation factor from the HR face to the LR frames (e.g. 4: 92×112 → 23×28). */
  readonly factor: number;
  /** Shifts are uniform in [−maxShift, maxShift] LR pixels on each axis. */
  readonly maxShift: number;
  /** Rotations are uniform in ±maxRotationDeg degrees (about the image centre). */
  readonly maxRotationDeg: number;
  /** Scale changes are uniform in 1 ± maxScaleChange. */
  readonly maxScaleChange: number;
  /** Optical blur σ in LR pixels (applied on the HR grid as σ·factor), before area integration. */
  readonly blurSigma: number;
  /** Additive Gaussian noise σ in intensity units ([0, 1] scale), after integration. */
  readonly noiseSigma: number;
  /** Round to 8 bits after the noise, as a camera would (always done when H.264 is used). */
  readonly quantize: boolean;
  /** H.264 round trip; null for none. */
  readonly h264: H264Params | null;
  /** Number of frames (never the reference) given an occluding bar of constant intensity. */
  readonly occludedFrames: number;
  /** Occluder size as a fraction of the frame's width and height. */
  readonly occluderSize: number;
  /**
   * The K frames are every `stride`-th frame of a clip of K·stride frames, as when an examiner picks frames
   * spread over a track. It matters with H.264: the clip is encoded whole (with its GOP structure and
   * prediction chains) and only the picked frames are returned.
   */
  readonly stride: number;
  /** This frame (index among the K returned) has no motion, so its grid coincides with the ground truth's. */
  readonly reference: number;
  readonly seed: number;
}

export const DEGRADE_DEFAULTS: DegradeParams = Object.freeze({
  frames: 12,
  factor: 4,
  maxShift: 1,
  maxRotationDeg: 0,
  maxScaleChange: 0,
  blurSigma: 0.5,
  noiseSigma: 0.02,
  quantize: true,
  h264: null,
  occludedFrames: 0,
  occluderSize: 0.35,
  stride: 1,
  reference: 0,
  seed: 1,
});

export interface DegradedSequence {
  readonly frames: Image[];
  /**
   * Per frame, the true warp from reference-frame LR pixel coordinates to that frame's LR pixel coordinates
   * (the convention of `eccRegister` and `fuseFrames`); identity for the reference.
   */
  readonly truth: Affine[];
  readonly occluded: boolean[];
  /**
   * The HR face cropped to (LR size × factor), on the grid of the reference frame upsampled by `factor`. The
   * crop is inset by `marginHr` pixels so that every moved frame still samples real pixels (no replicated edge,
   * which no real crop would have and which would bias registration).
   */
  readonly groundTruth: Image;
  /** Inset of the ground-truth crop in the HR face, in HR pixels. */
  readonly marginHr: number;
  readonly params: DegradeParams;
}

/** LR coordinates → HR coordinates of the same point, with pixel-centre alignment. */
function lrToHr(factor: number): Affine {
  return [factor, 0, (factor - 1) / 2, 0, factor, (factor - 1) / 2];
}

function invert(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  const ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  // "+ 0" turns −0 into 0, so the reference's identity is recorded as plain zeros.
  return [ia + 0, ib + 0, -(ia * tx + ib * ty) + 0, ic + 0, id + 0, -(ic * tx + id * ty) + 0];
}

/** Make a degraded LR sequence from one HR face (1 or 3 channels). */
export async function degradeSequence(hr: Image, options: Partial<DegradeParams> = {}): Promise<DegradedSequence> {
  const p: DegradeParams = { ...DEGRADE_DEFAULTS, ...options };
  const f = Math.floor(p.factor);
  if (f < 1 || f !== p.factor) throw new RangeError('factor must be a positive integer');
  if (p.frames < 1 || p.reference < 0 || p.reference >= p.frames) throw new RangeError('invalid frame count or reference');
  // Largest displacement any frame can have at the crop's corners, plus the bicubic kernel's reach.
  const halfDiag = 0.5 * Math.hypot(hr.width, hr.height);
  const margin = Math.ceil(f * p.maxShift + halfDiag * ((p.maxRotationDeg * Math.PI) / 180 + p.maxScaleChange) + 2);
  const lw = Math.floor((hr.width - 2 * margin) / f);
  const lh = Math.floor((hr.height - 2 * margin) / f);
  if (lw < 4 || lh < 4) throw new RangeError('face too small for this factor and motion');
  const hw = lw * f;
  const hh = lh * f;
  const rng = createRng(p.seed);
  const blurred = gaussianBlur(hr, p.blurSigma * f);
  const groundTruth = warpAffineBicubic(hr, [1, 0, margin, 0, 1, margin], hw, hh);
  const d = lrToHr(f);
  const dInv = invert(d);
  const cx = (hw - 1) / 2;
  const cy = (hh - 1) / 2;

  const occludedSet = new Set<number>();
  const candidates = Array.from({ length: p.frames }, (_, i) => i).filter((i) => i !== p.reference);
  for (let i = 0; i < Math.min(p.occludedFrames, candidates.length); i++) {
    const j = i + rng.int(candidates.length - i);
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    occludedSet.add(candidates[i]!);
  }

  const stride = Math.max(1, Math.floor(p.stride));
  const clip: Image[] = [];
  const truth: Affine[] = [];
  const occluded: boolean[] = [];
  for (let n = 0; n < p.frames * stride; n++) {
    const picked = n % stride === 0;
    const k = n / stride;
    const isRef = picked && k === p.reference;
    const sx = isRef ? 0 : rng.uniform(-p.maxShift, p.maxShift);
    const sy = isRef ? 0 : rng.uniform(-p.maxShift, p.maxShift);
    const rot = isRef ? 0 : (rng.uniform(-p.maxRotationDeg, p.maxRotationDeg) * Math.PI) / 180;
    const sc = isRef ? 1 : 1 + rng.uniform(-p.maxScaleChange, p.maxScaleChange);
    // T: frame HR grid → crop coordinates; rotation/scale about the centre, shift in HR pixels.
    const a = sc * Math.cos(rot);
    const b = -sc * Math.sin(rot);
    const c = sc * Math.sin(rot);
    const dd = a;
    const tk: Affine = [a, b, cx - a * cx - b * cy + sx * f, c, dd, cy - c * cx - dd * cy + sy * f];
    const hrFrame = warpAffineBicubic(blurred, composeAffine(translation(margin, margin), tk), hw, hh);
    const lr = downsampleBox(hrFrame, f);
    const isOccluded = picked && occludedSet.has(k);
    if (isOccluded) {
      const ow = Math.max(1, Math.round(p.occluderSize * lw));
      const oh = Math.max(1, Math.round(p.occluderSize * lh));
      const ox = rng.int(lw - ow + 1);
      const oy = rng.int(lh - oh + 1);
      const value = rng.next() < 0.5 ? rng.uniform(0, 0.15) : rng.uniform(0.85, 1);
      for (let y = oy; y < oy + oh; y++) for (let x = ox; x < ox + ow; x++) for (let ch = 0; ch < lr.channels; ch++) lr.data[(y * lw + x) * lr.channels + ch] = value;
    }
    for (let i = 0; i < lr.data.length; i++) {
      let v = lr.data[i]! + p.noiseSigma * rng.normal();
      if (p.quantize || p.h264) v = Math.round(Math.min(1, Math.max(0, v)) * 255) / 255;
      lr.data[i] = v;
    }
    clip.push(lr);
    if (picked) {
      // frame LR → ref LR is D⁻¹·T·D; the registration convention wants its inverse.
      truth.push(invert(composeAffine(dInv, composeAffine(tk, d))));
      occluded.push(isOccluded);
    }
  }
  const decoded = p.h264 ? await h264RoundTrip(clip, p.h264) : clip;
  const out = decoded.filter((_, n) => n % stride === 0);
  return { frames: out, truth, occluded, groundTruth, marginHr: margin, params: p };
}

/**
 * The ffmpeg binary: $SIGHTLINE_FFMPEG if set to a path (the app's convention), else the one @ffmpeg-installer
 * ships — deliberately not the system one the app prefers: these are test sequences whose measured numbers
 * (workers/enhance/README.md) depend on the encoder's version, so they are made by one fixed build.
 */
export function ffmpegPath(): string {
  const fromEnv = process.env.SIGHTLINE_FFMPEG;
  if (fromEnv && fromEnv !== 'bundled') return fromEnv;
  const mod = require('@ffmpeg-installer/ffmpeg') as { path: string };
  return mod.path;
}

/**
 * ffmpeg arguments to encode raw frames from stdin as H.264 (Annex-B) on stdout.
 * Kept in one function so every flag is explained and reported.
 */
export function h264EncodeArgs(width: number, height: number, gray: boolean, p: H264Params): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'rawvideo', // input is headerless pixels…
    '-pix_fmt', gray ? 'gray' : 'rgb24', // …8-bit grey or RGB…
    '-s', `${width}x${height}`, // …of this size…
    '-r', String(p.fps), // …at this rate
    '-i', 'pipe:0',
    '-c:v', 'libx264',
    '-preset', p.preset,
    '-crf', String(p.crf),
    '-pix_fmt', 'yuv420p', // the chroma subsampling every surveillance DVR uses
    ...(p.gop ? ['-g', String(p.gop)] : []), // longest distance between I-frames
    '-threads', '1', // single-threaded x264 is bit-reproducible
    '-f', 'h264', 'pipe:1', // raw Annex-B stream, no container needed for a round trip
  ];
}

/** ffmpeg arguments to decode an H.264 Annex-B stream from stdin to raw frames on stdout. */
export function h264DecodeArgs(gray: boolean): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'h264', '-i', 'pipe:0',
    '-threads', '1',
    '-f', 'rawvideo', '-pix_fmt', gray ? 'gray' : 'rgb24', 'pipe:1',
  ];
}

function runFfmpeg(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg exited with ${code}: ${Buffer.concat(err).toString().trim()}`));
    });
    child.stdin.on('error', reject);
    child.stdin.end(input);
  });
}

/**
 * Encode frames as one H.264 sequence and decode them back. Odd sizes are padded by edge replication to the
 * even size 4:2:0 requires, and cropped again after decoding.
 */
export async function h264RoundTrip(frames: readonly Image[], params: H264Params): Promise<Image[]> {
  if (frames.length === 0) return [];
  const { width: w, height: h, channels: ch } = frames[0]!;
  const pw = w + (w % 2);
  const ph = h + (h % 2);
  const frameBytes = pw * ph * ch;
  const input = Buffer.alloc(frameBytes * frames.length);
  frames.forEach((fr, k) => {
    if (fr.width !== w || fr.height !== h || fr.channels !== ch) throw new RangeError('all frames must share one size');
    for (let y = 0; y < ph; y++) {
      for (let x = 0; x < pw; x++) {
        const sx = Math.min(x, w - 1);
        const sy = Math.min(y, h - 1);
        for (let c = 0; c < ch; c++) {
          const v = Math.floor(fr.data[(sy * w + sx) * ch + c]! * 255 + 0.5);
          input[k * frameBytes + (y * pw + x) * ch + c] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
  });
  const gray = ch === 1;
  const stream = await runFfmpeg(h264EncodeArgs(pw, ph, gray, params), input);
  const raw = await runFfmpeg(h264DecodeArgs(gray), stream);
  if (raw.length !== frameBytes * frames.length) {
    throw new Error(`decoder returned ${raw.length} bytes, expected ${frameBytes * frames.length}`);
  }
  return frames.map((_, k) => {
    const img = createImage(w, h, ch);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) {
      img.data[(y * w + x) * ch + c] = raw[k * frameBytes + (y * pw + x) * ch + c]! / 255;
    }
    return img;
  });
}
