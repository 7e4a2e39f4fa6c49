import { describe, expect, it } from 'vitest';
import { DEFAULT_SELECTION_RULE, referenceOf, selectBestSpread, type SelectableDetection } from './frameSelection';

function track(qualities: number[], step = 1): SelectableDetection[] {
  return qualities.map((quality, i) => ({ id: i + 1, frame: i * step, quality }));
}

describe('best N frames spread across a track', () => {
  it('spreads the picks over the whole track instead of taking the N best neighbours', () => {
    // The best frames are bunched at 40–47 (the person closest to the camera); the rest are decent.
    const q = Array.from({ length: 100 }, (_, i) => (i >= 40 && i < 48 ? 0.9 : 0.6 + 0.001 * i));
    const sel = selectBestSpread(track(q), 5);
    expect(sel.picks).toHaveLength(5);
    const frames = sel.picks.map((p) => p.frame);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    // One per fifth of the track.
    frames.forEach((f, k) => {
      expect(f).toBeGreaterThanOrEqual(k * 20);
      expect(f).toBeLessThan((k + 1) * 20);
    });
    // The reference is the best of the picks, and the bunch contributes exactly one frame.
    expect(sel.reference.quality).toBe(0.9);
    expect(frames.filter((f) => f >= 40 && f < 48)).toHaveLength(1);
  });

  it('leaves out frames far below the track’s best, and fills empty segments with the farthest remaining frames', () => {
    // Frames 0–9 good, 10–89 poor (profile), 90–99 good: segments in the middle have no eligible frame.
    const q = Array.from({ length: 100 }, (_, i) => (i < 10 || i >= 90 ? 0.8 + (i % 3) * 0.01 : 0.2));
    const sel = selectBestSpread(track(q), 4, DEFAULT_SELECTION_RULE);
    expect(sel.picks).toHaveLength(4);
    for (const p of sel.picks) expect(p.quality).toBeGreaterThanOrEqual(0.4);
    const frames = sel.picks.map((p) => p.frame);
    expect(frames.filter((f) => f < 10).length).toBeGreaterThanOrEqual(1);
    expect(frames.filter((f) => f >= 90).length).toBeGreaterThanOrEqual(1);
    // The make-up picks keep away from the ones already taken.
    for (let i = 1; i < frames.length; i++) expect(frames[i]! - frames[i - 1]!).toBeGreaterThanOrEqual(2);
  });

  it('takes every eligible frame when there are no more than N, and is deterministic', () => {
    const t = track([0.5, 0.7, 0.6]);
    expect(selectBestSpread(t, 8).picks.map((p) => p.frame)).toEqual([0, 1, 2]);
    const big = track(Array.from({ length: 57 }, (_, i) => 0.5 + 0.4 * Math.abs(Math.sin(i * 1.7))), 3);
    expect(selectBestSpread(big, 7)).toEqual(selectBestSpread(big, 7));
  });

  it('breaks reference ties by the earlier frame and refuses empty input', () => {
    expect(referenceOf(track([0.5, 0.9, 0.9])).frame).toBe(1);
    expect(() => selectBestSpread([], 3)).toThrow(/no detections/);
    expect(() => selectBestSpread(track([0.5]), 0)).toThrow(/positive/);
  });
});
