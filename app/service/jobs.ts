import type { jobChannels } from '../contract/jobs';
import type { FeatureHandlers, ServiceContext } from './context';

export function jobHandlers(s: ServiceContext): FeatureHandlers<keyof typeof jobChannels> {
  return {
    'jobs:list': () => s.requireCase().jobs.list(),
    'jobs:cancel': (i) => s.requireCase().jobs.cancel(i.jobId),
    'jobs:retry': (i) => s.requireCase().jobs.retry(i.jobId),
  };
}
