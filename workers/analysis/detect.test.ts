/**
 * The face finder's small-face path on gated frames: it searches the cells around the tracked small faces and the
 * changed regions it is given — nothing else — and reports where it searched, which the motion gate takes as its
 * small-path reference (gating.ts). Real models, a real H.264 frame of a committed ORL portrait.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { DETECTION_DEFAULTS } from '../../domain/analysis';
import { decodeFrames } from '../../platform/ffmpeg';
import { makeFaceClip } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { tempDir } from '../../testing/tmp';
import { releaseAll } from '../inference/session';
import { FaceFinder, type Box } from './detect';
import { WHOLE_FRAME, type Rect, type SearchPlan } from './gating';

const W = 640;
const H = 360;
const centreIn = (b: Box, r: Rect): boolean => b.x + b.w / 2 >= r.x && b.x + b.w / 2 <= r.x + r.w && b.y + b.h / 2 >= r.y && b.y + b.h / 2 <= r.y + r.h;
const inside = (r: Rect, outer: Rect): boolean => r.x >= outer.x && r.y >= outer.y && r.x + r.w <= outer.x + outer.w && r.y + r.h <= outer.y + outer.h;

describe('FaceFinder: the small-face path around tracked faces', () => {
  const tmp = tempDir('detect-small');
  let frame: Uint8Array;
  let seen: Rect;
  /** Where a track expects a small face that is not there (it left, turned away, or BlazeFace cannot see it). */
  const missing: Rect = { x: 440, y: 180, w: 17, h: 21 };

  beforeAll(async () => {
    await installModels();
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'two.mp4'),
      width: W,
      height: H,
      frames: 1,
      crf: 18,
      faces: [
        { portrait: faceFile(2, 1), faceWidth: 34, start: [120, 140], velocity: [0, 0] },
      ],
    });
    seen = clip.truth[0]![0]!;
    await decodeFrames(clip.file, { width: W, height: H }, { onFrame: (f) => void (frame = Uint8Array.from(f.data)) });
  }, 300_000);

  afterAll(async () => {
    await releaseAll();
    tmp.cleanup();
  });

  it('searches the cells of the tracked small faces and of the changes, and says where it searched', async () => {
    const finder = new FaceFinder(W, H, DETECTION_DEFAULTS);
    // Precondition, which could fail: on the whole frame both detectors run and the 34 px face is found.
    const whole = await finder.find(frame, WHOLE_FRAME);
    expect(finder.smallSearched).toBe('grid');
    expect(whole.some((c) => centreIn(c.box, seen))).toBe(true);
    const gridCells = finder.stats.ssdCells;

    const grow = (r: Rect): Rect => ({ x: r.x - r.w, y: r.y - r.h, w: 3 * r.w, h: 3 * r.h });
    const change: Rect = { x: 560, y: 40, w: 48, h: 48 };
    const plan: SearchPlan = {
      full: false,
      regions: [grow(seen), grow(missing), change],
      small: { grid: false, regions: [change, grow(missing)] },
    };
    await finder.find(frame, plan);
    const cells = finder.stats.ssdCells - gridCells;
    const searched = finder.smallSearched as Rect[];
    // One cell centred on each area that fits in one; far fewer than the whole grid.
    expect(cells).toBe(2);
    expect(searched).toHaveLength(2);
    expect(searched.some((r) => inside(missing, r))).toBe(true);
    expect(searched.some((r) => inside(change, r))).toBe(true);
    // The 34 px face is not a small one here: the small path does not search it.
    expect(searched.some((r) => centreIn(seen, r))).toBe(false);
    expect(gridCells).toBeGreaterThan(4 * cells);
  }, 300_000);
});
