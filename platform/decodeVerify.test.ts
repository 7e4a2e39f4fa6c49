/**
 * The raw decoder checks every frame against the frame index's pixel MD5s (issue 11, defect 1): what the analysis
 * worker reads is provably what was indexed, and a changed frame stops it at that frame.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrames, indexFrames } from './ffmpeg';
import { writeFrameDigests } from './frameDigests';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('decode-verify');
let clip: string;
let digests: string;

beforeAll(async () => {
  // Raw 4:2:0 pixels in a y4m stream: each frame is "FRAME\n" and its plain bytes, so one byte is one pixel.
  clip = await makeClip({ out: path.join(tmp.dir, 'clip.y4m'), width: 64, height: 48, fps: 25, seconds: 0.4, codecArgs: ['-pix_fmt', 'yuv420p'], formatArgs: ['-f', 'yuv4mpegpipe'] });
  digests = path.join(tmp.dir, 'clip.md5');
  expect(writeFrameDigests(digests, (await indexFrames(clip)).frames.map((f) => f.md5))).toBe(10);
});
afterAll(() => tmp.cleanup());

describe('decodeFrames with the frame index', () => {
  it('delivers every frame (or every k-th) verified, as RGB of the indexed size', async () => {
    const seen: number[] = [];
    expect(await decodeFrames(clip, { width: 64, height: 48 }, { verify: digests, onFrame: (f) => void seen.push(f.index) })).toBe(10);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const stepped: number[] = [];
    const slow = async (i: number): Promise<void> => {
      await new Promise((r) => setTimeout(r, 5));
      stepped.push(i);
    };
    expect(await decodeFrames(clip, { width: 64, height: 48 }, { step: 3, verify: digests, onFrame: (f) => slow(f.index) })).toBe(4);
    expect(stepped).toEqual([0, 3, 6, 9]);
  });

  it('stops at the first frame whose pixels differ from the index, before the consumer sees it', async () => {
    const edited = path.join(tmp.dir, 'edited.y4m');
    const bytes = fs.readFileSync(clip);
    let at = -1;
    for (let i = 0; i <= 6; i++) at = bytes.indexOf('FRAME\n', at + 1);
    bytes[at + 6 + 200] ^= 0x40; // one luma pixel of frame 6
    fs.writeFileSync(edited, bytes);
    const seen: number[] = [];
    const err = await decodeFrames(edited, { width: 64, height: 48 }, { verify: digests, onFrame: (f) => void seen.push(f.index) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EVIDENCE_ALTERED', message: expect.stringMatching(/^frame 6 decodes to different pixels than when it was indexed \(MD5 [0-9a-f]{32} ≠ [0-9a-f]{32}\)$/), details: { frame: 6 } });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses a frame size beyond the limit before starting ffmpeg', async () => {
    await expect(decodeFrames(clip, { width: 16000, height: 16000 }, { onFrame: () => undefined })).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA', message: expect.stringMatching(/16000×16000 \(256\.0 Mpx\), beyond Sightline's limit of 8192 px a side and 36 Mpx/) });
  });
});
