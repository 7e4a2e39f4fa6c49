import { useEffect, useRef, useState } from 'react';
import type { ManualRedactionBox } from '../../../app/contract';
import { call } from '../bridge/api';
import { attempt, notify } from '../stores/toastStore';
import { useZoom } from '../stores/zoomStore';
import '../export.css';

interface Props {
  readonly evidenceId: number;
  /** The frame whose pixels are on screen. */
  readonly frameIndex: number | null;
  readonly width: number;
  readonly height: number;
}

type Pt = { x: number; y: number };

/**
 * Redaction boxes drawn by hand over the frame (faces the analysis missed, a badge, a reflection): shown in red,
 * drawn with "Draw redaction box" then a drag, removed by clicking one (with a reason). Every export redacts
 * them on top of the analysed faces. Stored and audited by the service; the frame itself is never changed.
 */
export function RedactionLayer({ evidenceId, frameIndex, width, height }: Props) {
  const scale = useZoom((s) => s.scale);
  const x = useZoom((s) => s.x);
  const y = useZoom((s) => s.y);
  const [boxes, setBoxes] = useState<{ index: number; list: ManualRedactionBox[] } | null>(null);
  const [drawing, setDrawing] = useState(false);
  const [draft, setDraft] = useState<{ a: Pt; b: Pt } | null>(null);
  const svg = useRef<SVGSVGElement>(null);

  const reload = (index: number): void => {
    void call('redaction:forFrame', { evidenceId, index })
      .then((r) => setBoxes({ index, list: r.boxes }))
      .catch(() => setBoxes({ index, list: [] }));
  };
  useEffect(() => {
    if (frameIndex !== null) reload(frameIndex);
  }, [evidenceId, frameIndex]);

  const toFrame = (ev: React.PointerEvent): Pt => {
    const el = svg.current!;
    const pt = el.createSVGPoint();
    pt.x = ev.clientX;
    pt.y = ev.clientY;
    const p = pt.matrixTransform(el.getScreenCTM()!.inverse());
    return { x: Math.max(0, Math.min(width, p.x)), y: Math.max(0, Math.min(height, p.y)) };
  };
  const rectOf = (d: { a: Pt; b: Pt }) => ({ x: Math.min(d.a.x, d.b.x), y: Math.min(d.a.y, d.b.y), w: Math.abs(d.a.x - d.b.x), h: Math.abs(d.a.y - d.b.y) });
  const shown = boxes && boxes.index === frameIndex ? boxes.list : [];
  const stroke = Math.max(1, 2 / Math.max(scale, 0.01));

  return (
    <>
      <div className="redaction-tools" onPointerDown={(ev) => ev.stopPropagation()}>
        <button type="button" className={`small ${drawing ? 'active' : ''}`} aria-pressed={drawing} onClick={() => setDrawing(!drawing)} data-testid="redaction-draw" title="Draw a box to redact in every export">
          {drawing ? 'Drawing: drag over the frame' : '▭ Redaction box'}
        </button>
        <span className="muted" data-testid="redaction-count">
          {shown.length} drawn
        </span>
      </div>
      <svg
        ref={svg}
        className={`redaction-layer ${drawing ? 'drawing' : ''}`}
        data-testid="redaction-layer"
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        style={{ transform: `translate(${x}px, ${y}px) scale(${scale})` }}
        onPointerDown={(ev) => {
          if (!drawing || ev.button !== 0) return;
          ev.stopPropagation();
          ev.currentTarget.setPointerCapture(ev.pointerId);
          const p = toFrame(ev);
          setDraft({ a: p, b: p });
        }}
        onPointerMove={(ev) => {
          if (!draft) return;
          ev.stopPropagation();
          setDraft({ a: draft.a, b: toFrame(ev) });
        }}
        onPointerUp={(ev) => {
          if (!draft || frameIndex === null) return;
          ev.stopPropagation();
          const box = rectOf(draft);
          setDraft(null);
          setDrawing(false);
          if (box.w < 2 || box.h < 2) return;
          const r3 = (v: number) => Math.round(v * 1000) / 1000;
          void attempt('The redaction box could not be saved', async () => {
            await call('redaction:add', { evidenceId, firstFrame: frameIndex, box: { x: r3(box.x), y: r3(box.y), w: r3(box.w), h: r3(box.h) } });
            reload(frameIndex);
            notify('Redaction box saved', `frame ${frameIndex}: every export redacts it`);
          });
        }}
      >
        {shown.map((b) => (
          <rect
            key={b.id}
            className="manual"
            data-testid="redaction-box"
            x={b.box.x}
            y={b.box.y}
            width={b.box.w}
            height={b.box.h}
            strokeWidth={stroke}
            onPointerDown={(ev) => ev.stopPropagation()}
            onClick={() => {
              if (drawing || frameIndex === null) return;
              const reason = window.prompt(`Remove redaction box ${b.id}? Give a reason (recorded in the audit log):`);
              if (!reason?.trim()) return;
              void attempt('The redaction box could not be removed', async () => {
                await call('redaction:remove', { boxId: b.id, reason: reason.trim() });
                reload(frameIndex);
              });
            }}
          >
            <title>{`Redaction box ${b.id} (drawn by ${b.createdBy}) — click to remove`}</title>
          </rect>
        ))}
        {draft && (() => {
          const r = rectOf(draft);
          return <rect className="draft" x={r.x} y={r.y} width={r.w} height={r.h} strokeWidth={stroke} />;
        })()}
      </svg>
    </>
  );
}
