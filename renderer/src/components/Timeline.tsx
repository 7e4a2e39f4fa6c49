import { useRef, useState } from 'react';
import { timecode } from '../lib/format';

interface Props {
  readonly frameCount: number;
  readonly shownIndex: number | null;
  readonly targetIndex: number;
  readonly times: readonly number[];
  readonly stripUrl: string | null;
  readonly stripError: string | null;
  readonly onSeek: (index: number) => void;
}

/** Thumbnails across the clip; click or drag to seek. The playhead marks the frame on screen. */
export function Timeline({ frameCount, shownIndex, targetIndex, times, stripUrl, stripError, onSeek }: Props) {
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
  );
}
