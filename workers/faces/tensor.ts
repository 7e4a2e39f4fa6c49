/** Image ⇄ model tensor helpers shared by the face wrappers. */
import { convertChannels, type Image } from '../image/image';

/** Pack same-sized images into one NHWC RGB batch, multiplying by `scale` (255 for the face-api models). */
export function toNhwcBatch(images: readonly Image[], scale: number): { data: Float32Array; dims: [number, number, number, number] } {
  const first = images[0];
  if (!first) throw new RangeError('empty batch');
  const { width: w, height: h } = first;
  const per = w * h * 3;
  const data = new Float32Array(per * images.length);
  images.forEach((img, n) => {
    if (img.width !== w || img.height !== h) throw new RangeError('batch images differ in size');
    const rgb = convertChannels(img, 3);
    const off = n * per;
    for (let i = 0; i < per; i++) data[off + i] = rgb.data[i]! * scale;
  });
  return { data, dims: [images.length, h, w, 3] };
}
