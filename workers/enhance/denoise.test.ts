import { describe, expect, it } from 'vitest';
import { createImage, type Image } from '../image/image';
import { psnr } from '../image/metrics';
import { createRng } from '../../domain/random';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import { bilateralFilter, nonLocalMeans } from './denoise';

const clean = renderScene(syntheticScene(8, 60, 60, 2.5), 48, 48, [1, 0, 4, 0, 1, 4], 2);

function withNoise(img: Image, sigma: number, seed: number): Image {
  const rng = createRng(seed);
  return { ...img, data: img.data.map((v) => v + sigma * rng.normal()) };
}

/** A sharp vertical step edge. */
function step(): Image {
  const img = createImage(24, 16, 1);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 24; x++) img.data[y * 24 + x] = x < 12 ? 0.2 : 0.8;
  return img;
}

describe('bilateralFilter', () => {
  it('reduces noise (higher PSNR) with stated parameters', () => {
    const noisy = withNoise(clean, 0.04, 1);
    const r = bilateralFilter(noisy, { sigmaSpatial: 1.5, sigmaRange: 0.1 });
    console.log(`bilateral: PSNR ${psnr(noisy, clean).toFixed(2)} → ${psnr(r.image, clean).toFixed(2)} dB`);
    expect(psnr(r.image, clean)).toBeGreaterThan(psnr(noisy, clean) + 1);
    expect(r.step.params).toEqual({ sigmaSpatial: 1.5, sigmaRange: 0.1, radius: 3, border: 'symmetric' });
  });

  it('keeps a strong edge sharp', () => {
    const r = bilateralFilter(step(), { sigmaSpatial: 2, sigmaRange: 0.05 });
    expect(r.image.data[8 * 24 + 11]).toBeCloseTo(0.2, 3);
    expect(r.image.data[8 * 24 + 12]).toBeCloseTo(0.8, 3);
  });
});

describe('nonLocalMeans', () => {
  it('reduces noise more than it blurs', () => {
    const noisy = withNoise(clean, 0.04, 2);
    const r = nonLocalMeans(noisy, { h: 0.04, patchRadius: 1, searchRadius: 5, noiseSigma: 0.04 });
    console.log(`non-local means: PSNR ${psnr(noisy, clean).toFixed(2)} → ${psnr(r.image, clean).toFixed(2)} dB`);
    expect(psnr(r.image, clean)).toBeGreaterThan(psnr(noisy, clean) + 2);
    expect(r.step.operation).toBe('denoise.nl-means');
  });

  it('leaves a constant image unchanged, keeps an edge, and is deterministic', () => {
    const flat = createImage(12, 10, 3, 0.3);
    for (const v of nonLocalMeans(flat).image.data) expect(v).toBeCloseTo(0.3, 6);
    const e = nonLocalMeans(step(), { h: 0.02 }).image;
    expect(e.data[8 * 24 + 11]).toBeCloseTo(0.2, 3);
    expect(e.data[8 * 24 + 12]).toBeCloseTo(0.8, 3);
    const noisy = withNoise(clean, 0.03, 3);
    expect(nonLocalMeans(noisy).image.data).toEqual(nonLocalMeans(noisy).image.data);
  });
});
