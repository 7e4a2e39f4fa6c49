/**
 * How a face track is named and described to people, everywhere one appears (Clip and Enhance views, Compare,
 * the CLI): its investigator-given name when it has one ("suspect 1"), and its facts in words.
 */

/** Longest track name accepted (the column's CHECK agrees). */
export const MAX_TRACK_NAME = 80;

export interface TrackFacts {
  readonly ordinal: number;
  readonly detections: number;
  readonly medianWidth: number;
  readonly bestFrame: number;
  readonly name?: string | null;
}

/** "suspect 1 (track 3)" or "Track 3". */
export function trackTitle(t: Pick<TrackFacts, 'ordinal' | 'name'>): string {
  return t.name ? `${t.name} (track ${t.ordinal})` : `Track ${t.ordinal}`;
}

/** "95 frames · face 41 px · best frame 71". */
export function trackWords(t: TrackFacts): string {
  return `${t.detections} frame${t.detections === 1 ? '' : 's'} · face ${Math.round(t.medianWidth)} px · best frame ${t.bestFrame}`;
}

/** A name as stored: trimmed, inner whitespace collapsed; '' clears a name. */
export function normaliseTrackName(raw: string): string {
  return raw.replace(/\s+/g, ' ').trim();
}
