import { useEffect, useState } from 'react';
import type { FaceBox } from '../../../app/contract';
import { call } from '../bridge/api';
import { useFaces } from '../stores/facesStore';
import { useZoom } from '../stores/zoomStore';

interface Props {
  readonly evidenceId: number;
  /** The frame whose pixels are on screen: boxes are fetched for it, never for a frame merely requested. */
  readonly frameIndex: number | null;
  readonly width: number;
  readonly height: number;
}

/**
 * Face boxes of the newest analysis run drawn over the frame, with the frame's own zoom and pan. Detections are
 * solid, boxes interpolated between analysed frames dashed; each is labelled with its track number. The overlay
 * ignores the pointer, so panning and the pixel readout work through it.
 */
export function FaceOverlay({ evidenceId, frameIndex, width, height }: Props) {
  const showBoxes = useFaces((s) => s.showBoxes);
  const runId = useFaces((s) => s.run?.id ?? null);
  const selected = useFaces((s) => s.selected);
  const scale = useZoom((s) => s.scale);
  const x = useZoom((s) => s.x);
  const y = useZoom((s) => s.y);
  const [state, setState] = useState<{ index: number; runId: number; faces: FaceBox[] } | null>(null);

  useEffect(() => {
    if (!showBoxes || frameIndex === null || runId === null) return;
    let live = true;
    call('faces:forFrame', { evidenceId, index: frameIndex, runId })
      .then((r) => {
        if (live) setState({ index: frameIndex, runId, faces: r.faces });
      })
      .catch(() => {
        if (live) setState({ index: frameIndex, runId, faces: [] });
      });
    return () => {
      live = false;
    };
  }, [evidenceId, frameIndex, runId, showBoxes]);

  if (!showBoxes || !state || state.index !== frameIndex || state.runId !== runId) return null;
  const stroke = Math.max(1, 2 / Math.max(scale, 0.01));
  return (
    <svg
      className="face-overlay"
      data-testid="face-overlay"
      data-frame-index={state.index}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      style={{ transform: `translate(${x}px, ${y}px) scale(${scale})` }}
      aria-hidden="true"
    >
      {state.faces.map((f) => (
        <g
          key={`${f.trackId}-${f.detectionId ?? 'i'}`}
          className={`face-box ${f.interpolated ? 'interpolated' : ''} ${f.trackId === selected ? 'selected' : ''}`}
          data-testid="face-box"
          data-track={f.track}
          data-interpolated={f.interpolated}
        >
          <rect x={f.box.x} y={f.box.y} width={f.box.w} height={f.box.h} strokeWidth={stroke} strokeDasharray={f.interpolated ? `${4 * stroke} ${3 * stroke}` : undefined} />
          <text x={f.box.x} y={f.box.y - 3 * stroke} fontSize={11 / Math.max(scale, 0.01)}>
            {f.track}
            {f.quality !== null ? ` · ${f.quality.toFixed(2)}` : ''}
          </text>
        </g>
      ))}
    </svg>
  );
}
