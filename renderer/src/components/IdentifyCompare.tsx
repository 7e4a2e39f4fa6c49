import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { CandidateView, EnhancementView, TemplateFrameView } from '../../../app/contract';
import { mediaUrl } from '../bridge/api';

/** Pane size in CSS pixels; every image starts fitted into it. */
const PANE = 300;

interface View {
  zoom: number;
  x: number;
  y: number;
}

/** One pane: the shared zoom and pan; wheel zooms about the pointer, drag pans — the same in every pane. */
function Pane({ children, view, setView, testId, label }: { readonly children: ReactNode; readonly view: View; readonly setView: (f: (v: View) => View) => void; readonly testId: string; readonly label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onWheel = (ev: WheelEvent): void => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      const f = ev.deltaY < 0 ? 1.25 : 0.8;
      const px = ev.clientX - r.left;
      const py = ev.clientY - r.top;
      setView((v) => {
        const zoom = Math.max(0.5, Math.min(16, v.zoom * f));
        const k = zoom / v.zoom;
        return { zoom, x: px - (px - v.x) * k, y: py - (py - v.y) * k };
      });
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [setView]);
  return (
    <div
      ref={ref}
      className="idc-pane"
      style={{ width: PANE, height: PANE }}
      data-testid={testId}
      data-zoom={view.zoom.toFixed(3)}
      role="img"
      aria-label={label}
      onPointerDown={(e) => {
        drag.current = { x: e.clientX, y: e.clientY };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        setView((v) => ({ ...v, x: v.x + e.clientX - d.x, y: v.y + e.clientY - d.y }));
        drag.current = { x: e.clientX, y: e.clientY };
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
    >
      <div className="idc-stage" style={{ transform: `translate(${view.x}px, ${view.y}px) scale(${view.zoom})` }}>
        {children}
      </div>
    </div>
  );
}

function Fitted({ src, w, h, pixelated, alt, testId }: { readonly src: string; readonly w: number; readonly h: number; readonly pixelated: boolean; readonly alt: string; readonly testId: string }) {
  const s = PANE / Math.max(w, h);
  return <img src={src} alt={alt} width={Math.round(w * s)} height={Math.round(h * s)} className={pixelated ? 'pixelated' : 'smooth'} draggable={false} data-testid={testId} />;
}

export interface ShownImages {
  readonly originalFrames: ReadonlyArray<{ frame: number; cropSha256: string }>;
  readonly enhancements: number[];
  readonly references: number[];
}

/**
 * The probe's ORIGINAL frame (native crop, nearest-neighbour enlarged) | an enhancement (only ever beside the
 * original, labelled with its tier) | the candidate's reference (aligned face or whole photo), one zoom and pan
 * for all panes. `onShown` reports which images were on screen, for the conclusion's record.
 */
export function IdentifyCompare({
  frames,
  candidate,
  enhancement,
  onShown,
}: {
  readonly frames: readonly TemplateFrameView[];
  readonly candidate: CandidateView | null;
  readonly enhancement: EnhancementView | null;
  readonly onShown: (s: ShownImages) => void;
}) {
  const [view, setView] = useState<View>({ zoom: 1, x: 0, y: 0 });
  const best = frames.length ? frames.reduce((a, b) => (b.weight > a.weight ? b : a)) : null;
  const [frame, setFrame] = useState<number | null>(best?.frame ?? null);
  const [refMode, setRefMode] = useState<'face' | 'photo'>('face');
  const shown = frames.find((f) => f.frame === frame) ?? best;
  useEffect(() => {
    setFrame(best?.frame ?? null);
    // A new probe: start from the best-weighted frame.
  }, [best?.frame]);
  const seen = useRef(new Map<number, string>());
  useEffect(() => {
    if (shown) seen.current.set(shown.frame, shown.cropSha256);
    onShown({
      originalFrames: [...seen.current.entries()].map(([f, sha]) => ({ frame: f, cropSha256: sha })),
      enhancements: enhancement ? [enhancement.id] : [],
      references: candidate ? [candidate.referenceId] : [],
    });
  }, [shown?.frame, shown?.cropSha256, enhancement?.id, candidate?.referenceId, onShown]);
  if (!shown) return null;
  const crop = { w: shown.box ? Math.round(shown.box.w * 2) : 64, h: shown.box ? Math.round(shown.box.w * 2) : 64 };
  return (
    <div className="idc" data-testid="identify-compare">
      <div className="idc-tools">
        <button type="button" className="small" onClick={() => setView({ zoom: 1, x: 0, y: 0 })}>
          Fit
        </button>
        <button type="button" className="small" onClick={() => setView((v) => ({ ...v, zoom: Math.min(16, v.zoom * 1.25) }))} aria-label="Zoom in">
          +
        </button>
        <button type="button" className="small" onClick={() => setView((v) => ({ ...v, zoom: Math.max(0.5, v.zoom / 1.25) }))} aria-label="Zoom out">
          −
        </button>
        <span className="muted small">zoom ×{view.zoom.toFixed(2)} (wheel, drag) — one zoom for all panes</span>
      </div>
      <div className="idc-panes">
        <figure>
          <Pane view={view} setView={setView} testId="idc-original" label="Original frame">
            <Fitted src={mediaUrl(shown.media.crop)} w={crop.w} h={crop.h} pixelated alt={`original frame ${shown.frame}`} testId="idc-original-img" />
          </Pane>
          <figcaption>
            Original — frame {shown.frame}
            {shown.box ? `, face ${Math.round(shown.box.w)} px` : ''}, nearest-neighbour (the pixels of the footage)
          </figcaption>
          <div className="idc-frames" aria-label="Template frames">
            {frames.map((f) => (
              <button key={f.frame} type="button" className={f.frame === shown.frame ? 'active' : ''} onClick={() => setFrame(f.frame)} data-testid="idc-frame" title={`frame ${f.frame}: weight ${f.weight.toFixed(2)}, quality ${f.quality.toFixed(2)}`}>
                <img src={mediaUrl(f.media.crop)} alt={`frame ${f.frame}`} width={40} height={40} className="pixelated" />
              </button>
            ))}
          </div>
        </figure>
        {enhancement && (
          <figure>
            <Pane view={view} setView={setView} testId="idc-enhanced" label="Enhanced image">
              <Fitted src={mediaUrl(`derived/${enhancement.outputSha256}.png`)} w={enhancement.outputWidth} h={enhancement.outputHeight} pixelated={false} alt={`enhancement ${enhancement.id}`} testId="idc-enhanced-img" />
            </Pane>
            <figcaption>
              Enhancement #{enhancement.id} ({enhancement.mode} ×{enhancement.scale}) — <strong>{enhancement.tierLabel}</strong>; shown only beside the original
            </figcaption>
          </figure>
        )}
        <figure>
          <Pane view={view} setView={setView} testId="idc-reference" label="Reference photo">
            {candidate ? (
              refMode === 'face' ? (
                <Fitted src={mediaUrl(candidate.media.chip)} w={224} h={224} pixelated={false} alt={`reference of ${candidate.name}`} testId="idc-reference-img" />
              ) : (
                <img src={mediaUrl(candidate.media.photo)} alt={`reference photo of ${candidate.name}`} style={{ maxWidth: PANE, maxHeight: PANE }} draggable={false} data-testid="idc-reference-img" />
              )
            ) : null}
          </Pane>
          <figcaption>
            {candidate ? `Reference #${candidate.referenceId} of ${candidate.name}` : 'No candidate chosen'}{' '}
            <button type="button" className="link" onClick={() => setRefMode(refMode === 'face' ? 'photo' : 'face')}>
              {refMode === 'face' ? 'whole photo' : 'aligned face'}
            </button>
          </figcaption>
        </figure>
      </div>
    </div>
  );
}
