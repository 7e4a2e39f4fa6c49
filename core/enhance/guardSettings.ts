/**
 * The identity guard's thresholds for this case (default quality > 0.6, similarity > 0.7). Stored in the case so
 * every examiner of the case works with the same gate; each change is audited with the previous and new values.
 * Every enhancement records the thresholds it was judged with, so a later change never re-labels old results.
 */
import { z } from 'zod';
import { DEFAULT_GUARD_THRESHOLDS, type GuardThresholds } from '../../domain/identity';
import type { CaseHandle } from '../case';
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';

const KEY = 'guard.thresholds';

const Thresholds = z.object({ minQuality: z.number().min(0).max(1), minSimilarity: z.number().min(0).max(1) }).strict();

export interface GuardSettings extends GuardThresholds {
  /** null while the case uses the defaults. */
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export function getGuardSettings(c: CaseHandle): GuardSettings {
  const row = c.db.prepare('SELECT value_json, updated_at, updated_by FROM case_settings WHERE key = ?').get(KEY) as
    | { value_json: string; updated_at: string; updated_by: string }
    | undefined;
  if (!row) return { ...DEFAULT_GUARD_THRESHOLDS, updatedAt: null, updatedBy: null };
  const t = Thresholds.parse(JSON.parse(row.value_json));
  return { ...t, updatedAt: row.updated_at, updatedBy: row.updated_by };
}

export function getGuardThresholds(c: CaseHandle): GuardThresholds {
  const { minQuality, minSimilarity } = getGuardSettings(c);
  return { minQuality, minSimilarity };
}

/** Change the case's thresholds (either or both); audited as `settings.guard`. */
export function setGuardThresholds(c: CaseHandle, change: Partial<GuardThresholds>, reason?: string): GuardSettings {
  const previous = getGuardThresholds(c);
  const r = Thresholds.safeParse({ ...previous, ...change });
  if (!r.success) throw new SightlineError('INVALID_INPUT', `guard thresholds must be numbers from 0 to 1: ${r.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const next = r.data;
  c.db.transaction(() => {
    const now = new Date().toISOString();
    c.db
      .prepare(
        `INSERT INTO case_settings (key, value_json, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
      )
      .run(KEY, canonicalJson(next), now, c.examiner);
    c.audit.append({ action: 'settings.guard', params: { previous, thresholds: next, ...(reason ? { reason } : {}) } });
  })();
  return getGuardSettings(c);
}
