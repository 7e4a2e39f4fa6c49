/** The pixels around one face that the landmark net, the alignment and the quality measures need. */
import type { Image } from '../image/image';
import type { Box } from './detect';

/**
 * Face region of an RGB24 frame as a float image (0..1): a square of `factor` × the box's longer side, centred on
 * the box and cut at the frame edges. 2.2 × keeps the dlib chip (25 % padding) of a face rotated up to ~45° inside.
 */
export function regionImage(frame: Uint8Array, width: number, height: number, box: Box, factor = 2.2): { img: Image; x0: number; y0: number } {
  const side = Math.max(box.w, box.h) * factor;
  const cx = box.x + box.w / 2;
  const cy = box.y + box.h / 2;
  const x0 = Math.max(0, Math.floor(cx - side / 2));
  const y0 = Math.max(0, Math.floor(cy - side / 2));
  const x1 = Math.min(width, Math.ceil(cx + side / 2));
  const y1 = Math.min(height, Math.ceil(cy + side / 2));
  const w = Math.max(1, x1 - x0);
  const h = Math.max(1, y1 - y0);
  const data = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const src = ((y0 + y) * width + x0) * 3;
    const dst = y * w * 3;
    for (let i = 0; i < w * 3; i++) data[dst + i] = frame[src + i]! / 255;
  }
  return { img: { width: w, height: h, channels: 3, data }, x0, y0 };
}
