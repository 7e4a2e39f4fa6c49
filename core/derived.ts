/**
 * The case's record of its derived images (the `derived` table): what each file is, from which evidence, with
 * which parameters. The files themselves are in the content-addressed store (platform/derivedStore.ts).
 */
import { canonicalJson } from '../domain/canonicalJson';
import { derivedFilePath, type DerivedFile } from '../platform/derivedStore';
import type { CaseHandle } from './case';

export interface DerivedMeta {
  readonly kind: string;
  readonly evidenceId: number | null;
  readonly params: Record<string, unknown>;
  readonly width: number;
  readonly height: number;
}

/** Path of a derived file of this case. */
export function derivedPath(c: CaseHandle, sha256: string, ext = '.png'): string {
  return derivedFilePath(c.paths.derived, sha256, ext);
}

export function recordDerived(c: CaseHandle, file: DerivedFile, meta: DerivedMeta): void {
  c.db
    .prepare(
      `INSERT OR IGNORE INTO derived (sha256, kind, evidence_id, params_json, width, height, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(file.sha256, meta.kind, meta.evidenceId, canonicalJson(meta.params), meta.width, meta.height, new Date().toISOString());
}
