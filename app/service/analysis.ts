import { facesForFrame, listRuns, listTracks, trackDetections, type DetectionSummary } from '../../core/analysis/results';
import type { analysisChannels, DetectionView } from '../contract/analysis';
import { derivedRef, type FeatureHandlers, type ServiceContext } from './context';

export function detectionView(d: DetectionSummary): DetectionView {
  return { ...d, crop: derivedRef(d.cropSha256) };
}

export function analysisHandlers(s: ServiceContext): FeatureHandlers<keyof typeof analysisChannels> {
  return {
    'analysis:start': (i) => s.requireCase().jobs.enqueue('analyze', { evidenceId: i.evidenceId, settings: i.step ? { step: i.step } : {} }),
    'analysis:runs': (i) => listRuns(s.requireCase().handle, i.evidenceId),
    'faces:forFrame': (i) => facesForFrame(s.requireCase().handle, i.evidenceId, i.index, i.runId),
    'tracks:list': (i) => {
      const { run, tracks } = listTracks(s.requireCase().handle, i.evidenceId, { ...(i.runId ? { runId: i.runId } : {}), best: i.best ?? 5 });
      return { run, tracks: tracks.map((t) => ({ ...t, best: t.best.map(detectionView) })) };
    },
    'tracks:detections': (i) => trackDetections(s.requireCase().handle, i.trackId).map(detectionView),
  };
}
