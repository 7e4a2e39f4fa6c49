/**
 * The one in-memory image type of the pipeline.
 *
 * Pixels are float32, interleaved (HWC), in [0, 1] for 8-bit sources. Float keeps sub-pixel registration,
 * fusion and deconvolution free of repeated rounding; conversion to 8 bits happens once, when a result is
 * written to the content-addressed store.
 */
import sharp from 'sharp';

export type Channels = 1 | 3;

export interface Image {
  readonly width: number;
  readonly height: number;
  readonly channels: Channels;
  readonly data: Float32Array;
}

export function createImage(width: number, height: number, channels: Channels, fill = 0): Image {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  const data = new Float32Array(width * height * channels);
  if (fill !== 0) data.fill(fill);
  return { width, height, channels, data };
}

/** 8-bit interleaved pixels (1 or 3 channels) → Image in [0, 1]. */
export function fromBytes(bytes: Uint8Array | Buffer, width: number, height: number, channels: Channels): Image {
  if (bytes.length !== width * height * channels) {
    throw new RangeError(`expected ${width * height * channels} bytes for ${width}x${height}x${channels}, got ${bytes.length}`);
  }
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = bytes[i]! / 255;
  return { width, height, channels, data };
}

/** Image → 8-bit interleaved pixels, rounded half-up and clamped (deterministic across platforms). */
export function toBytes(img: Image): Buffer {
  const out = Buffer.allocUnsafe(img.data.length);
  for (let i = 0; i < img.data.length; i++) {
    const v = Math.floor(img.data[i]! * 255 + 0.5);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** Decode any image sharp reads (PNG, JPEG, TIFF, WebP…) into RGB or grey. */
export async function readImage(input: string | Buffer, channels: Channels = 3): Promise<Image> {
  let pipeline = sharp(input, { failOn: 'error' }).rotate();
  pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) {
    // sharp keeps grey sources grey when asked for sRGB without a colour conversion; expand or reduce here.
    return convertChannels(fromBytes(data, info.width, info.height, info.channels as Channels), channels);
  }
  return fromBytes(data, info.width, info.height, channels);
}

/** Encode as PNG. Deterministic: fixed compression settings, no metadata, so equal pixels give equal bytes. */
export async function encodePng(img: Image): Promise<Buffer> {
  return sharp(toBytes(img), { raw: { width: img.width, height: img.height, channels: img.channels } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
}

export function convertChannels(img: Image, channels: Channels): Image {
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = createImage(img.width, img.height, channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) {
      // ITU-R BT.601 luma, the weighting most recognition and quality measures assume.
      out.data[i] = 0.299 * img.data[i * 3]! + 0.587 * img.data[i * 3 + 1]! + 0.114 * img.data[i * 3 + 2]!;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = img.data[i]!;
      out.data[i * 3] = v;
      out.data[i * 3 + 1] = v;
      out.data[i * 3 + 2] = v;
    }
  }
  return out;
}

export function toGray(img: Image): Image {
  return convertChannels(img, 1);
}

/** Bilinear sample of channel c at continuous coordinates (pixel centres at integers); edges clamp. */
export function sampleBilinear(img: Image, x: number, y: number, c: number): number {
  return sampleBilinearRaw(img.data, img.width, img.height, img.channels, c, x, y);
}

/** The same on bare interleaved samples (e.g. a float64 accumulation grid). */
export function sampleBilinearRaw(data: ArrayLike<number>, w: number, h: number, ch: number, c: number, x: number, y: number): number {
  const xc = x < 0 ? 0 : x > w - 1 ? w - 1 : x;
  const yc = y < 0 ? 0 : y > h - 1 ? h - 1 : y;
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = x0 + 1 < w ? x0 + 1 : x0;
  const y1 = y0 + 1 < h ? y0 + 1 : y0;
  const fx = xc - x0;
  const fy = yc - y0;
  const a = data[(y0 * w + x0) * ch + c]!;
  const b = data[(y0 * w + x1) * ch + c]!;
  const d = data[(y1 * w + x0) * ch + c]!;
  const e = data[(y1 * w + x1) * ch + c]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy;
}

/**
 * 2×3 affine matrix [a, b, tx, c, d, ty] mapping OUTPUT pixel (x, y) → SOURCE pixel (a·x + b·y + tx, c·x + d·y + ty).
 * Inverse mapping is what warping needs; `invertAffine` converts a forward transform.
 */
export type Affine = readonly [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-12) throw new RangeError('affine transform is not invertible');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/**
 * Warp with an inverse map (output → source), bilinear; pixels mapping outside the source get `border`. The same
 * arithmetic as `warpAffineWith(…, sampleBilinear)` (bit for bit: a test compares them), with the interpolation
 * weights computed once per pixel instead of once per channel — the analysis aligns every face of every frame.
 */
export function warpAffine(img: Image, inverse: Affine, outW: number, outH: number, border: number | 'clamp' = 'clamp'): Image {
  const out = createImage(outW, outH, img.channels);
  const [a, b, tx, c, d, ty] = inverse;
  const ch = img.channels;
  const { width: w, height: h, data } = img;
  const o = out.data;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = a * x + b * y + tx;
      const sy = c * x + d * y + ty;
      const oi = (y * outW + x) * ch;
      if (border !== 'clamp' && (sx < -0.5 || sy < -0.5 || sx > w - 0.5 || sy > h - 0.5)) {
        for (let k = 0; k < ch; k++) o[oi + k] = border;
        continue;
      }
      const xc = sx < 0 ? 0 : sx > w - 1 ? w - 1 : sx;
      const yc = sy < 0 ? 0 : sy > h - 1 ? h - 1 : sy;
      const x0 = Math.floor(xc);
      const y0 = Math.floor(yc);
      const x1 = x0 + 1 < w ? x0 + 1 : x0;
      const y1 = y0 + 1 < h ? y0 + 1 : y0;
      const fx = xc - x0;
      const fy = yc - y0;
      const i00 = (y0 * w + x0) * ch;
      const i01 = (y0 * w + x1) * ch;
      const i10 = (y1 * w + x0) * ch;
      const i11 = (y1 * w + x1) * ch;
      for (let k = 0; k < ch; k++) {
        o[oi + k] = (data[i00 + k]! * (1 - fx) + data[i01 + k]! * fx) * (1 - fy) + (data[i10 + k]! * (1 - fx) + data[i11 + k]! * fx) * fy;
      }
    }
  }
  return out;
}

/**
 * Warp with an inverse map and a given interpolator; pixels mapping more than half a pixel outside the source
 * get `border` unless it is 'clamp'.
 */
export function warpAffineWith(
  img: Image,
  inverse: Affine,
  outW: number,
  outH: number,
  border: number | 'clamp',
  sample: (img: Image, x: number, y: number, c: number) => number,
): Image {
  const out = createImage(outW, outH, img.channels);
  const [a, b, tx, c, d, ty] = inverse;
  const ch = img.channels;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = a * x + b * y + tx;
      const sy = c * x + d * y + ty;
      const o = (y * outW + x) * ch;
      if (border !== 'clamp' && (sx < -0.5 || sy < -0.5 || sx > img.width - 0.5 || sy > img.height - 0.5)) {
        for (let k = 0; k < ch; k++) out.data[o + k] = border;
        continue;
      }
      for (let k = 0; k < ch; k++) out.data[o + k] = sample(img, sx, sy, k);
    }
  }
  return out;
}

/** Resize by bilinear interpolation with pixel-centre alignment (area-averaging first when shrinking by > 2×). */
export function resizeBilinear(img: Image, outW: number, outH: number): Image {
  let src = img;
  while (src.width >= outW * 2 && src.height >= outH * 2) src = halve(src);
  const sx = src.width / outW;
  const sy = src.height / outH;
  return warpAffine(src, [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5], outW, outH);
}

function halve(img: Image): Image {
  const w = Math.floor(img.width / 2);
  const h = Math.floor(img.height / 2);
  const ch = img.channels;
  const out = createImage(w, h, ch);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < ch; k++) {
        const i = (2 * y * img.width + 2 * x) * ch + k;
        const j = ((2 * y + 1) * img.width + 2 * x) * ch + k;
        out.data[(y * w + x) * ch + k] = 0.25 * (img.data[i]! + img.data[i + ch]! + img.data[j]! + img.data[j + ch]!);
      }
    }
  }
  return out;
}

/** Crop a rectangle; parts outside the image are filled by edge clamping. */
export function cropImage(img: Image, x: number, y: number, w: number, h: number): Image {
  return warpAffine(img, [1, 0, x, 0, 1, y], Math.max(1, Math.round(w)), Math.max(1, Math.round(h)));
}
