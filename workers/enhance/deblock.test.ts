import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createImage, readImage, toBytes, type Image } from '../image/image';
import { psnr } from '../image/metrics';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import { blockiness, deblock } from './deblock';

const smooth = renderScene(syntheticScene(12, 90, 90, 6), 64, 64, [1, 0, 10, 0, 1, 10], 2);

/** JPEG round trip through sharp (libjpeg), i.e. real 8×8 DCT quantisation. */
async function jpeg(img: Image, quality: number): Promise<Image> {
  const buf = await sharp(toBytes(img), { raw: { width: img.width, height: img.height, channels: img.channels } }).jpeg({ quality }).toBuffer();
  return readImage(buf, img.channels);
}

describe('deblock', () => {
  it('reduces the blockiness of a JPEG at low quality without losing fidelity', async () => {
    const blocky = await jpeg(smooth, 8);
    const r = deblock(blocky);
    const b0 = blockiness(blocky);
    const b1 = blockiness(r.image);
    console.log(`deblock JPEG q=8: blockiness ${b0.toFixed(2)} → ${b1.toFixed(2)}, PSNR ${psnr(blocky, smooth).toFixed(2)} → ${psnr(r.image, smooth).toFixed(2)} dB, ${String(r.measurements?.linesFiltered)} of ${String(r.measurements?.boundaryLines)} lines filtered`);
    expect(b0).toBeGreaterThan(1.2);
    expect(b1).toBeLessThan(b0 * 0.8);
    expect(psnr(r.image, smooth)).toBeGreaterThan(psnr(blocky, smooth) - 0.1);
    expect(r.step.params).toEqual({ blockSize: 8, offsetX: 0, offsetY: 0, alpha: 0.1, beta: 0.03, tc: 0.03 });
  });

  it('leaves a real edge on a block boundary alone', () => {
    const img = createImage(32, 16, 1);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 32; x++) img.data[y * 32 + x] = x < 16 ? 0.1 : 0.9;
    const r = deblock(img);
    expect(Array.from(r.image.data)).toEqual(Array.from(img.data));
    expect(r.measurements?.linesFiltered).toBe(0);
  });

  it('follows the stated grid phase', () => {
    const img = createImage(32, 32, 1);
    // Flat blocks whose grid starts at column/row 3, with small steps between them: pure block artefacts.
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) img.data[y * 32 + x] = 0.5 + 0.02 * (Math.floor((x + 5) / 8) % 2) + 0.015 * (Math.floor((y + 5) / 8) % 2);
    /** Mean absolute step across the true vertical boundaries (x = 3, 11, 19, 27). */
    const step = (im: Image) => {
      let s = 0;
      for (let y = 0; y < 32; y++) for (const x of [11, 19, 27]) s += Math.abs(im.data[y * 32 + x]! - im.data[y * 32 + x - 1]!);
      return s / 96;
    };
    const wrong = deblock(img, { offsetX: 0, offsetY: 0 });
    const right = deblock(img, { offsetX: 3, offsetY: 3 });
    expect(step(wrong.image)).toBeCloseTo(step(img), 6);
    expect(step(right.image)).toBeLessThan(0.5 * step(img));
    expect(right.step.params.offsetX).toBe(3);
  });
});
