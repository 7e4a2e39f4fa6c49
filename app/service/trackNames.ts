import { nameTrack } from '../../core/tracks/names';
import type { trackNameChannels } from '../contract/trackNames';
import type { FeatureHandlers, ServiceContext } from './context';

export function trackNameHandlers(s: ServiceContext): FeatureHandlers<keyof typeof trackNameChannels> {
  return {
    'tracks:name': (i) => nameTrack(s.requireCase().handle, i.trackId, i.name),
  };
}
