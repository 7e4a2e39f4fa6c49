import { describe, expect, it } from 'vitest';
import { psnr } from '../workers/image/metrics';
import { renderScene, syntheticScene } from './synthetic';
import { warpAffineBicubic } from '../workers/image/filters';
import { composeAffine } from '../workers/image/register';
import { degradeSequence, h264DecodeArgs, h264EncodeArgs, h264RoundTrip } from './degrade';

const face = renderScene(syntheticScene(3, 92, 112, 4), 92, 112, undefined, 2);

describe('degradeSequence', () => {
  it('makes K small frames with the reference unmoved, and is reproducible from its seed', async () => {
    const a = await degradeSequence(face, { frames: 6, factor: 4, seed: 7 });
    const b = await degradeSequence(face, { frames: 6, factor: 4, seed: 7 });
    const c = await degradeSequence(face, { frames: 6, factor: 4, seed: 8 });
    expect(a.frames).toHaveLength(6);
    expect(a.frames[0]!.width).toBe(a.groundTruth.width / 4);
    expect(a.frames[0]!.width).toBeGreaterThanOrEqual(16);
    expect(a.frames[0]!.width).toBeLessThanOrEqual(32);
    expect(a.truth[0]).toEqual([1, 0, 0, 0, 1, 0]);
    expect(a.frames.map((f) => Array.from(f.data))).toEqual(b.frames.map((f) => Array.from(f.data)));
    expect(Array.from(a.frames[1]!.data)).not.toEqual(Array.from(c.frames[1]!.data));
    expect(a.params).toMatchObject({ frames: 6, factor: 4, seed: 7, noiseSigma: 0.02 });
  });

  it('states true warps that map each frame back onto the reference', async () => {
    const seq = await degradeSequence(face, { frames: 5, factor: 4, noiseSigma: 0, quantize: false, maxRotationDeg: 3, seed: 2 });
    const ref = seq.frames[0]!;
    for (let k = 1; k < 5; k++) {
      const back = warpAffineBicubic(seq.frames[k]!, seq.truth[k]!, ref.width, ref.height);
      const naive = psnr(seq.frames[k]!, ref, { border: 2 });
      const aligned = psnr(back, ref, { border: 2 });
      expect(aligned).toBeGreaterThan(naive + 3);
    }
  });

  it('places the ground truth on the reference grid (area-averaging it gives the reference frame)', async () => {
    const seq = await degradeSequence(face, { frames: 1, factor: 4, noiseSigma: 0, quantize: false, blurSigma: 0.01 });
    const small = warpAffineBicubic(seq.groundTruth, composeAffine([4, 0, 1.5, 0, 4, 1.5], [1, 0, 0, 0, 1, 0]), seq.frames[0]!.width, seq.frames[0]!.height);
    expect(psnr(small, seq.frames[0]!)).toBeGreaterThan(25);
  });

  it('round-trips through H.264 (odd sizes padded), with a stride over the encoded clip', async () => {
    const seq = await degradeSequence(face, { frames: 4, factor: 4, maxShift: 0.5, stride: 3, h264: { crf: 32, preset: 'medium', fps: 25, gop: 6 }, seed: 3 });
    const raw = await degradeSequence(face, { frames: 4, factor: 4, maxShift: 0.5, stride: 3, seed: 3 });
    expect(seq.frames).toHaveLength(4);
    expect(seq.frames[0]!.width % 2).toBe(1);
    const q = seq.frames.map((f, k) => psnr(f, raw.frames[k]!));
    expect(Math.min(...q)).toBeGreaterThan(20);
    expect(Math.max(...q)).toBeLessThan(45);
    const again = await h264RoundTrip(raw.frames, { crf: 32, preset: 'medium', fps: 25 });
    const again2 = await h264RoundTrip(raw.frames, { crf: 32, preset: 'medium', fps: 25 });
    expect(again.map((f) => Array.from(f.data))).toEqual(again2.map((f) => Array.from(f.data)));
  });

  it('builds explicit ffmpeg argument lists', () => {
    const enc = h264EncodeArgs(24, 28, true, { crf: 35, preset: 'fast', fps: 25, gop: 25 });
    expect(enc).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-crf', '35', '-pix_fmt', 'yuv420p', '-threads', '1', '-g', '25', '-s', '24x28']));
    expect(h264DecodeArgs(false)).toEqual(expect.arrayContaining(['-pix_fmt', 'rgb24']));
  });
});
