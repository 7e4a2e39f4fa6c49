import { describe, expect, it } from 'vitest';
import { createRng } from '../../testing/random';
import { DEFAULT_TRACKER } from '../../domain/analysis';
import { Tracker } from './tracker';
import { combineQuality, faceQuality, poseProxies } from './quality';
import { suppress } from './detectPyramid';
import { dlibTemplate } from '../faces/align';
import { createImage } from '../image/image';

/** A random unit embedding and noisy copies of it (same person ≈ 0.95–0.99 cosine, strangers ≈ 0). */
function identity(seed: number): (noise: number) => Float32Array {
  const rng = createRng(seed);
  const base = Float32Array.from({ length: 128 }, () => rng.normal());
  return (noise) => {
    const v = Float32Array.from(base, (x) => x + noise * rng.normal());
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
}

describe('tracker', () => {
  it('follows two faces moving fast in opposite directions, one track each, also across a gap', () => {
    const a = identity(1);
    const b = identity(2);
    const t = new Tracker({ ...DEFAULT_TRACKER, maxGapFrames: 10 });
    const ids: Array<[number, number]> = [];
    for (let f = 0; f < 30; f++) {
      if (f >= 12 && f < 16) {
        t.update(f, []); // both occluded for four frames
        continue;
      }
      // 30 px faces moving 25 px/frame: consecutive boxes barely overlap, so the motion model must carry them.
      const da = { box: { x: 100 + 25 * f, y: 200, w: 30, h: 36 }, embedding: a(0.1), quality: 0.7 };
      const db = { box: { x: 900 - 25 * f, y: 260, w: 30, h: 36 }, embedding: b(0.1), quality: 0.7 };
      const [ia, ib] = t.update(f, f % 2 ? [db, da] : [da, db]);
      ids.push(f % 2 ? [ib!, ia!] : [ia!, ib!]);
    }
    expect(new Set(ids.map((p) => p[0])).size).toBe(1);
    expect(new Set(ids.map((p) => p[1])).size).toBe(1);
    expect(ids[0]![0]).not.toBe(ids[0]![1]);
  });

  it('starts a new track when an unseen face returns after more than the allowed gap, or as someone else', () => {
    const a = identity(3);
    const c = identity(4);
    const t = new Tracker({ ...DEFAULT_TRACKER, maxGapFrames: 5 });
    const [first] = t.update(0, [{ box: { x: 10, y: 10, w: 40, h: 48 }, embedding: a(0.05), quality: 0.8 }]);
    const [late] = t.update(20, [{ box: { x: 12, y: 10, w: 40, h: 48 }, embedding: a(0.05), quality: 0.8 }]);
    expect(late).not.toBe(first);
    // A stranger appearing where the track was predicted (IoU high) is refused by the embedding veto.
    const [stranger] = t.update(21, [{ box: { x: 12, y: 10, w: 40, h: 48 }, embedding: c(0.05), quality: 0.8 }]);
    expect(stranger).not.toBe(late);
  });

  it('is deterministic: the same detections give the same ids', () => {
    const run = (): number[] => {
      const t = new Tracker();
      const e = identity(9);
      const out: number[] = [];
      for (let f = 0; f < 10; f++) out.push(...t.update(f, [0, 1, 2].map((k) => ({ box: { x: 50 + 200 * k + 3 * f, y: 40, w: 30, h: 30 }, embedding: e(0.3), quality: 0.5 }))));
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('quality', () => {
  it('gives a frontal template face full pose marks and penalises a turned one', () => {
    const frontal = dlibTemplate(150);
    expect(Math.abs(poseProxies(frontal).yaw)).toBeLessThan(0.01);
    const turned = frontal.map(([x, y], i) => (i === 2 ? [x + 25, y] : [x, y]) as [number, number]);
    const img = createImage(40, 48, 3, 0.5);
    for (let i = 0; i < img.data.length; i += 7) img.data[i] = 0.2 + ((i * 13) % 50) / 100;
    const q1 = faceQuality(img, 40, frontal, 0.9);
    const q2 = faceQuality(img, 40, turned, 0.9);
    expect(q1.components.pose).toBeGreaterThan(0.9);
    expect(q2.components.pose).toBeLessThan(q1.components.pose);
    expect(q2.value).toBeLessThan(q1.value);
    for (const v of [...Object.values(q1.components), q1.value]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });

  it('scores size on a log scale, 12 px → 0 and 80 px → 1, and combines geometrically', () => {
    const img = createImage(20, 20, 3, 0.5);
    const lm = dlibTemplate(150);
    expect(faceQuality(img, 12, lm, 1).components.size).toBe(0);
    expect(faceQuality(img, 80, lm, 1).components.size).toBe(1);
    const w = { size: 0.3, sharpness: 0.25, exposure: 0.15, pose: 0.2, score: 0.1 };
    expect(combineQuality({ size: 1, sharpness: 1, exposure: 1, pose: 1, score: 1 }, w)).toBeCloseTo(1, 9);
    // One failing component pulls the whole score down hard (geometric, not arithmetic, mean).
    expect(combineQuality({ size: 1, sharpness: 1, exposure: 1, pose: 0, score: 1 }, w)).toBeLessThan(0.45);
  });
});

describe('non-maximum suppression', () => {
  it('keeps the best box, drops overlapping and nested duplicates, independent of input order', () => {
    const boxes = [
      { box: { x: 10, y: 10, w: 40, h: 40 }, score: 0.9 },
      { box: { x: 12, y: 11, w: 40, h: 40 }, score: 0.8 },
      { box: { x: 20, y: 20, w: 15, h: 15 }, score: 0.7 },
      { box: { x: 200, y: 10, w: 40, h: 40 }, score: 0.6 },
    ];
    const kept = suppress(boxes, 0.4, 0.7);
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.6]);
    expect(suppress([...boxes].reverse(), 0.4, 0.7)).toEqual(kept);
  });
});
