/**
 * The largest frame Sightline reads. A container can claim any size (a 114 KB FFV1 file that says 16000×16000
 * decodes to 1 GB of garbage per frame); a real camera cannot. Limits: 8192 px a side and 36 megapixels: 8K UHD
 * (7680×4320, 33.2 Mpx) and 32-megapixel panoramic cameras fit. At the limit one RGB frame is 108 MB, which bounds
 * what the decoders (ffmpeg's `-max_pixels`) and the analysis worker hold per frame.
 */
export const MAX_FRAME_SIDE = 8192;
export const MAX_FRAME_PIXELS = 36_000_000;

/** Why a frame of this size is refused, or null when it is within the limits. */
export function frameSizeProblem(width: number, height: number): string | null {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) return `${width}×${height} is not a frame size`;
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE || width * height > MAX_FRAME_PIXELS) {
    return `${width}×${height} (${((width * height) / 1e6).toFixed(1)} Mpx), beyond Sightline's limit of ${MAX_FRAME_SIDE} px a side and ${MAX_FRAME_PIXELS / 1e6} Mpx a frame`;
  }
  return null;
}
