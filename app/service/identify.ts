import type { CaseHandle } from '../../core/case';
import { getAlert, listAlerts, reviewAlert, unreviewedAlertCount, type WatchlistAlert } from '../../core/identify/alerts';
import { latestAppearanceSearch, type AppearanceSearch } from '../../core/identify/appearances';
import { getGateSettings, setGate } from '../../core/identify/common';
import { listConclusions, recordConclusion } from '../../core/identify/conclusions';
import { getReference } from '../../core/identify/gallery';
import { getIdentification, listIdentifications, type Identification } from '../../core/identify/identifications';
import { cachedTrackTemplate } from '../../core/identify/templates';
import { getEvidence } from '../../core/evidence';
import type { AlertView, AppearanceSearchView, IdentificationView, identifyChannels } from '../contract/identify';
import { derivedRef, type FeatureHandlers, type ServiceContext } from './context';

export function identificationView(c: CaseHandle, i: Identification): IdentificationView {
  return {
    ...i,
    originalName: getEvidence(c, i.template.evidenceId).originalName,
    frames: i.template.frames.map((f) => ({ ...f, media: { crop: derivedRef(f.cropSha256), chip: derivedRef(f.chipSha256) } })),
    candidates: i.candidates.map((cand) => {
      const r = getReference(c, cand.referenceId);
      return { ...cand, media: { thumb: derivedRef(r.thumbSha256), chip: derivedRef(r.chipSha256), photo: derivedRef(r.imageSha256) } };
    }),
  };
}

function bestCrop(c: CaseHandle, trackId: number): string | null {
  const t = cachedTrackTemplate(c, trackId);
  if (!t || t.frames.length === 0) return null;
  const best = t.frames.reduce((a, b) => (b.weight > a.weight ? b : a));
  return derivedRef(best.cropSha256);
}

export function appearanceView(c: CaseHandle, a: AppearanceSearch): AppearanceSearchView {
  return { ...a, results: a.results.map((r) => ({ ...r, media: { crop: bestCrop(c, r.trackId) } })) };
}

export function alertView(c: CaseHandle, a: WatchlistAlert): AlertView {
  return { ...a, media: { thumb: derivedRef(getReference(c, a.candidate.referenceId).thumbSha256), crop: bestCrop(c, a.trackId) } };
}

export function identifyHandlers(s: ServiceContext): FeatureHandlers<keyof typeof identifyChannels> {
  return {
    'identify:start': (i) =>
      s.requireCase().jobs.enqueue('identify', {
        trackId: i.trackId,
        ...(i.frames ? { frames: i.frames } : {}),
        ...(i.enhancementId ? { enhancementId: i.enhancementId } : {}),
        ...(i.topK ? { topK: i.topK } : {}),
      }),
    'identify:list': (i) => {
      const c = s.requireCase().handle;
      return listIdentifications(c, { trackId: i.trackId }).map((x) => identificationView(c, x));
    },
    'identify:get': (i) => {
      const c = s.requireCase().handle;
      return identificationView(c, getIdentification(c, i.identificationId));
    },
    'appearances:start': (i) => s.requireCase().jobs.enqueue('appearances', { trackId: i.trackId }),
    'appearances:latest': (i) => {
      const c = s.requireCase().handle;
      const a = latestAppearanceSearch(c, i.trackId);
      return a ? appearanceView(c, a) : null;
    },
    'alerts:list': () => {
      const c = s.requireCase().handle;
      return { alerts: listAlerts(c).map((a) => alertView(c, a)), unreviewed: unreviewedAlertCount(c) };
    },
    'alerts:review': (i) => {
      const c = s.requireCase().handle;
      reviewAlert(c, i.alertId, i.note);
      return alertView(c, getAlert(c, i.alertId));
    },
    'conclusions:list': (i) => listConclusions(s.requireCase().handle, { identificationId: i.identificationId }),
    'conclusions:record': (i) =>
      recordConclusion(s.requireCase().handle, {
        identificationId: i.identificationId,
        personId: i.personId,
        level: i.level,
        note: i.note ?? null,
        ...(i.examiner !== undefined && i.examiner.trim() ? { examiner: i.examiner } : {}),
        role: i.role,
        blind: i.blind,
        viewed: i.viewed,
      }),
    'identify:gate:get': () => getGateSettings(s.requireCase().handle),
    'identify:gate:set': (i) =>
      setGate(
        s.requireCase().handle,
        { ...(i.minQuality !== undefined ? { minQuality: i.minQuality } : {}), ...(i.minSimilarity !== undefined ? { minSimilarity: i.minSimilarity } : {}) },
        i.reason,
      ),
  };
}
