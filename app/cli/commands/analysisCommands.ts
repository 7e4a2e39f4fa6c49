/**
 * `sightline analyze` (run the analysis job in this process's job queue and worker pool, with a progress bar;
 * Ctrl-C cancels it cleanly) and `sightline tracks` (the face tracks of the newest or a given run, best frames
 * first). `sightline jobs` is in jobCommands.ts.
 */
import type { Command } from '../command';
import { listTracks, type AnalysisRun, type TrackRelationRecord, type TrackSummary } from '../../../core/analysis/results';
import { configureSharedPool } from '../../../core/workerPool';
import { SightlineError } from '../../../domain/errors';
import { term } from '../../../platform/terminalText';
import { findEvidence } from '../../../core/evidence';
import { fmtSeconds, runJobInProcess, str, withCase } from './shared';
import { describeFfmpeg } from '../../../platform/tools';
import { trackNames } from '../../../core/tracks/names';
import { trackTitle, trackWords } from '../../../domain/tracks';
import { describeAlerts, runFollowUps } from './identifyCommands';

function intOption(values: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const raw = str(values as Parameters<typeof str>[0], key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new SightlineError('INVALID_INPUT', `--${key} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

function describeTrack(t: TrackSummary, name: string | null = null): string {
  const best = t.best.map((d) => `${d.frame} (q ${d.quality.toFixed(2)})`).join(', ');
  const face = t.faceScore === null ? '' : `  face ${(t.faceScore * 100).toFixed(0)}%${t.likelyFace ? '' : ' — DOUBTFUL (may not be a face)'}`;
  const shot = t.shot === null ? '' : `  shot ${t.shot + 1}`;
  return `  ${trackTitle({ ordinal: t.ordinal, name }).padEnd(10)}  id ${t.id}  frames ${t.firstFrame}–${t.lastFrame}${shot}: ${trackWords(t)} (max ${t.maxWidth.toFixed(0)} px)${face}  best: ${best}`;
}

const RELATION_WORDS: Record<TrackRelationRecord['kind'], string> = {
  'identity-split': 'split from',
  'cut-split': 'not continued across the cut from',
  'same-person': 'same person as',
};

function describeRelation(r: TrackRelationRecord): string {
  return `  track ${r.to} (frame ${r.frame}) ${RELATION_WORDS[r.kind]} track ${r.from}: cosine ${r.similarity.toFixed(3)}`;
}

function describeRun(r: AnalysisRun): string {
  const cuts = typeof r.stats.cuts === 'number' ? r.stats.cuts : null;
  // Runs recorded since issue 14 name the ffmpeg that decoded their frames (stats.worker.ffmpeg).
  const tool = (r.stats as { worker?: { ffmpeg?: { version: string; source: string; path: string } } } | undefined)?.worker?.ffmpeg;
  return [
    term`run ${r.id}${r.supersedes ? ` (supersedes run ${r.supersedes})` : ''}, ${r.createdAt}: ${r.framesAnalysed} frames analysed (step ${r.step}), ${r.detectionCount} faces in ${r.trackCount} track(s)${cuts !== null ? `, ${cuts} shot cut(s)` : ''}`,
    ...(r.nearThreshold ? [`  ⚠ ${r.nearThreshold} face candidate(s) seen below the threshold (face probability ${r.settings.detector.nearScore}–${r.settings.detector.minScore}): re-analyse with --min-score ${r.settings.detector.nearScore} to keep them`] : []),
    `  results sha256 ${r.resultsSha256}`,
    ...(tool ? [`  decoded by ${describeFfmpeg(tool)}`] : []),
  ].join('\n');
}

export const analyzeCmd: Command = {
  path: ['analyze'],
  summary: 'find, track and rank the faces of a clip in worker processes (audited; Ctrl-C cancels)',
  usage: 'analyze DIR EVIDENCE_ID [--step K] [--min-score S] [--exhaustive] [--workers N]',
  positionals: [2, 2],
  options: { step: { type: 'string' }, 'min-score': { type: 'string' }, exhaustive: { type: 'boolean' }, workers: { type: 'string' } },
  async run([dir, ref], values, ctx) {
    const step = intOption(values, 'step', 1, 10000);
    const workers = intOption(values, 'workers', 1, 16);
    if (workers) configureSharedPool({ size: workers });
    const minRaw = str(values, 'min-score');
    const minScore = minRaw === undefined ? undefined : Number(minRaw);
    if (minScore !== undefined && !(minScore >= 0.05 && minScore <= 0.99)) throw new SightlineError('INVALID_INPUT', `--min-score must be between 0.05 and 0.99, got ${JSON.stringify(minRaw)}`);
    return withCase(dir!, values, async (c) => {
      const e = findEvidence(c, ref!);
      const settings = {
        ...(step ? { step } : {}),
        detector: { ...(minScore !== undefined ? { minScore, nearScore: Math.min(minScore, 0.15) } : {}) },
        // Exhaustive: search the whole of every analysed frame (no motion gating).
        ...(values.exhaustive === true ? { gating: { enabled: false } } : {}),
      };
      const t0 = performance.now();
      const done = await runJobInProcess(c, ctx, 'analyze', { evidenceId: e.id, settings });
      const seconds = (performance.now() - t0) / 1000;
      const rec = done.result;
      // Follow-up jobs (core/followUps.ts): the watchlist comparison of the new tracks with the gallery.
      const alerts = await runFollowUps(c, ctx, done);
      const { run, tracks, relations, cuts } = listTracks(c, e.id, { runId: rec.runId, best: 3 });
      ctx.print({ ok: true, job: done, run, tracks, relations, cuts, nearThreshold: { count: rec.nearThreshold, examples: rec.nearExamples }, seconds, alerts }, () =>
        [
          term`analysed #${e.id} ${e.originalName}: ${rec.framesAnalysed} frames in ${fmtSeconds(seconds)} (${(rec.framesAnalysed / seconds).toFixed(2)} frames/s)`,
          describeRun(run!),
          ...(cuts.length ? [`  shot cuts before frame(s) ${cuts.map((x) => x.frame).join(', ')}`] : []),
          ...tracks.map((t) => describeTrack(t)),
          ...relations.map(describeRelation),
          ...(rec.nearThreshold && tracks.length === 0 ? ['  no face reached the threshold, but some came close: see the warning above'] : []),
          ...(alerts.length ? [describeAlerts(alerts)] : []),
        ].join('\n'),
      );
    }, { ctx });
  },
};

export const tracksCmd: Command = {
  path: ['tracks'],
  summary: 'face tracks of the newest (or a given) analysis run: frame ranges, face sizes, best frames first',
  usage: 'tracks DIR EVIDENCE_ID [--run N] [--best K]',
  positionals: [2, 2],
  options: { run: { type: 'string' }, best: { type: 'string' } },
  async run([dir, ref], values, ctx) {
    const runId = intOption(values, 'run', 1, Number.MAX_SAFE_INTEGER);
    const best = intOption(values, 'best', 1, 1000) ?? 5;
    await withCase(dir!, values, (c) => {
      const e = findEvidence(c, ref!);
      const { run, tracks, relations, cuts } = listTracks(c, e.id, { ...(runId ? { runId } : {}), best });
      const names = trackNames(c, tracks.map((t) => t.id));
      ctx.print({ ok: true, evidenceId: e.id, run, tracks: tracks.map((t) => ({ ...t, name: names.get(t.id) ?? null })), relations, cuts }, () =>
        run
          ? [
              `${term`#${e.id} ${e.originalName}`}: ${describeRun(run)}`,
              ...(cuts.length ? [`  shot cuts before frame(s) ${cuts.map((x) => x.frame).join(', ')}`] : []),
              ...tracks.map((t) => describeTrack(t, names.get(t.id) ?? null)),
              ...relations.map(describeRelation),
            ].join('\n')
          : term`#${e.id} ${e.originalName} has not been analysed (sightline analyze DIR ${e.id})`,
      );
    }, { readonly: true });
  },
};
