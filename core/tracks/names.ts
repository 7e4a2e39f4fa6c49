/**
 * Names investigators give face tracks ("suspect 1"). Tracks are immutable analysis results, so a name is a row of
 * its own in `track_names` — append-only: renaming adds a row, the newest row is the name, '' clears it — and
 * every change is audited (`track.name`) with the previous name.
 */
import type { CaseHandle } from '../case';
import { SightlineError } from '../../domain/errors';
import { MAX_TRACK_NAME, normaliseTrackName } from '../../domain/tracks';
import { getTrack } from '../analysis/results';

export interface TrackNameChange {
  readonly trackId: number;
  readonly name: string | null;
  readonly previous: string | null;
}

/** The current name of each of `trackIds` that has one. */
export function trackNames(c: CaseHandle, trackIds: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  if (trackIds.length === 0) return out;
  const q = c.db.prepare('SELECT name FROM track_names WHERE track_id = ? ORDER BY id DESC LIMIT 1');
  for (const id of new Set(trackIds)) {
    const r = q.get(id) as { name: string } | undefined;
    if (r && r.name !== '') out.set(id, r.name);
  }
  return out;
}

export function trackName(c: CaseHandle, trackId: number): string | null {
  return trackNames(c, [trackId]).get(trackId) ?? null;
}

/** Name (or, with '', un-name) a track; audited. */
export function nameTrack(c: CaseHandle, trackId: number, raw: string): TrackNameChange {
  const { track, run } = getTrack(c, trackId);
  const name = normaliseTrackName(raw);
  if (name.length > MAX_TRACK_NAME) throw new SightlineError('INVALID_INPUT', `a track name has at most ${MAX_TRACK_NAME} characters, got ${name.length}`);
  return c.db.transaction((): TrackNameChange => {
    const previous = trackName(c, trackId);
    if ((previous ?? '') === name) return { trackId, name: previous, previous };
    c.db.prepare('INSERT INTO track_names (track_id, name, created_at, created_by) VALUES (?, ?, ?, ?)').run(trackId, name, new Date().toISOString(), c.examiner);
    c.audit.append({ action: 'track.name', params: { trackId, evidenceId: run.evidenceId, runId: run.id, ordinal: track.ordinal, name: name || null, previous } });
    return { trackId, name: name || null, previous };
  })();
}
