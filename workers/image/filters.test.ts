import { describe, expect, it } from 'vitest';
import { createImage, sampleBilinear, warpAffine, warpAffineWith, type Image } from './image';
import {
  borderIndex,
  boxFilter,
  cubicKernel,
  downsampleBox,
  exposureStats,
  gaussianBlur,
  gaussianKernel1d,
  histogram,
  laplacianVariance,
  localMeanVariance,
  resizeBicubic,
  sampleBicubic,
  sobel,
  warpAffineBicubic,
} from './filters';
import { renderScene, syntheticScene } from '../../testing/synthetic';

function ramp(w: number, h: number, fx: (x: number, y: number) => number): Image {
  const img = createImage(w, h, 1);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data[y * w + x] = fx(x, y);
  return img;
}

describe('border handling and kernels', () => {
  it('mirrors half-sample symmetrically and clamps', () => {
    expect([-3, -2, -1, 0, 4, 5, 6].map((i) => borderIndex(i, 5, 'symmetric'))).toEqual([2, 1, 0, 0, 4, 4, 3]);
    expect([-3, 7].map((i) => borderIndex(i, 5, 'clamp'))).toEqual([0, 4]);
  });

  it('Gaussian taps are normalised and symmetric with radius ⌈3σ⌉', () => {
    const k = gaussianKernel1d(1.5);
    expect(k.length).toBe(11);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    for (let i = 0; i < k.length; i++) expect(k[i]).toBeCloseTo(k[k.length - 1 - i]!, 15);
  });

  it('Keys kernel interpolates (1 at 0, 0 at other integers) and has partition of unity', () => {
    expect(cubicKernel(0)).toBe(1);
    expect(Math.abs(cubicKernel(1))).toBe(0);
    expect(Math.abs(cubicKernel(2))).toBe(0);
    for (const f of [0.1, 0.37, 0.5, 0.8]) expect(cubicKernel(f + 1) + cubicKernel(f) + cubicKernel(1 - f) + cubicKernel(2 - f)).toBeCloseTo(1, 12);
  });
});

describe('gaussianBlur / boxFilter', () => {
  it('keeps a constant image constant (no border darkening)', () => {
    const img = createImage(13, 9, 3, 0.4);
    for (const out of [gaussianBlur(img, 2), boxFilter(img, 3)]) for (const v of out.data) expect(v).toBeCloseTo(0.4, 6);
  });

  it('spreads an impulse into the outer product of the 1-D kernel', () => {
    const img = createImage(21, 21, 1);
    img.data[10 * 21 + 10] = 1;
    const out = gaussianBlur(img, 1.2);
    const k = gaussianKernel1d(1.2);
    const r = (k.length - 1) / 2;
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) expect(out.data[(10 + dy) * 21 + 10 + dx]).toBeCloseTo(k[dy + r]! * k[dx + r]!, 6);
  });

  it('σ ≤ 0 is a stated no-op copy', () => {
    const img = ramp(5, 4, (x, y) => x * 0.1 + y * 0.01);
    const out = gaussianBlur(img, 0);
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
    expect(out.data).not.toBe(img.data);
  });
});

describe('sobel and sharpness', () => {
  it('gives the slope of a linear ramp in the interior', () => {
    const img = ramp(12, 10, (x, y) => 0.02 * x - 0.01 * y);
    const g = sobel(img);
    for (let y = 1; y < 9; y++) {
      for (let x = 1; x < 11; x++) {
        expect(g.gx.data[y * 12 + x]).toBeCloseTo(0.02, 6);
        expect(g.gy.data[y * 12 + x]).toBeCloseTo(-0.01, 6);
        expect(g.magnitude.data[y * 12 + x]).toBeCloseTo(Math.hypot(0.02, 0.01), 6);
      }
    }
  });

  it('Laplacian variance drops when an image is blurred', () => {
    const sharp = renderScene(syntheticScene(3, 48, 48, 1.5), 48, 48);
    const soft = gaussianBlur(sharp, 1.5);
    expect(laplacianVariance(sharp)).toBeGreaterThan(4 * laplacianVariance(soft));
    expect(laplacianVariance(createImage(8, 8, 1, 0.3))).toBe(0);
  });
});

describe('localMeanVariance', () => {
  it('matches a brute-force box window in the interior', () => {
    const img = renderScene(syntheticScene(5, 20, 16, 2), 20, 16);
    const { mean, variance } = localMeanVariance(img, { window: 'box', radius: 2 });
    for (const [x, y] of [[5, 5], [10, 8], [14, 11]] as const) {
      let s = 0, s2 = 0;
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
        const v = img.data[(y + dy) * 20 + x + dx]!;
        s += v;
        s2 += v * v;
      }
      expect(mean.data[y * 20 + x]).toBeCloseTo(s / 25, 5);
      expect(variance.data[y * 20 + x]).toBeCloseTo(s2 / 25 - (s / 25) ** 2, 5);
    }
  });
});

describe('histogram and exposure', () => {
  it('counts every pixel and reports clipping, percentiles and entropy', () => {
    const img = ramp(10, 10, (x) => (x < 5 ? 0 : 1));
    const h = histogram(img, 16);
    expect(h.reduce((a, b) => a + b, 0)).toBe(100);
    expect(h[0]).toBe(50);
    expect(h[15]).toBe(50);
    const st = exposureStats(img);
    expect(st.mean).toBeCloseTo(0.5, 6);
    expect(st.clippedLow).toBe(0.5);
    expect(st.clippedHigh).toBe(0.5);
    expect(st.entropy).toBeCloseTo(1, 6);
    const flat = exposureStats(createImage(6, 6, 3, 0.5));
    expect(flat.std).toBeCloseTo(0, 6);
    expect(flat.median).toBeCloseTo(0.5, 2);
    expect(flat.entropy).toBe(0);
  });
});

describe('bicubic resampling', () => {
  it('same-size resize is the identity', () => {
    const img = renderScene(syntheticScene(9, 17, 13, 2), 17, 13);
    const out = resizeBicubic(img, 17, 13);
    for (let i = 0; i < img.data.length; i++) expect(out.data[i]).toBeCloseTo(img.data[i]!, 6);
  });

  it('reproduces a quadratic exactly away from the clamped border (Keys a = −0.5 is third-order)', () => {
    const f = (x: number, y: number) => 0.1 + 0.01 * x + 0.002 * x * x - 0.003 * y + 0.0005 * y * y;
    const img = ramp(16, 16, f);
    const up = resizeBicubic(img, 64, 64);
    for (let v = 12; v < 52; v++) {
      for (let u = 12; u < 52; u++) {
        const x = (u + 0.5) / 4 - 0.5;
        const y = (v + 0.5) / 4 - 0.5;
        expect(up.data[v * 64 + u]).toBeCloseTo(f(x, y), 5);
      }
    }
    expect(sampleBicubic(img, 7.3, 4.6, 0)).toBeCloseTo(f(7.3, 4.6), 5);
  });

  it('downscaling with antialiasing keeps a constant and low-passes a checkerboard', () => {
    const c = resizeBicubic(createImage(40, 30, 1, 0.7), 13, 11);
    for (const v of c.data) expect(v).toBeCloseTo(0.7, 5);
    const checker = ramp(64, 64, (x, y) => ((x + y) % 2 ? 1 : 0));
    const small = resizeBicubic(checker, 16, 16);
    for (let i = 0; i < small.data.length; i++) expect(Math.abs(small.data[i]! - 0.5)).toBeLessThan(0.05);
  });

  it('warpAffineBicubic with a translation samples the shifted scene', () => {
    const scene = syntheticScene(4, 40, 40, 3);
    const img = renderScene(scene, 32, 32);
    const shifted = warpAffineBicubic(img, [1, 0, 0.4, 0, 1, -0.3], 32, 32);
    const truth = renderScene(scene, 32, 32, [1, 0, 0.4, 0, 1, -0.3]);
    let err = 0;
    for (let y = 4; y < 28; y++) for (let x = 4; x < 28; x++) err = Math.max(err, Math.abs(shifted.data[y * 32 + x]! - truth.data[y * 32 + x]!));
    expect(err).toBeLessThan(0.01);
  });

  it('downsampleBox averages blocks and refuses non-dividing factors', () => {
    const img = ramp(4, 2, (x) => x);
    expect(Array.from(downsampleBox(img, 2).data)).toEqual([0.5, 2.5]);
    expect(() => downsampleBox(img, 3)).toThrow(RangeError);
  });
});

describe('bilinear warp', () => {
  it('warpAffine gives exactly what the per-channel sampler gives (rotation, scale, border and clamp)', () => {
    const img = createImage(37, 29, 3);
    let s = 12345;
    for (let i = 0; i < img.data.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      img.data[i] = (s >>> 8) / 16777216;
    }
    const t = 0.3;
    const inverse = [1.3 * Math.cos(t), -1.3 * Math.sin(t), 4.2, 1.3 * Math.sin(t), 1.3 * Math.cos(t), -6.7] as const;
    for (const border of ['clamp', 0.5] as const) {
      const fast = warpAffine(img, inverse, 40, 40, border);
      const ref = warpAffineWith(img, inverse, 40, 40, border, sampleBilinear);
      expect(Array.from(fast.data)).toEqual(Array.from(ref.data));
      // Both borders occur: some output pixels map outside the source.
      if (border === 0.5) expect(Array.from(fast.data).filter((v) => v === 0.5).length).toBeGreaterThan(0);
    }
  });
});
