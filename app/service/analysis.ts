import { facesForFrame, listRuns, listTracks, provisionalTracks, trackDetections, type DetectionSummary } from '../../core/analysis/results';
import type { analysisChannels, DetectionView } from '../contract/analysis';
import { derivedRef, type FeatureHandlers, type ServiceContext } from './context';
import { trackNames } from '../../core/tracks/names';

export function detectionView(d: DetectionSummary): DetectionView {
  return { ...d, crop: derivedRef(d.cropSha256) };
}

export function analysisHandlers(s: ServiceContext): FeatureHandlers<keyof typeof analysisChannels> {
  return {
    'analysis:start': (i) =>
      s.requireCase().jobs.enqueue('analyze', {
        evidenceId: i.evidenceId,
        settings: {
          ...(i.step ? { step: i.step } : {}),
          // A lower threshold keeps the candidates a run reported as seen below it.
          ...(i.minScore !== undefined ? { detector: { minScore: i.minScore, nearScore: Math.min(i.minScore, 0.15) } } : {}),
        },
      }),
    'analysis:runs': (i) => listRuns(s.requireCase().handle, i.evidenceId),
    'faces:forFrame': (i) => facesForFrame(s.requireCase().handle, i.evidenceId, i.index, i.runId),
    'tracks:list': (i) => {
      const c = s.requireCase().handle;
      const { run, tracks, relations, cuts } = listTracks(c, i.evidenceId, { ...(i.runId ? { runId: i.runId } : {}), best: i.best ?? 5 });
      const names = trackNames(c, tracks.map((t) => t.id));
      return { run, tracks: tracks.map((t) => ({ ...t, best: t.best.map(detectionView), name: names.get(t.id) ?? null })), relations, cuts };
    },
    'analysis:partial': (i) => {
      const p = provisionalTracks(s.requireCase().handle, i.evidenceId, i.limit ?? 24);
      return { jobId: p.jobId, detections: p.detections, tracks: p.tracks.map(({ bestCropSha256, ...t }) => ({ ...t, crop: derivedRef(bestCropSha256) })) };
    },
    'tracks:detections': (i) => trackDetections(s.requireCase().handle, i.trackId).map(detectionView),
  };
}
