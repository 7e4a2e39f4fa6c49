import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image';
import { gaussianBlur } from '../image/filters';
import { psnr } from '../image/metrics';
import { createRng } from '../../domain/random';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import { fusedPsfSigma, richardsonLucy, wienerDeconvolve } from './deconvolve';

const sharp = renderScene(syntheticScene(31, 70, 60, 1.5), 64, 56, [1, 0, 3, 0, 1, 2], 2);

function withNoise(img: Image, sigma: number, seed: number): Image {
  const rng = createRng(seed);
  return { ...img, data: img.data.map((v) => v + sigma * rng.normal()) };
}

describe('wienerDeconvolve', () => {
  it('undoes a known Gaussian blur almost exactly when there is no noise', () => {
    const blurred = gaussianBlur(sharp, 1.5);
    const r = wienerDeconvolve(blurred, { psfSigma: 1.5, nsr: 1e-4, nsrModel: 'constant' });
    const before = psnr(blurred, sharp);
    const after = psnr(r.image, sharp);
    console.log(`Wiener, σ=1.5 blur, no noise: PSNR ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 8);
  });

  it('improves PSNR on a noisy blurred image with a stated NSR, and echoes its parameters', () => {
    const blurred = withNoise(gaussianBlur(sharp, 1.5), 0.01, 1);
    const r = wienerDeconvolve(blurred, { psfSigma: 1.5, nsr: 0.05 });
    const before = psnr(blurred, sharp);
    const after = psnr(r.image, sharp);
    console.log(`Wiener, σ=1.5 blur + 1 % noise: PSNR ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 1);
    expect(r.step.operation).toBe('deconvolve.wiener');
    expect(r.step.params).toMatchObject({ psfSigma: 1.5, nsr: 0.05, nsrModel: 'natural', psfRadius: 6 });
    expect(JSON.parse(JSON.stringify(r.step))).toEqual(r.step);
  });

  it('keeps the mean of the image with the natural NSR model', () => {
    const flat = createImage(20, 16, 3, 0.42);
    const r = wienerDeconvolve(flat, { psfSigma: 2, nsr: 0.5 });
    for (const v of r.image.data) expect(v).toBeCloseTo(0.42, 5);
  });

  it('rejects meaningless parameters', () => {
    expect(() => wienerDeconvolve(sharp, { psfSigma: 0, nsr: 0.1 })).toThrow(RangeError);
    expect(() => wienerDeconvolve(sharp, { psfSigma: 1, nsr: 0 })).toThrow(RangeError);
  });
});

describe('richardsonLucy', () => {
  it('sharpens a blurred image toward the original and stays non-negative', () => {
    const blurred = gaussianBlur(sharp, 1.5);
    const r = richardsonLucy(blurred, { psfSigma: 1.5, iterations: 30 });
    const before = psnr(blurred, sharp);
    const after = psnr(r.image, sharp);
    console.log(`Richardson–Lucy, 30 iterations: PSNR ${before.toFixed(2)} → ${after.toFixed(2)} dB`);
    expect(after).toBeGreaterThan(before + 2);
    for (const v of r.image.data) expect(v).toBeGreaterThanOrEqual(0);
    expect(r.step.params).toMatchObject({ psfSigma: 1.5, iterations: 30 });
  });

  it('zero iterations returns the input (floored at the positivity epsilon)', () => {
    const r = richardsonLucy(sharp, { psfSigma: 1, iterations: 0 });
    for (let i = 0; i < sharp.data.length; i++) expect(r.image.data[i]).toBeCloseTo(Math.max(1e-4, sharp.data[i]!), 6);
  });
});

describe('fusedPsfSigma', () => {
  it('adds optical blur, pixel integration and the fusion kernel in quadrature', () => {
    expect(fusedPsfSigma(4, 0, 0)).toBeCloseTo(4 / Math.sqrt(12), 12);
    expect(fusedPsfSigma(4, 0.5, 1)).toBeCloseTo(Math.sqrt(4 + 16 / 12 + 1), 12);
  });
});
