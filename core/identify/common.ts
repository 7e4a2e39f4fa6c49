/**
 * What every part of identification shares in the case service: the recogniser and calibration in use (with
 * their hashes, recorded with every result), embedding blobs, and the gate's per-case thresholds.
 */
import { z } from 'zod';
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import { DEFAULT_GATE, type GateThresholds, type IdentifyCalibration } from '../../domain/identify';
import { loadIdentifyCalibration } from '../../models/calibration';
import { getModel } from '../../models/manifest';
import type { RecognizerId } from '../../workers/identify/recognizer';
import type { CaseHandle } from '../case';
import { derivedPath, recordDerived } from '../derived';

/** The recogniser identification uses (chosen by measurement: README "Identification"). */
export const IDENTIFY_RECOGNIZER: RecognizerId = 'faceres';
export const IDENTIFY_MODEL_ID = 'identity-embedder';
/** The calibration of its scores (models/manifest.json `calibrations`). */
export const IDENTIFY_CALIBRATION_ID = 'identify-v1';

export interface ModelInUse {
  readonly recognizer: RecognizerId;
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly sha256: string;
}

export function modelInUse(): ModelInUse {
  const m = getModel(IDENTIFY_MODEL_ID);
  return { recognizer: IDENTIFY_RECOGNIZER, id: m.id, name: m.name, source: `${m.package}@${m.packageVersion}`, sha256: m.sha256 };
}

export interface CalibrationInUse {
  readonly id: string;
  readonly sha256: string;
  readonly calibration: IdentifyCalibration;
}

export function calibrationInUse(): CalibrationInUse {
  const { entry, calibration } = loadIdentifyCalibration(IDENTIFY_CALIBRATION_ID);
  if (calibration.recognizer.modelSha256 !== getModel(IDENTIFY_MODEL_ID).sha256) {
    throw new SightlineError('MODEL_INVALID', `calibration ${entry.id} was made for model ${calibration.recognizer.modelSha256.slice(0, 12)}…, not the installed ${IDENTIFY_MODEL_ID}`);
  }
  return { id: entry.id, sha256: entry.sha256, calibration };
}

export function embeddingBlob(e: Float32Array): Buffer {
  return Buffer.from(e.buffer, e.byteOffset, e.byteLength);
}

export function blobEmbedding(b: Buffer): Float32Array {
  // Copy: a blob's buffer may not be 4-byte aligned.
  return new Float32Array(new Uint8Array(b).buffer);
}

// ───────────────────────────── the dual gate's thresholds ─────────────────────────────

const GATE_KEY = 'identify.gate';
const Gate = z.object({ minQuality: z.number().min(0).max(1), minSimilarity: z.number().min(0).max(1) }).strict();

export interface GateSettings extends GateThresholds {
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export function getGateSettings(c: CaseHandle): GateSettings {
  const row = c.db.prepare('SELECT value_json, updated_at, updated_by FROM case_settings WHERE key = ?').get(GATE_KEY) as
    | { value_json: string; updated_at: string; updated_by: string }
    | undefined;
  if (!row) return { ...DEFAULT_GATE, updatedAt: null, updatedBy: null };
  return { ...Gate.parse(JSON.parse(row.value_json)), updatedAt: row.updated_at, updatedBy: row.updated_by };
}

export function getGate(c: CaseHandle): GateThresholds {
  const { minQuality, minSimilarity } = getGateSettings(c);
  return { minQuality, minSimilarity };
}

/** Change the case's identification gate; audited as `settings.identify-gate` with the previous values. */
export function setGate(c: CaseHandle, change: Partial<GateThresholds>, reason?: string): GateSettings {
  const previous = getGate(c);
  const r = Gate.safeParse({ ...previous, ...change });
  if (!r.success) throw new SightlineError('INVALID_INPUT', `gate thresholds must be numbers from 0 to 1: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  c.db.transaction(() => {
    c.db
      .prepare(
        `INSERT INTO case_settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(GATE_KEY, canonicalJson(r.data), new Date().toISOString(), c.examiner);
    c.audit.append({ action: 'settings.identify-gate', params: { previous, thresholds: r.data, ...(reason ? { reason } : {}) } });
  }).immediate();
  return getGateSettings(c);
}

/** Record an image a worker stored in derived/ (inside the caller's transaction). */
export function recordImage(c: CaseHandle, img: { sha256: string; width: number; height: number }, kind: string, evidenceId: number | null, params: Record<string, unknown>): void {
  recordDerived(c, { sha256: img.sha256, path: derivedPath(c, img.sha256), width: img.width, height: img.height }, { kind, evidenceId, params, width: img.width, height: img.height });
}
