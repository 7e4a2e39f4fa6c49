/**
 * Calibration files (models/manifest.json `calibrations`): loaded, checked against the manifest's SHA-256 the way
 * model files are (a changed number would silently change every FMR and likelihood ratio reported), and parsed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SightlineError } from '../domain/errors';
import type { IdentifyCalibration } from '../domain/identify';
import { sha256Hex } from '../platform/hashing';
import { getCalibrationEntry, type CalibrationEntry } from './manifest';
import { repoRoot } from './paths';

export function calibrationFile(entry: CalibrationEntry): string {
  return path.join(repoRoot(), 'models', entry.file);
}

export interface LoadedCalibration {
  readonly entry: CalibrationEntry;
  readonly calibration: IdentifyCalibration;
}

const cache = new Map<string, LoadedCalibration>();

/** The identification calibration `id`, hash-checked; throws MODEL_INVALID when missing or altered. */
export function loadIdentifyCalibration(id: string): LoadedCalibration {
  const hit = cache.get(id);
  if (hit) return hit;
  const entry = getCalibrationEntry(id);
  const file = calibrationFile(entry);
  if (!existsSync(file)) throw new SightlineError('MODEL_INVALID', `calibration '${id}' is missing: ${file} does not exist`);
  const bytes = readFileSync(file);
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new SightlineError('MODEL_INVALID', `refusing calibration '${id}': ${file} has SHA-256 ${actual} but the manifest expects ${entry.sha256}`);
  }
  const loaded = { entry, calibration: JSON.parse(bytes.toString('utf8')) as IdentifyCalibration };
  cache.set(id, loaded);
  return loaded;
}
