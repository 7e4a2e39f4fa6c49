/** Names of face tracks ("suspect 1"), given by investigators; every change audited. */
import { z } from 'zod';
import type { TrackNameChange } from '../../core/tracks/names';
import { MAX_TRACK_NAME } from '../../domain/tracks';
import { channel, Id } from './channel';

export type { TrackNameChange };

export const trackNameChannels = {
  /** Name a track (an empty name clears it); audited as `track.name`. */
  'tracks:name': channel<TrackNameChange>()(z.object({ trackId: Id, name: z.string().max(MAX_TRACK_NAME * 2) }).strict()),
} as const;
