import { describe, expect, it } from 'vitest';
import { ffmpegReason, meaningfulLines } from './ffmpegText';

const STDERR = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from '/cases/A.sightline/.incoming/4242/9f3c.part':
  Metadata:
    major_brand     : isom
  Duration: 00:00:03.00, start: 0.000000, bitrate: 95 kb/s
    Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240, 25 fps
[h264 @ 0x1c2fb100] Invalid NAL unit size (463 > 298).
[h264 @ 0x1c2fb100] Error splitting the input into NAL units.
[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1c2c1cc0] stream 0, offset 0x2c41: partial file
/cases/A.sightline/.incoming/4242/9f3c.part: Invalid data found when processing input
[h264 @ 0x1c2fb100] Invalid NAL unit size (463 > 298).
[rawvideo @ 0x2a1cf100] [IMGUTILS @ 0x7fff52dfd490] Picture size 16000x16000 exceeds specified max pixel count 36000000
Last message repeated 3 times
`;

describe('ffmpeg stderr as a reason', () => {
  it('drops stream dumps and memory addresses, names the component, dedupes, renames scratch paths', () => {
    const lines = meaningfulLines(STDERR, [['/cases/A.sightline/.incoming/4242/9f3c.part', 'camera 3.mp4']]);
    expect(lines).toEqual([
      'h264: Invalid NAL unit size (463 > 298).',
      'h264: Error splitting the input into NAL units.',
      'mov,mp4,m4a,3gp,3g2,mj2: stream 0, offset 0x2c41: partial file',
      'camera 3.mp4: Invalid data found when processing input',
      'rawvideo: Picture size 16000x16000 exceeds specified max pixel count 36000000',
    ]);
    for (const l of lines) expect(l).not.toMatch(/@ 0x|Metadata|Stream #/);
    expect(ffmpegReason(STDERR)).toBe(`/cases/A.sightline/.incoming/4242/9f3c.part: Invalid data found when processing input | rawvideo: Picture size 16000x16000 exceeds specified max pixel count 36000000`);
    expect(ffmpegReason('')).toBe('no message');
  });
});
