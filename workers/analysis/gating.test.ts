/**
 * Motion gating's plans: where the detector searches a frame. The costly small-face path runs over the whole frame
 * only on scheduled (and start / cut) full searches; a full search forced by change (a moving camera) keeps it to
 * the tracked small faces.
 */
import { describe, expect, it } from 'vitest';
import { GATING_DEFAULTS } from '../../domain/analysis';
import { MotionGate, halfLuma } from './gating';

const W = 640;
const H = 360;

function frame(value: number): Uint8Array {
  return new Uint8Array(W * H * 3).fill(value);
}

describe('MotionGate', () => {
  const gate = new MotionGate(W, H, { ...GATING_DEFAULTS, fullSearchFrames: 25 });
  const small = { x: 300, y: 150, w: 20, h: 24 };
  const large = { x: 100, y: 100, w: 60, h: 70 };

  it('searches the whole frame at the start and on the schedule, with the small-face path everywhere', () => {
    const first = gate.plan(0, halfLuma(frame(80), W, H), [], 'start', 28);
    expect(first).toEqual({ full: true, reason: 'start' });
    gate.searched(halfLuma(frame(80), W, H), first);
    expect(gate.plan(25, halfLuma(frame(80), W, H), [small], null, 28)).toEqual({ full: true, reason: 'schedule' });
  });

  it('searches only the expected faces when nothing changed', () => {
    const plan = gate.plan(3, halfLuma(frame(80), W, H), [small, large], null, 28);
    expect(plan.full).toBe(false);
    if (plan.full) return;
    expect(plan.regions.length).toBeGreaterThan(0);
    // Only the small face's expected box goes to the small-face path.
    expect(plan.smallRegions).toHaveLength(1);
    expect(plan.smallRegions[0]!.x).toBeLessThanOrEqual(small.x);
  });

  it('on a change over most of the frame searches it whole, the small-face path only around tracked small faces', () => {
    const plan = gate.plan(4, halfLuma(frame(160), W, H), [small, large], null, 28);
    expect(plan).toMatchObject({ full: true, reason: 'change' });
    if (!plan.full) return;
    expect(plan.smallRegions).toHaveLength(1);
    const r = plan.smallRegions![0]!;
    expect(r.x <= small.x && r.y <= small.y && r.x + r.w >= small.x + small.w && r.y + r.h >= small.y + small.h).toBe(true);
    expect(r.w * r.h).toBeLessThan(0.1 * W * H);
    // No tracked small face: nothing for the small-face path until the next scheduled full search.
    const none = gate.plan(4, halfLuma(frame(160), W, H), [large], null, 28);
    expect(none).toMatchObject({ full: true, reason: 'change', smallRegions: [] });
  });
});
