import { describe, expect, it } from 'vitest';
import { createRng } from '../../domain/random';
import { DEFAULT_TRACKER } from '../../domain/analysis';
import { identityGate } from '../../domain/trackIdentity';
import { PREDICTED_SIZE_DRIFT, Tracker, predictBox, type TrackInput } from './tracker';
import { mergeSegments, type SegmentTracks } from './merge';
import { combineQuality, faceQuality, poseProxies } from './quality';
import { suppress } from './detectPyramid';
import { dlibTemplate } from '../faces/align';
import { createImage } from '../image/image';

/** A random unit embedding and noisy copies of it (same person ≈ 0.99 cosine, strangers ≈ 0). */
function identity(seed: number): (noise: number) => Float32Array {
  const rng = createRng(seed);
  const base = Float32Array.from({ length: 128 }, () => rng.normal());
  return (noise) => {
    const v = Float32Array.from(base, (x) => x + noise * rng.normal());
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
}

/** An embedding at a chosen cosine from a base identity: what two similar-looking people give the dlib net. */
function near(base: Float32Array, cos: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const r = Float32Array.from(base, () => rng.normal());
  let d = 0;
  for (let i = 0; i < 128; i++) d += r[i]! * base[i]!;
  for (let i = 0; i < 128; i++) r[i]! -= d * base[i]!;
  const rn = Math.hypot(...r);
  return Float32Array.from(base, (b, i) => cos * b + Math.sqrt(1 - cos * cos) * (r[i]! / rn));
}

const opts = { ...DEFAULT_TRACKER, maxGapFrames: 10, rejoinFrames: 60 };
const det = (x: number, y: number, w: number, embedding: Float32Array): TrackInput => ({ box: { x, y, w, h: w * 1.2 }, embedding, quality: 0.7 });

describe('tracker', () => {
  it('predicts motion at constant velocity, but the size of a face only within a bounded drift of the last one seen', () => {
    const t = { cx: 100, cy: 50, w: 18, h: 22, vx: 2, vy: -1, vw: -0.8, vh: -1 };
    const near = predictBox(t, 2);
    expect(near.w).toBeCloseTo(16.4, 9);
    expect(near.x + near.w / 2).toBeCloseTo(104, 9);
    // A second unseen: the centre keeps moving, the size stops at the drift bound instead of shrinking to nothing.
    const far = predictBox(t, 24);
    expect(far.x + far.w / 2).toBeCloseTo(148, 9);
    expect(far.y + far.h / 2).toBeCloseTo(26, 9);
    expect(far.w).toBeCloseTo(18 / PREDICTED_SIZE_DRIFT, 9);
    expect(far.h).toBeCloseTo(22 / PREDICTED_SIZE_DRIFT, 9);
    expect(predictBox({ ...t, vw: 3, vh: 3 }, 24).w).toBeCloseTo(18 * PREDICTED_SIZE_DRIFT, 9);
  });

  it('follows two faces moving fast in opposite directions, one track each, also across a gap', () => {
    const a = identity(1);
    const b = identity(2);
    const t = new Tracker(opts);
    const ids: Array<[number, number]> = [];
    for (let f = 0; f < 30; f++) {
      if (f >= 12 && f < 16) {
        t.update(f, []); // both occluded for four frames
        continue;
      }
      // 30 px faces moving 25 px/frame: consecutive boxes barely overlap, so the motion model must carry them.
      const da = det(100 + 25 * f, 200, 30, a(0.1));
      const db = det(900 - 25 * f, 260, 30, b(0.1));
      const { ids: [ia, ib] } = t.update(f, f % 2 ? [db, da] : [da, db]);
      ids.push(f % 2 ? [ib!, ia!] : [ia!, ib!]);
    }
    expect(new Set(ids.map((p) => p[0])).size).toBe(1);
    expect(new Set(ids.map((p) => p[1])).size).toBe(1);
    expect(ids[0]![0]).not.toBe(ids[0]![1]);
  });

  it('keeps identities when two people cross paths at the same height (appearance decides at the crossing)', () => {
    const a = identity(5);
    const b = identity(6);
    const t = new Tracker(opts);
    const seen: Array<[number, number]> = [];
    for (let f = 0; f < 40; f++) {
      // Same row, opposite directions, crossing at frame 20 with fully overlapping boxes.
      const da = det(100 + 20 * f, 300, 40, a(0.1));
      const db = det(900 - 20 * f, 300, 40, b(0.1));
      const { ids } = t.update(f, [db, da]);
      seen.push([ids[1]!, ids[0]!]);
    }
    expect(new Set(seen.map((p) => p[0])).size).toBe(1);
    expect(new Set(seen.map((p) => p[1])).size).toBe(1);
  });

  it('splits a track that would change identity and records the split, with the cosine', () => {
    const a = identity(7)(0);
    const t = new Tracker(opts);
    for (let f = 0; f < 5; f++) t.update(f, [det(300, 200, 24, near(a, 0.99, f))]);
    // Someone else at the same place: the cosine is above the old 0.6 veto but below the 24 px track gate.
    const other = near(a, identityGate('track', 24) - 0.03, 99);
    const u = t.update(5, [det(300, 200, 24, other)]);
    expect(u.ids[0]).toBe(2);
    expect(u.relations).toEqual([expect.objectContaining({ from: 1, to: 2, kind: 'identity-split', frame: 5 })]);
    expect(u.relations[0]!.similarity).toBeLessThan(identityGate('track', 24));
  });

  it('never continues a track across a shot cut; links the same person across it only above the cut gate', () => {
    const a = identity(11);
    const b = identity(12);
    const t = new Tracker(opts);
    for (let f = 0; f < 5; f++) t.update(f, [det(300, 200, 40, a(0.05))]);
    // A cut, and person B exactly where A was expected: a new track, recorded as a cut-split of A.
    const afterCut = t.update(5, [det(300, 200, 40, b(0.05))], true);
    expect(afterCut.ids[0]).toBe(2);
    expect(afterCut.relations).toEqual([expect.objectContaining({ from: 1, to: 2, kind: 'cut-split' })]);
    // Another cut back to A: a new track again, linked to A as the same person (cosine ~0.99 ≥ the cut gate).
    t.update(6, [det(300, 200, 40, b(0.05))]);
    const back = t.update(7, [det(600, 100, 40, a(0.05))], true);
    expect(back.ids[0]).toBe(3);
    expect(back.relations).toEqual([expect.objectContaining({ from: 1, to: 3, kind: 'same-person' })]);
  });

  it('re-joins a track unseen for more than a second by appearance within a widening gate, not a stranger', () => {
    const a = identity(21);
    const c = identity(22);
    const t = new Tracker({ ...opts, maxGapFrames: 5, rejoinFrames: 60 });
    const [first] = t.update(0, [det(100, 100, 40, a(0.02))]).ids;
    t.update(1, [det(104, 100, 40, a(0.02))]);
    // 30 frames unseen (> maxGapFrames), back 150 px away: the gate has widened, the face is the same.
    const [back] = t.update(31, [det(250, 110, 40, a(0.02))]).ids;
    expect(back).toBe(first);
    // A stranger there later is not taken for A.
    const [stranger] = t.update(70, [det(260, 110, 40, c(0.02))]).ids;
    expect(stranger).not.toBe(first);
  });

  it('is deterministic: the same detections give the same ids', () => {
    const run = (): number[] => {
      const t = new Tracker(opts);
      const e = identity(9);
      const out: number[] = [];
      for (let f = 0; f < 10; f++) out.push(...t.update(f, [0, 1, 2].map((k) => det(50 + 200 * k + 3 * f, 40, 30, e(0.3)))).ids);
      return out;
    };
    expect(run()).toEqual(run());
  });
});

describe('segment merge', () => {
  const sum = (e: Float32Array): Float64Array => Float64Array.from(e);
  const summary = (id: number, first: number, last: number, x: number, e: Float32Array, shot = 0): SegmentTracks['tracks'][number] => ({
    id,
    shot,
    firstFrame: first,
    lastFrame: last,
    count: last - first + 1,
    firstBox: { x, y: 100, w: 40, h: 48 },
    lastBox: { x, y: 100, w: 40, h: 48 },
    velocity: { x: 0, y: 0, w: 0, h: 0 },
    embSum: sum(e),
    embWeight: 1,
  });
  const mopts = { iouMin: 0.2, maxGapFrames: 10, rejoinFrames: 60, gate: 1.5, sizeRatioMax: 1.6, identityOffset: 0 };

  it('joins a track across a segment boundary when motion and appearance agree, and numbers by first appearance', () => {
    const a = identity(31)(0);
    const b = identity(32)(0);
    const segs: SegmentTracks[] = [
      { segment: 0, start: 0, cutAtStart: false, cutsInside: 0, tracks: [summary(1, 0, 9, 100, a), summary(2, 5, 9, 500, b)], relations: [] },
      { segment: 1, start: 10, cutAtStart: false, cutsInside: 0, tracks: [summary(1, 10, 19, 500, b), summary(2, 10, 19, 100, a)], relations: [] },
    ];
    const m = mergeSegments(segs, mopts);
    expect(m.tracks.map((t) => [t.ordinal, t.firstFrame, t.lastFrame, t.count])).toEqual([
      [1, 0, 19, 20],
      [2, 5, 19, 15],
    ]);
    expect(m.ordinalOf.get('1:2')).toBe(1);
    expect(m.ordinalOf.get('1:1')).toBe(2);
  });

  it('does not join across a cut at the boundary; records a cut-split, or the same person above the cut gate', () => {
    const a = identity(41)(0);
    const b = identity(42)(0);
    const segs: SegmentTracks[] = [
      { segment: 0, start: 0, cutAtStart: false, cutsInside: 0, tracks: [summary(1, 0, 9, 100, a)], relations: [] },
      { segment: 1, start: 10, cutAtStart: true, cutsInside: 0, tracks: [summary(1, 10, 19, 100, b), summary(2, 12, 19, 700, a)], relations: [] },
    ];
    const m = mergeSegments(segs, mopts);
    expect(m.tracks).toHaveLength(3);
    expect(m.tracks.map((t) => t.shot)).toEqual([0, 1, 1]);
    expect(m.relations.map((r) => [r.from, r.to, r.kind])).toEqual([
      [1, 2, 'cut-split'],
      [1, 3, 'same-person'],
    ]);
  });

  it('records an identity split at a boundary when the motion matches and the face does not', () => {
    const a = identity(51)(0);
    const other = near(a, identityGate('track', 40) - 0.05, 3);
    const segs: SegmentTracks[] = [
      { segment: 0, start: 0, cutAtStart: false, cutsInside: 0, tracks: [summary(1, 0, 9, 100, a)], relations: [] },
      { segment: 1, start: 10, cutAtStart: false, cutsInside: 0, tracks: [summary(1, 10, 19, 100, other)], relations: [] },
    ];
    const m = mergeSegments(segs, mopts);
    expect(m.tracks).toHaveLength(2);
    expect(m.relations).toEqual([expect.objectContaining({ from: 1, to: 2, kind: 'identity-split' })]);
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
