/**
 * The identification worker tasks. Workers never open the case: they read the files they are given, write images
 * into the case's content-addressed store, and return hashes and numbers for the case service to record.
 *
 *  - `identify.reference`: one reference photo → every face in it (box, score, landmarks, a thumbnail) and, for
 *    the chosen face (the only one, or `faceIndex`), its aligned chip, embedding and quality. The photo is read
 *    as a person sees it (EXIF orientation applied; the record says so).
 *  - `identify.templates`: face tracks → templates. Each chosen frame is decoded from the ORIGINAL evidence file
 *    and its decoded pixels' MD5 checked against the frame index (`extractFrame`, as enhancement does); a frame
 *    shared by several tracks is decoded once. Each face: native crop → ×4 bicubic → landmarks found again →
 *    aligned chip → embedding; the frame's quality weights it in the template (faces.ts).
 *  - `identify.image`: one image with known landmarks (an enhancement's output) → chip, embedding.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { SightlineError, cancelled } from '../../domain/errors';
import { RgbConversionSchema, extractFrame } from '../../platform/ffmpeg';
import { DetectedFrameSchema } from '../tasks/frameSchemas';
import { writeDerivedBytes } from '../../platform/derivedStore';
import type { Landmarks5 } from '../faces/align';
import type { Point } from '../image/geometry';
import { convertChannels, cropImage, encodePng, fromBytes, readImage, resizeBilinear, type Image } from '../image/image';
import { faceQualityScore, type QualityScore } from '../enhance/guard';
import type { TaskContext, TaskFn } from '../protocol';
import { chipFor, recognizer, RECOGNIZER_IDS } from './recognizer';
import { detectStillFaces, frameQuality, poolEmbeddings, probeChip, probeFace, type FrameQuality, type StillFace } from './faces';

export interface StoredImage {
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
}

async function store(derivedDir: string, img: Image): Promise<StoredImage> {
  const { sha256 } = writeDerivedBytes(derivedDir, await encodePng(img));
  return { sha256, width: img.width, height: img.height };
}

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const blockPhase = (o: number): number => ((-Math.round(o) % 8) + 8) % 8;
const Recognizer = z.enum(RECOGNIZER_IDS as unknown as [string, ...string[]]);

// ───────────────────────────── reference photos ─────────────────────────────

export const ReferenceTaskParams = z
  .object({
    file: z.string().min(1),
    derivedDir: z.string().min(1),
    recognizer: Recognizer,
    faceIndex: z.number().int().nonnegative().optional(),
  })
  .strict();
export type ReferenceTaskParams = z.output<typeof ReferenceTaskParams>;

export interface ReferenceFace {
  readonly index: number;
  readonly box: { x: number; y: number; w: number; h: number };
  readonly score: number;
  readonly landmarks5: Array<[number, number]>;
  readonly pass: string;
  readonly thumb: StoredImage;
}

export interface ReferenceTaskResult {
  readonly width: number;
  readonly height: number;
  /** EXIF orientation of the file (1 = none); the pixels were turned upright before anything else. */
  readonly orientation: number;
  readonly faces: ReferenceFace[];
  /** Index of the face processed; null when there were several and none was chosen. */
  readonly chosen: number | null;
  readonly enrolled: {
    readonly embedding: Float32Array;
    readonly chip: StoredImage;
    readonly image: StoredImage;
    readonly quality: QualityScore;
    readonly alignmentResidual: number;
  } | null;
}

/** The photo for display: at most this many pixels on its longer side (the evidence copy keeps every pixel). */
const DISPLAY_MAX = 1600;

async function thumbOf(derivedDir: string, image: Image, f: StillFace): Promise<StoredImage> {
  const side = Math.max(f.box.w, f.box.h) * 1.6;
  const crop = cropImage(image, f.box.x + f.box.w / 2 - side / 2, f.box.y + f.box.h / 2 - side / 2, side, side);
  const n = Math.min(160, crop.width);
  return store(derivedDir, n === crop.width ? crop : resizeBilinear(crop, n, n));
}

export async function runReference(raw: unknown, ctx: TaskContext): Promise<ReferenceTaskResult> {
  const p = ReferenceTaskParams.parse(raw);
  const r = recognizer(p.recognizer as 'faceres' | 'dlib');
  ctx.progress('reference', 0, 3, 'steps');
  let image: Image;
  let orientation = 1;
  try {
    orientation = (await sharp(p.file).metadata()).orientation ?? 1;
    image = await readImage(p.file, 3);
  } catch (e) {
    throw new SightlineError('UNSUPPORTED_MEDIA', `${path.basename(p.file)} cannot be read as a photo (${(e as Error).message.split('\n')[0]})`);
  }
  if (ctx.signal.aborted) throw cancelled('enrolment');
  const found = await detectStillFaces(image);
  ctx.progress('reference', 1, 3, 'steps');
  const faces: ReferenceFace[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    faces.push({
      index: i,
      box: { x: r4(f.box.x), y: r4(f.box.y), w: r4(f.box.w), h: r4(f.box.h) },
      score: r4(f.score),
      landmarks5: f.landmarks5.map(([x, y]) => [r4(x), r4(y)] as [number, number]),
      pass: f.pass,
      thumb: await thumbOf(p.derivedDir, image, f),
    });
  }
  let chosen: number | null = null;
  if (p.faceIndex !== undefined) {
    if (p.faceIndex >= found.length) throw new SightlineError('INVALID_INPUT', `face ${p.faceIndex + 1} was asked for, but the photo has ${found.length} face(s)`);
    chosen = p.faceIndex;
  } else if (found.length === 1) chosen = 0;
  if (chosen === null) return { width: image.width, height: image.height, orientation, faces, chosen, enrolled: null };
  if (ctx.signal.aborted) throw cancelled('enrolment');

  const f = found[chosen]!;
  const { chip, residual } = chipFor(r, image, f.landmarks5);
  const [embedding] = await r.embed([chip]);
  // Quality of the reference at its own resolution, on a window around the face (blockiness on the JPEG grid).
  const side = Math.max(f.box.w, f.box.h) * 2;
  const ox = Math.round(f.box.x + f.box.w / 2 - side / 2);
  const oy = Math.round(f.box.y + f.box.h / 2 - side / 2);
  const win = cropImage(image, ox, oy, side, side);
  const lm = f.landmarks5.map(([x, y]) => [x - ox, y - oy] as Point) as unknown as Landmarks5;
  const quality = await faceQualityScore({ image: win, landmarks: lm, sourceFaceWidth: f.box.w, scale: 1, blockOffset: [blockPhase(ox), blockPhase(oy)] });
  ctx.progress('reference', 2, 3, 'steps');
  const L = Math.max(image.width, image.height);
  const display = L > DISPLAY_MAX ? resizeBilinear(image, Math.round((image.width * DISPLAY_MAX) / L), Math.round((image.height * DISPLAY_MAX) / L)) : image;
  const enrolled = {
    embedding: embedding!,
    chip: await store(p.derivedDir, chip),
    image: await store(p.derivedDir, display),
    quality,
    alignmentResidual: r4(residual),
  };
  ctx.progress('reference', 3, 3, 'steps');
  return { width: image.width, height: image.height, orientation, faces, chosen, enrolled };
}

// ───────────────────────────── track templates ─────────────────────────────

export const TemplateFrame = DetectedFrameSchema;
export type TemplateFrame = z.output<typeof TemplateFrame>;

export const TemplatesTaskParams = z
  .object({
    file: z.string().min(1),
    frameWidth: z.number().int().positive(),
    frameHeight: z.number().int().positive(),
    /** How the evidence's pixels were indexed: ffmpeg (clips) or sharp (stills), so the MD5 check compares like with like. */
    decoder: z.enum(['ffmpeg', 'sharp']),
    /** How decoded frames become RGB (the one decode path), from the evidence record. */
    conversion: RgbConversionSchema,
    items: z.array(z.object({ key: z.string().min(1), frames: z.array(TemplateFrame).min(1).max(64) }).strict()).min(1),
    recognizer: Recognizer,
    upscale: z.number().int().min(1).max(8),
    margin: z.number().min(0).max(2),
    derivedDir: z.string().min(1),
    scratchDir: z.string().min(1),
  })
  .strict();
export type TemplatesTaskParams = z.output<typeof TemplatesTaskParams>;

export interface TemplateFrameResult {
  readonly frame: number;
  readonly detectionId: number;
  readonly frameMd5: string;
  readonly box: { x: number; y: number; w: number; h: number };
  /** Native crop (original pixels) and its origin in the frame; the aligned chip the embedding came from. */
  readonly crop: StoredImage;
  readonly origin: [number, number];
  readonly chip: StoredImage;
  /** Landmarks found on the upscaled crop, in frame pixels. */
  readonly landmarks: Array<[number, number]>;
  readonly quality: FrameQuality;
  /** Share of the template (weights normalised to sum 1). */
  readonly weight: number;
}

export interface TemplateItemResult {
  readonly key: string;
  readonly frames: TemplateFrameResult[];
  readonly embedding: Float32Array;
  /** The gate's quality: the guard's full quality of the highest-weighted frame. */
  readonly quality: QualityScore;
  readonly qualityFrame: number;
  /** Median detection width of the frames used, in original pixels (the calibration band). */
  readonly faceWidth: number;
}

export interface TemplatesTaskResult {
  readonly items: TemplateItemResult[];
  readonly framesDecoded: number;
}

async function decodeVerified(p: TemplatesTaskParams, f: TemplateFrame, signal: AbortSignal): Promise<Image> {
  if (p.decoder === 'sharp') {
    // A still indexed by libvips: the MD5 of its sRGB pixels as stored (no EXIF rotation), as at import.
    const { data, info } = await sharp(p.file, { failOn: 'error' }).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const md5 = crypto.createHash('md5').update(data).digest('hex');
    if (md5 !== f.md5) throw new SightlineError('CORRUPT_MEDIA', `the still decodes differently from when it was indexed (MD5 ${md5} ≠ ${f.md5})`);
    return fromBytes(data, info.width, info.height, 3);
  }
  fs.mkdirSync(p.scratchDir, { recursive: true });
  const png = path.join(p.scratchDir, `frame-${f.frame}-${crypto.randomBytes(6).toString('hex')}.png`);
  try {
    await extractFrame(p.file, { index: f.frame, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: f.seekTo, conversion: p.conversion }, png, signal);
    const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.width !== p.frameWidth || info.height !== p.frameHeight || info.channels !== 3) {
      throw new SightlineError('CORRUPT_MEDIA', `frame ${f.frame} decoded as ${info.width}×${info.height}×${info.channels}, expected ${p.frameWidth}×${p.frameHeight}×3`);
    }
    return fromBytes(data, info.width, info.height, 3);
  } finally {
    fs.rmSync(png, { force: true });
  }
}

function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function runTemplates(raw: unknown, ctx: TaskContext): Promise<TemplatesTaskResult> {
  const p = TemplatesTaskParams.parse(raw);
  const r = recognizer(p.recognizer as 'faceres' | 'dlib');
  // Decode each distinct frame once, in frame order, and cut every face wanted from it.
  const byFrame = new Map<number, { target: TemplateFrame; uses: Array<{ item: number; frame: TemplateFrame }> }>();
  p.items.forEach((it, i) => {
    for (const f of it.frames) {
      const e = byFrame.get(f.frame);
      if (e && e.target.md5 !== f.md5) throw new SightlineError('INVALID_INPUT', `frame ${f.frame} is given with two different pixel MD5s`);
      if (e) e.uses.push({ item: i, frame: f });
      else byFrame.set(f.frame, { target: f, uses: [{ item: i, frame: f }] });
    }
  });
  const frames = [...byFrame.keys()].sort((a, b) => a - b);
  const faces: Array<Array<{ f: TemplateFrame; probe: Awaited<ReturnType<typeof probeFace>> }>> = p.items.map(() => []);
  const total = frames.length + p.items.length;
  ctx.progress('template', 0, total, 'steps');
  let done = 0;
  for (const idx of frames) {
    if (ctx.signal.aborted) throw cancelled('identification');
    const e = byFrame.get(idx)!;
    const image = await decodeVerified(p, e.target, ctx.signal);
    for (const u of e.uses) faces[u.item]!.push({ f: u.frame, probe: await probeFace(image, u.frame.box, { upscale: p.upscale, margin: p.margin }) });
    ctx.progress('template', ++done, total, 'steps');
  }
  const items: TemplateItemResult[] = [];
  for (let i = 0; i < p.items.length; i++) {
    if (ctx.signal.aborted) throw cancelled('identification');
    const list = faces[i]!.sort((a, b) => a.f.frame - b.f.frame);
    const chips = list.map((x) => probeChip(r, x.probe));
    const embeddings = await r.embed(chips);
    const qualities = list.map((x) => frameQuality(x.probe));
    // A frame of quality 0 (a face the landmarks could not hold) still counts a little, never for nothing.
    const weights = qualities.map((q) => Math.max(1e-3, q.value));
    const wsum = weights.reduce((a, b) => a + b, 0);
    const embedding = poolEmbeddings(embeddings, weights);
    const best = weights.indexOf(Math.max(...weights));
    const bp = list[best]!.probe;
    const quality = await faceQualityScore({ image: bp.upscaled, landmarks: bp.landmarks, sourceFaceWidth: bp.faceWidth, scale: p.upscale, blockOffset: [blockPhase(bp.origin[0]), blockPhase(bp.origin[1])] });
    const out: TemplateFrameResult[] = [];
    for (let k = 0; k < list.length; k++) {
      const x = list[k]!;
      out.push({
        frame: x.f.frame,
        detectionId: x.f.detectionId,
        frameMd5: x.f.md5,
        box: { ...x.f.box },
        crop: await store(p.derivedDir, x.probe.crop),
        origin: x.probe.origin,
        chip: await store(p.derivedDir, chips[k]!),
        landmarks: x.probe.frameLandmarks.map(([a, b]) => [r4(a), r4(b)] as [number, number]),
        quality: qualities[k]!,
        weight: r4(weights[k]! / wsum),
      });
    }
    items.push({ key: p.items[i]!.key, frames: out, embedding, quality, qualityFrame: list[best]!.f.frame, faceWidth: median(list.map((x) => x.f.box.w)) });
    ctx.progress('template', ++done, total, 'steps');
  }
  return { items, framesDecoded: frames.length };
}

// ───────────────────────────── one image (an enhancement's output) ─────────────────────────────

export const ImageTaskParams = z
  .object({
    file: z.string().min(1),
    landmarks5: z.array(z.tuple([z.number(), z.number()])).length(5),
    recognizer: Recognizer,
    derivedDir: z.string().min(1),
  })
  .strict();
export type ImageTaskParams = z.output<typeof ImageTaskParams>;

export interface ImageTaskResult {
  readonly embedding: Float32Array;
  readonly chip: StoredImage;
}

export async function runImage(raw: unknown, ctx: TaskContext): Promise<ImageTaskResult> {
  const p = ImageTaskParams.parse(raw);
  const r = recognizer(p.recognizer as 'faceres' | 'dlib');
  const image = convertChannels(await readImage(p.file, 3), 3);
  if (ctx.signal.aborted) throw cancelled('identification');
  const { chip } = chipFor(r, image, p.landmarks5 as unknown as Landmarks5);
  const [embedding] = await r.embed([chip]);
  return { embedding: embedding!, chip: await store(p.derivedDir, chip) };
}

export const reference: TaskFn<ReferenceTaskResult> = (params, ctx) => runReference(params, ctx);
export const templates: TaskFn<TemplatesTaskResult> = (params, ctx) => runTemplates(params, ctx);
export const image: TaskFn<ImageTaskResult> = (params, ctx) => runImage(params, ctx);
