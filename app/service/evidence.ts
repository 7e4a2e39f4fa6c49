import { listEvidence } from '../../core/evidence';
import type { evidenceChannels } from '../contract/evidence';
import type { FeatureHandlers, ServiceContext } from './context';

export function evidenceHandlers(s: ServiceContext): FeatureHandlers<keyof typeof evidenceChannels> {
  return {
    'evidence:list': () => listEvidence(s.requireCase().handle),
    'evidence:import': (i) => {
      const { jobs } = s.requireCase();
      return i.paths.map((p) => jobs.enqueue('import', { path: p, allowDamaged: i.allowDamaged ?? false }));
    },
  };
}
