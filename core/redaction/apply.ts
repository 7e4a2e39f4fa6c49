/**
 * Redaction of pixels: a mosaic, then a Gaussian blur, inside each (grown) box; nothing outside the boxes
 * changes. Works on a copy: the originals and the derived store are never touched. Deterministic (integer
 * cell grid anchored at the grown box, fixed loop order, rounding at the end), so the same image and boxes give
 * the same bytes, and the package's images hash the same every time.
 */
import sharp from 'sharp';
import { DEFAULT_REDACTION, grownBox, type RedactionBox, type RedactionParams } from '../../domain/redaction';

/** A box in the target image's pixels, with where it came from (kept in the redaction record). */
export interface ImageRedaction<M = Record<string, unknown>> {
  readonly box: RedactionBox;
  readonly meta: M;
}

/** Frame-space boxes → the pixels of an image cut at `origin` and enlarged by `scale` (crops, enhanced results). */
export function mapToImage(box: RedactionBox, origin: readonly [number, number], scale: number): RedactionBox {
  return { x: (box.x - origin[0]) * scale, y: (box.y - origin[1]) * scale, w: box.w * scale, h: box.h * scale };
}

/** Does the grown box touch a width×height image at all? */
export function touchesImage(box: RedactionBox, width: number, height: number, p: RedactionParams = DEFAULT_REDACTION): boolean {
  const g = grownBox(box, p);
  return g.x < width && g.y < height && g.x + g.w > 0 && g.y + g.h > 0;
}

/**
 * Redact `boxes` in an interleaved 8-bit image in place; returns how many pixels were inside a redacted region.
 * The mosaic cell is `max(minCellPx, ceil(longer side of the grown box / cellsAcross))`.
 */
export function redactPixels(data: Uint8Array, width: number, height: number, channels: number, boxes: readonly RedactionBox[], p: RedactionParams = DEFAULT_REDACTION): number {
  let covered = 0;
  for (const b of boxes) {
    const g = grownBox(b, p);
    const x0 = Math.max(0, Math.floor(g.x));
    const y0 = Math.max(0, Math.floor(g.y));
    const x1 = Math.min(width, Math.ceil(g.x + g.w));
    const y1 = Math.min(height, Math.ceil(g.y + g.h));
    if (x1 <= x0 || y1 <= y0) continue;
    const cell = Math.max(p.minCellPx, Math.ceil(Math.max(g.w, g.h) / p.cellsAcross));
    const rw = x1 - x0;
    const rh = y1 - y0;
    covered += rw * rh;
    // The mosaic, in float, on the region only; cells anchored at the grown box's corner.
    const region = new Float64Array(rw * rh * channels);
    const gx = Math.floor(g.x);
    const gy = Math.floor(g.y);
    const cx0 = Math.floor((x0 - gx) / cell);
    const cx1 = Math.floor((x1 - 1 - gx) / cell);
    const cy0 = Math.floor((y0 - gy) / cell);
    const cy1 = Math.floor((y1 - 1 - gy) / cell);
    const sum = new Float64Array(channels);
    for (let cy = cy0; cy <= cy1; cy++) {
      const ya = Math.max(y0, gy + cy * cell);
      const yb = Math.min(y1, gy + (cy + 1) * cell);
      for (let cx = cx0; cx <= cx1; cx++) {
        const xa = Math.max(x0, gx + cx * cell);
        const xb = Math.min(x1, gx + (cx + 1) * cell);
        if (xb <= xa || yb <= ya) continue;
        sum.fill(0);
        for (let y = ya; y < yb; y++) for (let x = xa; x < xb; x++) for (let k = 0; k < channels; k++) sum[k]! += data[(y * width + x) * channels + k]!;
        const n = (xb - xa) * (yb - ya);
        for (let y = ya; y < yb; y++) {
          for (let x = xa; x < xb; x++) {
            const o = ((y - y0) * rw + (x - x0)) * channels;
            for (let k = 0; k < channels; k++) region[o + k] = sum[k]! / n;
          }
        }
      }
    }
    const blurred = gaussianBlur(region, rw, rh, channels, p.blurSigmaCells * cell);
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const o = ((y - y0) * rw + (x - x0)) * channels;
        const d = (y * width + x) * channels;
        for (let k = 0; k < channels; k++) data[d + k] = Math.max(0, Math.min(255, Math.round(blurred[o + k]!)));
      }
    }
  }
  return covered;
}

/** Separable Gaussian with edge clamping inside the region (the region's own pixels only). */
function gaussianBlur(src: Float64Array, w: number, h: number, ch: number, sigma: number): Float64Array {
  if (sigma < 0.3) return src;
  const r = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * r + 1);
  let total = 0;
  for (let i = -r; i <= r; i++) total += kernel[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= total;
  const tmp = new Float64Array(src.length);
  const out = new Float64Array(src.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < ch; k++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kernel[i + r]! * src[(y * w + Math.min(w - 1, Math.max(0, x + i))) * ch + k]!;
        tmp[(y * w + x) * ch + k] = s;
      }
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < ch; k++) {
        let s = 0;
        for (let i = -r; i <= r; i++) s += kernel[i + r]! * tmp[(Math.min(h - 1, Math.max(0, y + i)) * w + x) * ch + k]!;
        out[(y * w + x) * ch + k] = s;
      }
    }
  }
  return out;
}

/** PNG settings of every exported image: fixed, so the same pixels always give the same bytes. */
export const EXPORT_PNG = { compressionLevel: 6, adaptiveFiltering: false } as const;

export interface RedactedImage {
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Pixels inside redacted regions. */
  readonly coveredPixels: number;
}

/**
 * Read an image file (or PNG bytes), redact the boxes (in its pixels) and return PNG bytes. With no box the
 * pixels are re-encoded unchanged, so every exported image is written the same way.
 */
export async function redactImage(input: string | Buffer, boxes: readonly RedactionBox[], p: RedactionParams = DEFAULT_REDACTION): Promise<RedactedImage> {
  const { data, info } = await sharp(input).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const coveredPixels = redactPixels(data, info.width, info.height, info.channels, boxes, p);
  const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels as 3 } }).png(EXPORT_PNG).toBuffer();
  return { png, width: info.width, height: info.height, coveredPixels };
}
