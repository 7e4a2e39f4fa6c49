/**
 * Enhancement records in the case database: frame selections (saved and audited when made), enhancements
 * (recorded inside the job's commit with their audit entry), replays, and the read side for the views and the
 * CLI. All three tables are immutable (triggers): a result is never edited, only added to.
 */
import fs from 'node:fs';
import { trackDetections, getTrack, type DetectionSummary } from '../analysis/results';
import type { CaseHandle } from '../case';
import { canonicalJson } from '../../domain/canonicalJson';
import { derivedPath, recordDerived } from '../derived';
import { SightlineError } from '../../domain/errors';
import { getEvidence, type Evidence } from '../evidence';
import type { GuardThresholds } from '../../domain/identity';
import { DEFAULT_SELECTION_RULE, referenceOf, selectBestSpread, type SelectionRule } from '../../domain/frameSelection';
import type { EnhanceSettings, Tier } from '../../domain/enhance';
import { SINGLE_FRAME_OPERATION, enhancementTitle, fusionFrameProblem, tierLabel } from '../../domain/enhance';
import { GUARD_BADGE, GUARD_PASS_MEANING, guardHeadline, guardOutcome, type GuardOutcome } from '../../domain/identity';
import type { ProcessingStep } from '../../domain/processingStep';
import type { ContributionRecord, EnhanceTaskParams, EnhanceTaskResult, InputCrop, RegistrationRecord } from '../../workers/enhance/task';

export interface ModelRef {
  readonly id: string;
  readonly name: string;
  readonly source: string;
  readonly sha256: string;
  /** What the model was used for in this enhancement. */
  readonly use: string;
}

// ───────────────────────────── frame selections ─────────────────────────────

export interface FrameSelection {
  readonly id: number;
  readonly trackId: number;
  readonly method: 'manual' | 'best';
  readonly requested: number | null;
  /** Frames in ascending order, and the detection each comes from. */
  readonly frames: number[];
  readonly detectionIds: number[];
  readonly referenceFrame: number;
  readonly rule: SelectionRule | ManualRule;
  readonly createdAt: string;
  readonly createdBy: string;
}

interface SelectionRow {
  id: number;
  track_id: number;
  method: 'manual' | 'best';
  requested: number | null;
  frames_json: string;
  detections_json: string;
  reference_frame: number;
  rule_json: string;
  created_at: string;
  created_by: string;
}

function toSelection(r: SelectionRow): FrameSelection {
  return {
    id: r.id,
    trackId: r.track_id,
    method: r.method,
    requested: r.requested,
    frames: JSON.parse(r.frames_json) as number[],
    detectionIds: JSON.parse(r.detections_json) as number[],
    referenceFrame: r.reference_frame,
    rule: JSON.parse(r.rule_json) as FrameSelection['rule'],
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/**
 * A hand-made selection. When the investigator started from "best N" and then changed it, the rule says so
 * (`from`), with the frames added and removed by hand.
 */
export interface ManualRule {
  readonly name: 'manual';
  readonly reference: 'highest quality';
  readonly from?: { readonly rule: SelectionRule; readonly requested: number; readonly added: number[]; readonly removed: number[] };
}

/**
 * What the investigator asked for: frames by hand; "best N" (the rule picks); or frames that started as "best
 * N" (`from.best`) — recorded as best when they are still exactly the rule's picks, as manual-from-best otherwise.
 */
export type SelectionRequest =
  | { readonly frames: readonly number[]; readonly from?: { readonly best: number } }
  | { readonly best: number };

/** The detections a request picks, without saving anything (the Track view's preview of "best N"). */
export interface SelectionPlan {
  readonly picks: DetectionSummary[];
  readonly reference: DetectionSummary;
  readonly rule: FrameSelection['rule'];
  readonly method: 'manual' | 'best';
  /** N of "best N" (null for a hand-made selection). */
  readonly requested: number | null;
}

export function planSelection(c: CaseHandle, trackId: number, req: SelectionRequest): SelectionPlan {
  const dets = trackDetections(c, trackId);
  if ('best' in req) {
    if (!Number.isInteger(req.best) || req.best < 1 || req.best > 64) throw new SightlineError('INVALID_INPUT', `best N must be a whole number from 1 to 64, got ${req.best}`);
    const sel = selectBestSpread(dets, req.best, DEFAULT_SELECTION_RULE);
    const byId = new Map(dets.map((d) => [d.id, d]));
    return { picks: sel.picks.map((p) => byId.get(p.id)!), reference: byId.get(sel.reference.id)!, rule: { ...DEFAULT_SELECTION_RULE, n: req.best }, method: 'best', requested: req.best };
  }
  const wanted = [...new Set(req.frames)].sort((a, b) => a - b);
  if (wanted.length === 0) throw new SightlineError('INVALID_INPUT', 'select at least one frame');
  if (wanted.length > 64) throw new SightlineError('INVALID_INPUT', `at most 64 frames can be fused, ${wanted.length} were selected`);
  const byFrame = new Map(dets.map((d) => [d.frame, d]));
  const missing = wanted.filter((f) => !byFrame.has(f));
  if (missing.length) {
    throw new SightlineError(
      'INVALID_INPUT',
      `track ${trackId} has no detection on frame(s) ${missing.join(', ')} (frames with a detection: ${dets.map((d) => d.frame).sort((a, b) => a - b).join(', ')})`,
    );
  }
  const picks = wanted.map((f) => byFrame.get(f)!);
  const ref = referenceOf(picks);
  let rule: ManualRule = { name: 'manual', reference: 'highest quality' };
  if (req.from) {
    const best = planSelection(c, trackId, { best: req.from.best });
    const ruleFrames = best.picks.map((p) => p.frame);
    const added = wanted.filter((f) => !ruleFrames.includes(f));
    const removed = ruleFrames.filter((f) => !wanted.includes(f));
    // Untouched: it IS the rule's selection, and is recorded as such.
    if (added.length === 0 && removed.length === 0) return { ...best, method: 'best', requested: req.from.best };
    rule = { ...rule, from: { rule: best.rule as SelectionRule, requested: req.from.best, added, removed } };
  }
  return { picks, reference: picks.find((p) => p.id === ref.id)!, rule, method: 'manual', requested: null };
}

/** Save a selection of frames of a track, audited as `enhance.selection`. */
export function saveSelection(c: CaseHandle, trackId: number, req: SelectionRequest): FrameSelection {
  const { run } = getTrack(c, trackId);
  const plan = planSelection(c, trackId, req);
  const method = plan.method;
  return c.db.transaction(() => {
    const id = Number(
      c.db
        .prepare(
          `INSERT INTO frame_selections (track_id, method, requested, frames_json, detections_json, reference_frame, rule_json, created_at, created_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          trackId,
          method,
          plan.requested,
          JSON.stringify(plan.picks.map((p) => p.frame)),
          JSON.stringify(plan.picks.map((p) => p.id)),
          plan.reference.frame,
          canonicalJson(plan.rule),
          new Date().toISOString(),
          c.examiner,
        ).lastInsertRowid,
    );
    const sel = getSelection(c, id);
    c.audit.append({
      action: 'enhance.selection',
      params: {
        selectionId: id,
        trackId,
        evidenceId: run.evidenceId,
        runId: run.id,
        method,
        requested: sel.requested,
        frames: sel.frames,
        detectionIds: sel.detectionIds,
        referenceFrame: sel.referenceFrame,
        rule: sel.rule,
        qualities: plan.picks.map((p) => p.quality),
      },
    });
    return sel;
  })();
}

/**
 * Save the selection an enhancement will use — after checking it can run: a fusion of fewer frames than its
 * minimum is refused here, before anything is recorded (unless a single-frame deconvolution was asked for).
 */
export function selectForEnhancement(c: CaseHandle, trackId: number, req: SelectionRequest, settings: EnhanceSettings): FrameSelection {
  const plan = planSelection(c, trackId, req);
  const problem = fusionFrameProblem(settings, plan.picks.length);
  if (problem) throw new SightlineError('INVALID_INPUT', problem);
  return saveSelection(c, trackId, req);
}

export function getSelection(c: CaseHandle, id: number): FrameSelection {
  const r = c.db.prepare('SELECT * FROM frame_selections WHERE id = ?').get(id) as SelectionRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no frame selection ${id} in this case`);
  return toSelection(r);
}

// ───────────────────────────── enhancements ─────────────────────────────

export interface GuardRecord {
  readonly verdict: 'pass' | 'fail';
  readonly reasons: string[];
  /** What a pass means (results since issue 14; older records read GUARD_PASS_MEANING too). */
  readonly meaning?: string;
  readonly sourceDetail?: EnhanceTaskResult['guard']['sourceDetail'];
  readonly similarity: number;
  readonly cosine: number;
  readonly quality: EnhanceTaskResult['guard']['quality'];
  readonly thresholds: GuardThresholds;
  readonly calibration: EnhanceTaskResult['guard']['calibration'];
  readonly weights: EnhanceTaskResult['guard']['weights'];
  readonly landmarks: Array<[number, number]>;
  readonly sourceChip: string;
  readonly enhancedChip: string;
}

export interface Enhancement {
  readonly id: number;
  readonly trackId: number;
  readonly evidenceId: number;
  readonly selectionId: number;
  readonly jobId: number | null;
  readonly mode: EnhanceSettings['mode'];
  readonly tier: Tier;
  /** The label the UI, CLI and report show beside the result. */
  readonly tierLabel: string;
  /** What was actually done, e.g. "fusion ×4 of 3 frames (5 rejected)" (domain/enhance.ts enhancementTitle). */
  readonly title: string;
  /** The guard's verdict in words: a drift check of the result against its source, never a validation of the face. */
  readonly guardText: { readonly outcome: GuardOutcome; readonly badge: string; readonly headline: string; readonly meaning: string };
  readonly scale: number;
  readonly referenceFrame: number;
  readonly frames: number[];
  readonly settings: EnhanceSettings;
  readonly inputs: InputCrop[];
  readonly registrations: RegistrationRecord[] | null;
  readonly contributions: ContributionRecord[] | null;
  readonly steps: ProcessingStep[];
  readonly models: ModelRef[];
  readonly runtime: Record<string, unknown>;
  readonly sourceSha256: string;
  readonly outputSha256: string;
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly acceptedFrames: number;
  readonly rejectedFrames: number;
  readonly guard: GuardRecord;
  readonly createdAt: string;
  readonly createdBy: string;
}

interface EnhancementRow {
  id: number;
  track_id: number;
  evidence_id: number;
  selection_id: number;
  job_id: number | null;
  mode: EnhanceSettings['mode'];
  tier: Tier;
  scale: number;
  reference_frame: number;
  frames_json: string;
  settings_json: string;
  task_json: string;
  inputs_json: string;
  registrations_json: string | null;
  contributions_json: string | null;
  steps_json: string;
  models_json: string;
  runtime_json: string;
  source_sha256: string;
  output_sha256: string;
  output_width: number;
  output_height: number;
  accepted_frames: number;
  rejected_frames: number;
  guard_verdict: 'pass' | 'fail';
  guard_quality: number;
  guard_similarity: number;
  guard_cosine: number;
  guard_json: string;
  created_at: string;
  created_by: string;
}

function toEnhancement(r: EnhancementRow): Enhancement {
  const steps = JSON.parse(r.steps_json) as ProcessingStep[];
  const settings = JSON.parse(r.settings_json) as EnhanceSettings;
  const guard = JSON.parse(r.guard_json) as GuardRecord;
  const frames = JSON.parse(r.frames_json) as number[];
  const single = steps.find((s) => s.operation === SINGLE_FRAME_OPERATION);
  const title = enhancementTitle({
    mode: r.mode,
    scale: r.scale,
    frames: frames.length,
    accepted: r.accepted_frames,
    rejected: r.rejected_frames,
    referenceFrame: r.reference_frame,
    singleFrame: single !== undefined,
    ...(single ? { registered: Number(single.params.registered), minFrames: Number(single.params.minFrames) } : {}),
  });
  return {
    id: r.id,
    trackId: r.track_id,
    evidenceId: r.evidence_id,
    selectionId: r.selection_id,
    jobId: r.job_id,
    mode: r.mode,
    tier: r.tier,
    tierLabel: tierLabel(r.tier),
    title,
    guardText: { outcome: guardOutcome(guard), badge: GUARD_BADGE[guardOutcome(guard)], headline: guardHeadline(guard), meaning: guard.meaning ?? GUARD_PASS_MEANING },
    scale: r.scale,
    referenceFrame: r.reference_frame,
    frames,
    settings,
    inputs: JSON.parse(r.inputs_json) as InputCrop[],
    registrations: r.registrations_json ? (JSON.parse(r.registrations_json) as RegistrationRecord[]) : null,
    contributions: r.contributions_json ? (JSON.parse(r.contributions_json) as ContributionRecord[]) : null,
    steps,
    models: JSON.parse(r.models_json) as ModelRef[],
    runtime: JSON.parse(r.runtime_json) as Record<string, unknown>,
    sourceSha256: r.source_sha256,
    outputSha256: r.output_sha256,
    outputWidth: r.output_width,
    outputHeight: r.output_height,
    acceptedFrames: r.accepted_frames,
    rejectedFrames: r.rejected_frames,
    guard,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** The task parameters an enhancement ran with (what `replay` sends again). */
export function enhancementTask(c: CaseHandle, id: number): Omit<EnhanceTaskParams, 'file' | 'derivedDir' | 'scratchDir'> {
  const r = c.db.prepare('SELECT task_json FROM enhancements WHERE id = ?').get(id) as { task_json: string } | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no enhancement ${id} in this case`);
  return JSON.parse(r.task_json) as Omit<EnhanceTaskParams, 'file' | 'derivedDir' | 'scratchDir'>;
}

export function getEnhancement(c: CaseHandle, id: number): Enhancement {
  const r = c.db.prepare('SELECT * FROM enhancements WHERE id = ?').get(id) as EnhancementRow | undefined;
  if (!r) throw new SightlineError('NOT_FOUND', `no enhancement ${id} in this case`);
  return toEnhancement(r);
}

export function listEnhancements(c: CaseHandle, filter: { trackId?: number; evidenceId?: number } = {}): Enhancement[] {
  const where: string[] = [];
  const args: number[] = [];
  if (filter.trackId !== undefined) {
    where.push('track_id = ?');
    args.push(filter.trackId);
  }
  if (filter.evidenceId !== undefined) {
    where.push('evidence_id = ?');
    args.push(filter.evidenceId);
  }
  const sql = `SELECT * FROM enhancements ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`;
  return (c.db.prepare(sql).all(...args) as EnhancementRow[]).map(toEnhancement);
}

/** Check what a worker returned before any of it is recorded: every file it names must be in the store. */
export function checkEnhanceResult(c: CaseHandle, r: EnhanceTaskResult): void {
  const files = [r.output.sha256, r.source.sha256, r.guard.sourceChip.sha256, r.guard.enhancedChip.sha256, ...r.inputs.map((i) => i.sha256), ...(r.contributions ?? []).map((m) => m.map.sha256)];
  for (const sha of files) {
    if (!fs.existsSync(derivedPath(c, sha))) throw new SightlineError('INTERNAL', `enhancement image ${sha} is missing from the derived store`);
  }
}

export interface RecordEnhancementInput {
  readonly trackId: number;
  readonly evidence: Evidence;
  readonly selection: FrameSelection;
  readonly jobId: number | null;
  readonly settings: EnhanceSettings;
  readonly task: Omit<EnhanceTaskParams, 'file' | 'derivedDir' | 'scratchDir'>;
  readonly models: ModelRef[];
  readonly runtime: Record<string, unknown>;
  readonly result: EnhanceTaskResult;
}

export interface RecordedEnhancement {
  readonly enhancementId: number;
  readonly title: string;
  readonly tier: Tier;
  readonly tierLabel: string;
  readonly outputSha256: string;
  readonly verdict: 'pass' | 'fail';
  readonly quality: number;
  readonly similarity: number;
}

/** Write an enhancement, its derived-file records and its audit entry. Call inside the job's commit. */
export function recordEnhancement(c: CaseHandle, input: RecordEnhancementInput): RecordedEnhancement {
  const { result: r, evidence: e } = input;
  const derived = (sha: string, w: number, h: number, kind: string, params: Record<string, unknown>): void =>
    recordDerived(c, { sha256: sha, path: derivedPath(c, sha), width: w, height: h }, { kind, evidenceId: e.id, params, width: w, height: h });
  for (const i of r.inputs) derived(i.sha256, i.width, i.height, 'enhance-input-crop', { frame: i.frame, origin: i.origin, frameMd5: i.frameMd5, detectionId: i.detectionId });
  derived(r.output.sha256, r.output.width, r.output.height, r.tier === 'evidential' ? 'enhanced-evidential' : 'enhanced-investigative', { mode: r.mode, scale: r.scale, referenceFrame: r.referenceFrame });
  for (const m of r.contributions ?? []) derived(m.map.sha256, m.map.width, m.map.height, 'contribution-map', { frame: m.frame });
  derived(r.guard.sourceChip.sha256, 150, 150, 'guard-chip', { of: 'source', referenceFrame: r.referenceFrame });
  derived(r.guard.enhancedChip.sha256, 150, 150, 'guard-chip', { of: 'enhanced' });
  const accepted = r.registrations ? r.registrations.filter((x) => x.accepted).length : 1;
  const rejected = r.registrations ? r.registrations.length - accepted : 0;
  const { sourceChip, enhancedChip, ...guardRest } = r.guard;
  const guard: GuardRecord = { ...guardRest, sourceChip: sourceChip.sha256, enhancedChip: enhancedChip.sha256 };
  const now = new Date().toISOString();
  const id = Number(
    c.db
      .prepare(
        `INSERT INTO enhancements (track_id, evidence_id, selection_id, job_id, mode, tier, scale, reference_frame, frames_json, settings_json, task_json,
           inputs_json, registrations_json, contributions_json, steps_json, models_json, runtime_json, source_sha256, output_sha256, output_width, output_height,
           accepted_frames, rejected_frames, guard_verdict, guard_quality, guard_similarity, guard_cosine, guard_json, created_at, created_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        input.trackId,
        e.id,
        input.selection.id,
        input.jobId,
        r.mode,
        r.tier,
        r.scale,
        r.referenceFrame,
        JSON.stringify(r.inputs.map((i) => i.frame)),
        canonicalJson(input.settings),
        canonicalJson(input.task),
        canonicalJson(r.inputs),
        r.registrations ? canonicalJson(r.registrations) : null,
        r.contributions ? canonicalJson(r.contributions) : null,
        canonicalJson(r.steps),
        canonicalJson(input.models),
        canonicalJson(input.runtime),
        r.source.sha256,
        r.output.sha256,
        r.output.width,
        r.output.height,
        accepted,
        rejected,
        r.guard.verdict,
        r.guard.quality.value,
        r.guard.similarity,
        r.guard.cosine,
        canonicalJson(guard),
        now,
        c.examiner,
      ).lastInsertRowid,
  );
  const rec = getEnhancement(c, id);
  c.audit.append({
    action: 'enhance.run',
    params: {
      enhancementId: id,
      title: rec.title,
      trackId: input.trackId,
      evidenceId: e.id,
      selectionId: input.selection.id,
      jobId: input.jobId,
      mode: r.mode,
      tier: r.tier,
      tierLabel: tierLabel(r.tier),
      scale: r.scale,
      frames: r.inputs.map((i) => i.frame),
      referenceFrame: r.referenceFrame,
      acceptedFrames: accepted,
      rejectedFrames: rejected,
      rejections: (r.registrations ?? []).filter((x) => !x.accepted).map((x) => ({ frame: x.frame, reasons: x.reasons, residualMad: x.residualMad })),
      settings: input.settings,
      steps: r.steps.map((s) => s.operation),
      guard: {
        verdict: r.guard.verdict,
        outcome: rec.guardText.outcome,
        says: rec.guardText.headline,
        reasons: r.guard.reasons,
        quality: r.guard.quality.value,
        similarity: r.guard.similarity,
        cosine: r.guard.cosine,
        thresholds: r.guard.thresholds,
        ...(r.guard.sourceDetail ? { sourceEffectiveFaceWidth: r.guard.sourceDetail.effectiveFaceWidth, sourceUpscaleFactor: r.guard.sourceDetail.factor } : {}),
      },
      models: input.models,
      runtime: input.runtime,
    },
    inputs: [
      { sha256: e.sha256, role: 'evidence', name: e.originalName },
      ...r.inputs.map((i) => ({ sha256: i.sha256, role: 'input-crop', name: `frame ${i.frame} (pixels MD5 ${i.frameMd5})` })),
      ...input.models.map((m) => ({ sha256: m.sha256, role: 'model', name: `${m.id} (${m.use})` })),
    ],
    outputs: [
      { sha256: r.output.sha256, role: r.tier === 'evidential' ? 'enhanced-evidential' : 'enhanced-investigative', name: `enhancement ${id}: ${rec.title} — ${tierLabel(r.tier)}` },
      ...(r.contributions ?? []).map((m) => ({ sha256: m.map.sha256, role: 'contribution-map', name: `frame ${m.frame}` })),
    ],
  });
  return { enhancementId: id, title: rec.title, tier: r.tier, tierLabel: tierLabel(r.tier), outputSha256: r.output.sha256, verdict: r.guard.verdict, quality: r.guard.quality.value, similarity: r.guard.similarity };
}

// ───────────────────────────── replays ─────────────────────────────

export interface ReplayRecord {
  readonly id: number;
  readonly enhancementId: number;
  readonly jobId: number | null;
  readonly outputSha256: string;
  readonly recordedSha256: string;
  readonly matches: boolean;
  /** Which recorded hashes/numbers were reproduced (inputs, contribution maps, guard numbers). */
  readonly details: ReplayDetails;
  readonly createdAt: string;
  readonly createdBy: string;
}

export interface ReplayDetails {
  readonly recordedOutput: string;
  readonly replayedOutput: string;
  readonly inputsMatch: boolean;
  readonly inputMismatches: Array<{ frame: number; recorded: string; replayed: string }>;
  readonly contributionsMatch: boolean;
  readonly guardMatches: boolean;
  readonly guard: { recorded: { quality: number; similarity: number; verdict: string }; replayed: { quality: number; similarity: number; verdict: string } };
  readonly runtime: Record<string, unknown>;
}

/** Compare a replayed task result with the recorded enhancement. */
export function compareReplay(rec: Enhancement, r: EnhanceTaskResult, runtime: Record<string, unknown>): ReplayDetails {
  const inputMismatches = rec.inputs
    .map((i, k) => ({ frame: i.frame, recorded: i.sha256, replayed: r.inputs[k]?.sha256 ?? '(missing)' }))
    .filter((m) => m.recorded !== m.replayed);
  const recMaps = (rec.contributions ?? []).map((m) => m.map.sha256).join(',');
  const newMaps = (r.contributions ?? []).map((m) => m.map.sha256).join(',');
  const guardMatches = rec.guard.quality.value === r.guard.quality.value && rec.guard.similarity === r.guard.similarity && rec.guard.verdict === r.guard.verdict;
  return {
    recordedOutput: rec.outputSha256,
    replayedOutput: r.output.sha256,
    inputsMatch: inputMismatches.length === 0 && rec.inputs.length === r.inputs.length,
    inputMismatches,
    contributionsMatch: recMaps === newMaps,
    guardMatches,
    guard: {
      recorded: { quality: rec.guard.quality.value, similarity: rec.guard.similarity, verdict: rec.guard.verdict },
      replayed: { quality: r.guard.quality.value, similarity: r.guard.similarity, verdict: r.guard.verdict },
    },
    runtime,
  };
}

interface ReplayRow {
  id: number;
  enhancement_id: number;
  job_id: number | null;
  output_sha256: string;
  matches: number;
  details_json: string;
  created_at: string;
  created_by: string;
}

function toReplay(r: ReplayRow, recorded: string): ReplayRecord {
  return {
    id: r.id,
    enhancementId: r.enhancement_id,
    jobId: r.job_id,
    outputSha256: r.output_sha256,
    recordedSha256: recorded,
    matches: r.matches === 1,
    details: JSON.parse(r.details_json) as ReplayDetails,
    createdAt: r.created_at,
    createdBy: r.created_by,
  };
}

/** Record a replay and its audit entry (inside the replay job's commit). */
export function recordReplay(c: CaseHandle, rec: Enhancement, jobId: number | null, details: ReplayDetails): ReplayRecord {
  const matches = details.replayedOutput === rec.outputSha256;
  const id = Number(
    c.db
      .prepare('INSERT INTO enhancement_replays (enhancement_id, job_id, output_sha256, matches, details_json, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(rec.id, jobId, details.replayedOutput, matches ? 1 : 0, canonicalJson(details), new Date().toISOString(), c.examiner).lastInsertRowid,
  );
  const e = getEvidence(c, rec.evidenceId);
  c.audit.append({
    action: 'enhance.replay',
    params: {
      replayId: id,
      enhancementId: rec.id,
      jobId,
      matches,
      recordedOutput: rec.outputSha256,
      replayedOutput: details.replayedOutput,
      inputsMatch: details.inputsMatch,
      contributionsMatch: details.contributionsMatch,
      guardMatches: details.guardMatches,
      runtime: details.runtime,
    },
    inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }, ...rec.models.map((m) => ({ sha256: m.sha256, role: 'model', name: m.id }))],
    outputs: [{ sha256: details.replayedOutput, role: 'replayed-output', name: `replay of enhancement ${rec.id}: ${matches ? 'identical' : 'DIFFERENT'}` }],
  });
  return listReplays(c, rec.id)[0]!;
}

export function listReplays(c: CaseHandle, enhancementId: number): ReplayRecord[] {
  const rec = getEnhancement(c, enhancementId);
  return (c.db.prepare('SELECT * FROM enhancement_replays WHERE enhancement_id = ? ORDER BY id DESC').all(enhancementId) as ReplayRow[]).map((r) => toReplay(r, rec.outputSha256));
}

