import { describe, expect, it } from 'vitest';
import { bandOf, calibratedSimilarity, CONCLUSION_SCALE, conclusionLevel, fmrAt, fmtLr, gateOf, levelOfLr, lrAt, scoreAtSimilarity, type BandCalibration, type IdentifyCalibration } from './identify';

const band: BandCalibration = {
  band: 's',
  label: '25–40 px',
  sizes: [25, 40],
  genuine: { n: 100, mean: 0.6, std: 0.1 },
  impostor: { n: 10000, mean: 0.3, std: 0.08, tail: [[0.4, 0.1], [0.5, 0.01], [0.55, 0.001], [0.6, 0.0001]] },
  thresholds: [],
  lr: { kind: 'logistic', a: -10, b: 20, lambda: 1e-3, log10Bounds: [-2, 4] },
  test: { genuine: 0, impostor: 0, fmrAtThresholds: [], cllr: 0, cllrCalibrationHalf: 0 },
};

describe('identification domain', () => {
  it('puts face widths into the calibration bands', () => {
    expect([12, 24, 24.5, 40, 41, 64, 65, 300].map((w) => bandOf(w).id)).toEqual(['xs', 'xs', 's', 's', 'm', 'm', 'l', 'l']);
  });

  it('reads the false-match rate at a score from the impostor tail (log-linear), and says when it is below the data', () => {
    expect(fmrAt(band, 0.5).value).toBeCloseTo(0.01, 6);
    expect(fmrAt(band, 0.525).value).toBeCloseTo(Math.pow(10, -2.5), 6);
    expect(fmrAt(band, 0.3)).toMatchObject({ value: 0.1 });
    expect(fmrAt(band, 0.7)).toMatchObject({ value: null, below: 1e-4, text: '< 1.0e-4' });
  });

  it('gives a bounded likelihood ratio and its ENFSI verbal level', () => {
    expect(lrAt(band, 0.5).log10).toBeCloseTo(0, 10);
    expect(lrAt(band, 0.9)).toMatchObject({ log10: 4, bounded: true });
    expect(lrAt(band, 0.0)).toMatchObject({ log10: -2, bounded: true });
    expect(levelOfLr(0).id).toBe('neutral');
    expect(levelOfLr(1.5).id).toBe('same-moderate');
    expect(levelOfLr(4.2).id).toBe('same-very-strong');
    expect(levelOfLr(-0.5).id).toBe('different-weak');
    expect(fmtLr(2)).toBe('1.0e+2');
    expect(fmtLr(3.5)).toBe('10^3.5');
    expect(fmtLr(-1)).toBe('1/10');
  });

  it('maps scores onto the gate similarity and applies the dual gate', () => {
    const cal = { similarity: { impostorMean: 0.3, genuineMean: 0.7, measuredOn: '' } } as unknown as IdentifyCalibration;
    expect(calibratedSimilarity(cal, 0.58)).toBeCloseTo(0.7, 10);
    expect(scoreAtSimilarity(cal, 0.7)).toBeCloseTo(0.58, 10);
    expect(calibratedSimilarity(cal, 2)).toBe(1);
    expect(gateOf(0.7, 0.8, { minQuality: 0.6, minSimilarity: 0.7 })).toEqual({ passes: true, reasons: [] });
    expect(gateOf(0.6, 0.7, { minQuality: 0.6, minSimilarity: 0.7 }).reasons).toEqual(['probe quality 0.600 ≤ 0.6', 'similarity 0.700 ≤ 0.7']);
  });

  it('has an ordinal, symmetric conclusion scale with no categorical identification', () => {
    const ranks = CONCLUSION_SCALE.map((l) => l.rank).filter((r): r is number => r !== null);
    expect(ranks).toEqual([6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6]);
    expect(conclusionLevel('same-strong')?.text).toBe('strong support for the same person');
    expect(conclusionLevel('identification')).toBeUndefined();
  });
});
