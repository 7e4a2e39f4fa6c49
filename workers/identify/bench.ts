/**
 * The identification benchmark's engine (`sightline bench identify`, and the calibration script
 * bench/identifyCalibrate.ts): a folder-per-person photo set → a gallery of one full-size photo per person and
 * probes made from the others the way surveillance footage degrades a face, each identified as a single frame
 * and as a track template.
 *
 * A probe of face width S px (the detector box's width, as the analysis reports it):
 *   clean photo → face found (box + landmarks: `detectStillFaces`, the face nearest the centre) →
 *   for each of F frames: a sub-pixel shift (uniform ±0.5 px of the small grid; none for frame 0) →
 *   Gaussian blur σ = 0.58 small-grid px (≈ sensor integration + optics) → resampled so the face is S px wide →
 *   sensor noise σ = 0.01 → 8 bits → optionally H.264 (each frame intra-coded by default: independent codec noise
 *   per frame) → the face cut from the decoded frame around its known box (standing in for the detector) and
 *   processed exactly as the product does (`probeFace`: ×4 bicubic, landmarks found again, aligned chip).
 * Single frame = frame 0; track template = the quality-weighted mean of all F frame embeddings (`poolEmbeddings`).
 * The gallery photo is aligned from its own clean landmarks. Nothing here opens a case or writes a file except
 * the caller's plots.
 */
import { createRng } from '../../domain/random';
import fs from 'node:fs';
import path from 'node:path';
import { SightlineError, cancelled } from '../../domain/errors';
import { h264RoundTrip, type H264RoundTripParams } from '../../platform/ffmpeg';
import { sha256Hex } from '../../platform/hashing';
import { alignFace } from '../faces/align';
import { detectLandmarks, toLandmarks5 } from '../faces/detect';
import { gaussianBlur } from '../image/filters';
import { readImage, toBytes, fromBytes, warpAffine, type Image } from '../image/image';
import { faceQualityScore } from '../enhance/guard';
import { detectStillFaces, frameQuality, poolEmbeddings, probeChip, probeFace, type StillFace } from './faces';
import { recognizer, type Recognizer, type RecognizerId } from './recognizer';

export type CodecSpec = H264RoundTripParams;

export interface BenchConfig {
  readonly dataset: string;
  readonly recognizers: readonly RecognizerId[];
  /** Gallery people (those with ≥ 2 photos), picked in SHA-256-of-name order so any N is a fixed random subset. */
  readonly maxPeople?: number;
  /** Only these people (names), for splits. */
  readonly people?: readonly string[];
  /**
   * Probes from only the first N gallery people (in the same SHA-256-of-name order); the others are in the
   * gallery only, as distractors. A large gallery then costs one embedding per extra person, not F frames per size.
   */
  readonly probePeople?: number;
  readonly probesPerPerson: number;
  /** Face widths of each probe (called per probe, so sizes may be drawn per probe as calibration does). */
  readonly sizesFor: (probeIndex: number, person: string) => number[];
  readonly codecFor: (probeIndex: number, size: number) => CodecSpec | null;
  readonly frames: number;
  readonly seed: number;
  /** Also align from landmarks found on the small frame itself (no upscale), for the alignment comparison. */
  readonly lowResAlignment?: boolean;
  /** Compute the identity guard's full quality of the best frame (the dual gate's quality), 9 network runs more. */
  readonly gateQuality?: boolean;
  /** Also embed each probe photo itself, clean and full size (the calibration's similarity scale). */
  readonly cleanProbe?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: { stage: string; current: number; total: number; unit?: string }) => void;
}

export interface GalleryEntry {
  readonly person: string;
  readonly photo: string;
  readonly faceWidth: number;
  readonly embeddings: Record<string, Float32Array>;
}

export interface ProbeResult {
  readonly person: string;
  readonly photo: string;
  readonly probeIndex: number;
  /** Target face width, the width it got (never above the photo's own), and the codec used. */
  readonly size: number;
  readonly faceWidth: number;
  readonly codec: CodecSpec | null;
  /** Per recogniser: frame 0 alone, the quality-weighted template, the uniform template (and low-res variants). */
  readonly single: Record<string, Float32Array>;
  readonly template: Record<string, Float32Array>;
  readonly templateUniform: Record<string, Float32Array>;
  readonly singleLowRes?: Record<string, Float32Array>;
  readonly templateLowRes?: Record<string, Float32Array>;
  readonly frameQualities: number[];
  /** The probe photo itself, clean and full size (when asked for). */
  readonly clean?: Record<string, Float32Array>;
  /** Guard quality (all five terms) of the best-weighted frame, when asked for. */
  readonly gateQuality: number | null;
}

export interface BenchData {
  readonly gallery: GalleryEntry[];
  readonly probes: ProbeResult[];
  readonly skipped: Array<{ photo: string; reason: string }>;
  readonly people: number;
  readonly recognizers: ReadonlyArray<{ id: string; modelId: string; describe: string }>;
}

interface Rng {
  next(): number;
  normal(): number;
}

/**
 * The shared Mulberry32 stream (domain/random.ts) with a one-value Box–Muller normal: each normal draws two
 * uniforms and uses the cosine only. Not `createRng`'s normal (which keeps the sine for the next call): the
 * committed calibration (models/calibration) was made with this sequence and must stay reproducible.
 */
function rng(seed: number): Rng {
  const { next } = createRng(seed);
  return {
    next,
    normal: () => {
      let u = next();
      while (u <= 0) u = next();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

const IMAGE_EXT = /\.(jpe?g|png|bmp|tiff?|webp)$/i;

/**
 * The identification calibration's split of a population BY PERSON (bench/identifyCalibrate.ts): the first byte of
 * sha256('sightline-calibration:' + name) even → calibration half, odd → test half. Here so that benchmarks can
 * measure on the half the calibration never saw.
 */
export function inCalibrationHalf(person: string): boolean {
  return parseInt(sha256Hex(`sightline-calibration:${person}`).slice(0, 2), 16) % 2 === 0;
}

/** People (sub-folders) with their photos, sorted by name; only people with at least `min` photos. */
export function listDataset(dir: string, min = 2): Array<{ person: string; photos: string[] }> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new SightlineError('FILE_NOT_FOUND', `no dataset folder at ${dir}`);
  const out: Array<{ person: string; photos: string[] }> = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, name);
    if (!fs.statSync(sub).isDirectory()) continue;
    const photos = fs.readdirSync(sub).filter((f) => IMAGE_EXT.test(f)).sort().map((f) => path.join(sub, f));
    if (photos.length >= min) out.push({ person: name, photos });
  }
  if (out.length === 0) throw new SightlineError('INVALID_INPUT', `${dir} has no sub-folder with ${min} or more photos (one sub-folder per person)`);
  return out;
}

/** The face a dataset photo is about: the detected face nearest the photo's centre. */
function mainFace(faces: readonly StillFace[], w: number, h: number): StillFace | undefined {
  let best: StillFace | undefined;
  let bestD = Infinity;
  for (const f of faces) {
    const d = Math.hypot(f.box.x + f.box.w / 2 - w / 2, f.box.y + f.box.h / 2 - h / 2);
    if (d < bestD) {
      best = f;
      bestD = d;
    }
  }
  return best;
}

/** The photo as F degraded frames with the face `size` px wide, and the face box in each frame. */
async function degrade(photo: Image, face: StillFace, size: number, frames: number, codec: CodecSpec | null, r: Rng, signal?: AbortSignal): Promise<Array<{ frame: Image; box: { x: number; y: number; w: number; h: number } }>> {
  // Never larger than the photo's own face: the largest probes are the photo at its own resolution.
  const f = Math.min(1, size / face.box.w);
  let W = Math.max(8, Math.round(photo.width * f));
  let H = Math.max(8, Math.round(photo.height * f));
  W += W % 2;
  H += H % 2;
  const blurred = f < 1 ? gaussianBlur(photo, 0.58 / f) : photo;
  const out: Array<{ frame: Image; box: { x: number; y: number; w: number; h: number } }> = [];
  for (let k = 0; k < frames; k++) {
    const dx = k === 0 ? 0 : r.next() - 0.5;
    const dy = k === 0 ? 0 : r.next() - 0.5;
    // Small-grid pixel u looks at photo x = (u + 0.5 − dx)/f − 0.5.
    const img = warpAffine(blurred, [1 / f, 0, (0.5 - dx) / f - 0.5, 0, 1 / f, (0.5 - dy) / f - 0.5], W, H);
    for (let i = 0; i < img.data.length; i++) img.data[i] = img.data[i]! + 0.01 * r.normal();
    out.push({ frame: img, box: { x: face.box.x * f + dx, y: face.box.y * f + dy, w: face.box.w * f, h: face.box.h * f } });
  }
  if (codec) {
    // x264 gives the first frame of a stream far more bits than the rest (measured: ~2× the bytes of the next
    // I-frames at the same CRF), which would make frame 0 — the single-frame probe — unlike the track's other
    // frames. A throw-away lead frame puts every measured frame in the same position.
    const bytes = out.map((o) => toBytes(o.frame));
    const decoded = await h264RoundTrip([bytes[0]!, ...bytes], W, H, codec, signal);
    return out.map((o, k) => ({ frame: fromBytes(decoded[k + 1]!, W, H, 3), box: o.box }));
  }
  // Without a codec the frames are still 8-bit, as a camera's are.
  return out.map((o) => ({ frame: fromBytes(toBytes(o.frame), W, H, 3), box: o.box }));
}

/** Run the benchmark's image work (the slow part); scoring is `scoreBench`. */
export async function runBench(cfg: BenchConfig): Promise<BenchData> {
  const all = listDataset(cfg.dataset);
  const wanted = cfg.people ? new Set(cfg.people) : null;
  let people = all.filter((p) => !wanted || wanted.has(p.person));
  if (cfg.maxPeople !== undefined) {
    people = [...people].sort((a, b) => sha256Hex(a.person).localeCompare(sha256Hex(b.person))).slice(0, cfg.maxPeople).sort((a, b) => a.person.localeCompare(b.person));
  }
  const recs: Recognizer[] = cfg.recognizers.map((id) => recognizer(id));
  const skipped: Array<{ photo: string; reason: string }> = [];
  const gallery: GalleryEntry[] = [];
  const probes: ProbeResult[] = [];
  const check = (): void => {
    if (cfg.signal?.aborted) throw cancelled('benchmark');
  };
  const probing = new Set(
    cfg.probePeople === undefined ? people.map((p) => p.person) : [...people].sort((a, b) => sha256Hex(a.person).localeCompare(sha256Hex(b.person))).slice(0, cfg.probePeople).map((p) => p.person),
  );
  const totalProbes = people.reduce((s, p) => s + (probing.has(p.person) ? Math.min(cfg.probesPerPerson, p.photos.length - 1) : 0), 0);
  let done = 0;
  let probeIndex = 0;
  for (const p of people) {
    check();
    const galleryPhoto = p.photos[0]!;
    const g = await readImage(galleryPhoto, 3);
    const gf = mainFace(await detectStillFaces(g, { firstFound: true }), g.width, g.height);
    if (!gf) {
      skipped.push({ photo: galleryPhoto, reason: 'no face found in the gallery photo (person left out)' });
      continue;
    }
    const gEmb: Record<string, Float32Array> = {};
    for (const r of recs) gEmb[r.id] = (await r.embed([alignFace(g, gf.landmarks5, r.chipSize, r.template).crop]))[0]!;
    gallery.push({ person: p.person, photo: galleryPhoto, faceWidth: gf.box.w, embeddings: gEmb });

    for (const photo of probing.has(p.person) ? p.photos.slice(1, 1 + cfg.probesPerPerson) : []) {
      check();
      const idx = probeIndex++;
      const img = await readImage(photo, 3);
      const face = mainFace(await detectStillFaces(img, { firstFound: true }), img.width, img.height);
      if (!face) {
        skipped.push({ photo, reason: 'no face found' });
        done++;
        continue;
      }
      const clean: Record<string, Float32Array> = {};
      if (cfg.cleanProbe) for (const r of recs) clean[r.id] = (await r.embed([alignFace(img, face.landmarks5, r.chipSize, r.template).crop]))[0]!;
      const r0 = rng(cfg.seed ^ Number.parseInt(sha256Hex(photo.slice(cfg.dataset.length)).slice(0, 8), 16));
      for (const size of cfg.sizesFor(idx, p.person)) {
        check();
        const codec = cfg.codecFor(idx, size);
        const seq = await degrade(img, face, size, cfg.frames, codec, r0, cfg.signal);
        const faces = await Promise.all(seq.map((s) => probeFace(s.frame, s.box)));
        const qualities = faces.map((pf) => frameQuality(pf).value);
        const single: Record<string, Float32Array> = {};
        const template: Record<string, Float32Array> = {};
        const templateUniform: Record<string, Float32Array> = {};
        const singleLowRes: Record<string, Float32Array> = {};
        const templateLowRes: Record<string, Float32Array> = {};
        for (const r of recs) {
          const embs = await r.embed(faces.map((pf) => probeChip(r, pf)));
          single[r.id] = embs[0]!;
          template[r.id] = poolEmbeddings(embs, qualities);
          templateUniform[r.id] = poolEmbeddings(embs, qualities.map(() => 1));
          if (cfg.lowResAlignment) {
            const lowChips: Image[] = [];
            for (const s of seq) {
              const [pts] = await detectLandmarks(s.frame, [s.box]);
              lowChips.push(alignFace(s.frame, toLandmarks5(pts!), r.chipSize, r.template).crop);
            }
            const le = await r.embed(lowChips);
            singleLowRes[r.id] = le[0]!;
            templateLowRes[r.id] = poolEmbeddings(le, qualities);
          }
        }
        let gateQuality: number | null = null;
        if (cfg.gateQuality) {
          const best = qualities.indexOf(Math.max(...qualities));
          const bf = faces[best]!;
          const origin = bf.origin;
          gateQuality = (await faceQualityScore({ image: bf.upscaled, landmarks: bf.landmarks, sourceFaceWidth: bf.faceWidth, scale: 4, blockOffset: [((-origin[0] % 8) + 8) % 8, ((-origin[1] % 8) + 8) % 8] })).value;
        }
        probes.push({
          person: p.person,
          photo,
          probeIndex: idx,
          size,
          faceWidth: seq[0]!.box.w,
          codec,
          single,
          template,
          templateUniform,
          ...(cfg.lowResAlignment ? { singleLowRes, templateLowRes } : {}),
          frameQualities: qualities,
          ...(cfg.cleanProbe ? { clean } : {}),
          gateQuality,
        });
      }
      done++;
      cfg.onProgress?.({ stage: 'probes', current: done, total: totalProbes, unit: 'photos' });
    }
  }
  return { gallery, probes, skipped, people: gallery.length, recognizers: recs.map((r) => ({ id: r.id, modelId: r.modelId, describe: r.describe })) };
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
