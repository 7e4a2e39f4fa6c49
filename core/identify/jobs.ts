/**
 * The identification jobs (kinds in core/jobKinds.ts). Each runs its worker tasks in the process's pool and
 * writes its records and audit entries in the job's one commit, so a cancelled or failed job leaves nothing.
 *
 *  - `enrol`: one reference photo into the gallery (core/identify/gallery.ts).
 *  - `identify`: a track's template (or chosen frames', or an enhancement's) searched against the gallery.
 *  - `appearances`: a track searched against every other track of the case's analysed clips.
 *  - `watchlist`: every track of an analysis run searched against the gallery; alerts for those above the gate.
 */
import { z } from 'zod';
import { SightlineError } from '../../domain/errors';
import type { WorkerPool } from '../../workers/pool';
import { getRun } from '../analysis/results';
import type { AppJobs } from '../jobKinds';
import { parseJobParams, progressRelay, type JobContext, type JobHandler } from '../jobs';
import { sharedPool } from '../workerPool';
import { raiseAlerts, type WatchlistAlert } from './alerts';
import { recordAppearances, searchableTracks, type AppearanceSearch } from './appearances';
import { IDENTIFY_RECOGNIZER } from './common';
import { activeReferenceCount, commitEnrolment, prepareEnrolment, type EnrolResult } from './gallery';
import { recordIdentification, type Identification } from './identifications';
import {
  cachedTrackTemplate,
  computeTemplates,
  planEnhancementTemplate,
  planTemplate,
  recordEnhancementTemplate,
  recordTemplate,
  type IdentifyTemplate,
  type TemplatePlan,
} from './templates';

const Id = z.number().int().positive();

export const EnrolJobParams = z
  .object({
    path: z.string().min(1).max(4096),
    person: z.string().max(1000),
    note: z.string().max(5000).nullable().default(null),
    faceIndex: z.number().int().nonnegative().optional(),
  })
  .strict();

export const IdentifyJobParams = z
  .object({
    trackId: Id,
    frames: z.array(z.number().int().nonnegative()).min(1).max(64).optional(),
    enhancementId: Id.optional(),
    topK: z.number().int().min(1).max(100).default(10),
  })
  .strict()
  .refine((p) => !(p.frames && p.enhancementId), { message: 'give frames or an enhancement, not both' });

export const AppearancesJobParams = z.object({ trackId: Id }).strict();

export const WatchlistJobParams = z.object({ runId: Id, topK: z.number().int().min(1).max(100).default(5) }).strict();

export interface WatchlistResult {
  readonly runId: number;
  readonly tracks: number;
  readonly identifications: number[];
  readonly alerts: WatchlistAlert[];
  readonly skipped: string | null;
}

export interface IdentifyJobOptions {
  readonly pool?: () => WorkerPool;
}

export function enrolJob(opts: IdentifyJobOptions = {}): JobHandler<AppJobs['enrol']> {
  return {
    validate: (p) => parseJobParams(EnrolJobParams, p, 'enrol'),
    async run(ctx) {
      const pool = (opts.pool ?? sharedPool)();
      ctx.progress({ stage: 'enrol', current: 0, total: 2 });
      const prep = await prepareEnrolment(ctx.case, { path: ctx.params.path, person: ctx.params.person, note: ctx.params.note, ...(ctx.params.faceIndex !== undefined ? { faceIndex: ctx.params.faceIndex } : {}) }, pool, { signal: ctx.signal, onProgress: progressRelay(ctx) });
      ctx.progress({ stage: 'enrol', current: 1, total: 2 });
      await commitEnrolment(ctx.case, prep, { signal: ctx.signal, jobId: ctx.job.id, commit: (fn) => ctx.commit(fn) });
    },
  };
}

/** Templates for these tracks: the stored ones reused, the others computed (recorded by the caller's commit). */
async function trackTemplates(ctx: JobContext, pool: WorkerPool, trackIds: readonly number[]): Promise<{ cached: Map<number, IdentifyTemplate>; plans: TemplatePlan[]; computed: Awaited<ReturnType<typeof computeTemplates>> }> {
  const cached = new Map<number, IdentifyTemplate>();
  const plans: TemplatePlan[] = [];
  for (const id of trackIds) {
    const t = cachedTrackTemplate(ctx.case, id);
    if (t) cached.set(id, t);
    else plans.push(planTemplate(ctx.case, id));
  }
  const computed = plans.length ? await computeTemplates(ctx.case, pool, plans, { signal: ctx.signal, jobId: ctx.job.id, onProgress: progressRelay(ctx) }) : [];
  return { cached, plans, computed };
}

export function identifyJob(opts: IdentifyJobOptions = {}): JobHandler<AppJobs['identify']> {
  return {
    validate: (p) => parseJobParams(IdentifyJobParams, p, 'identify'),
    async run(ctx) {
      const c = ctx.case;
      const { trackId, frames, enhancementId, topK } = ctx.params;
      const pool = (opts.pool ?? sharedPool)();
      if (activeReferenceCount(c) === 0) throw new SightlineError('INVALID_INPUT', "the case's gallery has no active reference photos to search: enrol people first (sightline gallery add)");
      ctx.progress({ stage: 'templates', current: 0, total: 1, unit: 'tracks' });
      if (enhancementId !== undefined) {
        const plan = planEnhancementTemplate(c, enhancementId);
        if (plan.enhancement.trackId !== trackId) throw new SightlineError('INVALID_INPUT', `enhancement ${enhancementId} is of track ${plan.enhancement.trackId}, not ${trackId}`);
        const r = await pool.run('identify.image', { file: plan.file, landmarks5: plan.landmarks5, recognizer: IDENTIFY_RECOGNIZER, derivedDir: c.paths.derived }, { signal: ctx.signal });
        ctx.commit(() => {
          const t = recordEnhancementTemplate(c, enhancementId, r.embedding, r.chip, ctx.job.id);
          return recordIdentification(c, t.id, { topK, purpose: 'identify', jobId: ctx.job.id });
        });
        return;
      }
      if (frames) {
        const plan = planTemplate(c, trackId, frames);
        const [computed] = await computeTemplates(c, pool, [plan], { signal: ctx.signal, jobId: ctx.job.id, onProgress: progressRelay(ctx) });
        ctx.commit(() => recordIdentification(c, recordTemplate(c, computed!, ctx.job.id).id, { topK, purpose: 'identify', jobId: ctx.job.id }));
        return;
      }
      const { cached, computed } = await trackTemplates(ctx, pool, [trackId]);
      ctx.commit(() => {
        const t = cached.get(trackId) ?? recordTemplate(c, computed[0]!, ctx.job.id);
        return recordIdentification(c, t.id, { topK, purpose: 'identify', jobId: ctx.job.id });
      });
    },
  };
}

export function appearancesJob(opts: IdentifyJobOptions = {}): JobHandler<AppJobs['appearances']> {
  return {
    validate: (p) => parseJobParams(AppearancesJobParams, p, 'appearances'),
    async run(ctx) {
      const c = ctx.case;
      const pool = (opts.pool ?? sharedPool)();
      const all = searchableTracks(c);
      if (!all.some((t) => t.trackId === ctx.params.trackId)) {
        throw new SightlineError('INVALID_INPUT', `track ${ctx.params.trackId} is not in the newest analysis run of its clip; search from a track of the newest run`);
      }
      ctx.progress({ stage: 'templates', current: 0, total: all.length, unit: 'tracks' });
      const { cached, computed } = await trackTemplates(ctx, pool, all.map((t) => t.trackId));
      ctx.commit((): AppearanceSearch => {
        const ids = new Map(cached);
        for (const t of computed) ids.set(t.plan.trackId, recordTemplate(c, t, ctx.job.id));
        const query = ids.get(ctx.params.trackId)!;
        return recordAppearances(c, query.id, [...ids.entries()].map(([trackId, t]) => ({ trackId, templateId: t.id })), ctx.job.id);
      });
    },
  };
}

export function watchlistJob(opts: IdentifyJobOptions = {}): JobHandler<AppJobs['watchlist']> {
  return {
    validate: (p) => parseJobParams(WatchlistJobParams, p, 'watchlist'),
    async run(ctx) {
      const c = ctx.case;
      const run = getRun(c, ctx.params.runId);
      const trackIds = (c.db.prepare('SELECT id FROM face_tracks WHERE run_id = ? ORDER BY ordinal').all(run.id) as Array<{ id: number }>).map((r) => r.id);
      const skip = activeReferenceCount(c) === 0 ? 'the gallery has no active reference photos' : trackIds.length === 0 ? 'the run found no faces' : null;
      if (skip) {
        ctx.commit((): WatchlistResult => {
          c.audit.append({ action: 'watchlist.run', params: { runId: run.id, evidenceId: run.evidenceId, tracks: trackIds.length, alerts: 0, skipped: skip } });
          return { runId: run.id, tracks: trackIds.length, identifications: [], alerts: [], skipped: skip };
        });
        return;
      }
      const pool = (opts.pool ?? sharedPool)();
      ctx.progress({ stage: 'templates', current: 0, total: trackIds.length, unit: 'tracks' });
      const { cached, computed } = await trackTemplates(ctx, pool, trackIds);
      ctx.commit((): WatchlistResult => {
        const templates = new Map(cached);
        for (const t of computed) templates.set(t.plan.trackId, recordTemplate(c, t, ctx.job.id));
        const idents: Identification[] = [];
        const alerts: WatchlistAlert[] = [];
        for (const id of trackIds) {
          const ident = recordIdentification(c, templates.get(id)!.id, { topK: ctx.params.topK, purpose: 'watchlist', jobId: ctx.job.id });
          idents.push(ident);
          alerts.push(...raiseAlerts(c, run.id, ident, ctx.job.id));
        }
        c.audit.append({ action: 'watchlist.run', params: { runId: run.id, evidenceId: run.evidenceId, tracks: trackIds.length, identifications: idents.map((i) => i.id), alerts: alerts.map((a) => ({ alertId: a.id, trackId: a.trackId, personId: a.personId })) } });
        return { runId: run.id, tracks: trackIds.length, identifications: idents.map((i) => i.id), alerts, skipped: null };
      });
    },
  };
}

export type { EnrolResult };
