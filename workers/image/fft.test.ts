import { describe, expect, it } from 'vitest';
import { createComplex2D, fft1d, fft2d, fft2dReal, ifft2dReal, signedFrequency } from './fft';

/** Seeded values so the test data are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function naiveDft(re: Float64Array, im: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      or[k] = or[k]! + re[t]! * Math.cos(a) - im[t]! * Math.sin(a);
      oi[k] = oi[k]! + re[t]! * Math.sin(a) + im[t]! * Math.cos(a);
    }
  }
  return { re: or, im: oi };
}

describe('fft', () => {
  it.each([1, 2, 3, 5, 7, 8, 12, 16, 23, 28, 64, 92, 97])('matches the naive DFT for length %i', (n) => {
    const r = lcg(n);
    const re = Float64Array.from({ length: n }, r);
    const im = Float64Array.from({ length: n }, r);
    const want = naiveDft(re, im);
    const gr = new Float64Array(re);
    const gi = new Float64Array(im);
    fft1d(gr, gi);
    for (let k = 0; k < n; k++) {
      expect(gr[k]).toBeCloseTo(want.re[k]!, 9);
      expect(gi[k]).toBeCloseTo(want.im[k]!, 9);
    }
    fft1d(gr, gi, true);
    for (let k = 0; k < n; k++) {
      expect(gr[k]).toBeCloseTo(re[k]!, 12);
      expect(gi[k]).toBeCloseTo(im[k]!, 12);
    }
  });

  it('2-D round trip of arbitrary sizes is exact to rounding, and Parseval holds', () => {
    for (const [w, h] of [[23, 28], [32, 16], [46, 56], [9, 1]] as const) {
      const r = lcg(w * 100 + h);
      const data = Float64Array.from({ length: w * h }, r);
      const spec = fft2dReal(data, w, h);
      let e0 = 0;
      let e1 = 0;
      for (let i = 0; i < data.length; i++) {
        e0 += data[i]! ** 2;
        e1 += spec.re[i]! ** 2 + spec.im[i]! ** 2;
      }
      expect(e1 / (w * h)).toBeCloseTo(e0, 9);
      const back = ifft2dReal(spec);
      for (let i = 0; i < data.length; i++) expect(back[i]).toBeCloseTo(data[i]!, 12);
    }
  });

  it('2-D transform of a pure complex exponential is a single spike', () => {
    const w = 12, h = 10, kx = 3, ky = 7;
    const z = createComplex2D(w, h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const a = 2 * Math.PI * (kx * x / w + ky * y / h);
      z.re[y * w + x] = Math.cos(a);
      z.im[y * w + x] = Math.sin(a);
    }
    fft2d(z);
    for (let i = 0; i < w * h; i++) {
      const want = i === ky * w + kx ? w * h : 0;
      expect(z.re[i]).toBeCloseTo(want, 8);
      expect(z.im[i]).toBeCloseTo(0, 8);
    }
  });

  it('signed frequencies wrap at Nyquist', () => {
    expect([0, 1, 2, 3].map((k) => signedFrequency(k, 4))).toEqual([0, 0.25, -0.5, -0.25]);
    expect([0, 1, 2, 3, 4].map((k) => signedFrequency(k, 5))).toEqual([0, 0.2, 0.4, -0.4, -0.2]);
  });
});
