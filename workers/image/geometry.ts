/** Point-set geometry shared by face alignment (landmarks → template) and multi-frame registration. */
import type { Affine } from './image';

export type Point = readonly [number, number];

/**
 * Least-squares similarity transform (rotation, uniform scale, translation) mapping `src` points onto `dst`
 * (Umeyama 1991, 2-D closed form). Returns the FORWARD map src → dst as [a, b, tx, c, d, ty] with
 * dst = [a b; c d]·src + t, where a = d = s·cosθ and c = -b = s·sinθ.
 */
export function estimateSimilarity(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new RangeError('need at least two point pairs of equal count');
  const n = src.length;
  let msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (let i = 0; i < n; i++) {
    msx += src[i]![0]; msy += src[i]![1];
    mdx += dst[i]![0]; mdy += dst[i]![1];
  }
  msx /= n; msy /= n; mdx /= n; mdy /= n;
  let sxx = 0, sxy = 0, varS = 0;
  for (let i = 0; i < n; i++) {
    const ax = src[i]![0] - msx, ay = src[i]![1] - msy;
    const bx = dst[i]![0] - mdx, by = dst[i]![1] - mdy;
    sxx += ax * bx + ay * by; // Σ a·b
    sxy += ax * by - ay * bx; // Σ a×b
    varS += ax * ax + ay * ay;
  }
  if (varS < 1e-12) throw new RangeError('source points are degenerate');
  const a = sxx / varS;
  const c = sxy / varS;
  return [a, -c, mdx - (a * msx - c * msy), c, a, mdy - (c * msx + a * msy)];
}

export function applyAffine(m: Affine, p: Point): [number, number] {
  return [m[0] * p[0] + m[1] * p[1] + m[2], m[3] * p[0] + m[4] * p[1] + m[5]];
}

