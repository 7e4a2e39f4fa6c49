import { describe, expect, it } from 'vitest';
import { IDENTITY_GATES, identityGate } from './trackIdentity';

describe('tracker appearance gates', () => {
  it('are the measured rows at the measured widths, interpolate in log width between, and hold beyond', () => {
    for (const r of IDENTITY_GATES) {
      expect(identityGate('track', r.width)).toBeCloseTo(r.track, 9);
      expect(identityGate('cut', r.width)).toBeCloseTo(r.cut, 9);
    }
    const [a, b] = [IDENTITY_GATES[1]!, IDENTITY_GATES[2]!];
    const mid = Math.sqrt(a.width * b.width);
    expect(identityGate('rejoin', mid)).toBeCloseTo((a.rejoin + b.rejoin) / 2, 9);
    expect(identityGate('cut', 4)).toBe(IDENTITY_GATES[0]!.cut);
    expect(identityGate('cut', 400)).toBe(IDENTITY_GATES.at(-1)!.cut);
    expect(identityGate('track', 32, 0.02)).toBeCloseTo(IDENTITY_GATES.find((r) => r.width === 32)!.track + 0.02, 9);
  });

  it('are ordered: a re-join needs more agreement than a motion match, a link across a cut more still', () => {
    for (const r of IDENTITY_GATES) {
      expect(r.rejoin).toBeGreaterThan(r.track);
      expect(r.cut).toBeGreaterThan(r.rejoin);
      expect(r.cutFalseAccept).toBeLessThanOrEqual(0.001);
    }
  });
});
