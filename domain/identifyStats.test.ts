import { describe, expect, it } from 'vitest';
import { auc, cllr, cmc, detCurve, fitLogisticLr, fractionAbove, log10Lr, rankOf, sorted, tarAtFmr, thresholdAtFmr } from './identifyStats';

/** Deterministic standard normals (Box–Muller on a fixed LCG). */
function normals(n: number, mean: number, sd: number, seed: number): number[] {
  let s = seed >>> 0;
  const u = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

describe('identification statistics', () => {
  it('ranks a genuine score among impostors (ties count against) and builds the CMC', () => {
    expect(rankOf(0.9, [0.1, 0.5])).toBe(1);
    expect(rankOf(0.5, [0.1, 0.5, 0.7])).toBe(3);
    expect(cmc([1, 1, 3, 12], 10)).toEqual([0.5, 0.5, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75]);
  });

  it('finds the threshold at a false-match rate and the true-accept rate there', () => {
    const imp = sorted(Array.from({ length: 1000 }, (_, i) => i / 1000));
    const t = thresholdAtFmr(imp, 0.01)!;
    expect(fractionAbove(imp, t)).toBeCloseTo(0.01, 5);
    expect(thresholdAtFmr(imp, 1e-4)).toBeNull();
    expect(tarAtFmr(sorted([0.995, 0.999, 0.5]), imp, 0.01)).toBeCloseTo(2 / 3, 5);
    const det = detCurve(sorted([0.995, 0.999, 0.5]), imp, 10);
    expect(det.length).toBeGreaterThan(3);
    expect(det.every((d, i) => i === 0 || d.fmr >= det[i - 1]!.fmr)).toBe(true);
  });

  it('fits a logistic LR that matches the analytic LR of two equal-variance normals, within the bounds of the data', () => {
    // Same-person N(0.7, 0.1), different-person N(0.3, 0.1): log LR(s) = (0.4/0.01)·(s − 0.5), i.e. log10 = 17.37·(s − 0.5).
    const g = normals(4000, 0.7, 0.1, 1);
    const i = normals(40000, 0.3, 0.1, 2);
    const m = fitLogisticLr(g, i, 1e-6);
    expect(m.b).toBeCloseTo(40 / Math.LN10, 0);
    expect(-m.a / m.b).toBeCloseTo(0.5, 1);
    expect(log10Lr(m, 0.5)).toBeCloseTo(0, 0);
    expect(log10Lr(m, 5)).toBe(Math.log10(40000));
    expect(log10Lr(m, -5)).toBe(-Math.log10(4000));
    const c = cllr(g.map((v) => log10Lr(m, v)), i.map((v) => log10Lr(m, v)));
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(0.2);
    // Uninformative LRs cost one bit.
    expect(cllr([0, 0], [0, 0])).toBeCloseTo(1, 10);
    expect(auc(sorted(g), sorted(i))).toBeGreaterThan(0.99);
  });
});
