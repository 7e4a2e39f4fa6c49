/**
 * Discrete Fourier transforms of any length, in float64.
 *
 * Power-of-two lengths use an iterative radix-2 Cooley–Tukey transform; every other length uses Bluestein's
 * chirp-z algorithm (a convolution evaluated with a power-of-two FFT). Exact-size transforms matter here:
 * zero-padding a face crop to the next power of two would break the periodicity that phase correlation and
 * symmetric-extension Wiener deconvolution rely on.
 *
 * Conventions: forward X[k] = Σ x[n]·e^(−2πi·kn/N); inverse x[n] = (1/N)·Σ X[k]·e^(+2πi·kn/N), so
 * inverse(forward(x)) = x. Data are split real/imaginary Float64Arrays, transformed in place.
 * Deterministic: fixed operation order, twiddles computed once per length.
 */

export interface FftPlan {
  readonly n: number;
  /** In-place transform of re/im (length n each). `inverse` includes the 1/n scaling. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

class Radix2Plan implements FftPlan {
  readonly n: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(n: number) {
    this.n = n;
    this.cos = new Float64Array(n >> 1);
    this.sin = new Float64Array(n >> 1);
    for (let k = 0; k < n >> 1; k++) {
      const a = (-2 * Math.PI * k) / n;
      this.cos[k] = Math.cos(a);
      this.sin[k] = Math.sin(a);
    }
    this.rev = new Uint32Array(n);
    let bits = 0;
    while (1 << bits < n) bits++;
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (i & (1 << b)) r |= 1 << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n;
    if (n === 1) return;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i]!;
      if (j > i) {
        let t = re[i]!; re[i] = re[j]!; re[j] = t;
        t = im[i]!; im[i] = im[j]!; im[j] = t;
      }
    }
    const sgn = inverse ? -1 : 1;
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step]!;
          const wi = sgn * this.sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
    if (inverse) {
      const s = 1 / n;
      for (let i = 0; i < n; i++) {
        re[i] = re[i]! * s;
        im[i] = im[i]! * s;
      }
    }
  }
}

/**
 * Bluestein: X[k] = conj(w[k]) · Σ (x[n]·conj(w[n])) · w[k−n], w[m] = e^(iπm²/N), evaluated as a circular
 * convolution of length M ≥ 2N−1 (power of two).
 */
class BluesteinPlan implements FftPlan {
  readonly n: number;
  private readonly m: number;
  private readonly inner: Radix2Plan;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;

  constructor(n: number) {
    this.n = n;
    this.m = nextPowerOfTwo(2 * n - 1);
    this.inner = new Radix2Plan(this.m);
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2N keeps the angle small, so the chirp stays accurate for large k.
      const k2 = (k * k) % (2 * n);
      const a = (Math.PI * k2) / n;
      this.wr[k] = Math.cos(a);
      this.wi[k] = Math.sin(a);
    }
    this.br = new Float64Array(this.m);
    this.bi = new Float64Array(this.m);
    this.br[0] = this.wr[0]!;
    this.bi[0] = this.wi[0]!;
    for (let k = 1; k < n; k++) {
      this.br[k] = this.br[this.m - k] = this.wr[k]!;
      this.bi[k] = this.bi[this.m - k] = this.wi[k]!;
    }
    this.inner.transform(this.br, this.bi, false);
    this.ar = new Float64Array(this.m);
    this.ai = new Float64Array(this.m);
  }

  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const { n, m, wr, wi, ar, ai, br, bi } = this;
    // The inverse DFT is the conjugate of the forward DFT of the conjugate.
    const s = inverse ? -1 : 1;
    ar.fill(0);
    ai.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = re[k]!;
      const xi = s * im[k]!;
      ar[k] = xr * wr[k]! + xi * wi[k]!;
      ai[k] = xi * wr[k]! - xr * wi[k]!;
    }
    this.inner.transform(ar, ai, false);
    for (let k = 0; k < m; k++) {
      const xr = ar[k]! * br[k]! - ai[k]! * bi[k]!;
      const xi = ar[k]! * bi[k]! + ai[k]! * br[k]!;
      ar[k] = xr;
      ai[k] = xi;
    }
    this.inner.transform(ar, ai, true);
    const scale = inverse ? 1 / n : 1;
    for (let k = 0; k < n; k++) {
      const yr = ar[k]! * wr[k]! + ai[k]! * wi[k]!;
      const yi = ai[k]! * wr[k]! - ar[k]! * wi[k]!;
      re[k] = yr * scale;
      im[k] = s * yi * scale;
    }
  }
}

const plans = new Map<number, FftPlan>();

/** A cached transform plan for length n (any positive integer). */
export function fftPlan(n: number): FftPlan {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`invalid FFT length ${n}`);
  let p = plans.get(n);
  if (!p) {
    p = isPowerOfTwo(n) ? new Radix2Plan(n) : new BluesteinPlan(n);
    plans.set(n, p);
  }
  return p;
}

/** In-place 1-D DFT of any length. */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  if (re.length !== im.length) throw new RangeError('re and im differ in length');
  fftPlan(re.length).transform(re, im, inverse);
}

/** A complex 2-D array, row-major, split real/imaginary. */
export interface Complex2D {
  readonly width: number;
  readonly height: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function createComplex2D(width: number, height: number): Complex2D {
  return { width, height, re: new Float64Array(width * height), im: new Float64Array(width * height) };
}

/** In-place 2-D DFT (rows, then columns) of any width and height. `inverse` includes the 1/(W·H) scaling. */
export function fft2d(z: Complex2D, inverse = false): void {
  const { width: w, height: h, re, im } = z;
  const rowPlan = fftPlan(w);
  const colPlan = fftPlan(h);
  const tr = new Float64Array(Math.max(w, h));
  const ti = new Float64Array(Math.max(w, h));
  const rr = tr.subarray(0, w);
  const ri = ti.subarray(0, w);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    for (let x = 0; x < w; x++) {
      rr[x] = re[o + x]!;
      ri[x] = im[o + x]!;
    }
    rowPlan.transform(rr, ri, inverse);
    for (let x = 0; x < w; x++) {
      re[o + x] = rr[x]!;
      im[o + x] = ri[x]!;
    }
  }
  const cr = tr.subarray(0, h);
  const ci = ti.subarray(0, h);
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      cr[y] = re[y * w + x]!;
      ci[y] = im[y * w + x]!;
    }
    colPlan.transform(cr, ci, inverse);
    for (let y = 0; y < h; y++) {
      re[y * w + x] = cr[y]!;
      im[y * w + x] = ci[y]!;
    }
  }
}

/** Forward 2-D DFT of a real array (row-major, width×height). */
export function fft2dReal(data: ArrayLike<number>, width: number, height: number): Complex2D {
  if (data.length !== width * height) throw new RangeError('data length does not match width×height');
  const z = createComplex2D(width, height);
  for (let i = 0; i < data.length; i++) z.re[i] = data[i]!;
  fft2d(z, false);
  return z;
}

/** Real part of the inverse 2-D DFT (for spectra of real signals, whose inverse is real up to rounding). */
export function ifft2dReal(spectrum: Complex2D): Float64Array {
  const z: Complex2D = {
    width: spectrum.width,
    height: spectrum.height,
    re: new Float64Array(spectrum.re),
    im: new Float64Array(spectrum.im),
  };
  fft2d(z, true);
  return z.re;
}

/** Frequency index → signed frequency in cycles per sample, e.g. for n = 4: 0, 0.25, −0.5, −0.25. */
export function signedFrequency(k: number, n: number): number {
  return (k <= (n - 1) >> 1 ? k : k - n) / n;
}
