/**
 * Motion gating's plans: where the detectors search a frame. The costly small-face path runs over the whole grid
 * only at a segment's start (and after a cut); a scheduled full search gives it only the parts of the frame whose
 * pixels changed since it last searched them, and a full search forced by change (a moving camera) only the tracked
 * small faces.
 */
import { describe, expect, it } from 'vitest';
import { GATING_DEFAULTS } from '../../domain/analysis';
import { MotionGate, halfLuma, type Rect, type SearchPlan } from './gating';

const W = 640;
const H = 360;

function frame(value: number, ...patches: Array<{ rect: Rect; value: number }>): Uint8Array {
  const f = new Uint8Array(W * H * 3).fill(value);
  for (const { rect: r, value: v } of patches) {
    for (let y = r.y; y < r.y + r.h; y++) f.fill(v, (y * W + r.x) * 3, (y * W + r.x + r.w) * 3);
  }
  return f;
}

const inside = (r: Rect, outer: Rect): boolean => r.x >= outer.x && r.y >= outer.y && r.x + r.w <= outer.x + outer.w && r.y + r.h <= outer.y + outer.h;
const touches = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

function smallOf(plan: SearchPlan): { regions: Rect[] } {
  if (plan.small.grid) throw new Error('expected regions, got the whole grid');
  return plan.small;
}

describe('MotionGate', () => {
  const small = { x: 300, y: 150, w: 20, h: 24 };
  const large = { x: 100, y: 100, w: 60, h: 70 };

  it('searches the whole frame with the whole small-face grid at the start, and only changed cells on the schedule', () => {
    const gate = new MotionGate(W, H, { ...GATING_DEFAULTS, fullSearchFrames: 25 });
    const first = gate.plan(0, halfLuma(frame(80), W, H), [], 'start', 28);
    expect(first).toEqual({ full: true, reason: 'start', small: { grid: true } });
    gate.searched(halfLuma(frame(80), W, H), first, 'grid');
    // Nothing changed since: the scheduled search is whole for the one-pass detector, and the small-face path looks
    // only at the tracked small face.
    const quiet = gate.plan(25, halfLuma(frame(80), W, H), [small], null, 28);
    expect(quiet).toMatchObject({ full: true, reason: 'schedule' });
    const q = smallOf(quiet).regions;
    expect(q).toHaveLength(1);
    expect(inside(small, q[0]!)).toBe(true);
    expect(q[0]!.w * q[0]!.h).toBeLessThan(0.1 * W * H);
    // A cut searches everything again.
    expect(gate.plan(26, halfLuma(frame(80), W, H), [small], 'cut', 28)).toMatchObject({ full: true, reason: 'cut', small: { grid: true } });
  });

  it('gives the scheduled search the changes the small-face path has not seen, and not those it searched', () => {
    const gate = new MotionGate(W, H, { ...GATING_DEFAULTS, fullSearchFrames: 25 });
    const base = halfLuma(frame(80), W, H);
    gate.searched(base, gate.plan(0, base, [], 'start', 28), 'grid');
    // Frame 1: the large face moves (a change its own expected box explains: not the small path's business then).
    const nearLarge = { x: 112, y: 112, w: 32, h: 32 };
    const moved = halfLuma(frame(80, { rect: nearLarge, value: 200 }), W, H);
    const p1 = gate.plan(1, moved, [large], null, 28);
    expect(p1.full).toBe(false);
    expect(smallOf(p1).regions).toEqual([]);
    gate.searched(moved, p1, []);
    // Frame 2: a change far from any track: a new face may be small, so the small path searches it at once.
    const far = { x: 480, y: 240, w: 32, h: 32 };
    const both = halfLuma(frame(80, { rect: nearLarge, value: 200 }, { rect: far, value: 30 }), W, H);
    const p2 = gate.plan(2, both, [large], null, 28);
    expect(p2.full).toBe(false);
    const r2 = smallOf(p2).regions;
    expect(r2).toHaveLength(1);
    expect(inside(far, r2[0]!)).toBe(true);
    gate.searched(both, p2, r2);
    // The schedule: the small path now looks where the large face changed (it never searched there), not at the
    // change it searched in frame 2.
    const p3 = gate.plan(25, both, [large], null, 28);
    expect(p3).toMatchObject({ full: true, reason: 'schedule' });
    const r3 = smallOf(p3).regions;
    expect(r3.some((r) => inside(nearLarge, r))).toBe(true);
    expect(r3.some((r) => touches(r, far))).toBe(false);
  });

  it('between full searches: the expected faces for the one-pass detector, the small ones also for the small-face path', () => {
    const gate = new MotionGate(W, H, { ...GATING_DEFAULTS, fullSearchFrames: 25 });
    const f = halfLuma(frame(80), W, H);
    gate.searched(f, gate.plan(0, f, [], 'start', 28), 'grid');
    const plan = gate.plan(3, f, [small, large], null, 28);
    expect(plan.full).toBe(false);
    if (plan.full) return;
    expect(plan.regions.some((r) => inside(small, r))).toBe(true);
    expect(plan.regions.some((r) => inside(large, r))).toBe(true);
    // Only the small face's area goes to the small-face path (nothing changed, the large face is not small).
    const r = smallOf(plan).regions;
    expect(r).toHaveLength(1);
    expect(inside(small, r[0]!)).toBe(true);
    expect(touches(r[0]!, large)).toBe(false);
  });

  it('on a change over most of the frame searches it whole, the small-face path only around tracked small faces', () => {
    const gate = new MotionGate(W, H, { ...GATING_DEFAULTS, fullSearchFrames: 25 });
    const f = halfLuma(frame(80), W, H);
    gate.searched(f, gate.plan(0, f, [], 'start', 28), 'grid');
    const plan = gate.plan(4, halfLuma(frame(160), W, H), [small, large], null, 28);
    expect(plan).toMatchObject({ full: true, reason: 'change' });
    const t = smallOf(plan).regions;
    expect(t).toHaveLength(1);
    expect(inside(small, t[0]!)).toBe(true);
    expect(touches(t[0]!, large)).toBe(false);
    expect(t[0]!.w * t[0]!.h).toBeLessThan(0.1 * W * H);
    // No tracked small face: nothing for the small-face path until the next scheduled full search.
    const none = gate.plan(4, halfLuma(frame(160), W, H), [large], null, 28);
    expect(none).toMatchObject({ full: true, reason: 'change', small: { grid: false, regions: [] } });
  });
});
