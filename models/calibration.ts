/**
 * Calibration files (models/manifest.json `calibrations`): loaded, checked against the manifest's SHA-256 the way
 * model files are (a changed number would silently change every FMR and likelihood ratio reported), checked to
 * belong to the model the pack ships (a calibration of other weights would describe another recogniser's scores),
 * and parsed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SightlineError } from '../domain/errors';
import { SIZE_BANDS, type IdentifyCalibration } from '../domain/identify';
import { sha256Hex } from '../platform/hashing';
import { getCalibrationEntry, getModel, type CalibrationEntry } from './manifest';
import { repoRoot } from './paths';

export function calibrationFile(entry: CalibrationEntry): string {
  return path.join(repoRoot(), 'models', entry.file);
}

export interface LoadedCalibration {
  readonly entry: CalibrationEntry;
  readonly calibration: IdentifyCalibration;
}

const cache = new Map<string, LoadedCalibration>();

/**
 * The checks on a calibration file's bytes: its hash is the manifest's, it calibrates the model with the
 * SHA-256 `modelSha256`, and it has one band per face-size band, each with an ascending impostor tail.
 */
export function parseIdentifyCalibration(bytes: Buffer, entry: CalibrationEntry, modelSha256: string): IdentifyCalibration {
  const where = `calibration '${entry.id}' (${entry.file})`;
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256) throw new SightlineError('MODEL_INVALID', `refusing ${where}: it has SHA-256 ${actual} but the manifest expects ${entry.sha256}`);
  let cal: IdentifyCalibration;
  try {
    cal = JSON.parse(bytes.toString('utf8')) as IdentifyCalibration;
  } catch (e) {
    throw new SightlineError('MODEL_INVALID', `refusing ${where}: not JSON (${(e as Error).message})`);
  }
  if (cal.recognizer?.modelSha256 !== modelSha256) {
    throw new SightlineError('MODEL_INVALID', `refusing ${where}: it calibrates model ${String(cal.recognizer?.modelSha256)}, but '${entry.model}' is ${modelSha256} — recalibrate (bench/identifyCalibrate.ts)`);
  }
  const bands = Array.isArray(cal.bands) ? cal.bands.map((b) => b.band) : [];
  if (bands.join(',') !== SIZE_BANDS.map((b) => b.id).join(',')) {
    throw new SightlineError('MODEL_INVALID', `refusing ${where}: bands ${bands.join(', ') || 'none'}, expected ${SIZE_BANDS.map((b) => b.id).join(', ')}`);
  }
  for (const b of cal.bands) {
    const t = b.impostor.tail;
    if (t.length === 0 || t.some((p, i) => i > 0 && !(p[0] > t[i - 1]![0] && p[1] <= t[i - 1]![1]))) {
      throw new SightlineError('MODEL_INVALID', `refusing ${where}: band ${b.band}'s impostor tail is not ascending in score and descending in rate`);
    }
  }
  return cal;
}

/** The identification calibration `id`, checked (see parseIdentifyCalibration); throws MODEL_INVALID when missing or altered. */
export function loadIdentifyCalibration(id: string): LoadedCalibration {
  const hit = cache.get(id);
  if (hit) return hit;
  const entry = getCalibrationEntry(id);
  const file = calibrationFile(entry);
  if (!existsSync(file)) throw new SightlineError('MODEL_INVALID', `calibration '${id}' is missing: ${file} does not exist`);
  const loaded = { entry, calibration: parseIdentifyCalibration(readFileSync(file), entry, getModel(entry.model).sha256) };
  cache.set(id, loaded);
  return loaded;
}
