/**
 * Learned super-resolution of face crops with the RRDN (ESRGAN-generator) networks of UpscalerJS esrgan-thick,
 * ×2 and ×4. Other factors are composed (×8 = ×4 then ×2) or reached by running the next larger network and
 * resampling down. Large inputs are processed in overlapping tiles so memory stays bounded and every output
 * pixel sees at least `TILE_OVERLAP` pixels of context.
 */
import { convertChannels, createImage, cropImage, resizeBilinear, type Image } from '../image/image';
import { runModel } from '../inference/session';

const TILE = 96;
const TILE_OVERLAP = 12;

export type NativeScale = 2 | 4;

export function superResolutionModelId(scale: NativeScale): string {
  return `super-resolution-x${scale}`;
}

/** Upscale `crop` by `scale` (> 1). The result has the input's channel count and values clamped to [0, 1]. */
export async function superResolve(crop: Image, scale: number): Promise<Image> {
  if (!(scale > 1) || !Number.isFinite(scale)) throw new RangeError(`scale must be > 1, got ${scale}`);
  const outW = Math.round(crop.width * scale);
  const outH = Math.round(crop.height * scale);
  let img = convertChannels(crop, 3);
  let reached = 1;
  while (reached < scale - 1e-9) {
    const step: NativeScale = scale / reached > 2 + 1e-9 ? 4 : 2;
    img = await runTiled(img, step);
    reached *= step;
  }
  if (img.width !== outW || img.height !== outH) img = resizeBilinear(img, outW, outH);
  for (let i = 0; i < img.data.length; i++) img.data[i] = Math.min(1, Math.max(0, img.data[i]!));
  return crop.channels === 1 ? convertChannels(img, 1) : img;
}

/** One native-scale pass, tiled. */
async function runTiled(img: Image, scale: NativeScale): Promise<Image> {
  const id = superResolutionModelId(scale);
  if (img.width <= TILE + 2 * TILE_OVERLAP && img.height <= TILE + 2 * TILE_OVERLAP) return runOnce(id, img, scale);
  const out = createImage(img.width * scale, img.height * scale, 3);
  for (let ty = 0; ty < img.height; ty += TILE) {
    for (let tx = 0; tx < img.width; tx += TILE) {
      const tw = Math.min(TILE, img.width - tx);
      const th = Math.min(TILE, img.height - ty);
      const x0 = Math.max(0, tx - TILE_OVERLAP);
      const y0 = Math.max(0, ty - TILE_OVERLAP);
      const x1 = Math.min(img.width, tx + tw + TILE_OVERLAP);
      const y1 = Math.min(img.height, ty + th + TILE_OVERLAP);
      const up = await runOnce(id, cropImage(img, x0, y0, x1 - x0, y1 - y0), scale);
      // Keep only the tile's own area; the overlap margins were context.
      for (let y = 0; y < th * scale; y++) {
        const srcRow = ((ty - y0) * scale + y) * up.width + (tx - x0) * scale;
        const dstRow = (ty * scale + y) * out.width + tx * scale;
        out.data.set(up.data.subarray(srcRow * 3, (srcRow + tw * scale) * 3), dstRow * 3);
      }
    }
  }
  return out;
}

async function runOnce(id: string, img: Image, scale: number): Promise<Image> {
  const out = await runModel(id, img.data, [1, img.height, img.width, 3]);
  const t = Object.values(out)[0]!;
  const [, h, w] = t.dims as number[];
  if (h !== img.height * scale || w !== img.width * scale) throw new Error(`${id}: unexpected output ${t.dims.join('x')}`);
  return { width: w!, height: h!, channels: 3, data: t.data as Float32Array };
}
