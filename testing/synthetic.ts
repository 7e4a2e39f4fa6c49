/**
 * Analytic test scenes: a smooth random texture (Gaussian blobs plus a few gratings) evaluated exactly at any
 * continuous coordinate. Because nothing is interpolated, a scene rendered under a known warp is the ground
 * truth for registration tests, free of resampling error.
 */
import { createImage, type Affine, type Image } from '../workers/image/image';
import { createRng } from '../domain/random';

export interface SyntheticScene {
  /** Intensity at continuous coordinates (x, y) in scene units. */
  value(x: number, y: number): number;
}

/** A deterministic texture with detail on a scale of `featureSize` pixels. */
export function syntheticScene(seed: number, width: number, height: number, featureSize = 3): SyntheticScene {
  const rng = createRng(seed);
  const blobs: Array<[number, number, number, number]> = [];
  const count = Math.ceil((width * height) / (featureSize * featureSize * 2));
  for (let i = 0; i < count; i++) {
    blobs.push([rng.uniform(-4, width + 4), rng.uniform(-4, height + 4), rng.uniform(0.6, 1.6) * featureSize, rng.uniform(-1, 1)]);
  }
  const waves: Array<[number, number, number, number]> = [];
  for (let i = 0; i < 3; i++) {
    const f = rng.uniform(0.5, 1) / (2 * featureSize);
    const th = rng.uniform(0, Math.PI);
    waves.push([f * Math.cos(th), f * Math.sin(th), rng.uniform(0, 2 * Math.PI), rng.uniform(0.05, 0.1)]);
  }
  return {
    value(x, y) {
      let v = 0.5;
      for (const [bx, by, s, a] of blobs) {
        const d2 = (x - bx) ** 2 + (y - by) ** 2;
        if (d2 < 16 * s * s) v += 0.25 * a * Math.exp(-d2 / (2 * s * s));
      }
      for (const [fx, fy, ph, a] of waves) v += a * Math.sin(2 * Math.PI * (fx * x + fy * y) + ph);
      return v;
    },
  };
}

/**
 * Render a scene on a width×height grid through `warp` (output pixel → scene coordinates), averaging
 * `supersample`² points per pixel so the result is what an area-integrating sensor would record.
 */
export function renderScene(scene: SyntheticScene, width: number, height: number, warp: Affine = [1, 0, 0, 0, 1, 0], supersample = 1): Image {
  const img = createImage(width, height, 1);
  const s = Math.max(1, Math.floor(supersample));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let acc = 0;
      for (let j = 0; j < s; j++) {
        for (let i = 0; i < s; i++) {
          const px = x + (i + 0.5) / s - 0.5;
          const py = y + (j + 0.5) / s - 0.5;
          acc += scene.value(warp[0] * px + warp[1] * py + warp[2], warp[3] * px + warp[4] * py + warp[5]);
        }
      }
      img.data[y * width + x] = acc / (s * s);
    }
  }
  return img;
}
