/**
 * The enhancement on real faces (ORL): sequences made here from portraits downscaled to 20–32 px faces with
 * random sub-pixel motion, blur, noise and H.264 (8–16 frames each, picked every 5th frame of a clip encoded
 * with GOP 25). Checks, with the numbers printed:
 *  - fusion (the product's evidential pipeline, landmarks detected on the degraded frames) is closer to the
 *    original face than the best single frame upscaled, in PSNR and SSIM (baseline: every frame bicubic-upscaled
 *    through its TRUE motion, best score taken with knowledge of the truth), AND in identity similarity to the
 *    original portrait (baseline: the reference frame, the one quality ranking picks; the best over all frames,
 *    an oracle, is printed too);
 *  - the identity guard passes a faithful enhancement and fails one that drifted (another person's face, or a
 *    heavily corrupted image);
 *  - the CPU path is deterministic: fusion twice, and the networks at 1 and 2 intra-op threads, bit-identical.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { alignFace } from '../faces/align';
import { cosineSimilarity, embedFaces } from '../faces/embed';
import { superResolve } from '../faces/superResolve';
import { configureInference, releaseAll } from '../inference/session';
import { convertChannels, resizeBilinear, type Image } from '../image/image';
import { gaussianBlur } from '../image/filters';
import { psnr, ssim } from '../image/metrics';
import { createRng } from '../../domain/random';
import { recognise } from '../../testing/accuracy';
import { referenceFace } from '../../testing/faceSet';
import { DEFAULT_GUARD_THRESHOLDS, identitySimilarity } from '../../domain/identity';
import { guardEnhancement } from './guard';
import { enhanceCrops } from './pipeline';
import { resolveEnhanceSettings } from '../../domain/enhance';
import { groundTruthAtScale, makeProbe, upscaleAllAligned, upscaleReference, type Probe } from '../../testing/study';


const SCALE = 4;
const H264 = { crf: 28, preset: 'medium', fps: 25, gop: 25 } as const;
/** Person, face width (px) and frame count of each test sequence. */
const CASES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 20, 16],
  [2, 20, 12],
  [3, 24, 16],
  [4, 24, 8],
  [5, 28, 12],
  [6, 28, 16],
  [7, 32, 8],
  [8, 32, 12],
];

interface Row {
  person: number;
  width: number;
  frames: number;
  bestPsnr: number;
  bestSsim: number;
  fusedPsnr: number;
  fusedSsim: number;
  refIdentity: number;
  oracleIdentity: number;
  fusedIdentity: number;
  rejected: number;
}

async function originalEmbedding(person: number): Promise<Float32Array> {
  const f = await referenceFace(person, 1, 1);
  const [e] = await embedFaces([alignFace(convertChannels(f.image, 3), f.landmarks5, 150).crop]);
  return e!;
}

function box(p: Probe) {
  return { x: p.box.x * SCALE, y: p.box.y * SCALE, w: p.box.w * SCALE, h: p.box.h * SCALE };
}

async function identity(original: Float32Array, img: Image, p: Probe): Promise<number> {
  const { embedding } = await recognise(img, box(p));
  return identitySimilarity(cosineSimilarity(original, embedding));
}

describe('enhancement on real faces (ORL, 20–32 px, H.264)', () => {
  const rows: Row[] = [];
  const probes = new Map<number, Probe>();
  const fused = new Map<number, Image>();

  beforeAll(async () => {
    await installModels({ log: () => {} });
    for (const [person, width, frames] of CASES) {
      const face = await referenceFace(person, 1, 1);
      const probe = await makeProbe(face, width, { frames, maxShift: 1, maxRotationDeg: 2, blurSigma: 0.5, noiseSigma: 0.015, stride: 5, h264: H264, seed: 500 + person });
      probes.set(person, probe);
      const gt = groundTruthAtScale(probe.seq, SCALE);
      const r = await enhanceCrops(probe.crops, probe.reference, resolveEnhanceSettings({ mode: 'fusion', scale: SCALE, initialTransforms: 'centroid' }));
      fused.set(person, r.image);
      const singles = upscaleAllAligned(probe, SCALE);
      const original = await originalEmbedding(person);
      const ids: number[] = [];
      for (const s of singles) ids.push(await identity(original, s, probe));
      rows.push({
        person,
        width,
        frames,
        bestPsnr: Math.max(...singles.map((s) => psnr(s, gt))),
        bestSsim: Math.max(...singles.map((s) => ssim(s, gt))),
        fusedPsnr: psnr(r.image, gt),
        fusedSsim: ssim(r.image, gt),
        refIdentity: await identity(original, upscaleReference(probe, SCALE), probe),
        oracleIdentity: Math.max(...ids),
        fusedIdentity: await identity(original, r.image, probe),
        rejected: r.registrations!.filter((x) => !x.accepted).length,
      });
    }
  }, 240_000);

  afterAll(async () => {
    await releaseAll();
  });

  const mean = (k: keyof Row): number => rows.reduce((a, r) => a + r[k], 0) / rows.length;

  it('fusion beats the best single frame upscaled in PSNR, SSIM and identity similarity to the original', () => {
    console.log(
      [
        `[enhance.faces] fusion ×${SCALE} vs single frames, ${rows.length} ORL faces, H.264 CRF ${H264.crf} (every 5th frame, GOP ${H264.gop}), noise σ 0.015, blur σ 0.5 px:`,
        `  mean PSNR  best single frame ${mean('bestPsnr').toFixed(2)} dB → fusion ${mean('fusedPsnr').toFixed(2)} dB`,
        `  mean SSIM  best single frame ${mean('bestSsim').toFixed(4)} → fusion ${mean('fusedSsim').toFixed(4)}`,
        `  mean identity similarity to the original  reference frame ${mean('refIdentity').toFixed(3)} (best of all frames, oracle: ${mean('oracleIdentity').toFixed(3)}) → fusion ${mean('fusedIdentity').toFixed(3)}`,
        ...rows.map(
          (r) =>
            `  s${r.person} ${r.width}px ${r.frames}fr: PSNR ${r.bestPsnr.toFixed(2)} → ${r.fusedPsnr.toFixed(2)}, SSIM ${r.bestSsim.toFixed(3)} → ${r.fusedSsim.toFixed(3)}, identity ${r.refIdentity.toFixed(3)} (oracle ${r.oracleIdentity.toFixed(3)}) → ${r.fusedIdentity.toFixed(3)}${r.rejected ? `, ${r.rejected} frame(s) rejected` : ''}`,
        ),
      ].join('\n'),
    );
    expect(rows).toHaveLength(CASES.length);
    expect(mean('fusedPsnr')).toBeGreaterThan(mean('bestPsnr'));
    expect(mean('fusedSsim')).toBeGreaterThan(mean('bestSsim'));
    expect(mean('fusedIdentity')).toBeGreaterThan(mean('refIdentity'));
    // Per face too, for the pixel measures (they do not depend on a recogniser).
    expect(rows.filter((r) => r.fusedPsnr > r.bestPsnr).length).toBeGreaterThanOrEqual(CASES.length - 1);
  });

  it('the guard passes a faithful result and fails drift: another person’s face, or a corrupted image', async () => {
    const p = probes.get(7)!;
    const mine = fused.get(7)!;
    const other = resizeBilinear(fused.get(8)!, mine.width, mine.height);
    const { landmarks } = await recognise(mine, box(p));
    const base = { source: p.seq.frames[p.reference]!, landmarks, scale: SCALE, sourceFaceWidth: p.faceWidth, blockOffset: [0, 0] as const, thresholds: DEFAULT_GUARD_THRESHOLDS };
    const faithful = await guardEnhancement({ ...base, enhanced: mine });
    // Another person's fused face in place of the result: identity drift.
    const swapped = await guardEnhancement({ ...base, enhanced: other });
    // Heavy corruption: strong noise over a heavily blurred result.
    const rng = createRng(3);
    const noisy = gaussianBlur(mine, 6);
    for (let i = 0; i < noisy.data.length; i++) noisy.data[i] = Math.min(1, Math.max(0, noisy.data[i]! + 0.25 * rng.normal()));
    const corrupted = await guardEnhancement({ ...base, enhanced: noisy });
    console.log(
      `[enhance.faces] guard: faithful ${faithful.verdict} (similarity ${faithful.similarity.toFixed(3)}, quality ${faithful.quality.value.toFixed(3)}); ` +
        `another person ${swapped.verdict} (similarity ${swapped.similarity.toFixed(3)}, quality ${swapped.quality.value.toFixed(3)}); ` +
        `corrupted ${corrupted.verdict} (similarity ${corrupted.similarity.toFixed(3)}, quality ${corrupted.quality.value.toFixed(3)})`,
    );
    expect(faithful.verdict).toBe('pass');
    expect(swapped.verdict).toBe('fail');
    expect(swapped.similarity).toBeLessThan(DEFAULT_GUARD_THRESHOLDS.minSimilarity);
    expect(corrupted.verdict).toBe('fail');
    expect(faithful.similarity).toBeGreaterThan(swapped.similarity);
    for (const g of [faithful, swapped, corrupted]) {
      expect(g.quality.value).toBeGreaterThanOrEqual(0);
      expect(g.quality.value).toBeLessThanOrEqual(1);
      expect(g.thresholds).toEqual(DEFAULT_GUARD_THRESHOLDS);
    }
  });

  it('is deterministic on the CPU: fusion twice, and the networks at 1 and 2 threads, give identical bytes', async () => {
    const p = probes.get(3)!;
    const s = resolveEnhanceSettings({ mode: 'fusion+restore', scale: SCALE });
    const a = await enhanceCrops(p.crops, p.reference, s);
    const b = await enhanceCrops(p.crops, p.reference, s);
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    const crop = p.seq.frames[p.reference]!;
    const outputs: Buffer[] = [];
    for (const threads of [1, 2]) {
      await releaseAll();
      configureInference({ intraOpThreads: threads });
      const sr = await superResolve(crop, 4);
      const [e] = await embedFaces([resizeBilinear(convertChannels(sr, 3), 150, 150)]);
      outputs.push(Buffer.concat([Buffer.from(sr.data.buffer), Buffer.from(e!.buffer)]));
    }
    expect(outputs[0]!.equals(outputs[1]!)).toBe(true);
  });
});
