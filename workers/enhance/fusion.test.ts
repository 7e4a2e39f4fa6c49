import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createImage, toBytes, type Affine, type Image } from '../image/image';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import { composeAffine, translation, warpDistance } from '../image/register';
import { degradeSequence, type DegradedSequence } from '../../testing/degrade';
import { fusedPsfSigma } from './deconvolve';
import { scoreFusion } from '../../testing/evaluate';
import { FUSION_DEFAULTS, fuseFrames, upscaleSingleFrame } from './fusion';

/** A face-sized synthetic texture standing in for a face when the real-face data is absent. */
const hr = renderScene(syntheticScene(42, 92, 112, 3), 92, 112, undefined, 2);

let cached: DegradedSequence | null = null;
async function sequence(): Promise<DegradedSequence> {
  cached ??= await degradeSequence(hr, { frames: 12, factor: 4, maxRotationDeg: 2, seed: 5 });
  return cached;
}

describe('fuseFrames on a synthetic sequence', () => {
  it('registers every frame to sub-pixel accuracy and beats the best single frame', async () => {
    const seq = await sequence();
    const psf = fusedPsfSigma(4, seq.params.blurSigma, 1);
    const s = scoreFusion(seq, { scale: 4, deconvolution: { method: 'wiener', psfSigma: psf, nsr: 0.1 } });
    console.log(
      `synthetic ×4, 12 frames: fused ${s.fusedPsnr.toFixed(2)} dB / SSIM ${s.fusedSsim.toFixed(3)} vs best frame ${s.bestFramePsnr.toFixed(2)} dB / ${s.bestFrameSsim.toFixed(3)}; registration error ${s.registrationError.toFixed(3)} px`,
    );
    expect(s.rejected).toBe(0);
    expect(s.registrationError).toBeLessThan(0.1);
    expect(s.fusedPsnr).toBeGreaterThan(s.bestFramePsnr);
    expect(s.fusedSsim).toBeGreaterThan(s.bestFrameSsim);
  });

  it('reports registration, contributions, parameters and steps', async () => {
    const seq = await sequence();
    const r = fuseFrames(seq.frames, { scale: 4, reference: 0, deconvolution: { method: 'richardson-lucy', psfSigma: 2, iterations: 10 } });
    expect(r.image.width).toBe(seq.frames[0]!.width * 4);
    expect(r.registrations).toHaveLength(12);
    expect(r.registrations[0]!.warp).toEqual([1, 0, 0, 0, 1, 0]);
    for (const g of r.registrations) {
      expect(g.accepted).toBe(true);
      expect(g.reasons).toEqual([]);
      expect(g.robustCorrelation).toBeGreaterThan(0.9);
    }
    // Per output pixel, the frames' shares add up to 1; so do the global shares.
    expect(r.contributions.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 9);
    for (const o of [0, 500, 4000]) expect(r.contributions.reduce((a, c) => a + c.map.data[o]!, 0)).toBeCloseTo(1, 5);
    expect(r.params).toMatchObject({ scale: 4, reference: 0, kernelSigma: 1 });
    expect(r.params.robust).toEqual(FUSION_DEFAULTS.robust);
    expect(r.steps.map((s) => s.operation)).toEqual(['fusion.register', 'fusion.shift-and-add', 'deconvolve.richardson-lucy', 'clamp']);
    expect(JSON.parse(JSON.stringify(r.steps))).toEqual(r.steps);
    for (const v of r.image.data) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('is bit-identical when run twice', async () => {
    const seq = await sequence();
    const hash = (img: Image) => createHash('sha256').update(toBytes(img)).digest('hex');
    const a = fuseFrames(seq.frames, { scale: 4, deconvolution: { method: 'wiener', psfSigma: 2.35, nsr: 0.1 } });
    const b = fuseFrames(seq.frames, { scale: 4, deconvolution: { method: 'wiener', psfSigma: 2.35, nsr: 0.1 } });
    expect(Buffer.from(a.image.data.buffer).equals(Buffer.from(b.image.data.buffer))).toBe(true);
    expect(hash(a.image)).toBe(hash(b.image));
    expect(a.registrations.map((r) => r.warp)).toEqual(b.registrations.map((r) => r.warp));
  });

  it('rejects frames that do not register and says why', async () => {
    const seq = await sequence();
    const stranger = renderScene(syntheticScene(777, 92, 112, 3), seq.frames[0]!.width, seq.frames[0]!.height, [4, 0, 1.5, 0, 4, 1.5]);
    const blank = createImage(seq.frames[0]!.width, seq.frames[0]!.height, 1, 0.5);
    const frames = [...seq.frames.slice(0, 6), stranger, blank];
    const r = fuseFrames(frames, { scale: 2 });
    const byIndex = new Map(r.registrations.map((g) => [g.index, g]));
    expect(byIndex.get(6)!.accepted).toBe(false);
    expect(byIndex.get(7)!.accepted).toBe(false);
    expect(byIndex.get(6)!.reasons.length).toBeGreaterThan(0);
    expect(byIndex.get(7)!.reasons.map((x) => x.code)).toContain('registration-failed');
    console.log('rejections:', JSON.stringify([6, 7].map((i) => ({ frame: i, reasons: byIndex.get(i)!.reasons.map((x) => x.code) }))));
    expect(r.contributions.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(r.params.registration.minCorrelation).toBe(0.8);
  });

  it('ignores occlusions through robust weights', async () => {
    let gain = 0;
    const downOcc: number[] = [];
    const downClean: number[] = [];
    for (const seed of [9, 10, 11]) {
      const seq = await degradeSequence(hr, { frames: 12, factor: 4, occludedFrames: 3, occluderSize: 0.3, seed });
      const robust = scoreFusion(seq, { scale: 4, robust: { estimator: 'huber' } });
      const plain = scoreFusion(seq, { scale: 4, robust: { estimator: 'none' } });
      gain += (robust.fusedPsnr - plain.fusedPsnr) / 3;
      for (const c of robust.result.contributions) (seq.occluded[c.index] ? downOcc : downClean).push(c.downweightedFraction);
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    console.log(
      `synthetic occlusions (3 of 12 frames, 3 sequences): robust − unweighted = ${gain.toFixed(2)} dB; samples down-weighted: occluded frames ${(100 * mean(downOcc)).toFixed(1)} %, clean frames ${(100 * mean(downClean)).toFixed(1)} %`,
    );
    expect(downOcc).toHaveLength(9);
    expect(gain).toBeGreaterThan(0.1);
    expect(mean(downOcc)).toBeGreaterThan(mean(downClean) + 0.05);
  });

  it('starts from initial transforms (e.g. from landmarks) when given', async () => {
    const seq = await sequence();
    // Landmark-quality starts: the truth off by up to half a pixel, and no phase correlation.
    const starts: Affine[] = seq.truth.map((t, k) => (k === 0 ? t : composeAffine(t, translation(0.4 * Math.cos(k), 0.4 * Math.sin(k)))));
    const r = fuseFrames(seq.frames, { scale: 4, initialTransforms: starts, registration: { phaseCorrelation: false } });
    const w = seq.frames[0]!.width;
    const h = seq.frames[0]!.height;
    for (const g of r.registrations) {
      expect(g.initial).toEqual(starts[g.index]);
      expect(g.phaseCorrelation).toBeNull();
      expect(warpDistance(g.warp, seq.truth[g.index]!, w, h)).toBeLessThan(0.15);
    }
  });

  it('fuses colour frames channel by channel on a shared registration', async () => {
    const seq = await sequence();
    const rgb = seq.frames.slice(0, 6).map((f) => {
      const c = createImage(f.width, f.height, 3);
      for (let i = 0; i < f.data.length; i++) c.data.set([f.data[i]!, 0.8 * f.data[i]!, 0.5], i * 3);
      return c;
    });
    const r = fuseFrames(rgb, { scale: 2 });
    expect(r.image.channels).toBe(3);
    const i = (10 * r.image.width + 10) * 3;
    expect(r.image.data[i + 1]!).toBeCloseTo(0.8 * r.image.data[i]!, 2);
    expect(r.image.data[i + 2]!).toBeCloseTo(0.5, 5);
  });

  it('validates its inputs', async () => {
    const seq = await sequence();
    expect(() => fuseFrames([])).toThrow(RangeError);
    expect(() => fuseFrames(seq.frames, { reference: 99 })).toThrow(RangeError);
    expect(() => fuseFrames(seq.frames, { scale: 2.5 })).toThrow(RangeError);
    expect(() => fuseFrames([seq.frames[0]!, createImage(5, 5, 1)])).toThrow(RangeError);
    expect(upscaleSingleFrame(seq.frames[0]!, 4).width).toBe(seq.frames[0]!.width * 4);
  });
});
