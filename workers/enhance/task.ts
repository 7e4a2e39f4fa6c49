/**
 * The `enhance` worker task: from the evidence file to an enhanced face and its identity guard.
 *
 *  1. Each selected frame is decoded from the ORIGINAL evidence file by `extractFrame`, which checks the
 *     decoded pixels' MD5 against the frame index recorded at import: frame N is provably the same picture.
 *  2. Each face is cut out at native resolution — no resampling: an integer-offset window the size of the
 *     reference detection box grown by `margin` on every side, centred on that frame's detection box. Pixels
 *     outside the frame (a face at the border) are edge-replicated, and their fraction is reported per frame.
 *  3. `enhanceCrops` (pipeline.ts) fuses and/or restores.
 *  4. The landmark network finds the face on the result inside the reference box; the guard aligns the result
 *     and the source crop on those points and scores identity similarity and quality.
 *  5. Every image — each input crop, the result, the per-frame contribution maps, the two guard chips — is
 *     written to the case's content-addressed store; the task returns hashes and numbers only. The worker never
 *     opens the case database; the job in main records everything in one transaction with the audit entry.
 * A replay sends the recorded parameters through this same function and compares hashes.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import sharp from 'sharp';
import { z } from 'zod';
import { writeDerivedBytes } from '../../platform/derivedStore';
import { cancelled } from '../../domain/errors';
import { RgbConversionSchema, extractFrame } from '../../platform/ffmpeg';
import type { Landmarks5 } from '../faces/align';
import { detectLandmarks, toLandmarks5 } from '../faces/detect';
import type { Point } from '../image/geometry';
import { convertChannels, cropImage, encodePng, fromBytes, type Image } from '../image/image';
import type { TaskContext, TaskFn } from '../protocol';
import { guardEnhancement, type GuardResult } from './guard';
import { blockPhase, enhanceCrops, type CropFrame } from './pipeline';
import { EnhanceSettings, tierOf, type Tier } from '../../domain/enhance';
import { frameSizeProblem } from '../../domain/mediaLimits';
import type { ProcessingStep } from '../../domain/processingStep';
import type { FrameRegistration } from './fusion';
import { DetectedFrameSchema } from '../tasks/frameSchemas';

const PointSchema = z.tuple([z.number(), z.number()]);

export const EnhanceTaskFrame = DetectedFrameSchema.extend({
  landmarks5: z.array(PointSchema).length(5),
  quality: z.number(),
}).strict();

export const EnhanceTaskParams = z
  .object({
    file: z.string().min(1),
    frameWidth: z.number().int().positive(),
    frameHeight: z.number().int().positive(),
    frames: z.array(EnhanceTaskFrame).min(1).max(64),
    /** Index into `frames` of the reference (best) frame. */
    reference: z.number().int().nonnegative(),
    settings: EnhanceSettings,
    thresholds: z.object({ minQuality: z.number().min(0).max(1), minSimilarity: z.number().min(0).max(1) }).strict(),
    derivedDir: z.string().min(1),
    scratchDir: z.string().min(1),
    /**
     * How frames become RGB: the stated conversion of the one decode path (`rgbFilter`). Absent in tasks
     * recorded before it existed: those decode through the legacy graph they ran with, so they replay exactly.
     */
    decode: z
      .object({
        conversion: RgbConversionSchema,
        graph: z.string(),
      })
      .strict()
      .optional(),
  })
  .strict()
  // One decoded frame's memory is bounded (domain/mediaLimits.ts).
  .refine((p) => frameSizeProblem(p.frameWidth, p.frameHeight) === null, { message: 'frame size beyond the limit (domain/mediaLimits.ts)', path: ['frameWidth'] });
export type EnhanceTaskParams = z.output<typeof EnhanceTaskParams>;
export type EnhanceTaskFrame = z.output<typeof EnhanceTaskFrame>;

export interface StoredImage {
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
}

export interface InputCrop extends StoredImage {
  readonly frame: number;
  readonly detectionId: number;
  readonly frameMd5: string;
  /** Crop origin in the frame (integer) and the fraction of the crop outside the frame (edge-replicated). */
  readonly origin: [number, number];
  readonly outsideFraction: number;
  /** The detection's landmarks in crop pixels (what the initial transforms used). */
  readonly landmarks: Array<[number, number]>;
}

export interface ContributionRecord {
  readonly frame: number;
  readonly share: number;
  readonly meanRobustWeight: number;
  readonly downweightedFraction: number;
  readonly map: StoredImage;
}

export type RegistrationRecord = Omit<FrameRegistration, 'warp' | 'initial'> & { readonly frame: number; readonly warp: number[]; readonly initial: number[] };

export interface EnhanceTaskResult {
  readonly tier: Tier;
  readonly mode: EnhanceSettings['mode'];
  readonly scale: number;
  readonly referenceFrame: number;
  readonly crop: { readonly width: number; readonly height: number; readonly margin: number };
  readonly inputs: InputCrop[];
  readonly source: StoredImage;
  readonly output: StoredImage;
  readonly registrations: RegistrationRecord[] | null;
  readonly contributions: ContributionRecord[] | null;
  readonly steps: ProcessingStep[];
  /** Model ids the result depends on, beyond the guard's (landmarks, embedder). */
  readonly models: string[];
  readonly guard: GuardResult & { readonly landmarks: Array<[number, number]>; readonly sourceChip: StoredImage; readonly enhancedChip: StoredImage };
  readonly fusionStats: { readonly noiseScale: number; readonly holeFraction: number } | null;
  readonly timings: Record<string, number>;
}

async function store(derivedDir: string, img: Image): Promise<StoredImage> {
  const { sha256 } = writeDerivedBytes(derivedDir, await encodePng(img));
  return { sha256, width: img.width, height: img.height };
}

/** Decode one frame from the evidence file, MD5-verified against the index, as an RGB image. */
async function decodeVerified(p: EnhanceTaskParams, f: EnhanceTaskFrame, signal: AbortSignal): Promise<Image> {
  fs.mkdirSync(p.scratchDir, { recursive: true });
  const png = path.join(p.scratchDir, `frame-${f.frame}-${crypto.randomBytes(6).toString('hex')}.png`);
  try {
    await extractFrame(p.file, { index: f.frame, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: f.seekTo, conversion: p.decode?.conversion ?? 'legacy' }, png, signal);
    const { data, info } = await sharp(png).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.width !== p.frameWidth || info.height !== p.frameHeight || info.channels !== 3) {
      throw new Error(`frame ${f.frame} decoded as ${info.width}×${info.height}×${info.channels}, expected ${p.frameWidth}×${p.frameHeight}×3`);
    }
    return fromBytes(data, info.width, info.height, 3);
  } finally {
    fs.rmSync(png, { force: true });
  }
}

/** The crop window of each frame: the reference box's size + margin, centred on that frame's box, integer origin. */
export function cropWindows(frames: readonly { box: { x: number; y: number; w: number; h: number } }[], reference: number, margin: number): { w: number; h: number; origins: Array<[number, number]> } {
  const rb = frames[reference]!.box;
  const w = Math.max(8, Math.round(rb.w * (1 + 2 * margin)));
  const h = Math.max(8, Math.round(rb.h * (1 + 2 * margin)));
  const origins = frames.map(({ box }) => [Math.round(box.x + box.w / 2 - w / 2), Math.round(box.y + box.h / 2 - h / 2)] as [number, number]);
  return { w, h, origins };
}

function outsideFraction(origin: [number, number], w: number, h: number, fw: number, fh: number): number {
  const ix = Math.max(0, Math.min(origin[0] + w, fw) - Math.max(origin[0], 0));
  const iy = Math.max(0, Math.min(origin[1] + h, fh) - Math.max(origin[1], 0));
  return 1 - (ix * iy) / (w * h);
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export async function runEnhance(raw: unknown, ctx: TaskContext): Promise<EnhanceTaskResult> {
  const p = EnhanceTaskParams.parse(raw);
  if (p.reference >= p.frames.length) throw new RangeError('reference frame out of range');
  const s = p.settings;
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - t);
    t = now;
  };
  const check = (): void => {
    if (ctx.signal.aborted) throw cancelled('enhancement');
  };
  // A restoration uses the reference frame alone; decoding the others would only cost time.
  const used = s.mode === 'restore' ? [p.reference] : p.frames.map((_, i) => i);
  const frames = used.map((i) => p.frames[i]!);
  const reference = used.indexOf(p.reference);
  // One bar over the whole task, with the stage named: decode (one step per frame), then the enhancement itself,
  // the identity guard and storing the images.
  const total = frames.length + 3;
  ctx.progress('decode', 0, total, 'steps');

  const win = cropWindows(frames, reference, s.margin);
  const crops: CropFrame[] = [];
  const inputs: InputCrop[] = [];
  for (let k = 0; k < frames.length; k++) {
    check();
    const f = frames[k]!;
    const full = await decodeVerified(p, f, ctx.signal);
    const origin = win.origins[k]!;
    const image = cropImage(full, origin[0], origin[1], win.w, win.h);
    const landmarks = f.landmarks5.map(([x, y]) => [x - origin[0], y - origin[1]] as Point) as unknown as Landmarks5;
    crops.push({ frame: f.frame, image, landmarks, origin, box: { x: f.box.x - origin[0], y: f.box.y - origin[1], w: f.box.w, h: f.box.h } });
    const stored = await store(p.derivedDir, image);
    inputs.push({
      ...stored,
      frame: f.frame,
      detectionId: f.detectionId,
      frameMd5: f.md5,
      origin,
      outsideFraction: r6(outsideFraction(origin, win.w, win.h, p.frameWidth, p.frameHeight)),
      landmarks: landmarks.map(([x, y]) => [r6(x), r6(y)]),
    });
    ctx.progress('decode', k + 1, total, 'steps');
  }
  lap('decodeAndCrop');
  check();

  const rb0 = frames[reference]!.box;
  const ro0 = win.origins[reference]!;
  const faceBox = { x: rb0.x - ro0[0], y: rb0.y - ro0[1], w: rb0.w, h: rb0.h };
  const core = await enhanceCrops(crops, reference, s, (stage) => ctx.progress(stage, frames.length, total, 'steps'), faceBox);
  lap('enhance');
  ctx.progress('guard', frames.length + 1, total, 'steps');
  check();

  // Landmarks on the result, inside the reference box mapped onto the output grid (box edges scale by `scale`).
  const sc = s.scale;
  const rb = frames[reference]!.box;
  const ro = win.origins[reference]!;
  const box = { x: (rb.x - ro[0]) * sc, y: (rb.y - ro[1]) * sc, w: rb.w * sc, h: rb.h * sc };
  const [pts] = await detectLandmarks(convertChannels(core.image, 3), [box]);
  const landmarks = toLandmarks5(pts!);
  const guard = await guardEnhancement({
    source: core.source,
    enhanced: core.image,
    landmarks,
    scale: sc,
    sourceFaceWidth: rb.w,
    blockOffset: blockPhase(ro, 8),
    thresholds: p.thresholds,
    resolution: s.guard.resolution === 'effective-detail' ? { from: 'effective-detail', minEffectiveFaceWidth: s.guard.minEffectiveFaceWidth } : { from: 'box-width' },
  });
  lap('guard');
  ctx.progress('store', frames.length + 2, total, 'steps');
  check();

  const output = await store(p.derivedDir, core.image);
  const source = inputs[reference]!;
  const contributions = core.contributions
    ? await Promise.all(
        core.contributions.map(async (c) => ({
          frame: c.frame,
          share: r6(c.share),
          meanRobustWeight: r6(c.meanRobustWeight),
          downweightedFraction: r6(c.downweightedFraction),
          map: await store(p.derivedDir, c.map),
        })),
      )
    : null;
  const registrations = core.registrations
    ? core.registrations.map((r) => ({ ...r, frame: frames[r.index]!.frame, warp: r.warp.map(r6), initial: r.initial.map(r6) }))
    : null;
  const { sourceChip, enhancedChip, ...guardNumbers } = guard;
  const result: EnhanceTaskResult = {
    tier: tierOf(s.mode),
    mode: s.mode,
    scale: sc,
    referenceFrame: frames[reference]!.frame,
    crop: { width: win.w, height: win.h, margin: s.margin },
    inputs,
    source: { sha256: source.sha256, width: source.width, height: source.height },
    output,
    registrations,
    contributions,
    steps: core.steps,
    models: core.models,
    guard: {
      ...guardNumbers,
      landmarks: landmarks.map(([x, y]) => [r6(x), r6(y)]),
      sourceChip: await store(p.derivedDir, sourceChip),
      enhancedChip: await store(p.derivedDir, enhancedChip),
    },
    fusionStats: core.fusionStats,
    timings,
  };
  lap('store');
  ctx.progress('store', total, total, 'steps');
  return result;
}

export const enhance: TaskFn<EnhanceTaskResult> = (params, ctx) => runEnhance(params, ctx);
