import { useEffect, useRef, type ReactNode } from 'react';
import { useZoom } from '../stores/zoomStore';

interface Props {
  readonly url: string | null;
  readonly width: number;
  readonly height: number;
  readonly frameIndex: number | null;
  readonly alt: string;
  /** Drawn over the frame (the face boxes), positioned by its own use of the zoom store. */
  readonly children?: ReactNode;
}

/**
 * The frame at any zoom with nearest-neighbour pixels (`image-rendering: pixelated`): an investigator judges
 * individual pixels, so nothing here smooths or resamples them. Wheel zooms at the pointer; drag pans.
 */
export function FrameViewport({ url, width, height, frameIndex, alt, children }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  const scale = useZoom((s) => s.scale);
  const x = useZoom((s) => s.x);
  const y = useZoom((s) => s.y);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = (): void => useZoom.getState().setSizes(el.clientWidth, el.clientHeight, width, height);
    update();
    const ro = new ResizeObserver(update);
    ro.observe(el);
    return () => ro.disconnect();
  }, [width, height]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    // A non-passive listener: the wheel zooms the frame instead of scrolling the page.
    const onWheel = (ev: WheelEvent): void => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      useZoom.getState().zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  return (
    <div
      ref={box}
      className="viewport"
      data-testid="frame-viewport"
      onPointerDown={(ev) => {
        if (ev.button !== 0) return;
        drag.current = { x: ev.clientX, y: ev.clientY };
        ev.currentTarget.setPointerCapture(ev.pointerId);
      }}
      onPointerMove={(ev) => {
        const r = ev.currentTarget.getBoundingClientRect();
        useZoom.getState().setCursor(ev.clientX - r.left, ev.clientY - r.top);
        if (!drag.current) return;
        useZoom.getState().panBy(ev.clientX - drag.current.x, ev.clientY - drag.current.y);
        drag.current = { x: ev.clientX, y: ev.clientY };
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
      onPointerLeave={() => useZoom.getState().setCursor(null)}
    >
      {url ? (
        <img
          src={url}
          alt={alt}
          draggable={false}
          data-testid="frame-image"
          data-frame-index={frameIndex ?? undefined}
          width={width}
          height={height}
          style={{ transform: `translate(${x}px, ${y}px) scale(${scale})` }}
        />
      ) : (
        <div className="viewport-empty">Loading frame…</div>
      )}
      {url && children}
    </div>
  );
}
