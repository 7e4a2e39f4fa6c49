/**
 * Effective resolution: footage upscaled before it reached the examiner (nearest-neighbour and bicubic, ×4 and
 * ×8, then H.264 as any export would be) must not score as high resolution in the guard, while native footage of
 * the same face width still does. Faces: ORL fixture portraits of people the estimator was not calibrated on
 * (persons 7–10; calibration used s1–s6 of the development set).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp';
import { makeFaceClip, FACE_FRACTION_OF_PORTRAIT } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { extractFrame, indexFrames, probeMedia, rgbConversionFromProbe, runFfmpeg } from '../../platform/ffmpeg';
import { cropImage, fromBytes, type Image } from '../image/image';
import { h264RoundTrip } from '../../testing/degrade';
import { effectiveResolution } from './effectiveResolution';
import { resolutionComponent } from './guard';

const tmp = tempDir('effres');
afterAll(() => tmp.cleanup());

/** The resolution component may not exceed that of a face 1.5× as wide as the detail really there. */
const HONEST_MARGIN = 1.5;

async function portrait(person: number, index: number, faceWidth: number): Promise<Image> {
  const w = Math.round(faceWidth / FACE_FRACTION_OF_PORTRAIT);
  const h = Math.round((w * 112) / 92);
  const { data, info } = await sharp(faceFile(person, index)).removeAlpha().toColourspace('srgb').resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return fromBytes(data, info.width, info.height, 3);
}

/** Frame `index` of a clip as the app decodes it (the one decode path, MD5-checked against the index). */
async function frameOf(file: string, index: number): Promise<Image> {
  const facts = await probeMedia(file);
  const f = (await indexFrames(file)).frames[index]!;
  const out = path.join(tmp.dir, `${path.basename(file)}-${index}.png`);
  await extractFrame(file, { index, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: null, conversion: rgbConversionFromProbe(facts.raw) }, out);
  const { data, info } = await sharp(out).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return fromBytes(data, info.width, info.height, 3);
}

describe('effective resolution of a face crop', () => {
  it('finds native faces native (no upscaling) from 16 to 40 px, through H.264', async () => {
    // (Wider faces cannot be made native from ORL: its photographs' own faces are ~64 px, and soft.)
    for (const person of [7, 8, 9, 10]) {
      for (const width of [16, 24, 40]) {
        const face = await portrait(person, 2, width);
        const even = cropImage(face, 0, 0, face.width & ~1, face.height & ~1);
        const [decoded] = await h264RoundTrip([even, even, even], { crf: 28, preset: 'veryfast', fps: 25, gop: 3 });
        const e = effectiveResolution(decoded!, width);
        expect(e.factor, `person ${person}, ${width} px: ${JSON.stringify(e.ratios)}`).toBe(1);
      }
    }
  });

  it('sees through footage upscaled ×4 and ×8 (nearest-neighbour and bicubic): the guard’s resolution stays honest', async () => {
    // A 20 px face walking through a 160×120 scene, then the whole clip upscaled and re-encoded, as an "HD" export would be.
    const small = await makeFaceClip({
      out: path.join(tmp.dir, 'native-160.mp4'),
      width: 160,
      height: 120,
      frames: 6,
      crf: 26,
      faces: [{ portrait: faceFile(8, 3), faceWidth: 20, start: [50, 30], velocity: [1, 0] }],
    });
    const truth = small.truth[3]![0]!;
    const faceWidth = truth.w * FACE_FRACTION_OF_PORTRAIT;
    for (const k of [4, 8]) {
      for (const flags of ['neighbor', 'bicubic']) {
        const up = path.join(tmp.dir, `up-${flags}-${k}.mp4`);
        await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', small.file, '-vf', `scale=iw*${k}:ih*${k}:flags=${flags}`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', up]);
        const frame = await frameOf(up, 3);
        const crop = cropImage(frame, Math.round(truth.x * k), Math.round(truth.y * k), Math.round(truth.w * k), Math.round(truth.h * k));
        const e = effectiveResolution(crop, faceWidth * k);
        const honest = resolutionComponent(HONEST_MARGIN * faceWidth);
        // Counting pixels, this face would score full resolution; by its detail it scores as the 20 px face it is.
        expect(resolutionComponent(faceWidth * k)).toBe(1);
        expect(e.effectiveFaceWidth, `${flags} ×${k}: factor ${e.factor}, ${JSON.stringify(e.ratios)}`).toBeLessThanOrEqual(HONEST_MARGIN * faceWidth);
        expect(resolutionComponent(e.effectiveFaceWidth)).toBeLessThanOrEqual(honest);
        // …and not a face poorer than it is (the factor found is the true one, or next to it).
        expect(e.effectiveFaceWidth).toBeGreaterThanOrEqual(faceWidth / 2);
        expect(honest).toBeLessThan(0.6);
      }
    }
    // A face filmed natively (as wide as ORL allows: 40 px) keeps its score.
    const native = await makeFaceClip({
      out: path.join(tmp.dir, 'native-320.mp4'),
      width: 320,
      height: 240,
      frames: 6,
      crf: 26,
      faces: [{ portrait: faceFile(8, 3), faceWidth: 40, start: [100, 60], velocity: [1, 0] }],
    });
    const t = native.truth[3]![0]!;
    const frame = await frameOf(native.file, 3);
    const e = effectiveResolution(cropImage(frame, t.x, t.y, t.w, t.h), t.w * FACE_FRACTION_OF_PORTRAIT);
    expect(e.factor, JSON.stringify(e.ratios)).toBe(1);
    expect(resolutionComponent(e.effectiveFaceWidth)).toBeCloseTo(resolutionComponent(40), 1);
    expect(fs.existsSync(native.file)).toBe(true);
  }, 120_000);
});
