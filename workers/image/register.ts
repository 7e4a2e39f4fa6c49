/**
 * Sub-pixel image registration for multi-frame fusion: phase correlation (global translation, robust to large
 * shifts and to intensity changes) and ECC refinement (Evangelidis & Psarakis 2008) for translation, Euclidean,
 * similarity and affine motion.
 *
 * Warp convention (same as `warpAffine` and OpenCV's findTransformECC): a warp W maps TEMPLATE (reference)
 * pixel coordinates to INPUT pixel coordinates, so `warpAffine(input, W, template.width, template.height)`
 * resamples the input onto the template's grid. Pixel centres are at integer coordinates.
 *
 * Everything here is deterministic: fixed iteration order, float64 accumulation, no randomness.
 */
import { createImage, toGray, type Affine, type Image } from './image';
import { cubicKernel, gaussianBlur } from './filters';
import { createComplex2D, fft2d, signedFrequency } from './fft';

// ---------------------------------------------------------------------------------------------------------------
// Affine helpers
// ---------------------------------------------------------------------------------------------------------------

export const IDENTITY: Affine = [1, 0, 0, 0, 1, 0];

/** m1 ∘ m2: apply m2 first, then m1. */
export function composeAffine(m1: Affine, m2: Affine): Affine {
  const [a1, b1, t1, c1, d1, u1] = m1;
  const [a2, b2, t2, c2, d2, u2] = m2;
  return [a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, a1 * t2 + b1 * u2 + t1, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2, c1 * t2 + d1 * u2 + u1];
}

export function translation(dx: number, dy: number): Affine {
  return [1, 0, dx, 0, 1, dy];
}

/**
 * RMS distance, in input pixels, between where two warps send the pixel centres of a width×height template
 * grid. Used to score a registration against a known truth and to compare warps without mixing units.
 */
export function warpDistance(m1: Affine, m2: Affine, width: number, height: number): number {
  let s = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const dx = (m1[0] - m2[0]) * x + (m1[1] - m2[1]) * y + (m1[2] - m2[2]);
      const dy = (m1[3] - m2[3]) * x + (m1[4] - m2[4]) * y + (m1[5] - m2[5]);
      s += dx * dx + dy * dy;
    }
  }
  return Math.sqrt(s / (width * height));
}

/** Decompose the linear part as a similarity would be: scale, rotation (degrees) and the remaining shear/anisotropy. */
export function describeAffine(m: Affine): { scale: number; rotationDeg: number; anisotropy: number; tx: number; ty: number } {
  const [a, b, tx, c, d, ty] = m;
  const alpha = (a + d) / 2;
  const beta = (c - b) / 2;
  const scale = Math.hypot(alpha, beta);
  const rotationDeg = (Math.atan2(beta, alpha) * 180) / Math.PI;
  // Distance of the linear part from the nearest similarity, relative to its scale.
  const anisotropy = Math.hypot(a - alpha, d - alpha, b + beta, c - beta) / Math.max(scale, 1e-12);
  return { scale, rotationDeg, anisotropy, tx, ty };
}

// ---------------------------------------------------------------------------------------------------------------
// Phase correlation
// ---------------------------------------------------------------------------------------------------------------

export interface PhaseCorrelationParams {
  /** Apodisation applied to both images (after removing their means) to suppress the wrap-around edge. */
  readonly window: 'hann' | 'none';
  /**
   * Spectral whitening exponent β: the cross-power spectrum R is divided by |R|^β. β = 1 is classic phase
   * correlation (sharpest peak, but every frequency counts equally, so noise-dominated high frequencies do
   * too); β = 0 is plain cross-correlation (robust to noise, broad peak). In between trades the two.
   */
  readonly whitening: number;
  /** Gaussian weighting of the cross-power spectrum, σ in cycles/pixel; 0 disables. Damps noisy high frequencies. */
  readonly lowpassSigma: number;
  /** Sub-pixel refinement: the correlation surface is evaluated by matrix-multiply DFT on a 1/upsample grid
   *  within ±1.5 px of the integer peak (Guizar-Sicairos et al. 2008), then a 3-point parabola per axis. */
  readonly upsample: number;
  /** Only peaks with |dx|, |dy| ≤ maxShift are considered (pixels); null = anywhere. */
  readonly maxShift: number | null;
  /**
   * Estimation passes. A window fixed to the frame pulls the estimate toward zero shift (the window's own
   * autocorrelation peaks there). Each further pass centres the two windows on the content, displaced by ∓d/2
   * with the current estimate d, so the bias vanishes at the fixed point without resampling any pixel.
   */
  readonly iterations: number;
}

export const PHASE_CORRELATION_DEFAULTS: PhaseCorrelationParams = Object.freeze({
  window: 'hann',
  whitening: 0.5,
  lowpassSigma: 0.25,
  upsample: 16,
  maxShift: null,
  iterations: 3,
});

export interface PhaseCorrelationResult {
  /** Shift of `moving` relative to `reference`: moving(x, y) ≈ reference(x − dx, y − dy). */
  readonly dx: number;
  readonly dy: number;
  /** Height of the correlation peak relative to a perfectly coherent spectrum (1 = identical up to the shift). */
  readonly peak: number;
  readonly params: PhaseCorrelationParams;
}

/**
 * Estimate the translation between two equally sized images by phase correlation. The warp that maps
 * reference coordinates to moving coordinates is `translation(dx, dy)`.
 */
export function phaseCorrelate(reference: Image, moving: Image, options: Partial<PhaseCorrelationParams> = {}): PhaseCorrelationResult {
  const p: PhaseCorrelationParams = { ...PHASE_CORRELATION_DEFAULTS, ...options };
  if (reference.width !== moving.width || reference.height !== moving.height) throw new RangeError('phase correlation needs equal image sizes');
  if (!(p.upsample >= 1)) throw new RangeError('upsample must be ≥ 1');
  const refGray = toGray(reference);
  const movGray = toGray(moving);
  const maxShift = p.maxShift ?? Infinity;
  let est = phaseCorrelateOnce(refGray, movGray, p, 0, 0, maxShift);
  for (let it = 1; it < Math.max(1, Math.floor(p.iterations)); it++) {
    const next = phaseCorrelateOnce(refGray, movGray, p, est.dx, est.dy, maxShift);
    const change = Math.hypot(next.dx - est.dx, next.dy - est.dy);
    est = next;
    if (change < 1e-4) break;
  }
  return { dx: est.dx, dy: est.dy, peak: est.peak, params: p };
}

/** Hann taper of length n displaced by `shift` pixels; zero where the displaced window leaves its support. */
function hannWindow(n: number, shift: number, kind: 'hann' | 'none'): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = i - shift;
    w[i] = kind === 'none' ? 1 : u < -0.5 || u > n - 0.5 ? 0 : 0.5 - 0.5 * Math.cos((2 * Math.PI * (u + 0.5)) / n);
  }
  return w;
}

function phaseCorrelateOnce(
  reference: Image,
  moving: Image,
  p: PhaseCorrelationParams,
  centreDx: number,
  centreDy: number,
  maxShift: number,
): { dx: number; dy: number; peak: number } {
  const w = reference.width;
  const h = reference.height;
  const n = w * h;
  const prep = (img: Image, sx: number, sy: number) => {
    const wx = hannWindow(w, sx, p.window);
    const wy = hannWindow(h, sy, p.window);
    const g = img.data;
    // Remove the window-weighted mean so the taper does not leave a DC pedestal with the window's shape.
    let m = 0;
    let sw = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const wt = wx[x]! * wy[y]!;
        m += wt * g[y * w + x]!;
        sw += wt;
      }
    }
    m = sw > 0 ? m / sw : 0;
    const z = createComplex2D(w, h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) z.re[y * w + x] = (g[y * w + x]! - m) * wx[x]! * wy[y]!;
    fft2d(z, false);
    return z;
  };
  const f1 = prep(reference, -centreDx / 2, -centreDy / 2);
  const f2 = prep(moving, centreDx / 2, centreDy / 2);
  // R = F2·conj(F1): its inverse transform peaks at +d when moving is reference shifted by d.
  const r = createComplex2D(w, h);
  let maxMag = 0;
  for (let i = 0; i < n; i++) {
    const re = f2.re[i]! * f1.re[i]! + f2.im[i]! * f1.im[i]!;
    const im = f2.im[i]! * f1.re[i]! - f2.re[i]! * f1.im[i]!;
    r.re[i] = re;
    r.im[i] = im;
    const mag = Math.hypot(re, im);
    if (mag > maxMag) maxMag = mag;
  }
  if (maxMag === 0) return { dx: 0, dy: 0, peak: 0 };
  const eps = 1e-9 * maxMag;
  let coherent = 0;
  for (let y = 0; y < h; y++) {
    const fy = signedFrequency(y, h);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const fx = signedFrequency(x, w);
      let s = p.whitening > 0 ? (Math.hypot(r.re[i]!, r.im[i]!) + eps) ** -p.whitening : 1;
      if (p.lowpassSigma > 0) s *= Math.exp(-(fx * fx + fy * fy) / (2 * p.lowpassSigma * p.lowpassSigma));
      r.re[i] = r.re[i]! * s;
      r.im[i] = r.im[i]! * s;
      coherent += Math.hypot(r.re[i]!, r.im[i]!);
    }
  }
  const c = { width: w, height: h, re: new Float64Array(r.re), im: new Float64Array(r.im) };
  fft2d(c, true);
  let best = -Infinity;
  let px = 0;
  let py = 0;
  for (let y = 0; y < h; y++) {
    const sy = y > h >> 1 ? y - h : y;
    if (Math.abs(sy) > maxShift) continue;
    for (let x = 0; x < w; x++) {
      const sx = x > w >> 1 ? x - w : x;
      if (Math.abs(sx) > maxShift) continue;
      const v = c.re[y * w + x]!;
      if (v > best) {
        best = v;
        px = sx;
        py = sy;
      }
    }
  }
  if (!Number.isFinite(best)) return { dx: 0, dy: 0, peak: 0 };
  const refined = upsampledPeak(r.re, r.im, w, h, px, py, p.upsample);
  return { dx: refined.x, dy: refined.y, peak: (refined.value * n) / coherent };
}

/** Evaluate the inverse DFT of (re, im) on a fine grid around (cx, cy) and return the parabola-refined maximum. */
function upsampledPeak(re: Float64Array, im: Float64Array, w: number, h: number, cx: number, cy: number, upsample: number): { x: number; y: number; value: number } {
  const u = Math.max(1, Math.round(upsample));
  const half = Math.ceil(1.5 * u);
  const m = 2 * half + 1;
  const offs = new Float64Array(m);
  for (let i = 0; i < m; i++) offs[i] = (i - half) / u;
  // Stage 1, along x: A[ky][j] = Σ_kx R[ky][kx]·e^{2πi·fx·(cx + offs[j])}
  const ar = new Float64Array(h * m);
  const ai = new Float64Array(h * m);
  const er = new Float64Array(w * m);
  const ei = new Float64Array(w * m);
  for (let kx = 0; kx < w; kx++) {
    const f = signedFrequency(kx, w);
    for (let j = 0; j < m; j++) {
      const a = 2 * Math.PI * f * (cx + offs[j]!);
      er[kx * m + j] = Math.cos(a);
      ei[kx * m + j] = Math.sin(a);
    }
  }
  for (let ky = 0; ky < h; ky++) {
    for (let j = 0; j < m; j++) {
      let sr = 0;
      let si = 0;
      for (let kx = 0; kx < w; kx++) {
        const rr = re[ky * w + kx]!;
        const ri = im[ky * w + kx]!;
        const cr = er[kx * m + j]!;
        const ci = ei[kx * m + j]!;
        sr += rr * cr - ri * ci;
        si += rr * ci + ri * cr;
      }
      ar[ky * m + j] = sr;
      ai[ky * m + j] = si;
    }
  }
  // Stage 2, along y (real part only is needed).
  const fr = new Float64Array(h * m);
  const fi = new Float64Array(h * m);
  for (let ky = 0; ky < h; ky++) {
    const f = signedFrequency(ky, h);
    for (let i = 0; i < m; i++) {
      const a = 2 * Math.PI * f * (cy + offs[i]!);
      fr[ky * m + i] = Math.cos(a);
      fi[ky * m + i] = Math.sin(a);
    }
  }
  const surf = new Float64Array(m * m);
  let best = -Infinity;
  let bi = half;
  let bj = half;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let ky = 0; ky < h; ky++) s += ar[ky * m + j]! * fr[ky * m + i]! - ai[ky * m + j]! * fi[ky * m + i]!;
      s /= w * h;
      surf[i * m + j] = s;
      if (s > best) {
        best = s;
        bi = i;
        bj = j;
      }
    }
  }
  const para = (l: number, c0: number, r0: number): number => {
    const d = l - 2 * c0 + r0;
    return d < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - r0)) / d)) : 0;
  };
  let ox = 0;
  let oy = 0;
  if (bj > 0 && bj < m - 1) ox = para(surf[bi * m + bj - 1]!, best, surf[bi * m + bj + 1]!);
  if (bi > 0 && bi < m - 1) oy = para(surf[(bi - 1) * m + bj]!, best, surf[(bi + 1) * m + bj]!);
  return { x: cx + offs[bj]! + ox / u, y: cy + offs[bi]! + oy / u, value: best };
}

// ---------------------------------------------------------------------------------------------------------------
// ECC
// ---------------------------------------------------------------------------------------------------------------

export type MotionModel = 'translation' | 'euclidean' | 'similarity' | 'affine';

export interface EccParams {
  /**
   * Degrees of freedom refined. `translation`: tx, ty (the linear part of the initial warp is kept);
   * `euclidean`: rotation + translation (the initial scale is kept); `similarity`: + uniform scale;
   * `affine`: all six entries. Rotation/scale act about the template centre, which conditions the problem.
   */
  readonly motion: MotionModel;
  /** Gauss–Newton iterations per pyramid level at most. */
  readonly maxIterations: number;
  /** Converged when an update moves every template corner by less than this many pixels. */
  readonly epsilon: number;
  /** Gaussian σ (pixels) applied to both images first; damps noise and widens the basin of convergence. */
  readonly presmoothSigma: number;
  /** Coarse-to-fine levels (1 = none); each level halves the resolution. */
  readonly pyramidLevels: number;
  /** Interpolation of the warped input and its gradients. Bicubic avoids bilinear's sub-pixel bias. */
  readonly interpolation: 'bilinear' | 'bicubic';
  /**
   * `tukey`: iteratively re-weighted ECC — pixels whose photometric residual is far beyond its MAD scale
   * (Tukey biweight, c = 4.685) stop counting, so a partial occlusion or a glint does not drag the warp.
   * `none`: the original, unweighted ECC.
   */
  readonly robust: 'none' | 'tukey';
}

export const ECC_DEFAULTS: EccParams = Object.freeze({
  motion: 'similarity',
  maxIterations: 100,
  epsilon: 1e-3,
  presmoothSigma: 0,
  pyramidLevels: 1,
  interpolation: 'bicubic',
  robust: 'none',
});

export interface EccResult {
  /** Template → input warp (see the module comment). */
  readonly warp: Affine;
  /** Enhanced correlation coefficient at the final warp, over the valid overlap, in [−1, 1]. */
  readonly correlation: number;
  /** The same coefficient with outlier pixels (Tukey weights of a robust photometric fit) left out. */
  readonly robustCorrelation: number;
  /** Iterations performed, summed over pyramid levels. */
  readonly iterations: number;
  /** True when the finest level met the epsilon criterion before maxIterations. */
  readonly converged: boolean;
  /** Why the iteration stopped early without converging, if it did. */
  readonly failure: string | null;
  /** Fraction of template pixels whose warped position lies inside the input. */
  readonly validFraction: number;
  /**
   * RMS of template − (g·warped input + o) over the valid overlap, g and o fitted by least squares
   * (intensity units; the photometric fit makes it comparable between frames of different exposure).
   */
  readonly residualRms: number;
  /** Robust scale of the same residuals (1.4826·MAD): what the inliers' misfit is, whatever the outliers do. */
  readonly residualMad: number;
  /** Fraction of overlapping pixels whose residual is within 2.5 MAD scales. */
  readonly inlierFraction: number;
  readonly params: EccParams;
}

function paramCount(motion: MotionModel): number {
  switch (motion) {
    case 'translation':
      return 2;
    case 'euclidean':
      return 3;
    case 'similarity':
      return 4;
    case 'affine':
      return 6;
    default: {
      const never: never = motion;
      throw new RangeError(`unknown motion model ${String(never)}`);
    }
  }
}

/**
 * The warp in centred coordinates: input − ci = A·(template − ct) + t. Parameters are kept per model so the
 * additive Gauss–Newton update stays inside the model.
 */
class CentredWarp {
  a = 1; b = 0; c = 0; d = 1; tx = 0; ty = 0;
  theta = 0; s0 = 1; // euclidean
  constructor(readonly motion: MotionModel, readonly ctx: number, readonly cty: number, readonly cix: number, readonly ciy: number) {}

  static fromAffine(m: Affine, motion: MotionModel, ctx: number, cty: number, cix: number, ciy: number): CentredWarp {
    const w = new CentredWarp(motion, ctx, cty, cix, ciy);
    let [a, b, , c, d] = m;
    if (motion === 'euclidean' || motion === 'similarity') {
      // Project the linear part onto the nearest similarity; ECC cannot represent anything else in these models.
      const alpha = (a + d) / 2;
      const beta = (c - b) / 2;
      w.s0 = Math.hypot(alpha, beta) || 1;
      w.theta = Math.atan2(beta, alpha);
      a = alpha; d = alpha; b = -beta; c = beta;
    }
    w.a = a; w.b = b; w.c = c; w.d = d;
    // Translation in centred form: input = A·(x − ct) + ci + t  ⇔  t = m(ct) − ci.
    w.tx = m[0] * ctx + m[1] * cty + m[2] - cix;
    w.ty = m[3] * ctx + m[4] * cty + m[5] - ciy;
    return w;
  }

  toAffine(): Affine {
    const { a, b, c, d, ctx, cty, cix, ciy } = this;
    return [a, b, cix + this.tx - a * ctx - b * cty, c, d, ciy + this.ty - c * ctx - d * cty];
  }

  /** ∂(x', y')/∂p at centred template point (X, Y) into jx, jy (length = parameter count). */
  jacobian(X: number, Y: number, jx: Float64Array, jy: Float64Array): void {
    switch (this.motion) {
      case 'translation':
        jx[0] = 1; jy[0] = 0; jx[1] = 0; jy[1] = 1;
        return;
      case 'euclidean': {
        const cs = this.s0 * Math.cos(this.theta);
        const sn = this.s0 * Math.sin(this.theta);
        jx[0] = -sn * X - cs * Y; jy[0] = cs * X - sn * Y;
        jx[1] = 1; jy[1] = 0; jx[2] = 0; jy[2] = 1;
        return;
      }
      case 'similarity':
        jx[0] = X; jy[0] = Y; jx[1] = -Y; jy[1] = X;
        jx[2] = 1; jy[2] = 0; jx[3] = 0; jy[3] = 1;
        return;
      case 'affine':
        jx[0] = X; jy[0] = 0; jx[1] = Y; jy[1] = 0; jx[2] = 0; jy[2] = X; jx[3] = 0; jy[3] = Y;
        jx[4] = 1; jy[4] = 0; jx[5] = 0; jy[5] = 1;
        return;
      default: {
        const never: never = this.motion;
        throw new RangeError(`unknown motion model ${String(never)}`);
      }
    }
  }

  update(dp: Float64Array): void {
    switch (this.motion) {
      case 'translation':
        this.tx += dp[0]!; this.ty += dp[1]!;
        return;
      case 'euclidean':
        this.theta += dp[0]!;
        this.a = this.d = this.s0 * Math.cos(this.theta);
        this.c = this.s0 * Math.sin(this.theta);
        this.b = -this.c;
        this.tx += dp[1]!; this.ty += dp[2]!;
        return;
      case 'similarity':
        this.a += dp[0]!; this.d = this.a;
        this.c += dp[1]!; this.b = -this.c;
        this.tx += dp[2]!; this.ty += dp[3]!;
        return;
      case 'affine':
        this.a += dp[0]!; this.b += dp[1]!; this.c += dp[2]!; this.d += dp[3]!;
        this.tx += dp[4]!; this.ty += dp[5]!;
        return;
      default: {
        const never: never = this.motion;
        throw new RangeError(`unknown motion model ${String(never)}`);
      }
    }
  }
}

interface Plane {
  readonly w: number;
  readonly h: number;
  readonly data: Float64Array;
}

function planeOf(img: Image): Plane {
  const g = toGray(img);
  return { w: g.width, h: g.height, data: Float64Array.from(g.data) };
}

/** Halve a plane with pixel-centre alignment: coarse x ↔ fine 2x + 0.5 (2×2 mean of a σ=0.5-blurred plane). */
function halvePlane(p: Plane): Plane {
  const src = gaussianBlur({ width: p.w, height: p.h, channels: 1, data: Float32Array.from(p.data) }, 0.5).data;
  const w = Math.max(1, p.w >> 1);
  const h = Math.max(1, p.h >> 1);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const x1 = Math.min(2 * x + 1, p.w - 1);
      const y1 = Math.min(2 * y + 1, p.h - 1);
      out[y * w + x] = 0.25 * (src[2 * y * p.w + 2 * x]! + src[2 * y * p.w + x1]! + src[y1 * p.w + 2 * x]! + src[y1 * p.w + x1]!);
    }
  }
  return { w, h, data: out };
}

/** 5-tap central derivative (1, −8, 0, 8, −1)/12: accurate to 4th order, so gradients at fine detail are not underestimated. */
function derivatives(p: Plane): { gx: Float64Array; gy: Float64Array } {
  const { w, h, data } = p;
  const gx = new Float64Array(w * h);
  const gy = new Float64Array(w * h);
  const cx = (x: number) => (x < 0 ? 0 : x >= w ? w - 1 : x);
  const cy = (y: number) => (y < 0 ? 0 : y >= h ? h - 1 : y);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const r = y * w;
      gx[r + x] = (data[r + cx(x - 2)]! - 8 * data[r + cx(x - 1)]! + 8 * data[r + cx(x + 1)]! - data[r + cx(x + 2)]!) / 12;
      gy[r + x] = (data[cy(y - 2) * w + x]! - 8 * data[cy(y - 1) * w + x]! + 8 * data[cy(y + 1) * w + x]! - data[cy(y + 2) * w + x]!) / 12;
    }
  }
  return { gx, gy };
}

/** Samples value and both gradients at (x, y) with shared interpolation weights. Returns false outside. */
class Interpolator {
  private readonly wx = new Float64Array(4);
  private readonly wy = new Float64Array(4);
  v = 0; gx = 0; gy = 0;
  constructor(
    private readonly plane: Plane,
    private readonly dx: Float64Array,
    private readonly dy: Float64Array,
    private readonly mode: 'bilinear' | 'bicubic',
  ) {}

  sample(x: number, y: number): boolean {
    const { w, h, data } = this.plane;
    if (!(x >= 0 && y >= 0 && x <= w - 1 && y <= h - 1)) return false;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    if (this.mode === 'bilinear') {
      const x1 = x0 + 1 < w ? x0 + 1 : x0;
      const y1 = y0 + 1 < h ? y0 + 1 : y0;
      const i00 = y0 * w + x0, i01 = y0 * w + x1, i10 = y1 * w + x0, i11 = y1 * w + x1;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      this.v = w00 * data[i00]! + w01 * data[i01]! + w10 * data[i10]! + w11 * data[i11]!;
      this.gx = w00 * this.dx[i00]! + w01 * this.dx[i01]! + w10 * this.dx[i10]! + w11 * this.dx[i11]!;
      this.gy = w00 * this.dy[i00]! + w01 * this.dy[i01]! + w10 * this.dy[i10]! + w11 * this.dy[i11]!;
      return true;
    }
    for (let t = 0; t < 4; t++) {
      this.wx[t] = cubicKernel(t - 1 - fx);
      this.wy[t] = cubicKernel(t - 1 - fy);
    }
    let v = 0, gx = 0, gy = 0;
    for (let j = 0; j < 4; j++) {
      let yy = y0 + j - 1;
      yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
      const wyj = this.wy[j]!;
      for (let i = 0; i < 4; i++) {
        let xx = x0 + i - 1;
        xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
        const wgt = wyj * this.wx[i]!;
        const k = yy * w + xx;
        v += wgt * data[k]!;
        gx += wgt * this.dx[k]!;
        gy += wgt * this.dy[k]!;
      }
    }
    this.v = v; this.gx = gx; this.gy = gy;
    return true;
  }
}

/** Solve the symmetric positive-definite system H·x = b (Cholesky); returns null when H is not positive definite. */
function solveSpd(hm: Float64Array, b: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = hm[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 1e-300)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j]!;
      }
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

interface LevelOutcome {
  warp: Affine;
  iterations: number;
  converged: boolean;
  failure: string | null;
}

/** Median of the first n entries of a scratch array (sorted in place). */
function medianOf(values: Float64Array, n: number): number {
  if (n === 0) return 0;
  const s = values.subarray(0, n).sort();
  const m = n >> 1;
  return n % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
}

interface WarpQuality {
  correlation: number;
  robustCorrelation: number;
  validFraction: number;
  residualRms: number;
  residualMad: number;
  inlierFraction: number;
}

/** Evaluate the ECC coefficient, overlap and photometric-fit residuals of a warp (no update). */
function evaluateWarp(t: Plane, interp: Interpolator, m: Affine): WarpQuality {
  const { w, h, data } = t;
  const iv = new Float64Array(w * h);
  const ok = new Uint8Array(w * h);
  let n = 0, st = 0, si = 0, stt = 0, sii = 0, sti = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!interp.sample(m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5])) continue;
      const i = y * w + x;
      const tv = data[i]!;
      ok[i] = 1;
      iv[i] = interp.v;
      n++; st += tv; si += interp.v; stt += tv * tv; sii += interp.v * interp.v; sti += tv * interp.v;
    }
  }
  if (n < 2) return { correlation: 0, robustCorrelation: 0, validFraction: n / (w * h), residualRms: Infinity, residualMad: Infinity, inlierFraction: 0 };
  const vt = stt - (st * st) / n;
  const vi = sii - (si * si) / n;
  const cti = sti - (st * si) / n;
  const correlation = vt > 0 && vi > 0 ? cti / Math.sqrt(vt * vi) : 0;
  // Least-squares photometric fit t ≈ g·i + o; its residual variance is Var(t) − Cov²/Var(i).
  const res = vi > 0 ? vt - (cti * cti) / vi : vt;
  // The robust scale needs a robust fit too (an occluder would tilt the least-squares line and inflate every
  // residual): three Tukey-reweighted passes starting from the least-squares fit.
  let gain = vi > 0 ? cti / vi : 0;
  let offset = st / n - gain * (si / n);
  const abs = new Float64Array(n);
  let mad = 0;
  for (let pass = 0; pass < 4; pass++) {
    let k = 0;
    for (let i = 0; i < w * h; i++) if (ok[i]) abs[k++] = Math.abs(data[i]! - gain * iv[i]! - offset);
    mad = 1.4826 * medianOf(Float64Array.from(abs), n);
    if (pass === 3 || !(mad > 0)) break;
    const c = 4.685 * mad;
    let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < w * h; i++) {
      if (!ok[i]) continue;
      const u = Math.abs(data[i]! - gain * iv[i]! - offset) / c;
      const wgt = u < 1 ? (1 - u * u) ** 2 : 0;
      sw += wgt; sx += wgt * iv[i]!; sy += wgt * data[i]!; sxx += wgt * iv[i]! * iv[i]!; sxy += wgt * iv[i]! * data[i]!;
    }
    const den = sw * sxx - sx * sx;
    if (!(sw > 0) || !(Math.abs(den) > 1e-18)) break;
    gain = (sw * sxy - sx * sy) / den;
    offset = (sy - gain * sx) / sw;
  }
  let k2 = 0;
  for (let i = 0; i < w * h; i++) if (ok[i]) abs[k2++] = Math.abs(data[i]! - gain * iv[i]! - offset);
  let inliers = 0;
  for (let j = 0; j < n; j++) if (abs[j]! <= 2.5 * mad) inliers++;
  // Correlation over the inliers only (Tukey weights of the final fit): how well the registered frame matches
  // where it is not occluded.
  let rw = 0, rt = 0, ri = 0, rtt = 0, rii = 0, rti = 0;
  const c = 4.685 * Math.max(mad, 1e-12);
  for (let i = 0; i < w * h; i++) {
    if (!ok[i]) continue;
    const u = Math.abs(data[i]! - gain * iv[i]! - offset) / c;
    const wgt = u < 1 ? (1 - u * u) ** 2 : 0;
    const tv = data[i]!;
    const vv = iv[i]!;
    rw += wgt; rt += wgt * tv; ri += wgt * vv; rtt += wgt * tv * tv; rii += wgt * vv * vv; rti += wgt * tv * vv;
  }
  const rvt = rtt - (rt * rt) / rw;
  const rvi = rii - (ri * ri) / rw;
  const robustCorrelation = rw > 0 && rvt > 0 && rvi > 0 ? (rti - (rt * ri) / rw) / Math.sqrt(rvt * rvi) : 0;
  return { correlation, robustCorrelation, validFraction: n / (w * h), residualRms: Math.sqrt(Math.max(0, res) / n), residualMad: mad, inlierFraction: inliers / n };
}

function eccLevel(t: Plane, inp: Plane, init: Affine, p: EccParams): LevelOutcome {
  const np = paramCount(p.motion);
  const { gx: dIx, gy: dIy } = derivatives(inp);
  const interp = new Interpolator(inp, dIx, dIy, p.interpolation);
  const ctx = (t.w - 1) / 2, cty = (t.h - 1) / 2, cix = (inp.w - 1) / 2, ciy = (inp.h - 1) / 2;
  const warp = CentredWarp.fromAffine(init, p.motion, ctx, cty, cix, ciy);
  const n = t.w * t.h;
  const valid = new Uint8Array(n);
  const wt = new Float64Array(n).fill(1);
  const wRaw = new Float64Array(n);
  const absRes = new Float64Array(n);
  const iw = new Float64Array(n);
  const g = new Float64Array(n * np);
  const jx = new Float64Array(np);
  const jy = new Float64Array(np);
  const hess = new Float64Array(np * np);
  const projI = new Float64Array(np);
  const projT = new Float64Array(np);
  const projE = new Float64Array(np);
  const gMean = new Float64Array(np);
  const corners: ReadonlyArray<readonly [number, number]> = [[-ctx, -cty], [ctx, -cty], [-ctx, cty], [ctx, cty]];
  const limit = 2 * Math.max(t.w, t.h, inp.w, inp.h);
  // Template pixels used: those mapping inside the input. The set (and, for robust ECC, the pixel weights)
  // follows the warp while it still moves by more than a tenth of a pixel, then is frozen: a set that keeps
  // changing near convergence makes the objective jump and the iteration oscillate. Frozen pixels that drift
  // out are sampled at the clamped edge (rare, tiny drift).
  let frozen = false;
  const clampX = (v: number) => (v < 0 ? 0 : v > inp.w - 1 ? inp.w - 1 : v);
  const clampY = (v: number) => (v < 0 ? 0 : v > inp.h - 1 ? inp.h - 1 : v);
  let iterations = 0;
  for (let it = 0; it < p.maxIterations; it++) {
    iterations = it + 1;
    const m = warp.toAffine();
    let count = 0;
    for (let y = 0; y < t.h; y++) {
      for (let x = 0; x < t.w; x++) {
        const i = y * t.w + x;
        const sx = m[0] * x + m[1] * y + m[2];
        const sy = m[3] * x + m[4] * y + m[5];
        if (frozen) {
          if (!valid[i]) continue;
          interp.sample(clampX(sx), clampY(sy));
        } else if (interp.sample(sx, sy)) {
          valid[i] = 1;
        } else {
          valid[i] = 0;
          continue;
        }
        count++;
        iw[i] = interp.v;
        warp.jacobian(x - ctx, y - cty, jx, jy);
        for (let k = 0; k < np; k++) g[i * np + k] = interp.gx * jx[k]! + interp.gy * jy[k]!;
      }
    }
    if (count < np + 2) return { warp: m, iterations, converged: false, failure: 'warped input does not overlap the template' };
    const weightedMeans = () => {
      let sw = 0, sT = 0, sI = 0;
      for (let i = 0; i < n; i++) {
        if (!valid[i]) continue;
        const w = wt[i]!;
        sw += w; sT += w * t.data[i]!; sI += w * iw[i]!;
      }
      return { sw, mT: sw > 0 ? sT / sw : 0, mI: sw > 0 ? sI / sw : 0 };
    };
    let { sw, mT, mI } = weightedMeans();
    if (p.robust === 'tukey' && !frozen) {
      // Robust ECC: residuals of the photometric fit t ≈ gain·i + offset, scaled by their MAD; Tukey's biweight
      // (c = 4.685) gives occluded or specular pixels zero weight so they cannot drag the warp. The fit itself
      // is re-weighted a few times (starting from the previous weights), since an occluder tilts a plain fit.
      for (let pass = 0; pass < 3; pass++) {
        let ti0 = 0, ii0 = 0;
        for (let i = 0; i < n; i++) {
          if (!valid[i]) continue;
          const iz = iw[i]! - mI;
          ti0 += wt[i]! * (t.data[i]! - mT) * iz;
          ii0 += wt[i]! * iz * iz;
        }
        const gain = ii0 > 0 ? ti0 / ii0 : 0;
        let k = 0;
        for (let i = 0; i < n; i++) if (valid[i]) absRes[k++] = Math.abs(t.data[i]! - mT - gain * (iw[i]! - mI));
        const scale = Math.max(1e-6, 1.4826 * medianOf(Float64Array.from(absRes.subarray(0, k)), k));
        const c = 4.685 * scale;
        for (let i = 0; i < n; i++) {
          if (!valid[i]) continue;
          const u = Math.abs(t.data[i]! - mT - gain * (iw[i]! - mI)) / c;
          wRaw[i] = u < 1 ? (1 - u * u) ** 2 : 0;
        }
        // Occluders are spatially coherent and their borders carry strong gradients with only moderate
        // residuals (smoothing spreads them), so each pixel takes the lowest weight of its 3×3 neighbourhood.
        for (let y = 0; y < t.h; y++) {
          for (let x = 0; x < t.w; x++) {
            const i = y * t.w + x;
            if (!valid[i]) continue;
            let mn = wRaw[i]!;
            for (let dy = -1; dy <= 1; dy++) {
              const yy = y + dy;
              if (yy < 0 || yy >= t.h) continue;
              for (let dx = -1; dx <= 1; dx++) {
                const xx = x + dx;
                if (xx < 0 || xx >= t.w || !valid[yy * t.w + xx]) continue;
                const v = wRaw[yy * t.w + xx]!;
                if (v < mn) mn = v;
              }
            }
            wt[i] = mn;
          }
        }
        ({ sw, mT, mI } = weightedMeans());
        if (!(sw > 0)) break;
      }
    }
    if (!(sw > 0)) return { warp: m, iterations, converged: false, failure: 'no pixel left with weight' };
    gMean.fill(0);
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      for (let k = 0; k < np; k++) gMean[k] = gMean[k]! + wt[i]! * g[i * np + k]!;
    }
    for (let k = 0; k < np; k++) gMean[k] = gMean[k]! / sw;
    hess.fill(0);
    projI.fill(0);
    projT.fill(0);
    let tt = 0, ii = 0, ti = 0;
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const w = wt[i]!;
      const tz = t.data[i]! - mT;
      const iz = iw[i]! - mI;
      tt += w * tz * tz;
      ii += w * iz * iz;
      ti += w * tz * iz;
      // The Jacobian of the zero-mean warped image is the zero-mean Jacobian.
      for (let k = 0; k < np; k++) {
        const gk = g[i * np + k]! - gMean[k]!;
        g[i * np + k] = gk;
        projI[k] = projI[k]! + w * gk * iz;
        projT[k] = projT[k]! + w * gk * tz;
        for (let l = 0; l <= k; l++) hess[k * np + l] = hess[k * np + l]! + w * gk * g[i * np + l]!;
      }
    }
    for (let k = 0; k < np; k++) for (let l = k + 1; l < np; l++) hess[k * np + l] = hess[l * np + k]!;
    if (!(tt > 0) || !(ii > 0)) return { warp: m, iterations, converged: false, failure: 'template or warped input has no contrast' };
    const hInvPI = solveSpd(hess, projI, np);
    if (!hInvPI) return { warp: m, iterations, converged: false, failure: 'singular Hessian (no texture to constrain the motion)' };
    let lambdaN = ii;
    let lambdaD = ti;
    for (let k = 0; k < np; k++) {
      lambdaN -= projI[k]! * hInvPI[k]!;
      lambdaD -= projT[k]! * hInvPI[k]!;
    }
    if (!(lambdaD > 0)) {
      return { warp: m, iterations, converged: false, failure: 'correlation would decrease (images uncorrelated or not overlapping)' };
    }
    const lambda = lambdaN / lambdaD;
    projE.fill(0);
    for (let i = 0; i < n; i++) {
      if (!valid[i]) continue;
      const e = wt[i]! * (lambda * (t.data[i]! - mT) - (iw[i]! - mI));
      for (let k = 0; k < np; k++) projE[k] = projE[k]! + g[i * np + k]! * e;
    }
    const dp = solveSpd(hess, projE, np);
    if (!dp || dp.some((v) => !Number.isFinite(v))) return { warp: m, iterations, converged: false, failure: 'update is not finite' };
    warp.update(dp);
    // Size of the update as displacement of the template corners (pixels), model-independent.
    let maxMove = 0;
    for (const [X, Y] of corners) {
      warp.jacobian(X, Y, jx, jy);
      let mx = 0, my = 0;
      for (let k = 0; k < np; k++) {
        mx += jx[k]! * dp[k]!;
        my += jy[k]! * dp[k]!;
      }
      maxMove = Math.max(maxMove, Math.hypot(mx, my));
    }
    const next = warp.toAffine();
    const det = next[0] * next[4] - next[1] * next[3];
    if (!(det > 1 / 16 && det < 16) || Math.abs(next[2]) > limit || Math.abs(next[5]) > limit) {
      return { warp: m, iterations, converged: false, failure: 'diverged (warp left the plausible range)' };
    }
    if (maxMove < p.epsilon) return { warp: next, iterations, converged: true, failure: null };
    if ((maxMove < 0.1 && it >= 3) || it >= 20) frozen = true;
  }
  return { warp: warp.toAffine(), iterations, converged: false, failure: null };
}

/** Level-k coordinates ↔ level-0: x0 = 2^k·xk + (2^k − 1)/2 (pixel-centre alignment). */
function scaleWarp(m: Affine, factor: number): Affine {
  // S(x) = f·x + (f − 1)/2 ; warp at the finer level = S ∘ m ∘ S⁻¹.
  const off = (factor - 1) / 2;
  const s: Affine = [factor, 0, off, 0, factor, off];
  const sInv: Affine = [1 / factor, 0, -off / factor, 0, 1 / factor, -off / factor];
  return composeAffine(s, composeAffine(m, sInv));
}

/**
 * Refine `init` (template → input) by maximising the enhanced correlation coefficient between the template and
 * the warped input (Evangelidis & Psarakis, IEEE TPAMI 30(10), 2008; forward-additive Gauss–Newton with the
 * closed-form λ of their Eq. 26, as in OpenCV's findTransformECC). Invariant to gain and offset of intensity.
 */
export function eccRegister(template: Image, input: Image, init: Affine = IDENTITY, options: Partial<EccParams> = {}): EccResult {
  const p: EccParams = { ...ECC_DEFAULTS, ...options };
  paramCount(p.motion);
  let t = planeOf(p.presmoothSigma > 0 ? gaussianBlur(template, p.presmoothSigma) : template);
  let inp = planeOf(p.presmoothSigma > 0 ? gaussianBlur(input, p.presmoothSigma) : input);
  const tPyr: Plane[] = [t];
  const iPyr: Plane[] = [inp];
  for (let l = 1; l < Math.max(1, Math.floor(p.pyramidLevels)); l++) {
    if (t.w < 16 || t.h < 16 || inp.w < 16 || inp.h < 16) break;
    t = halvePlane(t);
    inp = halvePlane(inp);
    tPyr.push(t);
    iPyr.push(inp);
  }
  const levels = tPyr.length;
  let warp = scaleWarp(init, 1 / 2 ** (levels - 1));
  let iterations = 0;
  let converged = false;
  let failure: string | null = null;
  for (let l = levels - 1; l >= 0; l--) {
    const out = eccLevel(tPyr[l]!, iPyr[l]!, warp, p);
    iterations += out.iterations;
    warp = out.warp;
    converged = out.converged;
    failure = out.failure;
    if (failure) {
      // A failed level leaves the warp where it was; report it at full resolution.
      warp = scaleWarp(warp, 2 ** l);
      break;
    }
    if (l > 0) warp = scaleWarp(warp, 2);
  }
  const fine = planeOf(p.presmoothSigma > 0 ? gaussianBlur(input, p.presmoothSigma) : input);
  const d = derivatives(fine);
  const ev = evaluateWarp(tPyr[0]!, new Interpolator(fine, d.gx, d.gy, p.interpolation), warp);
  return {
    warp,
    correlation: ev.correlation,
    robustCorrelation: ev.robustCorrelation,
    iterations,
    converged: converged && !failure,
    failure,
    validFraction: ev.validFraction,
    residualRms: ev.residualRms,
    residualMad: ev.residualMad,
    inlierFraction: ev.inlierFraction,
    params: p,
  };
}

/** Warp `input` onto the template grid with the given interpolation (for checking a registration by eye). */
export function warpToTemplate(input: Image, warp: Affine, width: number, height: number, interpolation: 'bilinear' | 'bicubic' = 'bicubic'): Image {
  const out = createImage(width, height, input.channels);
  const ch = input.channels;
  for (let c = 0; c < ch; c++) {
    const plane: Plane = { w: input.width, h: input.height, data: new Float64Array(input.width * input.height) };
    for (let i = 0; i < plane.data.length; i++) plane.data[i] = input.data[i * ch + c]!;
    const zero = new Float64Array(plane.data.length);
    const interp = new Interpolator(plane, zero, zero, interpolation);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = warp[0] * x + warp[1] * y + warp[2];
        const sy = warp[3] * x + warp[4] * y + warp[5];
        const cxl = sx < 0 ? 0 : sx > input.width - 1 ? input.width - 1 : sx;
        const cyl = sy < 0 ? 0 : sy > input.height - 1 ? input.height - 1 : sy;
        interp.sample(cxl, cyl);
        out.data[(y * width + x) * ch + c] = interp.v;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Dense local (non-rigid) registration: what is left after a global warp
// ---------------------------------------------------------------------------------------------------------------

/**
 * Parameters of the dense, regularised local alignment (coarse-to-fine Lucas–Kanade). Lengths are in the
 * template's pixels at full resolution.
 */
export interface LocalFlowParams {
  /** Pyramid levels (1 = full resolution only; each further level halves the size). */
  readonly levels: number;
  /** Gauss–Newton iterations per level. */
  readonly iterations: number;
  /** σ of the Gaussian window over which each pixel's 2×2 least-squares system is summed (Lucas & Kanade 1981). */
  readonly window: number;
  /** σ of the Gaussian that smooths the displacement field after every iteration: the regulariser. */
  readonly smoothness: number;
  /** Displacements are clamped to this length. */
  readonly maxDisplacement: number;
  /**
   * Tikhonov term added to each pixel's system, relative to the mean trace of the systems: in flat areas (no
   * gradient, no information) the update stays near zero and the smoothing fills in from textured neighbours.
   */
  readonly damping: number;
}

export const LOCAL_FLOW_DEFAULTS: LocalFlowParams = Object.freeze({ levels: 2, iterations: 6, window: 1.5, smoothness: 2, maxDisplacement: 1.5, damping: 0.05 });

export interface LocalFlow {
  /** Displacement (template px) per template pixel: the aligned frame is `moving(x + u, y + v)`. */
  readonly u: Float64Array;
  readonly v: Float64Array;
  readonly width: number;
  readonly height: number;
  readonly meanMagnitude: number;
  readonly maxMagnitude: number;
}

/** Separable Gaussian of a float64 plane, symmetric border (deterministic, no allocation of Images). */
function blurPlane(src: Float64Array, w: number, h: number, sigma: number): Float64Array<ArrayBuffer> {
  if (!(sigma > 0)) return Float64Array.from(src);
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let ks = 0;
  for (let i = -r; i <= r; i++) ks += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i]! /= ks;
  const refl = (i: number, n: number): number => {
    if (n === 1) return 0;
    let j = i;
    while (j < 0 || j >= n) j = j < 0 ? -j - 1 : 2 * n - j - 1;
    return j;
  };
  const tmp = new Float64Array(w * h);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * src[y * w + refl(x + i, w)]!;
      tmp[y * w + x] = s;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r]! * tmp[refl(y + i, h) * w + x]!;
      out[y * w + x] = s;
    }
  }
  return out;
}

/** Bilinear sample of a plane, clamped to its edge. */
export function samplePlane(p: Float64Array, w: number, h: number, x: number, y: number): number {
  const cx = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const cy = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.min(w - 2, Math.floor(cx));
  const y0 = Math.min(h - 2, Math.floor(cy));
  if (w < 2 || h < 2) return p[0]!;
  const fx = cx - x0;
  const fy = cy - y0;
  const i = y0 * w + x0;
  return (1 - fy) * ((1 - fx) * p[i]! + fx * p[i + 1]!) + fy * ((1 - fx) * p[i + w]! + fx * p[i + w + 1]!);
}

/** Halve a plane by 2×2 averaging (odd edges replicate the last row/column). */
function halvePlane64(src: Float64Array, w: number, h: number): { data: Float64Array; w: number; h: number } {
  const hw = Math.max(1, Math.ceil(w / 2));
  const hh = Math.max(1, Math.ceil(h / 2));
  const out = new Float64Array(hw * hh);
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < hw; x++) {
      const x0 = Math.min(w - 1, 2 * x);
      const x1 = Math.min(w - 1, 2 * x + 1);
      const y0 = Math.min(h - 1, 2 * y);
      const y1 = Math.min(h - 1, 2 * y + 1);
      out[y * hw + x] = 0.25 * (src[y0 * w + x0]! + src[y0 * w + x1]! + src[y1 * w + x0]! + src[y1 * w + x1]!);
    }
  }
  return { data: out, w: hw, h: hh };
}

/**
 * Dense displacement field that aligns `moving` (already globally registered onto the template's grid, same
 * size) to `template`, both single-channel: coarse-to-fine Lucas–Kanade (each pixel's displacement update
 * solves the 2×2 normal equations summed over a Gaussian window of the template's gradients), damped where
 * the window holds no structure, smoothed after every iteration (so the field stays a gentle deformation:
 * small changes of pose and expression, not a rearrangement of the face) and clamped to `maxDisplacement`.
 * Deterministic: float64 throughout, fixed loop order.
 */
export function denseLocalFlow(template: Image, moving: Image, options: Partial<LocalFlowParams> = {}): LocalFlow {
  const p: LocalFlowParams = { ...LOCAL_FLOW_DEFAULTS, ...options };
  if (template.width !== moving.width || template.height !== moving.height) throw new RangeError('denseLocalFlow: template and moving must share size');
  const t0 = toGray(template);
  const m0 = toGray(moving);
  const W = t0.width;
  const H = t0.height;
  const pyrT: Array<{ data: Float64Array; w: number; h: number }> = [{ data: Float64Array.from(t0.data), w: W, h: H }];
  const pyrM: Array<{ data: Float64Array; w: number; h: number }> = [{ data: Float64Array.from(m0.data), w: W, h: H }];
  for (let l = 1; l < Math.max(1, Math.floor(p.levels)); l++) {
    const a = pyrT[l - 1]!;
    if (a.w < 8 || a.h < 8) break;
    pyrT.push(halvePlane64(a.data, a.w, a.h));
    pyrM.push(halvePlane64(pyrM[l - 1]!.data, a.w, a.h));
  }
  let u = new Float64Array(pyrT[pyrT.length - 1]!.w * pyrT[pyrT.length - 1]!.h);
  let v = new Float64Array(u.length);
  for (let l = pyrT.length - 1; l >= 0; l--) {
    const T = pyrT[l]!;
    const M = pyrM[l]!;
    const { w, h } = T;
    const f = 2 ** l;
    if (l < pyrT.length - 1) {
      // Up to this level: resample the coarser field and double it (displacements are in pixels of the level).
      const cw = pyrT[l + 1]!.w;
      const ch = pyrT[l + 1]!.h;
      const nu = new Float64Array(w * h);
      const nv = new Float64Array(w * h);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const cx = (x + 0.5) / 2 - 0.5;
          const cy = (y + 0.5) / 2 - 0.5;
          nu[y * w + x] = 2 * samplePlane(u, cw, ch, cx, cy);
          nv[y * w + x] = 2 * samplePlane(v, cw, ch, cx, cy);
        }
      }
      u = nu;
      v = nv;
    }
    // Template gradients (central differences) and their windowed products: each pixel's 2×2 system.
    const gx = new Float64Array(w * h);
    const gy = new Float64Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const xl = Math.max(0, x - 1);
        const xr = Math.min(w - 1, x + 1);
        const yu = Math.max(0, y - 1);
        const yd = Math.min(h - 1, y + 1);
        gx[y * w + x] = (T.data[y * w + xr]! - T.data[y * w + xl]!) / Math.max(1, xr - xl);
        gy[y * w + x] = (T.data[yd * w + x]! - T.data[yu * w + x]!) / Math.max(1, yd - yu);
      }
    }
    const win = p.window / f;
    const prod = (a: Float64Array, b: Float64Array): Float64Array => {
      const o = new Float64Array(w * h);
      for (let i = 0; i < o.length; i++) o[i] = a[i]! * b[i]!;
      return blurPlane(o, w, h, win);
    };
    const a11 = prod(gx, gx);
    const a12 = prod(gx, gy);
    const a22 = prod(gy, gy);
    let meanTrace = 0;
    for (let i = 0; i < a11.length; i++) meanTrace += a11[i]! + a22[i]!;
    meanTrace /= a11.length;
    const lambda = p.damping * meanTrace + 1e-12;
    const maxD = p.maxDisplacement / f;
    const it = new Float64Array(w * h);
    for (let iter = 0; iter < p.iterations; iter++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          it[i] = samplePlane(M.data, w, h, x + u[i]!, y + v[i]!) - T.data[i]!;
        }
      }
      const b1 = prod(gx, it);
      const b2 = prod(gy, it);
      for (let i = 0; i < u.length; i++) {
        const A = a11[i]! + lambda;
        const B = a12[i]!;
        const C = a22[i]! + lambda;
        const det = A * C - B * B;
        if (!(det > 0)) continue;
        // (A B; B C)·(du dv) = −(b1 b2)
        u[i] = u[i]! - (C * b1[i]! - B * b2[i]!) / det;
        v[i] = v[i]! - (A * b2[i]! - B * b1[i]!) / det;
      }
      u = blurPlane(u, w, h, p.smoothness / f);
      v = blurPlane(v, w, h, p.smoothness / f);
      for (let i = 0; i < u.length; i++) {
        const mag = Math.hypot(u[i]!, v[i]!);
        if (mag > maxD) {
          u[i] = (u[i]! * maxD) / mag;
          v[i] = (v[i]! * maxD) / mag;
        }
      }
    }
  }
  let sum = 0;
  let max = 0;
  for (let i = 0; i < u.length; i++) {
    const mag = Math.hypot(u[i]!, v[i]!);
    sum += mag;
    if (mag > max) max = mag;
  }
  return { u, v, width: W, height: H, meanMagnitude: sum / u.length, maxMagnitude: max };
}
