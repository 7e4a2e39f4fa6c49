import { resolveEnhanceSettings } from '../../domain/enhance';
import { getGuardSettings, setGuardThresholds } from '../../core/enhance/guardSettings';
import { getEnhancement, listEnhancements, listReplays, planSelection, selectForEnhancement, type Enhancement } from '../../core/enhance/records';
import type { CaseHandle } from '../../core/case';
import type { EnhancementView, enhanceChannels } from '../contract/enhance';
import { derivedRef, type FeatureHandlers, type ServiceContext } from './context';
import { getTrack } from '../../core/analysis/results';
import { trackName } from '../../core/tracks/names';

export function enhancementView(c: CaseHandle, e: Enhancement): EnhancementView {
  return {
    ...e,
    media: {
      output: derivedRef(e.outputSha256),
      source: derivedRef(e.sourceSha256),
      sourceChip: derivedRef(e.guard.sourceChip),
      enhancedChip: derivedRef(e.guard.enhancedChip),
      inputs: e.inputs.map((x) => ({ frame: x.frame, media: derivedRef(x.sha256) })),
      contributions: (e.contributions ?? []).map((x) => ({ frame: x.frame, media: derivedRef(x.map.sha256) })),
    },
    replays: listReplays(c, e.id),
    track: { ordinal: getTrack(c, e.trackId).track.ordinal, name: trackName(c, e.trackId) },
  };
}

export function enhanceHandlers(s: ServiceContext): FeatureHandlers<keyof typeof enhanceChannels> {
  return {
    'enhance:suggest': (i) => {
      const p = planSelection(s.requireCase().handle, i.trackId, { best: i.best });
      return { frames: p.picks.map((d) => d.frame), referenceFrame: p.reference.frame, rule: p.rule };
    },
    'enhance:start': (i) => {
      const { handle, jobs } = s.requireCase();
      const settings = resolveEnhanceSettings({ mode: i.mode, ...(i.scale ? { scale: i.scale } : {}), ...(i.singleFrame ? { fusion: { belowMinimum: 'single-frame' } } : {}) });
      const request = i.frames ? { frames: i.frames, ...(i.rule ? { from: { best: i.rule.n } } : {}) } : { best: i.best! };
      const selection = selectForEnhancement(handle, i.trackId, request, settings);
      return { selection, job: jobs.enqueue('enhance', { trackId: i.trackId, selectionId: selection.id, settings }) };
    },
    'enhance:list': (i) => {
      const c = s.requireCase().handle;
      return listEnhancements(c, { ...(i.trackId ? { trackId: i.trackId } : {}), ...(i.evidenceId ? { evidenceId: i.evidenceId } : {}) }).map((e) => enhancementView(c, e));
    },
    'enhance:get': (i) => {
      const c = s.requireCase().handle;
      return enhancementView(c, getEnhancement(c, i.enhancementId));
    },
    'enhance:replay': (i) => {
      const { handle, jobs } = s.requireCase();
      getEnhancement(handle, i.enhancementId);
      return jobs.enqueue('replay', { enhancementId: i.enhancementId });
    },
    'guard:get': () => getGuardSettings(s.requireCase().handle),
    'guard:set': (i) =>
      setGuardThresholds(
        s.requireCase().handle,
        { ...(i.minQuality !== undefined ? { minQuality: i.minQuality } : {}), ...(i.minSimilarity !== undefined ? { minSimilarity: i.minSimilarity } : {}) },
        i.reason,
      ),
  };
}
