/**
 * The case's gallery of known people and their reference photos.
 *
 * A reference photo is imported exactly like evidence (core/evidence.ts `importEvidence`: copied, SHA-256 and
 * MD5 computed, the copy verified, made read-only, recorded with its `evidence.import` audit entry) and, in the
 * SAME transaction, recorded as a reference of its person with its face, chip, embedding, quality and a
 * `gallery.enrol` audit entry. Everything that can be wrong with a photo is found before anything is copied:
 * the bytes are hashed first (the same photo twice is recognised), then the worker finds the faces and scores
 * the chosen one; only a photo that will be enrolled is imported.
 *
 * People are renamed, retired or reinstated with a reason (audited, kept in gallery_person_events), never deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import { ENROL_RULES } from '../../domain/identify';
import { sha256File, sha256Hex } from '../../platform/hashing';
import type { QualityScore } from '../../workers/enhance/guard';
import type { ReferenceTaskResult } from '../../workers/identify/task';
import type { WorkerPool } from '../../workers/pool';
import type { CaseHandle } from '../case';
import { importEvidence, type ImportResult } from '../evidence';
import { blobEmbedding, embeddingBlob, IDENTIFY_RECOGNIZER, modelInUse, recordImage } from './common';

export interface GalleryReference {
  readonly id: number;
  readonly personId: number;
  readonly evidenceId: number;
  readonly evidenceSha256: string;
  readonly originalName: string;
  readonly faceIndex: number;
  readonly facesFound: number;
  readonly face: { readonly box: { x: number; y: number; w: number; h: number }; readonly score: number; readonly landmarks5: Array<[number, number]>; readonly pass: string; readonly alignmentResidual: number };
  readonly orientation: number;
  readonly quality: number;
  readonly qualityDetail: QualityScore;
  readonly imageSha256: string;
  readonly chipSha256: string;
  readonly thumbSha256: string;
  readonly recognizer: string;
  readonly modelId: string;
  readonly modelSha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface PersonEvent {
  readonly id: number;
  readonly action: 'create' | 'rename' | 'retire' | 'reinstate';
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly reason: string | null;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface GalleryPerson {
  readonly id: number;
  readonly name: string;
  readonly note: string | null;
  readonly status: 'active' | 'retired';
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly updatedBy: string;
  readonly references: GalleryReference[];
  readonly history: PersonEvent[];
}

interface PersonRow {
  id: number;
  name: string;
  name_key: string;
  note: string | null;
  status: 'active' | 'retired';
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

interface ReferenceRow {
  id: number;
  person_id: number;
  evidence_id: number;
  face_index: number;
  faces_found: number;
  face_json: string;
  orientation: number;
  quality: number;
  quality_json: string;
  image_sha256: string;
  chip_sha256: string;
  thumb_sha256: string;
  recognizer: string;
  model_id: string;
  model_sha256: string;
  embedding: Buffer;
  created_at: string;
  created_by: string;
  sha256: string;
  original_name: string;
}

function toReference(r: ReferenceRow): GalleryReference {
  return {
    id: r.id,
    personId: r.person_id,
    evidenceId: r.evidence_id,
    evidenceSha256: r.sha256,
    originalName: r.original_name,
    faceIndex: r.face_index,
    facesFound: r.faces_found,
    face: JSON.parse(r.face_json) as GalleryReference['face'],
    orientation: r.orientation,
    quality: r.quality,
    qualityDetail: JSON.parse(r.quality_json) as QualityScore,
    imageSha256: r.image_sha256,
    chipSha256: r.chip_sha256,
    thumbSha256: r.thumb_sha256,
    recognizer: r.recognizer,
    modelId: r.model_id,
    modelSha256: r.model_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

const REF_SELECT = 'SELECT r.*, e.sha256, e.original_name FROM gallery_references r JOIN evidence e ON e.id = r.evidence_id';

function toPerson(c: CaseHandle, r: PersonRow): GalleryPerson {
  const refs = (c.db.prepare(`${REF_SELECT} WHERE r.person_id = ? ORDER BY r.id`).all(r.id) as ReferenceRow[]).map(toReference);
  const history = (c.db.prepare('SELECT * FROM gallery_person_events WHERE person_id = ? ORDER BY id').all(r.id) as Array<{
    id: number;
    action: PersonEvent['action'];
    before_json: string;
    after_json: string;
    reason: string | null;
    created_at: string;
    created_by: string;
  }>).map((e) => ({ id: e.id, action: e.action, before: JSON.parse(e.before_json) as Record<string, unknown>, after: JSON.parse(e.after_json) as Record<string, unknown>, reason: e.reason, createdAt: e.created_at, createdBy: e.created_by }));
  return {
    id: r.id,
    name: r.name,
    note: r.note,
    status: r.status,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
    references: refs,
    history,
  };
}

// ───────────────────────────── names ─────────────────────────────

/** A person's name as given: trimmed, NFC, 1–120 characters, no control characters. */
export function cleanName(raw: string | undefined | null): string {
  const s = (raw ?? '').normalize('NFC').replace(/\s+/g, ' ').trim();
  if (!s) throw new SightlineError('INVALID_INPUT', 'a person needs a name (it is empty)');
  if (s.length > ENROL_RULES.maxNameLength) throw new SightlineError('INVALID_INPUT', `a person's name may have at most ${ENROL_RULES.maxNameLength} characters (this one has ${s.length})`);
  if (/[\u0000-\u001f\u007f]/.test(s)) throw new SightlineError('INVALID_INPUT', "a person's name may not contain control characters");
  return s;
}

export function cleanNote(raw: string | undefined | null): string | null {
  const s = (raw ?? '').normalize('NFC').trim();
  if (!s) return null;
  if (s.length > ENROL_RULES.maxNoteLength) throw new SightlineError('INVALID_INPUT', `a note may have at most ${ENROL_RULES.maxNoteLength} characters (this one has ${s.length})`);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s)) throw new SightlineError('INVALID_INPUT', 'a note may not contain control characters');
  return s;
}

function cleanReason(raw: string | undefined | null, what: string): string {
  const s = (raw ?? '').normalize('NFC').trim();
  if (!s) throw new SightlineError('INVALID_INPUT', `${what} needs a reason (it is recorded in the audit log)`);
  if (s.length > 500) throw new SightlineError('INVALID_INPUT', 'a reason may have at most 500 characters');
  return s;
}

/** Names are compared case-folded with runs of spaces collapsed: "ann  lee" and "Ann Lee" are one person. */
export function nameKey(name: string): string {
  return name.normalize('NFC').replace(/\s+/g, ' ').trim().toLocaleLowerCase('en');
}

// ───────────────────────────── reading ─────────────────────────────

export function listPeople(c: CaseHandle, opts: { includeRetired?: boolean } = {}): GalleryPerson[] {
  const rows = c.db.prepare(`SELECT * FROM gallery_people ${opts.includeRetired === false ? "WHERE status = 'active'" : ''} ORDER BY name_key, id`).all() as PersonRow[];
  return rows.map((r) => toPerson(c, r));
}

export function getPerson(c: CaseHandle, id: number): GalleryPerson {
  const r = c.db.prepare('SELECT * FROM gallery_people WHERE id = ?').get(id) as PersonRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no person ${id} in this case's gallery`);
  return toPerson(c, r);
}

function personByName(c: CaseHandle, name: string): PersonRow | undefined {
  return c.db.prepare('SELECT * FROM gallery_people WHERE name_key = ?').get(nameKey(name)) as PersonRow | undefined;
}

/** A person by id ("#12" or "12") or by name. */
export function findPerson(c: CaseHandle, ref: string): GalleryPerson {
  const m = /^\s*#?(\d+)\s*$/.exec(ref);
  if (m) return getPerson(c, Number(m[1]));
  const r = personByName(c, cleanName(ref));
  if (!r) throw new SightlineError('NOT_FOUND', `no person named ${JSON.stringify(ref.trim())} in this case's gallery (sightline gallery list DIR)`);
  return toPerson(c, r);
}

export function getReference(c: CaseHandle, id: number): GalleryReference {
  const r = c.db.prepare(`${REF_SELECT} WHERE r.id = ?`).get(id) as ReferenceRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no reference photo ${id} in this case's gallery`);
  return toReference(r);
}

/** Active people's references embedded with the given model, for search. */
export function activeReferenceEmbeddings(c: CaseHandle, modelSha256: string): Array<{ referenceId: number; personId: number; embedding: Float32Array }> {
  const rows = c.db
    .prepare(`SELECT r.id, r.person_id, r.embedding FROM gallery_references r JOIN gallery_people p ON p.id = r.person_id WHERE p.status = 'active' AND r.model_sha256 = ? ORDER BY r.id`)
    .all(modelSha256) as Array<{ id: number; person_id: number; embedding: Buffer }>;
  return rows.map((r) => ({ referenceId: r.id, personId: r.person_id, embedding: blobEmbedding(r.embedding) }));
}

export function activeReferenceCount(c: CaseHandle): number {
  return (c.db.prepare(`SELECT count(*) AS n FROM gallery_references r JOIN gallery_people p ON p.id = r.person_id WHERE p.status = 'active'`).get() as { n: number }).n;
}

// ───────────────────────────── changes to people ─────────────────────────────

function event(c: CaseHandle, personId: number, action: PersonEvent['action'], before: Record<string, unknown>, after: Record<string, unknown>, reason: string | null, now: string): void {
  c.db
    .prepare('INSERT INTO gallery_person_events (person_id, action, before_json, after_json, reason, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(personId, action, canonicalJson(before), canonicalJson(after), reason, now, c.examiner);
}

export function renamePerson(c: CaseHandle, id: number, newName: string, reason: string): GalleryPerson {
  const name = cleanName(newName);
  const why = cleanReason(reason, 'renaming a person');
  const p = getPerson(c, id);
  if (p.name === name) throw new SightlineError('INVALID_INPUT', `person ${id} is already called ${JSON.stringify(name)}`);
  const other = personByName(c, name);
  if (other && other.id !== id) throw new SightlineError('INVALID_INPUT', `another person (#${other.id}) is already called ${JSON.stringify(other.name)}`);
  c.db.transaction(() => {
    const now = new Date().toISOString();
    c.db.prepare('UPDATE gallery_people SET name = ?, name_key = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(name, nameKey(name), now, c.examiner, id);
    event(c, id, 'rename', { name: p.name }, { name }, why, now);
    c.audit.append({ action: 'gallery.rename', params: { personId: id, from: p.name, to: name, reason: why } });
  }).immediate();
  return getPerson(c, id);
}

/** Retire (leave out of every search) or reinstate a person; references and history stay. */
export function setPersonStatus(c: CaseHandle, id: number, status: 'active' | 'retired', reason: string): GalleryPerson {
  const why = cleanReason(reason, status === 'retired' ? 'retiring a person' : 'reinstating a person');
  const p = getPerson(c, id);
  if (p.status === status) throw new SightlineError('INVALID_INPUT', `${p.name} (#${id}) is already ${status}`);
  c.db.transaction(() => {
    const now = new Date().toISOString();
    c.db.prepare('UPDATE gallery_people SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?').run(status, now, c.examiner, id);
    event(c, id, status === 'retired' ? 'retire' : 'reinstate', { status: p.status }, { status }, why, now);
    c.audit.append({ action: status === 'retired' ? 'gallery.retire' : 'gallery.reinstate', params: { personId: id, name: p.name, reason: why } });
  }).immediate();
  return getPerson(c, id);
}

// ───────────────────────────── enrolment ─────────────────────────────

const PHOTO = /\.(jpe?g|png|bmp|tiff?|webp|gif)$/i;

/** Photos of a folder with one sub-folder per person: the sub-folder's name is the person's name. */
export function folderEnrolments(folder: string): { items: Array<{ person: string; path: string }>; skipped: string[] } {
  const abs = path.resolve(folder);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new SightlineError('FILE_NOT_FOUND', `no folder at ${abs}`);
  const items: Array<{ person: string; path: string }> = [];
  const skipped: string[] = [];
  for (const name of fs.readdirSync(abs).sort()) {
    const sub = path.join(abs, name);
    if (!fs.statSync(sub).isDirectory()) {
      skipped.push(`${name}: not a sub-folder (one sub-folder per person)`);
      continue;
    }
    for (const f of fs.readdirSync(sub).sort()) {
      if (PHOTO.test(f) && fs.statSync(path.join(sub, f)).isFile()) items.push({ person: name.replace(/_/g, ' '), path: path.join(sub, f) });
      else skipped.push(`${name}/${f}: not a photo`);
    }
  }
  if (items.length === 0) throw new SightlineError('INVALID_INPUT', `${abs} has no photos in sub-folders (one sub-folder per person, named after the person)`);
  return { items, skipped };
}


export interface EnrolRequest {
  readonly path: string;
  readonly person: string;
  readonly note?: string | null;
  /** 0-based index of the face to enrol when the photo shows several (as the refusal lists them, 1-based). */
  readonly faceIndex?: number;
}

export interface EnrolResult {
  readonly person: GalleryPerson;
  readonly reference: GalleryReference;
  readonly newPerson: boolean;
  readonly evidenceDuplicate: boolean;
}

function checkSource(file: string): string {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new SightlineError('FILE_NOT_FOUND', `file not found: ${abs}`);
  }
  if (st.isDirectory()) throw new SightlineError('IS_DIRECTORY', `${abs} is a folder, not a photo`);
  if (!st.isFile()) throw new SightlineError('INVALID_INPUT', `${abs} is not a regular file`);
  if (st.size === 0) throw new SightlineError('EMPTY_FILE', `${abs} is empty (0 bytes): not a photo`);
  return abs;
}

function describeFaces(faces: ReferenceTaskResult['faces']): string {
  return faces.map((f) => `#${f.index + 1} at (${Math.round(f.box.x)}, ${Math.round(f.box.y)}) ${Math.round(f.box.w)} px wide, score ${f.score.toFixed(2)}`).join('; ');
}

/** Why a found face cannot be enrolled (too small, too poor), with the measured value and the minimum; null if it can. */
export function enrolmentRefusal(file: string, faceWidth: number, q: Pick<QualityScore, 'value' | 'components'>): SightlineError | null {
  if (faceWidth < ENROL_RULES.minFaceWidth) {
    return new SightlineError('INVALID_INPUT', `the face in ${file} is too small for enrolment: ${faceWidth.toFixed(0)} px wide (minimum ${ENROL_RULES.minFaceWidth} px)`, { reason: 'too-small', width: faceWidth });
  }
  if (!(q.value > ENROL_RULES.minQuality)) {
    const parts = Object.entries(q.components).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
    return new SightlineError('INVALID_INPUT', `the face in ${file} is too poor for enrolment: quality ${q.value.toFixed(3)} (minimum above ${ENROL_RULES.minQuality}; ${parts})`, { reason: 'too-poor', quality: q.value });
  }
  return null;
}

/**
 * Check a photo and prepare its enrolment (nothing is written to the case): the errors of the bad-input list are
 * raised here. `run` is the worker task (a pool's `run('identify.reference', …)`).
 */
export async function prepareEnrolment(c: CaseHandle, req: EnrolRequest, pool: WorkerPool, opts: { signal?: AbortSignal; onProgress?: (p: { stage: string; current: number; total: number; unit?: string }) => void } = {}): Promise<{ abs: string; sha256: string; name: string; note: string | null; task: ReferenceTaskResult }> {
  const name = cleanName(req.person);
  const note = cleanNote(req.note);
  const existing = personByName(c, name);
  if (existing && existing.status === 'retired') throw new SightlineError('INVALID_INPUT', `${existing.name} (#${existing.id}) is retired; reinstate the person before adding references`);
  const abs = checkSource(req.path);
  const sha256 = await sha256File(abs, { signal: opts.signal });
  const dup = c.db
    .prepare('SELECT r.id, p.name, p.id AS person_id FROM gallery_references r JOIN evidence e ON e.id = r.evidence_id JOIN gallery_people p ON p.id = r.person_id WHERE e.sha256 = ?')
    .get(sha256) as { id: number; name: string; person_id: number } | undefined;
  if (dup) throw new SightlineError('INVALID_INPUT', `${path.basename(abs)} is already enrolled: reference #${dup.id} of ${dup.name} (#${dup.person_id}), same SHA-256 ${sha256.slice(0, 12)}…`, { reason: 'duplicate', referenceId: dup.id });
  const task = await pool.run('identify.reference', { file: abs, derivedDir: c.paths.derived, recognizer: IDENTIFY_RECOGNIZER, ...(req.faceIndex !== undefined ? { faceIndex: req.faceIndex } : {}) }, opts);
  const file = path.basename(abs);
  if (task.faces.length === 0) {
    throw new SightlineError('INVALID_INPUT', `no face found in ${file} (${task.width}×${task.height}; searched whole, on a padded canvas and in tiles): choose a photo that shows the face`, { reason: 'no-face' });
  }
  if (task.chosen === null || !task.enrolled) {
    throw new SightlineError('INVALID_INPUT', `${file} shows ${task.faces.length} faces; choose one (--face N): ${describeFaces(task.faces)}`, {
      reason: 'several-faces',
      faces: task.faces.map((f) => ({ index: f.index, box: f.box, score: f.score, thumbSha256: f.thumb.sha256 })),
    });
  }
  const refusal = enrolmentRefusal(file, task.faces[task.chosen]!.box.w, task.enrolled.quality);
  if (refusal) throw refusal;
  return { abs, sha256, name, note, task };
}

/**
 * Import a prepared photo as evidence and record it as a reference of its person, in one transaction (`commit`
 * is the job's, so the job's success is part of it). Called after `prepareEnrolment`.
 */
export async function commitEnrolment(
  c: CaseHandle,
  prep: Awaited<ReturnType<typeof prepareEnrolment>>,
  opts: { signal?: AbortSignal; jobId: number | null; commit: (fn: () => EnrolResult) => EnrolResult },
): Promise<EnrolResult> {
  const model = modelInUse();
  const enrolled = prep.task.enrolled!;
  const face = prep.task.faces[prep.task.chosen!]!;
  let result: EnrolResult | undefined;
  await importEvidence(c, prep.abs, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    commit: (fn): ImportResult => {
      let imported: ImportResult | undefined;
      result = opts.commit(() => {
        imported = fn();
        const e = imported.evidence;
        if (e.sha256 !== prep.sha256) throw new SightlineError('CORRUPT_MEDIA', `${e.originalName} changed while it was being enrolled (SHA-256 ${e.sha256.slice(0, 12)}… ≠ ${prep.sha256.slice(0, 12)}…); nothing was recorded`);
        if (e.kind !== 'image') throw new SightlineError('INVALID_INPUT', `${e.originalName} is a ${e.kind}, not a photo: reference photos are stills`);
        const taken = c.db.prepare('SELECT id FROM gallery_references WHERE evidence_id = ?').get(e.id) as { id: number } | undefined;
        if (taken) throw new SightlineError('INVALID_INPUT', `${e.originalName} is already enrolled as reference #${taken.id}`);
        const now = new Date().toISOString();
        let row = personByName(c, prep.name);
        const newPerson = !row;
        if (!row) {
          const id = Number(
            c.db
              .prepare(`INSERT INTO gallery_people (name, name_key, note, status, created_at, created_by, updated_at, updated_by) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)`)
              .run(prep.name, nameKey(prep.name), prep.note, now, c.examiner, now, c.examiner).lastInsertRowid,
          );
          event(c, id, 'create', {}, { name: prep.name, note: prep.note }, null, now);
          row = personByName(c, prep.name)!;
        }
        for (const [img, kind] of [
          [enrolled.image, 'gallery-photo'],
          [enrolled.chip, 'gallery-chip'],
          [face.thumb, 'gallery-thumb'],
        ] as const) {
          recordImage(c, img, kind, e.id, { faceIndex: face.index, box: face.box, recognizer: IDENTIFY_RECOGNIZER });
        }
        const faceJson = { box: face.box, score: face.score, landmarks5: face.landmarks5, pass: face.pass, alignmentResidual: enrolled.alignmentResidual };
        const refId = Number(
          c.db
            .prepare(
              `INSERT INTO gallery_references (person_id, evidence_id, face_index, faces_found, face_json, orientation, quality, quality_json, image_sha256, chip_sha256,
                 thumb_sha256, recognizer, model_id, model_sha256, embedding, job_id, created_at, created_by)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(row.id, e.id, face.index, prep.task.faces.length, canonicalJson(faceJson), prep.task.orientation, enrolled.quality.value, canonicalJson(enrolled.quality), enrolled.image.sha256, enrolled.chip.sha256, face.thumb.sha256, model.recognizer, model.id, model.sha256, embeddingBlob(enrolled.embedding), opts.jobId, now, c.examiner).lastInsertRowid,
        );
        c.audit.append({
          action: 'gallery.enrol',
          params: {
            personId: row.id,
            person: row.name,
            newPerson,
            ...(newPerson && prep.note ? { note: prep.note } : {}),
            referenceId: refId,
            evidenceId: e.id,
            faceIndex: face.index,
            facesFound: prep.task.faces.length,
            box: face.box,
            quality: enrolled.quality.value,
            orientation: prep.task.orientation,
            recognizer: model.recognizer,
            model: { id: model.id, sha256: model.sha256 },
          },
          inputs: [
            { sha256: e.sha256, role: 'reference-photo', name: e.originalName },
            { sha256: model.sha256, role: 'model', name: model.id },
          ],
          outputs: [
            { sha256: enrolled.chip.sha256, role: 'aligned-face', name: `reference #${refId} chip` },
            { sha256: sha256Hex(embeddingBlob(enrolled.embedding)), role: 'embedding', name: `reference #${refId} embedding (float32)` },
          ],
        });
        return { person: getPerson(c, row.id), reference: getReference(c, refId), newPerson, evidenceDuplicate: imported.duplicate };
      });
      return imported!;
    },
  });
  return result!;
}
