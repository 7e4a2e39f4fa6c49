import { useRef, useState } from 'react';
import { timecode } from '../lib/format';

/** A face track as a lane under the thumbnails: where in the clip it is. */
export interface TrackLane {
  readonly id: number;
  readonly label: string;
  readonly title: string;
  readonly first: number;
  readonly last: number;
  readonly selected: boolean;
}

interface Props {
  readonly lanes?: readonly TrackLane[];
  readonly onLane?: (id: number) => void;
  readonly frameCount: number;
  readonly shownIndex: number | null;
  readonly targetIndex: number;
  readonly times: readonly number[];
  readonly stripUrl: string | null;
  readonly stripError: string | null;
  readonly onSeek: (index: number) => void;
}

/** Thumbnails across the clip; click or drag to seek. The playhead marks the frame on screen. */
export function Timeline({ frameCount, shownIndex, targetIndex, times, stripUrl, stripError, onSeek, lanes = [], onLane }: Props) {
  const bar = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const dragging = useRef(false);
  const last = Math.max(1, frameCount - 1);

  const indexAt = (clientX: number): number => {
    const r = bar.current!.getBoundingClientRect();
    const f = Math.max(0, Math.min(1, (clientX - r.left) / Math.max(1, r.width)));
    return Math.round(f * last);
  };
  const pos = (i: number): string => `${(frameCount <= 1 ? 0 : i / last) * 100}%`;

  return (
    <div className="timeline-wrap">
    <div
      ref={bar}
      className="timeline"
      data-testid="timeline"
      role="slider"
      aria-label="Timeline"
      aria-valuemin={0}
      aria-valuemax={frameCount - 1}
      aria-valuenow={shownIndex ?? 0}
      onPointerDown={(ev) => {
        dragging.current = true;
        ev.currentTarget.setPointerCapture(ev.pointerId);
        onSeek(indexAt(ev.clientX));
      }}
      onPointerMove={(ev) => {
        const i = indexAt(ev.clientX);
        setHover(i);
        if (dragging.current) onSeek(i);
      }}
      onPointerUp={() => (dragging.current = false)}
      onPointerLeave={() => setHover(null)}
    >
      {stripUrl ? <img className="timeline-strip" src={stripUrl} alt="" draggable={false} /> : <div className="timeline-placeholder">{stripError ? `Thumbnails unavailable: ${stripError}` : 'Preparing thumbnails…'}</div>}
      {targetIndex !== shownIndex && <div className="timeline-target" style={{ left: pos(targetIndex) }} />}
      {shownIndex !== null && <div className="timeline-head" style={{ left: pos(shownIndex) }} />}
      {hover !== null && (
        <div className="timeline-hover" style={{ left: pos(hover) }}>
          {hover} · {timecode(times[hover])}
        </div>
      )}
    </div>
      {lanes.length > 0 && (
        <div className="track-lanes" data-testid="track-lanes" aria-label="Face tracks along the clip">
          {lanes.map((l) => (
            <div key={l.id} className="track-lane">
              <button
                type="button"
                className={`lane-bar ${l.selected ? 'selected' : ''}`}
                data-testid="track-lane"
                data-track-id={l.id}
                style={{ left: pos(l.first), width: `max(4px, calc(${pos(l.last)} - ${pos(l.first)}))` }}
                title={l.title}
                onClick={() => onLane?.(l.id)}
              >
                <span className="lane-label">{l.label}</span>
              </button>
            </div>
          ))}
          {shownIndex !== null && <div className="lanes-head" style={{ left: pos(shownIndex) }} />}
        </div>
      )}
    </div>
  );
}
