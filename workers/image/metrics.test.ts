import { describe, expect, it } from 'vitest';
import { createImage, type Image } from './image';
import { gaussianKernel1d } from './filters';
import { mse, psnr, ssim, ssimDetailed, SSIM_DEFAULTS } from './metrics';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import { createRng } from '../../domain/random';

function noisy(img: Image, sigma: number, seed: number): Image {
  const rng = createRng(seed);
  const out = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < out.data.length; i++) out.data[i] = img.data[i]! + sigma * rng.normal();
  return out;
}

/** Direct 2-D evaluation of Wang et al.'s formula at one window position (reference for the separable code). */
function ssimAt(a: Image, b: Image, x0: number, y0: number): number {
  const k = gaussianKernel1d(1.5, 5);
  let ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
  for (let j = 0; j < 11; j++) for (let i = 0; i < 11; i++) {
    const w = k[i]! * k[j]!;
    const p = a.data[(y0 + j) * a.width + x0 + i]!;
    const q = b.data[(y0 + j) * b.width + x0 + i]!;
    ma += w * p; mb += w * q; saa += w * p * p; sbb += w * q * q; sab += w * p * q;
  }
  const c1 = 0.01 ** 2, c2 = 0.03 ** 2;
  return ((2 * ma * mb + c1) * (2 * (sab - ma * mb) + c2)) / ((ma * ma + mb * mb + c1) * (saa - ma * ma + sbb - mb * mb + c2));
}

describe('PSNR', () => {
  it('is infinite for identical images and 10·log10(1/MSE) otherwise', () => {
    const a = createImage(8, 8, 3, 0.5);
    expect(psnr(a, a)).toBe(Infinity);
    const b = createImage(8, 8, 3, 0.6);
    expect(mse(a, b)).toBeCloseTo(0.01, 6);
    expect(psnr(a, b)).toBeCloseTo(20, 4);
    expect(psnr(a, b, { peak: 255 })).toBeCloseTo(20 + 20 * Math.log10(255), 4);
  });

  it('ignores a stated border', () => {
    const a = createImage(10, 10, 1, 0.5);
    const b = createImage(10, 10, 1, 0.5);
    b.data[0] = 1;
    expect(psnr(a, b, { border: 1 })).toBe(Infinity);
    expect(() => mse(a, createImage(9, 10, 1))).toThrow(RangeError);
  });
});

describe('SSIM', () => {
  const scene = renderScene(syntheticScene(2, 40, 40, 2), 40, 36);

  it('is 1 for identical images, symmetric, and falls with noise', () => {
    expect(ssim(scene, scene)).toBeCloseTo(1, 12);
    const n1 = noisy(scene, 0.02, 1);
    const n2 = noisy(scene, 0.08, 2);
    expect(ssim(scene, n1)).toBeCloseTo(ssim(n1, scene), 12);
    expect(ssim(scene, n1)).toBeLessThan(1);
    expect(ssim(scene, n2)).toBeLessThan(ssim(scene, n1));
  });

  it('matches a direct 2-D evaluation of the formula at every window', () => {
    const n = noisy(scene, 0.05, 3);
    const d = ssimDetailed(scene, n);
    expect(d.mapWidth).toBe(30);
    expect(d.mapHeight).toBe(26);
    for (const [x, y] of [[0, 0], [7, 3], [29, 25], [15, 12]] as const) expect(d.map[y * d.mapWidth + x]).toBeCloseTo(ssimAt(scene, n, x, y), 10);
    expect(d.params).toEqual(SSIM_DEFAULTS);
  });

  it('reduces to the luminance term for two constant images', () => {
    const a = createImage(16, 16, 1, 0.3);
    const b = createImage(16, 16, 1, 0.6);
    const c1 = 0.01 ** 2;
    expect(ssim(a, b)).toBeCloseTo((2 * 0.3 * 0.6 + c1) / (0.09 + 0.36 + c1), 6);
  });

  it('compares colour images on their luma', () => {
    const rgb = createImage(16, 16, 3);
    const grey = createImage(16, 16, 1);
    for (let i = 0; i < 256; i++) {
      const v = (i % 16) / 16;
      rgb.data.set([v, v, v], i * 3);
      grey.data[i] = v;
    }
    expect(ssim(rgb, rgb)).toBeCloseTo(1, 12);
    expect(() => ssim(rgb, createImage(15, 16, 3))).toThrow(RangeError);
  });
});
