/**
 * `sightline enhance` (select frames of a track and run the enhance job in this process's queue and worker pool,
 * with a progress bar; Ctrl-C cancels), `sightline replay` (re-run a recorded enhancement from the originals and
 * say whether the output hash matches), `sightline enhancements` (list results with their tier and guard
 * verdict) and `sightline guard` (show or change the case's guard thresholds; audited).
 *
 * Every result is printed with its tier label; investigative results always carry "AI-restored — investigative
 * lead, not evidence", and a failing guard verdict is printed as a warning, never omitted.
 */
import type { Command } from '../command';
import { getGuardSettings, setGuardThresholds } from '../../../core/enhance/guardSettings';
import { getEnhancement, listEnhancements, selectForEnhancement, type Enhancement } from '../../../core/enhance/records';
import { describeFfmpeg } from '../../../platform/tools';
import { GUARD_PASS_MEANING } from '../../../domain/identity';
import { nameTrack, trackName } from '../../../core/tracks/names';
import { trackTitle } from '../../../domain/tracks';
import { getTrack } from '../../../core/analysis/results';
import { SightlineError } from '../../../domain/errors';
import { term } from '../../../platform/terminalText';
import type { CaseHandle } from '../../../core/case';
import { ENHANCE_MODES, resolveEnhanceSettings, type EnhanceMode } from '../../../domain/enhance';
import { fmtSeconds, fraction, positiveInt, resolveTrack, runJobInProcess, str, withCase } from './shared';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

function trackOf(c: CaseHandle, trackId: number): { ordinal: number; name: string | null } {
  return { ordinal: getTrack(c, trackId).track.ordinal, name: trackName(c, trackId) };
}

/** The lines every view of a result shows: what was done, tier label, the guard in words (a warning when it fails), numbers. */
export function describeEnhancement(e: Enhancement, detail = false, track?: { ordinal: number; name: string | null }): string {
  const g = e.guard;
  const t = e.guardText;
  const verdict =
    t.outcome === 'no-drift'
      ? term`guard: ${t.headline} (cosine ${g.cosine.toFixed(4)})`
      : term`⚠ guard: ${t.headline} (cosine ${g.cosine.toFixed(4)}). Shown for the record: NOT a reliable image of the face.`;
  const tool = (e.runtime.ffmpeg as { version: string; source: string; path: string } | undefined) ?? null;
  const lines = [
    term`enhancement ${e.id}  ${track ? `${trackTitle(track)}, id ${e.trackId}` : `track ${e.trackId}`}  evidence #${e.evidenceId}  ${e.title}  ${e.outputWidth}×${e.outputHeight}  ${e.createdAt} by ${e.createdBy}`,
    term`  ${e.tier === 'evidential' ? 'EVIDENTIAL' : 'INVESTIGATIVE'}: ${e.tierLabel}`,
    `  frames ${e.frames.join(', ')} (reference ${e.referenceFrame}); ${e.acceptedFrames} fused, ${e.rejectedFrames} rejected`,
    `  ${verdict}`,
    `  output sha256 ${e.outputSha256}`,
  ];
  if (detail) {
    const q = g.quality.components;
    lines.push(`  what a pass means: ${t.meaning}`);
    lines.push(
      `  quality components: resolution ${q.resolution.toFixed(3)}, sharpness ${q.sharpness.toFixed(3)}, noise ${q.noise.toFixed(3)}, blockiness ${q.blockiness.toFixed(3)}, stability ${q.stability.toFixed(3)}`,
    );
    if (g.sourceDetail) {
      lines.push(
        `  source detail: face ${g.sourceDetail.faceWidth.toFixed(0)} px wide, ~${g.sourceDetail.effectiveFaceWidth.toFixed(0)} px of real detail (footage upscaled ×${g.sourceDetail.factor} by the round-trip estimate)`,
      );
    }
    for (const r of e.registrations ?? []) {
      if (!r.accepted) lines.push(term`  rejected frame ${r.frame}: ${r.reasons.map((x) => x.detail).join('; ')} (residual ${r.residualMad.toFixed(4)})`);
    }
    lines.push('  steps:', ...e.steps.map((s, i) => term`    ${i + 1}. ${s.operation} — ${s.method}`));
    lines.push('  models:', ...e.models.map((m) => term`    ${m.id} ${m.sha256} (${m.use})`));
    lines.push(`  decoded by ${tool ? describeFfmpeg(tool) : 'ffmpeg (not recorded: made before Sightline recorded it)'}`);
  }
  return lines.join('\n');
}

export const enhanceCmd: Command = {
  path: ['enhance'],
  summary: 'enhance the face of a track: fusion (evidential) or restoration (investigative), with the identity guard (audited)',
  usage: `enhance DIR --track ID|EVIDENCE/N [--frames 3,7,12 | --best N] --mode ${ENHANCE_MODES.join('|')} [--scale 2|4] [--single-frame]`,
  positionals: [1, 1],
  options: {
    track: { type: 'string' },
    frames: { type: 'string' },
    best: { type: 'string' },
    mode: { type: 'string' },
    scale: { type: 'string' },
    'single-frame': { type: 'boolean' },
  },
  async run([dir], values: Values, ctx) {
    const trackRaw = str(values, 'track');
    if (trackRaw === undefined) throw new SightlineError('INVALID_INPUT', '--track is required: a track id (`sightline tracks DIR EVIDENCE --json`), or EVIDENCE/N for track N of an evidence item');
    const mode = str(values, 'mode');
    if (!mode || !(ENHANCE_MODES as readonly string[]).includes(mode)) throw new SightlineError('INVALID_INPUT', `--mode must be one of ${ENHANCE_MODES.join(', ')}`);
    const scaleRaw = str(values, 'scale') ?? '4';
    if (scaleRaw !== '2' && scaleRaw !== '4') throw new SightlineError('INVALID_INPUT', `--scale must be 2 or 4, got ${JSON.stringify(scaleRaw)}`);
    const framesRaw = str(values, 'frames');
    const bestRaw = str(values, 'best');
    if (framesRaw !== undefined && bestRaw !== undefined) throw new SightlineError('INVALID_INPUT', 'give --frames or --best, not both');
    let request: { frames: number[] } | { best: number };
    if (framesRaw !== undefined) {
      const parts = framesRaw.split(',').map((s) => s.trim()).filter(Boolean);
      if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p))) throw new SightlineError('INVALID_INPUT', `--frames must be frame numbers separated by commas, got ${JSON.stringify(framesRaw)}`);
      request = { frames: parts.map(Number) };
    } else {
      request = { best: positiveInt(bestRaw, '--best', 64) ?? 16 };
    }
    const singleFrame = values['single-frame'] === true;
    if (singleFrame && mode !== 'fusion') throw new SightlineError('INVALID_INPUT', '--single-frame applies to --mode fusion only (Restore already works on one frame)');
    const settings = resolveEnhanceSettings({ mode: mode as EnhanceMode, scale: Number(scaleRaw), ...(singleFrame ? { fusion: { belowMinimum: 'single-frame' } } : {}) });
    return withCase(dir!, values, async (c) => {
      const trackId = resolveTrack(c, trackRaw);
      const t0 = performance.now();
      const selection = selectForEnhancement(c, trackId, request, settings);
      const done = await runJobInProcess(c, ctx, 'enhance', { trackId, selectionId: selection.id, settings });
      const rec = done.result;
      const e = getEnhancement(c, rec.enhancementId);
      const seconds = (performance.now() - t0) / 1000;
      ctx.print({ ok: true, job: done, selection, enhancement: e, seconds }, () => `${describeEnhancement(e, true, trackOf(c, e.trackId))}\n  done in ${fmtSeconds(seconds)}`);
      return undefined;
    }, { ctx });
  },
};

export const replayCmd: Command = {
  path: ['replay'],
  summary: 're-run a recorded enhancement from the original evidence and report whether the output hash matches (audited)',
  usage: 'replay DIR ENHANCEMENT_ID',
  positionals: [2, 2],
  async run([dir, idRaw], values: Values, ctx) {
    const id = positiveInt(idRaw, 'ENHANCEMENT_ID')!;
    return withCase(dir!, values, async (c) => {
      const rec = getEnhancement(c, id);
      const done = await runJobInProcess(c, ctx, 'replay', { enhancementId: id });
      const r = done.result;
      ctx.print({ ok: r.matches, replay: r, enhancement: { id: rec.id, title: rec.title, tier: rec.tier, tierLabel: rec.tierLabel } }, () =>
        [
          term`replay of enhancement ${id} (${rec.title}, ${rec.tierLabel}):`,
          `  recorded output ${r.recordedSha256}`,
          `  replayed output ${r.outputSha256}`,
          r.matches ? '  MATCH: the output was reproduced bit for bit from the original evidence' : '  MISMATCH: the replay produced a different output',
          `  input crops ${r.details.inputsMatch ? 'identical' : `DIFFER (${r.details.inputMismatches.map((m) => `frame ${m.frame}`).join(', ')})`}; contribution maps ${r.details.contributionsMatch ? 'identical' : 'DIFFER'}; guard numbers ${r.details.guardMatches ? 'identical' : 'DIFFER'}`,
          `  decoded by ${r.details.runtime.ffmpeg ? describeFfmpeg(r.details.runtime.ffmpeg as { version: string; source: string; path: string }) : 'ffmpeg (not recorded)'}`,
        ].join('\n'),
      );
      return r.matches ? 0 : 1;
    }, { ctx });
  },
};

export const enhancementsCmd: Command = {
  path: ['enhancements'],
  summary: 'list the enhancements of a case (or of one track): tier, guard verdict, output hash',
  usage: 'enhancements DIR [--track ID] [--id N]',
  positionals: [1, 1],
  options: { track: { type: 'string' }, id: { type: 'string' } },
  async run([dir], values: Values, ctx) {
    const trackId = positiveInt(str(values, 'track'), '--track');
    const id = positiveInt(str(values, 'id'), '--id');
    await withCase(dir!, values, (c) => {
      const list = id !== undefined ? [getEnhancement(c, id)] : listEnhancements(c, trackId !== undefined ? { trackId } : {});
      ctx.print({ ok: true, enhancements: list }, () => (list.length === 0 ? 'No enhancements yet.' : list.map((e) => describeEnhancement(e, id !== undefined, trackOf(c, e.trackId))).join('\n\n')));
    }, { readonly: true });
  },
};

export const trackNameCmd: Command = {
  path: ['track', 'name'],
  summary: 'name a face track ("suspect 1"; an empty name clears it); shown wherever the track appears (audited)',
  usage: 'track name DIR --track ID|EVIDENCE/N NAME',
  positionals: [2, 2],
  options: { track: { type: 'string' } },
  async run([dir, name], values: Values, ctx) {
    const trackRaw = str(values, 'track');
    if (trackRaw === undefined) throw new SightlineError('INVALID_INPUT', '--track is required: a track id, or EVIDENCE/N for track N of an evidence item');
    await withCase(dir!, values, (c) => {
      const change = nameTrack(c, resolveTrack(c, trackRaw), name!);
      ctx.print({ ok: true, ...change }, () =>
        change.name === change.previous
          ? term`track ${change.trackId} is already ${change.name ? `named "${change.name}"` : 'unnamed'}; nothing changed`
          : term`track ${change.trackId}: ${change.name ? `named "${change.name}"` : 'name cleared'}${change.previous ? ` (was "${change.previous}")` : ''} (audited as track.name)`,
      );
    });
  },
};

export const guardCmd: Command = {
  path: ['guard'],
  summary: "show or change the case's identity-guard thresholds (quality and identity similarity; changes are audited)",
  usage: 'guard DIR [--min-quality Q] [--min-similarity S] [--reason TEXT]',
  positionals: [1, 1],
  options: { 'min-quality': { type: 'string' }, 'min-similarity': { type: 'string' }, reason: { type: 'string' } },
  async run([dir], values: Values, ctx) {
    const minQuality = fraction(str(values, 'min-quality'), '--min-quality');
    const minSimilarity = fraction(str(values, 'min-similarity'), '--min-similarity');
    await withCase(dir!, values, (c) => {
      const changed = minQuality !== undefined || minSimilarity !== undefined;
      const s = changed
        ? setGuardThresholds(c, { ...(minQuality !== undefined ? { minQuality } : {}), ...(minSimilarity !== undefined ? { minSimilarity } : {}) }, str(values, 'reason'))
        : getGuardSettings(c);
      ctx.print({ ok: true, guard: s, changed }, () =>
        term`identity guard: pass when quality > ${s.minQuality} and identity similarity > ${s.minSimilarity}${s.updatedAt ? ` (set ${s.updatedAt} by ${s.updatedBy})` : ' (defaults)'}${changed ? '\n  changed (audited as settings.guard)' : ''}\n  ${GUARD_PASS_MEANING}`,
      );
    }, { ctx, readonly: minQuality === undefined && minSimilarity === undefined });
  },
};
