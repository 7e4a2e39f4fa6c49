/**
 * Linear filters, image measures and bicubic resampling for the evidential (classical) tier.
 *
 * All functions are pure, deterministic and work per channel on `Image` (float32 HWC). Accumulation is done in
 * float64 so results do not depend on summation order subtleties of float32. Kernels and border handling are
 * explicit parameters because they are written into the evidence report.
 */
import { createImage, toGray, warpAffineWith, type Affine, type Image } from './image';

/**
 * How samples outside the image are obtained.
 * - `symmetric`: half-sample mirror (… c b a | a b c … z | z y …), no artificial edge; the default for filters.
 * - `clamp`: repeat the edge pixel.
 */
export type BorderMode = 'symmetric' | 'clamp';

/** Index into [0, n) for a possibly out-of-range i under the given border rule. */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'clamp' || n === 1) return i < 0 ? 0 : n - 1;
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Normalised 1-D Gaussian taps exp(−x²/2σ²) for x = −radius…radius; radius defaults to ⌈3σ⌉. */
export function gaussianKernel1d(sigma: number, radius = Math.ceil(3 * sigma)): Float64Array {
  if (!(sigma > 0)) throw new RangeError(`Gaussian sigma must be > 0, got ${sigma}`);
  const r = Math.max(0, Math.floor(radius));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    s += v;
  }
  for (let i = 0; i < k.length; i++) k[i] = k[i]! / s;
  return k;
}

/**
 * Separable convolution (correlation with odd-length kernels centred on their middle tap): rows with `kx`,
 * then columns with `ky`. For symmetric kernels correlation and convolution coincide.
 */
export function convolveSeparable(img: Image, kx: ArrayLike<number>, ky: ArrayLike<number>, border: BorderMode = 'symmetric'): Image {
  if (kx.length % 2 === 0 || ky.length % 2 === 0) throw new RangeError('separable kernels must have odd length');
  const { width: w, height: h, channels: ch } = img;
  const rx = (kx.length - 1) >> 1;
  const ry = (ky.length - 1) >> 1;
  const tmp = new Float64Array(w * h * ch);
  const xIdx = new Int32Array(w + 2 * rx);
  for (let i = 0; i < xIdx.length; i++) xIdx[i] = borderIndex(i - rx, w, border);
  const yIdx = new Int32Array(h + 2 * ry);
  for (let i = 0; i < yIdx.length; i++) yIdx[i] = borderIndex(i - ry, h, border);
  const src = img.data;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let t = 0; t < kx.length; t++) s += kx[t]! * src[(row + xIdx[x + t]!) * ch + c]!;
        tmp[(row + x) * ch + c] = s;
      }
    }
  }
  const out = createImage(w, h, ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let t = 0; t < ky.length; t++) s += ky[t]! * tmp[(yIdx[y + t]! * w + x) * ch + c]!;
        out.data[(y * w + x) * ch + c] = s;
      }
    }
  }
  return out;
}

export interface GaussianBlurParams {
  /** Standard deviation in pixels. */
  readonly sigma: number;
  /** Half-width of the kernel in pixels; ⌈3σ⌉ by default. */
  readonly radius?: number;
  readonly border?: BorderMode;
}

/** Separable Gaussian blur; σ ≤ 0 returns a copy (no-op, so callers can pass a stated "0"). */
export function gaussianBlur(img: Image, sigma: number, options: Omit<GaussianBlurParams, 'sigma'> = {}): Image {
  if (!(sigma > 0)) return { width: img.width, height: img.height, channels: img.channels, data: new Float32Array(img.data) };
  const k = gaussianKernel1d(sigma, options.radius ?? Math.ceil(3 * sigma));
  return convolveSeparable(img, k, k, options.border ?? 'symmetric');
}

/** Box (moving-average) filter over a (2r+1)×(2r+1) window. */
export function boxFilter(img: Image, radius: number, border: BorderMode = 'symmetric'): Image {
  const r = Math.max(0, Math.floor(radius));
  const k = new Float64Array(2 * r + 1).fill(1 / (2 * r + 1));
  return convolveSeparable(img, k, k, border);
}

export interface Gradients {
  /** ∂I/∂x (Sobel, normalised by 1/8 so a unit ramp gives 1 per pixel). */
  readonly gx: Image;
  readonly gy: Image;
  /** √(gx² + gy²). */
  readonly magnitude: Image;
}

/** Sobel gradients of the luma (colour inputs are converted with BT.601 weights). Border: symmetric. */
export function sobel(img: Image, border: BorderMode = 'symmetric'): Gradients {
  const g = toGray(img);
  // Separable Sobel: derivative [-1 0 1]/2 along the axis, smoothing [1 2 1]/4 across it.
  const d = [-0.5, 0, 0.5];
  const s = [0.25, 0.5, 0.25];
  const gx = convolveSeparable(g, d, s, border);
  const gy = convolveSeparable(g, s, d, border);
  const magnitude = createImage(g.width, g.height, 1);
  for (let i = 0; i < magnitude.data.length; i++) magnitude.data[i] = Math.hypot(gx.data[i]!, gy.data[i]!);
  return { gx, gy, magnitude };
}

/**
 * Sharpness: variance of the 4-neighbour Laplacian of the luma, over interior pixels (the 1-px frame is
 * excluded so borders add nothing). Intensities are in [0, 1], so values are 255² smaller than the usual
 * 8-bit figure.
 */
export function laplacianVariance(img: Image): number {
  const g = toGray(img);
  const { width: w, height: h, data } = g;
  if (w < 3 || h < 3) return 0;
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - w]! + data[i + w]! - 4 * data[i]!;
      s += v;
      s2 += v * v;
      n++;
    }
  }
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}

export interface LocalStatsParams {
  /** `box`: uniform (2r+1)² window; `gaussian`: Gaussian weights with σ = radius / 2 truncated at ±radius. */
  readonly window: 'box' | 'gaussian';
  readonly radius: number;
  readonly border?: BorderMode;
}

/** Local mean and (biased) local variance per pixel and channel: E[I], E[I²] − E[I]². */
export function localMeanVariance(img: Image, params: LocalStatsParams): { mean: Image; variance: Image } {
  const border = params.border ?? 'symmetric';
  const r = Math.max(0, Math.floor(params.radius));
  const k = params.window === 'box' ? new Float64Array(2 * r + 1).fill(1 / (2 * r + 1)) : gaussianKernel1d(Math.max(r, 0.5) / 2, r);
  const sq = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < sq.data.length; i++) sq.data[i] = img.data[i]! * img.data[i]!;
  const mean = convolveSeparable(img, k, k, border);
  const m2 = convolveSeparable(sq, k, k, border);
  const variance = createImage(img.width, img.height, img.channels);
  for (let i = 0; i < variance.data.length; i++) {
    const m = mean.data[i]!;
    variance.data[i] = Math.max(0, m2.data[i]! - m * m);
  }
  return { mean, variance };
}

/** Histogram of the luma (or of one channel) over `bins` equal bins spanning [0, 1]; values outside are clamped. */
export function histogram(img: Image, bins = 256, channel?: number): Uint32Array {
  const src = channel === undefined ? toGray(img) : img;
  const ch = channel === undefined ? 1 : img.channels;
  const c = channel ?? 0;
  if (c < 0 || c >= ch) throw new RangeError(`channel ${c} out of range`);
  const out = new Uint32Array(bins);
  const n = src.width * src.height;
  for (let i = 0; i < n; i++) {
    const v = src.data[i * ch + c]!;
    let b = Math.floor(v * bins);
    b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
    out[b]!++;
  }
  return out;
}

export interface ExposureStats {
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
  /** Percentiles of the luma from a 256-bin histogram (bin centres). */
  readonly p01: number;
  readonly median: number;
  readonly p99: number;
  /** Fraction of pixels at or below 0.5/255 and at or above 254.5/255 (clipped by the sensor or the encoder). */
  readonly clippedLow: number;
  readonly clippedHigh: number;
  /** Shannon entropy of the 256-bin luma histogram, in bits (0…8). */
  readonly entropy: number;
}

/** Exposure statistics of the luma, for quality scores and the report. */
export function exposureStats(img: Image): ExposureStats {
  const g = toGray(img);
  const n = g.data.length;
  let s = 0, s2 = 0, mn = Infinity, mx = -Infinity, lo = 0, hi = 0;
  for (let i = 0; i < n; i++) {
    const v = g.data[i]!;
    s += v;
    s2 += v * v;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    if (v <= 0.5 / 255) lo++;
    if (v >= 254.5 / 255) hi++;
  }
  const mean = s / n;
  const hist = histogram(g, 256);
  const pct = (p: number): number => {
    const target = p * n;
    let acc = 0;
    for (let b = 0; b < 256; b++) {
      acc += hist[b]!;
      if (acc >= target) return (b + 0.5) / 256;
    }
    return 255.5 / 256;
  };
  let entropy = 0;
  for (let b = 0; b < 256; b++) {
    const p = hist[b]! / n;
    if (p > 0) entropy -= p * Math.log2(p);
  }
  return {
    mean,
    std: Math.sqrt(Math.max(0, s2 / n - mean * mean)),
    min: mn,
    max: mx,
    p01: pct(0.01),
    median: pct(0.5),
    p99: pct(0.99),
    clippedLow: lo / n,
    clippedHigh: hi / n,
    entropy,
  };
}

/** Keys (1981) cubic convolution kernel; a = −0.5 gives third-order accuracy (the usual "bicubic"). */
export function cubicKernel(t: number, a = -0.5): number {
  const x = Math.abs(t);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface AxisWeights {
  readonly count: number;
  readonly idx: Int32Array;
  readonly w: Float64Array;
}

/**
 * Per-output-sample taps for 1-D resampling with pixel-centre alignment (out x ↔ in (x + 0.5)·s − 0.5).
 * When shrinking and `antialias` is set, the kernel is stretched by the scale factor (as in PIL/ImageMagick)
 * so the result is low-passed instead of aliased.
 */
function axisWeights(inN: number, outN: number, a: number, antialias: boolean): AxisWeights {
  const scale = inN / outN;
  const stretch = antialias && scale > 1 ? scale : 1;
  const support = 2 * stretch;
  const count = 2 * Math.ceil(support) + 1;
  const idx = new Int32Array(outN * count);
  const w = new Float64Array(outN * count);
  for (let o = 0; o < outN; o++) {
    const centre = (o + 0.5) * scale - 0.5;
    const first = Math.floor(centre - support);
    let sum = 0;
    for (let t = 0; t < count; t++) {
      const i = first + t;
      const v = cubicKernel((i - centre) / stretch, a);
      idx[o * count + t] = borderIndex(i, inN, 'clamp');
      w[o * count + t] = v;
      sum += v;
    }
    if (sum !== 0) for (let t = 0; t < count; t++) w[o * count + t] = w[o * count + t]! / sum;
  }
  return { count, idx, w };
}

export interface BicubicParams {
  /** Keys' free parameter; −0.5 by default. */
  readonly a?: number;
  /** Stretch the kernel when shrinking so the result is low-passed (default true). */
  readonly antialias?: boolean;
}

/**
 * Separable bicubic resize (Keys cubic convolution, a = −0.5 unless stated), pixel-centre aligned, edges
 * clamped. Output is not clamped to [0, 1] (cubic overshoot is kept so later measures see the real filter).
 */
export function resizeBicubic(img: Image, outW: number, outH: number, params: BicubicParams = {}): Image {
  const a = params.a ?? -0.5;
  const aa = params.antialias ?? true;
  const { width: w, height: h, channels: ch } = img;
  const ax = axisWeights(w, outW, a, aa);
  const ay = axisWeights(h, outH, a, aa);
  const tmp = new Float64Array(outW * h * ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let t = 0; t < ax.count; t++) s += ax.w[x * ax.count + t]! * img.data[(y * w + ax.idx[x * ax.count + t]!) * ch + c]!;
        tmp[(y * outW + x) * ch + c] = s;
      }
    }
  }
  const out = createImage(outW, outH, ch);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let t = 0; t < ay.count; t++) s += ay.w[y * ay.count + t]! * tmp[(ay.idx[y * ay.count + t]! * outW + x) * ch + c]!;
        out.data[(y * outW + x) * ch + c] = s;
      }
    }
  }
  return out;
}

/** Bicubic (Keys) sample of channel c at continuous coordinates (pixel centres at integers); edges clamp. */
export function sampleBicubic(img: Image, x: number, y: number, c: number, a = -0.5): number {
  const { width: w, height: h, channels: ch, data } = img;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  let s = 0;
  for (let j = -1; j <= 2; j++) {
    const wy = cubicKernel(j - fy, a);
    if (wy === 0) continue;
    const yy = borderIndex(y0 + j, h, 'clamp');
    let r = 0;
    for (let i = -1; i <= 2; i++) {
      const xx = borderIndex(x0 + i, w, 'clamp');
      r += cubicKernel(i - fx, a) * data[(yy * w + xx) * ch + c]!;
    }
    s += wy * r;
  }
  return s;
}

/**
 * Warp with an inverse map (output → source) like `warpAffine`, but bicubic. Pixels mapping outside the source
 * by more than half a pixel get `border` unless it is 'clamp'.
 */
export function warpAffineBicubic(img: Image, inverse: Affine, outW: number, outH: number, border: number | 'clamp' = 'clamp'): Image {
  return warpAffineWith(img, inverse, outW, outH, border, (im, x, y, c) => sampleBicubic(im, x, y, c));
}

/** Average non-overlapping factor×factor blocks (sensor-style integration); size must divide exactly. */
export function downsampleBox(img: Image, factor: number): Image {
  const f = Math.floor(factor);
  if (f < 1 || img.width % f !== 0 || img.height % f !== 0) {
    throw new RangeError(`box factor ${factor} must be a positive integer dividing ${img.width}x${img.height}`);
  }
  const w = img.width / f;
  const h = img.height / f;
  const ch = img.channels;
  const out = createImage(w, h, ch);
  const inv = 1 / (f * f);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let j = 0; j < f; j++) for (let i = 0; i < f; i++) s += img.data[((y * f + j) * img.width + x * f + i) * ch + c]!;
        out.data[(y * w + x) * ch + c] = s * inv;
      }
    }
  }
  return out;
}

