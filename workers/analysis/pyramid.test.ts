import { describe, expect, it } from 'vitest';
import { DETECTOR_INPUT, fillTileTensor, planPyramid } from './pyramid';
import { DEFAULT_PYRAMID } from '../../domain/analysis';

describe('scale pyramid', () => {
  it('plans the default 1080p pyramid: whole frame, ×0.8 and ×1.6 windows covering the frame', () => {
    const plan = planPyramid(1920, 1080, DEFAULT_PYRAMID);
    expect(plan.levels.map((l) => [l.name, l.tiles.length])).toEqual([
      ['fit', 1],
      ['x0.8', 8],
      ['x1.6', 32],
    ]);
    for (const level of plan.levels) {
      for (const t of level.tiles) {
        expect(t.x0).toBeGreaterThanOrEqual(0);
        expect(t.x0 + t.w).toBeLessThanOrEqual(1920);
        expect(t.y0 + t.h).toBeLessThanOrEqual(1080);
        expect(t.outW).toBeLessThanOrEqual(DETECTOR_INPUT);
      }
      // Every pixel (sampled, frame corners included) is inside some window of every level.
      for (const y of [...Array.from({ length: 155 }, (_, i) => i * 7), 1079]) {
        for (const x of [...Array.from({ length: 275 }, (_, i) => i * 7), 1919]) {
          expect(level.tiles.some((t) => x >= t.x0 && x < t.x0 + t.w && y >= t.y0 && y < t.y0 + t.h), `${level.name} ${x},${y}`).toBe(true);
        }
      }
    }
  });

  it('keeps any face no wider than the overlap wholly inside one window of its level', () => {
    const plan = planPyramid(1920, 1080, DEFAULT_PYRAMID);
    const level = plan.levels[2]!; // ×1.6, overlap 56
    for (let x = 0; x + 56 <= 1920; x += 13) {
      for (let y = 0; y + 56 <= 1080; y += 17) {
        const inside = level.tiles.some((t) => x >= t.x0 && y >= t.y0 && x + 56 <= t.x0 + t.w && y + 56 <= t.y0 + t.h);
        expect(inside, `56 px face at ${x},${y}`).toBe(true);
      }
    }
  });

  it('drops levels that would repeat another and clamps levels finer than a small frame', () => {
    const plan = planPyramid(400, 300, DEFAULT_PYRAMID);
    // 'fit' is ×1.28 here; ×0.8 is clamped up to it and dropped as a duplicate; ×1.6 stays.
    expect(plan.levels.map((l) => l.name)).toEqual(['fit', 'x1.6']);
  });

  it('resamples windows exactly: ×1 copies, enlarging is bilinear, shrinking averages areas; padding is black', () => {
    const W = 8;
    const H = 4;
    const frame = new Uint8Array(W * H * 3);
    for (let i = 0; i < W * H; i++) frame.fill(i * 5, i * 3, i * 3 + 3);
    const dst = new Float32Array(DETECTOR_INPUT * DETECTOR_INPUT * 3);
    const base = { level: 0, key: 'k', x0: 0, y0: 0, w: W, h: H, hasCoarser: false, frameEdge: { left: true, top: true, right: true, bottom: true } };
    fillTileTensor(frame, W, H, { ...base, scale: 1, outW: W, outH: H }, dst, 0);
    expect(dst[(1 * DETECTOR_INPUT + 2) * 3]).toBeCloseTo(frame[(1 * W + 2) * 3]!, 5);
    expect(dst[(1 * DETECTOR_INPUT + W) * 3]).toBe(0);
    fillTileTensor(frame, W, H, { ...base, scale: 0.5, outW: 4, outH: 2 }, dst, 0);
    const mean = (frame[0]! + frame[3]! + frame[W * 3]! + frame[W * 3 + 3]!) / 4;
    expect(dst[0]).toBeCloseTo(mean, 4);
    fillTileTensor(frame, W, H, { ...base, scale: 2, outW: 16, outH: 8 }, dst, 0);
    // Output pixel 1 (centre 1.5 → source 0.25) = 0.75·p0 + 0.25·p1 along x, on row 0 clamped.
    expect(dst[3]).toBeCloseTo(0.75 * frame[0]! + 0.25 * frame[3]!, 4);
  });

  it('copies a native-scale window pixel for pixel, repeating the edge pixels where it reaches past the frame', () => {
    const W = 50;
    const H = 40;
    const frame = new Uint8Array(W * H * 3);
    for (let i = 0; i < frame.length; i++) frame[i] = (i * 37 + (i >> 7)) & 255;
    for (const [x0, y0] of [[-6, -5], [30, 25], [10, 8]] as const) {
      const w = 32;
      const h = 24;
      const dst = new Float32Array(40 * 32 * 3).fill(-1);
      fillTileTensor(frame, W, H, { x0, y0, w, h, scale: 1, outW: w, outH: h }, dst, 0, 40, 32);
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 40; x++) {
          for (let k = 0; k < 3; k++) {
            const sx = Math.min(W - 1, Math.max(0, x0 + x));
            const sy = Math.min(H - 1, Math.max(0, y0 + y));
            const want = x < w && y < h ? frame[(sy * W + sx) * 3 + k]! : 0;
            expect(dst[(y * 40 + x) * 3 + k], `${x0},${y0} at ${x},${y}`).toBe(want);
          }
        }
      }
    }
  });
});
