/**
 * The committed identification calibration (models/calibration/identify-v1.json): it loads through the same
 * checks the case services use, belongs to the shipped identity-embedder, says what it was measured on, and its
 * numbers have the properties a calibration must have — asserted as properties, so a re-calibration that is
 * still sound passes and one that is not fails. An altered byte, a calibration of other weights and a wrong band
 * list are refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bandOf, fmrAt, lrAt, SIZE_BANDS } from '../domain/identify';
import { sha256Hex } from '../platform/hashing';
import { calibrationFile, loadIdentifyCalibration, parseIdentifyCalibration } from './calibration';
import { getCalibrationEntry, getModel } from './manifest';

describe('identification calibration identify-v1', () => {
  const entry = getCalibrationEntry('identify-v1');
  const model = getModel(entry.model);
  const { calibration: cal } = loadIdentifyCalibration('identify-v1');

  it('is pinned by the manifest and calibrates the shipped identity-embedder', () => {
    expect(entry.model).toBe('identity-embedder');
    expect(cal.recognizer).toMatchObject({ modelId: 'identity-embedder', modelSha256: model.sha256 });
    expect(cal.bands.map((b) => b.band)).toEqual(SIZE_BANDS.map((b) => b.id));
  });

  it('states a real reference population, its split and how to reproduce it (no provisional numbers)', () => {
    expect(cal.version).toBeGreaterThanOrEqual(1);
    expect(cal.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const text of [cal.reference, cal.condition, cal.split, cal.reproduce]) expect(text).not.toMatch(/provisional|synthetic numbers/i);
    expect(cal.reference).toMatch(/lfw-dev/);
    expect(cal.split).toMatch(/by person/);
    expect(cal.reproduce).toMatch(/identifyCalibrate/);
  });

  it('separates same-person from different-person scores in every band, better for larger faces', () => {
    for (const b of cal.bands) {
      expect(b.genuine.n).toBeGreaterThanOrEqual(50);
      expect(b.impostor.n).toBeGreaterThanOrEqual(10_000);
      expect(b.genuine.mean).toBeGreaterThan(b.impostor.mean);
      expect(b.lr.b).toBeGreaterThan(0); // LR grows with the score
      expect(b.lr.log10Bounds[0]).toBeLessThan(0);
      expect(b.lr.log10Bounds[1]).toBeGreaterThan(0);
    }
    const dPrime = cal.bands.map((b) => (b.genuine.mean - b.impostor.mean) / Math.hypot(b.genuine.std, b.impostor.std));
    expect(dPrime[3]!).toBeGreaterThan(dPrime[0]!);
    expect(cal.similarity.genuineMean).toBeGreaterThan(cal.similarity.impostorMean);
  });

  it('has thresholds that rise as the false-match rate falls, and FMR/LR lookups that agree with them', () => {
    for (const b of cal.bands) {
      const scores = b.thresholds.map((t) => t.score).filter((s): s is number => s !== null);
      expect(scores.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeGreaterThan(scores[i - 1]!);
      const at1e2 = b.thresholds.find((t) => t.fmr === 1e-2)!.score!;
      expect(bandOf(b.sizes[0] + 1).id).toBe(b.band);
      expect(fmrAt(b, at1e2).value).toBeGreaterThan(0.5e-2);
      expect(fmrAt(b, at1e2).value).toBeLessThan(2e-2);
      expect(lrAt(b, b.genuine.mean).log10).toBeGreaterThan(lrAt(b, b.impostor.mean).log10);
    }
  });

  it('holds out of sample: on the test half the FMR at the 1 % threshold stays near 1 %', () => {
    for (const b of cal.bands) {
      expect(b.test.genuine).toBeGreaterThanOrEqual(50);
      const m = b.test.fmrAtThresholds.find((t) => t.fmr === 1e-2)!.measuredFmr!;
      expect(m).toBeGreaterThan(1e-3); // conservative is allowed (small genuine samples), optimistic by 3× is not
      expect(m).toBeLessThan(3e-2);
      expect(b.test.cllr).toBeLessThan(1); // better than a system that always says LR = 1
    }
  });

  it('refuses an altered file, a calibration of other weights and a wrong band list', () => {
    const bytes = readFileSync(calibrationFile(entry));
    const altered = Buffer.from(bytes.toString('utf8').replace('"version": 1', '"version": 2'));
    expect(() => parseIdentifyCalibration(altered, entry, model.sha256)).toThrow(/refusing calibration 'identify-v1'.*SHA-256/);
    expect(() => parseIdentifyCalibration(bytes, entry, 'f'.repeat(64))).toThrow(/calibrates model [0-9a-f]{64}.*recalibrate/);
    const noBands = Buffer.from(JSON.stringify({ ...cal, bands: cal.bands.slice(1) }));
    expect(() => parseIdentifyCalibration(noBands, { ...entry, sha256: sha256Hex(noBands) }, model.sha256)).toThrow(/bands s, m, l, expected xs, s, m, l/);
    expect(parseIdentifyCalibration(bytes, entry, model.sha256)).toEqual(cal);
  });
});
