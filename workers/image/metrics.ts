/**
 * Full-reference image quality measures used to validate enhancement against a known original.
 *
 * Both images are compared in the same [0, 1] scale the pipeline uses; neither measure clamps its inputs, so a
 * method that overshoots is charged for it.
 */
import { toGray, type Image } from './image';
import { gaussianKernel1d } from './filters';

function assertSameShape(a: Image, b: Image): void {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(`image shapes differ: ${a.width}x${a.height}x${a.channels} vs ${b.width}x${b.height}x${b.channels}`);
  }
}

/** Mean squared error over all samples (all channels), optionally ignoring a frame of `border` pixels. */
export function mse(a: Image, b: Image, border = 0): number {
  assertSameShape(a, b);
  const { width: w, height: h, channels: ch } = a;
  let s = 0;
  let n = 0;
  for (let y = border; y < h - border; y++) {
    for (let x = border; x < w - border; x++) {
      for (let c = 0; c < ch; c++) {
        const i = (y * w + x) * ch + c;
        const d = a.data[i]! - b.data[i]!;
        s += d * d;
        n++;
      }
    }
  }
  if (n === 0) throw new RangeError('border leaves no pixels');
  return s / n;
}

export interface PsnrParams {
  /** Peak signal value; 1 for [0, 1] images. */
  readonly peak?: number;
  /** Pixels ignored at each edge. */
  readonly border?: number;
}

/** Peak signal-to-noise ratio in dB, 10·log10(peak² / MSE); +Infinity for identical images. */
export function psnr(a: Image, b: Image, params: PsnrParams = {}): number {
  const peak = params.peak ?? 1;
  const m = mse(a, b, params.border ?? 0);
  return m === 0 ? Infinity : 10 * Math.log10((peak * peak) / m);
}

/** The parameters of Wang et al. (2004), stated so reports can echo them. */
export interface SsimParams {
  /** Gaussian window size (odd). Default 11. */
  readonly windowSize: number;
  /** Gaussian window σ. Default 1.5. */
  readonly sigma: number;
  readonly k1: number;
  readonly k2: number;
  /** Dynamic range L of the pixel values. Default 1. */
  readonly dynamicRange: number;
}

export const SSIM_DEFAULTS: SsimParams = Object.freeze({ windowSize: 11, sigma: 1.5, k1: 0.01, k2: 0.03, dynamicRange: 1 });

export interface SsimResult {
  /** Mean SSIM over the map. */
  readonly ssim: number;
  /** Per-pixel SSIM over the 'valid' region, (W − win + 1)×(H − win + 1), row-major. */
  readonly map: Float64Array;
  readonly mapWidth: number;
  readonly mapHeight: number;
  readonly params: SsimParams;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh & Simoncelli 2004) on the BT.601 luma of both images, with the
 * reference implementation's choices: Gaussian window, 'valid' filtering (no border extension), C1 = (K1·L)²,
 * C2 = (K2·L)², no downsampling (our images are far below the 256-px size where the authors downsample).
 */
export function ssimDetailed(a: Image, b: Image, params: Partial<SsimParams> = {}): SsimResult {
  if (a.width !== b.width || a.height !== b.height) throw new RangeError('image sizes differ');
  const p: SsimParams = { ...SSIM_DEFAULTS, ...params };
  const win = p.windowSize;
  if (win % 2 === 0 || win < 1) throw new RangeError('SSIM window size must be odd');
  const ga = toGray(a).data;
  const gb = toGray(b).data;
  const w = a.width;
  const h = a.height;
  const mw = w - win + 1;
  const mh = h - win + 1;
  if (mw <= 0 || mh <= 0) throw new RangeError(`image ${w}x${h} is smaller than the SSIM window ${win}`);
  const k = gaussianKernel1d(p.sigma, (win - 1) / 2);
  // Five valid-mode separable filterings: μa, μb, E[a²], E[b²], E[ab].
  const n = w * h;
  const src = [new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  for (let i = 0; i < n; i++) {
    const x = ga[i]!;
    const y = gb[i]!;
    src[0][i] = x;
    src[1][i] = y;
    src[2][i] = x * x;
    src[3][i] = y * y;
    src[4][i] = x * y;
  }
  const filtered = src.map((s) => {
    const tmp = new Float64Array(mw * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < mw; x++) {
        let acc = 0;
        for (let t = 0; t < win; t++) acc += k[t]! * s[y * w + x + t]!;
        tmp[y * mw + x] = acc;
      }
    }
    const out = new Float64Array(mw * mh);
    for (let y = 0; y < mh; y++) {
      for (let x = 0; x < mw; x++) {
        let acc = 0;
        for (let t = 0; t < win; t++) acc += k[t]! * tmp[(y + t) * mw + x]!;
        out[y * mw + x] = acc;
      }
    }
    return out;
  });
  const [ma, mb, saa, sbb, sab] = filtered as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const c1 = (p.k1 * p.dynamicRange) ** 2;
  const c2 = (p.k2 * p.dynamicRange) ** 2;
  const map = new Float64Array(mw * mh);
  let sum = 0;
  for (let i = 0; i < map.length; i++) {
    const mx = ma[i]!;
    const my = mb[i]!;
    const vx = saa[i]! - mx * mx;
    const vy = sbb[i]! - my * my;
    const cxy = sab[i]! - mx * my;
    const v = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
    map[i] = v;
    sum += v;
  }
  return { ssim: sum / map.length, map, mapWidth: mw, mapHeight: mh, params: p };
}

/** Mean SSIM (see `ssimDetailed`). */
export function ssim(a: Image, b: Image, params: Partial<SsimParams> = {}): number {
  return ssimDetailed(a, b, params).ssim;
}
