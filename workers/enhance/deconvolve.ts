/**
 * Deblurring with a stated point-spread function (PSF): Wiener filtering and Richardson–Lucy.
 *
 * The PSF is an isotropic Gaussian given by its σ in output pixels — the usual model for defocus, lens blur and
 * sensor integration combined, and one an examiner can state and defend. Both methods are linear-algebra
 * classics with no learned component; each returns its parameters as a `ProcessingStep`.
 */
import { createImage, type Image } from '../image/image';
import { convolveSeparable, gaussianKernel1d } from '../image/filters';
import { createComplex2D, fft2d } from '../image/fft';
import { assertJsonParams } from '../../domain/processingStep';
import type { StepResult } from './step';

export interface WienerParams {
  /** Gaussian PSF σ in pixels. */
  readonly psfSigma: number;
  /** Noise-to-signal power ratio K in conj(H) / (|H|² + K): larger is smoother and safer, smaller is sharper. */
  readonly nsr: number;
  /**
   * How K depends on frequency. `constant`: K everywhere (the textbook form; it also attenuates the mean by
   * 1/(1 + K)). `natural` (default): the signal spectrum of natural images falls as 1/f² while noise is flat, so
   * K(f) = nsr·(sin²(πfx) + sin²(πfy)): zero at DC (brightness kept), equal to `nsr` at the horizontal Nyquist
   * frequency. This is Tikhonov regularisation with a gradient penalty (constrained least squares).
   */
  readonly nsrModel?: 'constant' | 'natural';
  /** PSF kernel half-width in pixels; ⌈4σ⌉ by default. */
  readonly psfRadius?: number;
}

/** 1-D DFT of a centred symmetric kernel on a circle of length n (real because the kernel is symmetric). */
function kernelSpectrum(k: Float64Array, n: number): Float64Array {
  const r = (k.length - 1) / 2;
  const out = new Float64Array(n);
  for (let f = 0; f < n; f++) {
    let s = k[r]!;
    for (let t = 1; t <= r; t++) s += 2 * k[r + t]! * Math.cos((2 * Math.PI * f * t) / n);
    out[f] = s;
  }
  return out;
}

/**
 * Wiener deconvolution, X = H·Y / (H² + K), with the image extended by mirror symmetry to 2W×2H so the
 * transform sees no artificial edge (equivalent to a DCT-domain filter; no ringing from the border).
 * The OTF is the exact DFT of the discrete Gaussian kernel, so `gaussianBlur` with the same σ is inverted
 * consistently.
 */
export function wienerDeconvolve(img: Image, params: WienerParams): StepResult {
  if (!(params.psfSigma > 0)) throw new RangeError('psfSigma must be > 0');
  if (!(params.nsr > 0)) throw new RangeError('nsr must be > 0');
  const radius = params.psfRadius ?? Math.ceil(4 * params.psfSigma);
  const k = gaussianKernel1d(params.psfSigma, radius);
  const { width: w, height: h, channels: ch } = img;
  const ew = 2 * w;
  const eh = 2 * h;
  const hx = kernelSpectrum(k, ew);
  const hy = kernelSpectrum(k, eh);
  const nsrModel = params.nsrModel ?? 'natural';
  const sx2 = new Float64Array(ew);
  const sy2 = new Float64Array(eh);
  for (let x = 0; x < ew; x++) sx2[x] = Math.sin((Math.PI * x) / ew) ** 2;
  for (let y = 0; y < eh; y++) sy2[y] = Math.sin((Math.PI * y) / eh) ** 2;
  const out = createImage(w, h, ch);
  const z = createComplex2D(ew, eh);
  for (let c = 0; c < ch; c++) {
    z.im.fill(0);
    for (let y = 0; y < eh; y++) {
      const sy = y < h ? y : eh - 1 - y;
      for (let x = 0; x < ew; x++) {
        const sx = x < w ? x : ew - 1 - x;
        z.re[y * ew + x] = img.data[(sy * w + sx) * ch + c]!;
      }
    }
    fft2d(z, false);
    for (let y = 0; y < eh; y++) {
      for (let x = 0; x < ew; x++) {
        const hv = hx[x]! * hy[y]!;
        const kf = nsrModel === 'constant' ? params.nsr : params.nsr * (sx2[x]! + sy2[y]!);
        const g = hv / (hv * hv + kf);
        const i = y * ew + x;
        z.re[i] = z.re[i]! * g;
        z.im[i] = z.im[i]! * g;
      }
    }
    fft2d(z, true);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.data[(y * w + x) * ch + c] = z.re[y * ew + x]!;
  }
  const stepParams = { psfSigma: params.psfSigma, psfRadius: radius, nsr: params.nsr, nsrModel, boundary: 'symmetric-extension' };
  assertJsonParams(stepParams, 'wienerDeconvolve');
  return {
    image: out,
    step: {
      operation: 'deconvolve.wiener',
      method: 'Wiener deconvolution with a stated Gaussian PSF and noise-to-signal ratio (Wiener 1949; Gonzalez & Woods §5.8)',
      params: stepParams,
    },
  };
}

export interface RichardsonLucyParams {
  /** Gaussian PSF σ in pixels. */
  readonly psfSigma: number;
  /** Number of multiplicative updates; more is sharper and noisier (the method has no other regulariser). */
  readonly iterations: number;
  /** PSF kernel half-width in pixels; ⌈4σ⌉ by default. */
  readonly psfRadius?: number;
}

/**
 * Richardson–Lucy deconvolution (Richardson 1972; Lucy 1974): x ← x · Hᵀ(y / Hx), starting from x = y.
 * The maximum-likelihood estimate under Poisson noise; keeps the result non-negative. H is the separable
 * Gaussian with symmetric borders, and Hᵀ = H because the kernel is symmetric.
 */
export function richardsonLucy(img: Image, params: RichardsonLucyParams): StepResult {
  if (!(params.psfSigma > 0)) throw new RangeError('psfSigma must be > 0');
  const iterations = Math.max(0, Math.floor(params.iterations));
  const radius = params.psfRadius ?? Math.ceil(4 * params.psfSigma);
  const k = gaussianKernel1d(params.psfSigma, radius);
  // Intensities are floored slightly above zero so the ratio y / Hx is always defined.
  const floor = 1e-4;
  const y = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < y.data.length; i++) y.data[i] = Math.max(floor, img.data[i]!);
  let x = createImage(img.width, img.height, img.channels);
  x.data.set(y.data);
  const ratio = createImage(img.width, img.height, img.channels);
  for (let it = 0; it < iterations; it++) {
    const hx = convolveSeparable(x, k, k, 'symmetric');
    for (let i = 0; i < ratio.data.length; i++) ratio.data[i] = y.data[i]! / Math.max(floor, hx.data[i]!);
    const corr = convolveSeparable(ratio, k, k, 'symmetric');
    const next = createImage(img.width, img.height, img.channels);
    for (let i = 0; i < next.data.length; i++) next.data[i] = x.data[i]! * corr.data[i]!;
    x = next;
  }
  const stepParams = { psfSigma: params.psfSigma, psfRadius: radius, iterations, boundary: 'symmetric', start: 'observed image' };
  assertJsonParams(stepParams, 'richardsonLucy');
  return {
    image: x,
    step: {
      operation: 'deconvolve.richardson-lucy',
      method: 'Richardson–Lucy deconvolution with a stated Gaussian PSF (Richardson 1972; Lucy 1974)',
      params: stepParams,
    },
  };
}

/**
 * The σ of a Gaussian approximating the blur of a fused image on a ×scale grid: optical blur (given in LR
 * pixels), the LR pixel's box integration (variance scale²/12 in HR pixels) and the fusion kernel (σ in HR
 * pixels), added in quadrature. Used to state a PSF for deconvolution after fusion.
 */
export function fusedPsfSigma(scale: number, opticalSigmaLr: number, kernelSigmaHr: number): number {
  return Math.sqrt((opticalSigmaLr * scale) ** 2 + (scale * scale) / 12 + kernelSigmaHr ** 2);
}
