/**
 * Identification templates in the case: what a probe is compared as.
 *
 *  - `track`: the track's best frames spread across it (at most TEMPLATE_RULE.maxFrames, the rule of
 *    domain/frameSelection.ts), each decoded from the evidence, MD5-checked, aligned the better way (×4,
 *    landmarks found again) and embedded; the template is their quality-weighted mean. Reused while the model
 *    and the rule are unchanged.
 *  - `frames`: the same from frames the investigator chose.
 *  - `enhancement`: an enhancement's output, aligned on the landmarks its guard found on it.
 * Every template records its frames, their weights, every crop and chip by hash, the model and the rule.
 */
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../domain/canonicalJson';
import { SightlineError } from '../../domain/errors';
import { selectBestSpread } from '../../domain/frameSelection';
import { bandOf, TEMPLATE_RULE } from '../../domain/identify';
import { sha256Hex } from '../../platform/hashing';
import type { QualityScore } from '../../workers/enhance/guard';
import type { FrameQuality } from '../../workers/identify/faces';
import type { TemplateFrame, TemplatesTaskResult } from '../../workers/identify/task';
import type { WorkerPool } from '../../workers/pool';
import { getTrack, trackDetections } from '../analysis/results';
import type { CaseHandle } from '../case';
import { derivedPath } from '../derived';
import { getEnhancement } from '../enhance/records';
import { getEvidence, type Evidence } from '../evidence';
import { verifiedEvidenceFile } from '../evidenceVerify';
import { frameInfo } from '../frames';
import { blobEmbedding, embeddingBlob, IDENTIFY_RECOGNIZER, modelInUse, recordImage } from './common';

export interface TemplateFrameRecord {
  readonly frame: number;
  readonly detectionId: number | null;
  readonly frameMd5: string | null;
  readonly box: { x: number; y: number; w: number; h: number } | null;
  /** Native-resolution crop (original pixels) and the aligned chip the embedding came from. */
  readonly cropSha256: string;
  readonly chipSha256: string;
  readonly origin: [number, number] | null;
  readonly landmarks: Array<[number, number]>;
  readonly quality: number;
  readonly qualityDetail: FrameQuality | null;
  /** Share of the template (weights sum to 1). */
  readonly weight: number;
}

export interface IdentifyTemplate {
  readonly id: number;
  readonly kind: 'track' | 'frames' | 'enhancement';
  readonly trackId: number;
  readonly runId: number;
  readonly evidenceId: number;
  readonly enhancementId: number | null;
  readonly frames: TemplateFrameRecord[];
  readonly rule: Record<string, unknown>;
  readonly faceWidth: number;
  readonly band: string;
  readonly quality: number;
  readonly qualityDetail: QualityScore | { readonly from: string; readonly value: number };
  readonly recognizer: string;
  readonly modelId: string;
  readonly modelSha256: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

interface TemplateRow {
  id: number;
  kind: IdentifyTemplate['kind'];
  track_id: number;
  run_id: number;
  evidence_id: number;
  enhancement_id: number | null;
  frames_json: string;
  rule_json: string;
  rule_sha256: string;
  face_width: number;
  quality: number;
  quality_json: string;
  recognizer: string;
  model_id: string;
  model_sha256: string;
  embedding: Buffer;
  created_at: string;
  created_by: string;
}

function toTemplate(r: TemplateRow): IdentifyTemplate {
  return {
    id: r.id,
    kind: r.kind,
    trackId: r.track_id,
    runId: r.run_id,
    evidenceId: r.evidence_id,
    enhancementId: r.enhancement_id,
    frames: JSON.parse(r.frames_json) as TemplateFrameRecord[],
    rule: JSON.parse(r.rule_json) as Record<string, unknown>,
    faceWidth: r.face_width,
    band: bandOf(r.face_width).id,
    quality: r.quality,
    qualityDetail: JSON.parse(r.quality_json) as IdentifyTemplate['qualityDetail'],
    recognizer: r.recognizer,
    modelId: r.model_id,
    modelSha256: r.model_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

export function getTemplate(c: CaseHandle, id: number): IdentifyTemplate {
  const r = c.db.prepare('SELECT * FROM identify_templates WHERE id = ?').get(id) as TemplateRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no identification template ${id} in this case`);
  return toTemplate(r);
}

export function templateEmbedding(c: CaseHandle, id: number): Float32Array {
  const r = c.db.prepare('SELECT embedding FROM identify_templates WHERE id = ?').get(id) as { embedding: Buffer } | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no identification template ${id} in this case`);
  return blobEmbedding(r.embedding);
}

/** The rule a template is made with; its hash keys the reuse of track templates. */
function ruleOf(kind: IdentifyTemplate['kind'], extra: Record<string, unknown> = {}): { rule: Record<string, unknown>; sha256: string } {
  const rule = { kind, ...TEMPLATE_RULE, recognizer: IDENTIFY_RECOGNIZER, ...extra };
  return { rule, sha256: sha256Hex(canonicalJson(kind === 'track' ? { ...TEMPLATE_RULE, recognizer: IDENTIFY_RECOGNIZER } : rule)) };
}

/** A stored track template for the current model and rule, if any. */
export function cachedTrackTemplate(c: CaseHandle, trackId: number): IdentifyTemplate | null {
  const { sha256 } = ruleOf('track');
  const r = c.db.prepare(`SELECT * FROM identify_templates WHERE track_id = ? AND kind = 'track' AND model_sha256 = ? AND rule_sha256 = ? ORDER BY id DESC LIMIT 1`).get(trackId, modelInUse().sha256, sha256) as TemplateRow | undefined;
  return r ? toTemplate(r) : null;
}

/** Refuse tracks that cannot be identified, with the reason. */
function checkTrack(c: CaseHandle, trackId: number): { evidence: Evidence; runId: number } {
  const { track, run } = getTrack(c, trackId);
  const e = getEvidence(c, run.evidenceId);
  const noEmb = c.db.prepare('SELECT count(*) AS n FROM face_detections WHERE run_id = ? AND length(embedding) = 0').get(run.id) as { n: number };
  if (track.embedding.length === 0 || noEmb.n > 0) {
    throw new SightlineError('INVALID_INPUT', `track ${track.ordinal} (id ${trackId}) comes from analysis run ${run.id}, which recorded no face embeddings; identification needs a run with embeddings: analyse evidence ${e.id} again`);
  }
  return { evidence: e, runId: run.id };
}

export interface TemplatePlan {
  readonly key: string;
  readonly trackId: number;
  readonly runId: number;
  readonly evidence: Evidence;
  readonly kind: 'track' | 'frames';
  readonly frames: TemplateFrame[];
}

/** Which frames a template of this track uses (all the track's own detections; `frames` must be among them). */
export function planTemplate(c: CaseHandle, trackId: number, frames?: readonly number[]): TemplatePlan {
  const { evidence, runId } = checkTrack(c, trackId);
  const dets = trackDetections(c, trackId);
  let picks: typeof dets;
  if (frames && frames.length) {
    const byFrame = new Map(dets.map((d) => [d.frame, d]));
    const missing = frames.filter((f) => !byFrame.has(f));
    if (missing.length) throw new SightlineError('INVALID_INPUT', `frame(s) ${missing.join(', ')} have no detection of track ${trackId} (its detections are on frames ${[...byFrame.keys()].sort((a, b) => a - b).slice(0, 20).join(', ')}${byFrame.size > 20 ? ', …' : ''})`);
    if (frames.length > 64) throw new SightlineError('INVALID_INPUT', 'a template takes at most 64 frames');
    picks = [...new Set(frames)].map((f) => byFrame.get(f)!);
  } else {
    const sel = selectBestSpread(dets.map((d) => ({ id: d.id, frame: d.frame, quality: d.quality })), TEMPLATE_RULE.maxFrames);
    const byId = new Map(dets.map((d) => [d.id, d]));
    picks = sel.picks.map((p) => byId.get(p.id)!);
  }
  picks.sort((a, b) => a.frame - b.frame);
  const tf: TemplateFrame[] = picks.map((d) => {
    const info = frameInfo(c, evidence.id, d.frame);
    const seekTo = evidence.kind === 'image' || d.frame === 0 || evidence.noTimestamps ? null : Math.max(0, info.ptsTime - evidence.startTime - 0.5);
    return { frame: d.frame, pts: info.pts ?? 0, ptsTime: info.ptsTime, md5: info.md5, seekTo, detectionId: d.id, box: { ...d.box } };
  });
  return { key: `t${trackId}`, trackId, runId, evidence, kind: frames && frames.length ? 'frames' : 'track', frames: tf };
}

function scratchDir(c: CaseHandle, jobId: number | null): string {
  return path.join(c.paths.incoming, String(process.pid), `identify-${jobId ?? 'direct'}-${Date.now()}`);
}

export interface ComputedTemplate {
  readonly plan: TemplatePlan;
  readonly result: TemplatesTaskResult['items'][number];
}

/** Run the worker task for several plans (grouped by evidence: each frame decoded once). */
export async function computeTemplates(c: CaseHandle, pool: WorkerPool, plans: readonly TemplatePlan[], opts: { signal?: AbortSignal; jobId: number | null; onProgress?: (p: { stage: string; current: number; total: number; unit?: string }) => void }): Promise<ComputedTemplate[]> {
  const byEvidence = new Map<number, TemplatePlan[]>();
  for (const p of plans) byEvidence.set(p.evidence.id, [...(byEvidence.get(p.evidence.id) ?? []), p]);
  const out: ComputedTemplate[] = [];
  let done = 0;
  const total = plans.length;
  for (const group of byEvidence.values()) {
    const e = group[0]!.evidence;
    const scratch = scratchDir(c, opts.jobId);
    // The stored file must still be the one imported (its SHA-256, cached by file identity); each frame's pixels
    // are then checked against the frame index by the worker.
    const file = await verifiedEvidenceFile(c, e, { ...(opts.signal ? { signal: opts.signal } : {}) });
    try {
      const res = await pool.run(
        'identify.templates',
        {
          file,
          frameWidth: e.width,
          frameHeight: e.height,
          decoder: e.decoder,
          conversion: e.rgbConversion,
          items: group.map((p) => ({ key: p.key, frames: p.frames })),
          recognizer: IDENTIFY_RECOGNIZER,
          upscale: TEMPLATE_RULE.upscale,
          margin: TEMPLATE_RULE.margin,
          derivedDir: c.paths.derived,
          scratchDir: scratch,
        },
        {
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (p) => {
            if (p.total > 0) opts.onProgress?.({ stage: 'templates', current: done + (p.current / p.total) * group.length, total, unit: 'tracks' });
          },
        },
      );
      for (const item of res.items) out.push({ plan: group.find((p) => p.key === item.key)!, result: item });
      done += group.length;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  return out;
}

/** Record a computed template (inside the caller's transaction). */
export function recordTemplate(c: CaseHandle, t: ComputedTemplate, jobId: number | null): IdentifyTemplate {
  const model = modelInUse();
  const { rule, sha256 } = ruleOf(t.plan.kind, t.plan.kind === 'frames' ? { frames: t.plan.frames.map((f) => f.frame) } : {});
  const frames: TemplateFrameRecord[] = t.result.frames.map((f) => {
    for (const [img, kind] of [
      [f.crop, 'identify-crop'],
      [f.chip, 'identify-chip'],
    ] as const) {
      recordImage(c, img, kind, t.plan.evidence.id, { frame: f.frame, detectionId: f.detectionId, origin: f.origin, recognizer: IDENTIFY_RECOGNIZER });
    }
    return {
      frame: f.frame,
      detectionId: f.detectionId,
      frameMd5: f.frameMd5,
      box: f.box,
      cropSha256: f.crop.sha256,
      chipSha256: f.chip.sha256,
      origin: f.origin,
      landmarks: f.landmarks,
      quality: f.quality.value,
      qualityDetail: f.quality,
      weight: f.weight,
    };
  });
  const id = Number(
    c.db
      .prepare(
        `INSERT INTO identify_templates (kind, track_id, run_id, evidence_id, enhancement_id, frames_json, rule_json, rule_sha256, face_width, quality, quality_json,
           recognizer, model_id, model_sha256, embedding, job_id, created_at, created_by)
         VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(t.plan.kind, t.plan.trackId, t.plan.runId, t.plan.evidence.id, canonicalJson(frames), canonicalJson(rule), sha256, t.result.faceWidth, t.result.quality.value, canonicalJson({ ...t.result.quality, frame: t.result.qualityFrame }), model.recognizer, model.id, model.sha256, embeddingBlob(t.result.embedding), jobId, new Date().toISOString(), c.examiner).lastInsertRowid,
  );
  return getTemplate(c, id);
}

/** What an enhancement's template needs: its output file and the landmarks its guard found on it. */
export function planEnhancementTemplate(c: CaseHandle, enhancementId: number): { file: string; landmarks5: Array<[number, number]>; enhancement: ReturnType<typeof getEnhancement> } {
  const e = getEnhancement(c, enhancementId);
  checkTrack(c, e.trackId);
  return { file: derivedPath(c, e.outputSha256), landmarks5: e.guard.landmarks, enhancement: e };
}

/** Record an enhancement's template: one image, weight 1; quality = the enhancement guard's quality. */
export function recordEnhancementTemplate(c: CaseHandle, enhancementId: number, embedding: Float32Array, chip: { sha256: string; width: number; height: number }, jobId: number | null): IdentifyTemplate {
  const e = getEnhancement(c, enhancementId);
  const { run } = getTrack(c, e.trackId);
  const model = modelInUse();
  recordImage(c, chip, 'identify-chip', e.evidenceId, { enhancementId, recognizer: IDENTIFY_RECOGNIZER });
  const { rule, sha256 } = ruleOf('enhancement', { enhancementId, tier: e.tier, mode: e.mode });
  const frames: TemplateFrameRecord[] = [
    { frame: e.referenceFrame, detectionId: null, frameMd5: null, box: null, cropSha256: e.outputSha256, chipSha256: chip.sha256, origin: null, landmarks: e.guard.landmarks, quality: e.guard.quality.value, qualityDetail: null, weight: 1 },
  ];
  // The band is the SOURCE face's width: an enhancement cannot add what the footage did not record.
  const faceWidth = e.guard.quality.measures.sourceFaceWidth;
  const id = Number(
    c.db
      .prepare(
        `INSERT INTO identify_templates (kind, track_id, run_id, evidence_id, enhancement_id, frames_json, rule_json, rule_sha256, face_width, quality, quality_json,
           recognizer, model_id, model_sha256, embedding, job_id, created_at, created_by)
         VALUES ('enhancement', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(e.trackId, run.id, e.evidenceId, enhancementId, canonicalJson(frames), canonicalJson(rule), sha256, faceWidth, e.guard.quality.value, canonicalJson({ from: `enhancement ${enhancementId}'s identity guard`, value: e.guard.quality.value }), model.recognizer, model.id, model.sha256, embeddingBlob(embedding), jobId, new Date().toISOString(), c.examiner).lastInsertRowid,
  );
  return getTemplate(c, id);
}
