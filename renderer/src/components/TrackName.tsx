import { useState } from 'react';
import { MAX_TRACK_NAME, trackTitle } from '../../../domain/tracks';
import { attempt } from '../stores/toastStore';

/**
 * A track's title ("suspect 1 (track 3)" or "Track 3") with a Name… button that edits it in place; Enter saves
 * (audited by main), Escape cancels, an empty name clears it.
 */
export function TrackName({ ordinal, name, onRename }: { readonly ordinal: number; readonly name: string | null; readonly onRename: (name: string) => Promise<void> }) {
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  if (editing) {
    return (
      <input
        className="track-name-input"
        data-testid="track-name-input"
        aria-label={`Name of track ${ordinal}`}
        autoFocus
        maxLength={MAX_TRACK_NAME}
        value={text}
        placeholder={`e.g. suspect 1`}
        onClick={(e) => e.stopPropagation()}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => setEditing(false)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') {
            const value = text;
            setEditing(false);
            void attempt('The track could not be named', () => onRename(value));
          } else if (e.key === 'Escape') setEditing(false);
        }}
      />
    );
  }
  return (
    <span className="track-name">
      <strong data-testid="track-title">{trackTitle({ ordinal, name })}</strong>
      <span
        role="button"
        tabIndex={0}
        className="link small"
        data-testid="track-rename"
        title="Name this track (audited); shown wherever the track appears"
        onClick={(e) => {
          e.stopPropagation();
          setText(name ?? '');
          setEditing(true);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            e.stopPropagation();
            setText(name ?? '');
            setEditing(true);
          }
        }}
      >
        {name ? 'rename' : 'name…'}
      </span>
    </span>
  );
}
