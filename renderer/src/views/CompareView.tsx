import { Fragment, useEffect, useRef, useState, type ReactNode } from 'react';
import type { EnhancementView } from '../../../app/contract';
import { trackTitle } from '../../../domain/tracks';
import { mediaUrl } from '../bridge/api';
import { TierLabel, VerdictBadge } from '../components/TierLabel';
import { dateTime, shortHash } from '../lib/format';
import { useApp } from '../stores/appStore';
import { ExportMenu } from '../components/ExportMenu';
import { useCompare, type CompareMode } from '../stores/compareStore';
import { attempt, toastError } from '../stores/toastStore';
import '../enhance.css';

/** Pane sizes: side by side shares the width; wipe and flicker get all of it. Height follows the window. */
const GAP = 10;
const MIN_PANE = 220;

/**
 * The width the image area has, measured (ResizeObserver), so the panes use the space the window gives them. A
 * callback ref: the area appears only once the enhancement has loaded.
 */
function useWidth(): [(el: HTMLDivElement | null) => void, number] {
  const [el, setEl] = useState<HTMLDivElement | null>(null);
  const [w, setW] = useState(800);
  useEffect(() => {
    if (!el) return;
    const ro = new ResizeObserver((entries) => {
      const cw = Math.floor(entries[0]!.contentRect.width);
      if (cw > 0) setW(cw);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  return [setEl, w];
}

function paneSize(mode: CompareMode, width: number): { w: number; h: number } {
  const h = Math.max(MIN_PANE, Math.min(Math.floor(window.innerHeight * 0.62), 900));
  const w = mode === 'side' ? Math.max(MIN_PANE, Math.floor((width - GAP) / 2)) : Math.max(MIN_PANE, width);
  return { w, h };
}

/** One pane: the shared zoom/pan applied to its content; wheel zooms about the pointer, drag pans. */
function Viewport({ children, testId, label, size }: { readonly children: ReactNode; readonly testId: string; readonly label: string; readonly size: { w: number; h: number } }) {
  const ref = useRef<HTMLDivElement>(null);
  const drag = useRef<{ x: number; y: number } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // A non-passive listener: the page must not scroll while the investigator zooms.
    const onWheel = (ev: WheelEvent): void => {
      ev.preventDefault();
      const r = el.getBoundingClientRect();
      useCompare.getState().zoomBy(ev.deltaY < 0 ? 1.25 : 0.8, ev.clientX - r.left, ev.clientY - r.top);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);
  return (
    <div
      ref={ref}
      className="cmp-viewport"
      data-testid={testId}
      aria-label={label}
      role="img"
      style={{ width: size.w, height: size.h }}
      onPointerDown={(e) => {
        drag.current = { x: e.clientX, y: e.clientY };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (!drag.current) return;
        useCompare.getState().panBy(e.clientX - drag.current.x, e.clientY - drag.current.y);
        drag.current = { x: e.clientX, y: e.clientY };
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
    >
      {children}
    </div>
  );
}

/** An image drawn at the output grid's size under the shared transform; the source is enlarged nearest-neighbour. */
function Stage({ e, which }: { readonly e: EnhancementView; readonly which: 'source' | 'output' }) {
  const zoom = useCompare((s) => s.zoom);
  const panX = useCompare((s) => s.panX);
  const panY = useCompare((s) => s.panY);
  return (
    <div className="cmp-stage" style={{ width: e.outputWidth, height: e.outputHeight, transform: `translate(${panX}px, ${panY}px) scale(${zoom})` }}>
      <img
        src={mediaUrl(which === 'source' ? e.media.source : e.media.output)}
        className={which === 'source' ? 'pixelated' : 'smooth'}
        width={e.outputWidth}
        height={e.outputHeight}
        alt={which === 'source' ? `original frame ${e.referenceFrame} (nearest-neighbour ×${e.scale})` : `enhancement ${e.id}`}
        draggable={false}
        data-testid={which === 'source' ? 'cmp-original' : 'cmp-result'}
      />
    </div>
  );
}

function Flicker({ e, size }: { readonly e: EnhancementView; readonly size: { w: number; h: number } }) {
  const hz = useCompare((s) => s.flickerHz);
  const paused = useCompare((s) => s.flickerPaused);
  const [showResult, setShowResult] = useState(true);
  useEffect(() => {
    if (paused) return;
    const t = setInterval(() => setShowResult((v) => !v), 1000 / hz);
    return () => clearInterval(t);
  }, [hz, paused]);
  return (
    <div className="cmp-single">
      <Viewport testId="cmp-flicker" label="Flicker comparison" size={size}>
        <Stage e={e} which={showResult ? 'output' : 'source'} />
      </Viewport>
      <span className="cmp-caption" data-testid="flicker-showing" data-showing={showResult ? 'result' : 'original'}>
        Showing: {showResult ? 'result' : `original (frame ${e.referenceFrame})`}
      </span>
    </div>
  );
}

function Wipe({ e, size }: { readonly e: EnhancementView; readonly size: { w: number; h: number } }) {
  const wipe = useCompare((s) => s.wipe);
  return (
    <div className="cmp-single">
      <Viewport testId="cmp-wipe" label="Wipe comparison: original left of the line, result right" size={size}>
        <Stage e={e} which="source" />
        <div className="cmp-wipe-layer" style={{ clipPath: `inset(0 0 0 ${wipe}%)` }} data-testid="wipe-layer" data-wipe={wipe}>
          <Stage e={e} which="output" />
        </div>
        <div className="cmp-wipe-line" style={{ left: `${wipe}%` }} />
      </Viewport>
      <span className="cmp-caption">← original (frame {e.referenceFrame}) · result →</span>
    </div>
  );
}

function SideBySide({ e, size }: { readonly e: EnhancementView; readonly size: { w: number; h: number } }) {
  const src = e.inputs.find((i) => i.frame === e.referenceFrame);
  return (
    <div className="cmp-side">
      <figure>
        <Viewport testId="cmp-left" label="Original" size={size}>
          <Stage e={e} which="source" />
        </Viewport>
        <figcaption>
          Original — frame {e.referenceFrame}, {src?.width}×{src?.height} px, nearest-neighbour ×{e.scale}
        </figcaption>
      </figure>
      <figure>
        <Viewport testId="cmp-right" label="Result" size={size}>
          <Stage e={e} which="output" />
        </Viewport>
        <figcaption>
          Result — {e.title}, {e.outputWidth}×{e.outputHeight} px <TierLabel tier={e.tier} label={e.tierLabel} compact />
        </figcaption>
      </figure>
    </div>
  );
}

function GuardPanel({ e }: { readonly e: EnhancementView }) {
  const g = e.guard;
  const c = g.quality.components;
  return (
    <section className="panel guard-panel" aria-label="Identity guard" data-testid="guard-panel">
      <div className="panel-head">
        <h2>Identity guard — a drift check</h2>
        <VerdictBadge e={e} />
      </div>
      <p className="guard-headline" data-testid="guard-headline">
        {e.guardText.headline}
      </p>
      <p className="muted small" data-testid="guard-meaning">
        {e.guardText.meaning}
      </p>
      <dl className="guard-numbers">
        <dt>Identity similarity to its source</dt>
        <dd className="mono" data-testid="guard-similarity">
          {g.similarity.toFixed(3)} <span className="muted">(drift at ≤ {g.thresholds.minSimilarity}; cosine {g.cosine.toFixed(4)}, calibrated 0 = different people, 1 = same person)</span>
        </dd>
        <dt>Quality</dt>
        <dd className="mono" data-testid="guard-quality">
          {g.quality.value.toFixed(3)} <span className="muted">(needs &gt; {g.thresholds.minQuality})</span>
        </dd>
        <dt>Components</dt>
        <dd className="mono">
          resolution {c.resolution.toFixed(2)} · sharpness {c.sharpness.toFixed(2)} · noise {c.noise.toFixed(2)} · blockiness {c.blockiness.toFixed(2)} · stability {c.stability.toFixed(2)}
        </dd>
        {g.sourceDetail && (
          <>
            <dt>Source detail</dt>
            <dd className="mono" data-testid="guard-source-detail">
              face {g.sourceDetail.faceWidth.toFixed(0)} px wide, ~{g.sourceDetail.effectiveFaceWidth.toFixed(0)} px of real detail
              {g.sourceDetail.factor > 1 ? ` (the footage looks upscaled ×${g.sourceDetail.factor})` : ''}
            </dd>
          </>
        )}
      </dl>
      {g.reasons.length > 0 && <p className="error-text">{g.reasons.join('; ')}</p>}
      <div className="chips">
        <figure>
          <img src={mediaUrl(e.media.sourceChip)} width={96} height={96} alt="aligned source" />
          <figcaption>source, aligned</figcaption>
        </figure>
        <figure>
          <img src={mediaUrl(e.media.enhancedChip)} width={96} height={96} alt="aligned result" />
          <figcaption>result, aligned</figcaption>
        </figure>
      </div>
    </section>
  );
}

function FramesPanel({ e }: { readonly e: EnhancementView }) {
  const regs = new Map((e.registrations ?? []).map((r) => [r.frame, r]));
  const contrib = new Map((e.contributions ?? []).map((c) => [c.frame, c]));
  const maps = new Map(e.media.contributions.map((c) => [c.frame, c.media]));
  const [open, setOpen] = useState<number | null>(null);
  const local = (e.registrations ?? []).some((r) => r.local);
  return (
    <section className="panel" aria-label="Frames used">
      <div className="panel-head">
        <h2>Frames</h2>
        <span className="muted">
          {e.acceptedFrames} fused, {e.rejectedFrames} rejected · click a contribution map to enlarge it
        </span>
      </div>
      <div className="frames-scroll" data-testid="frames-table">
        <table className="grid">
          <thead>
            <tr>
              <th>Frame</th>
              <th>Status</th>
              <th className="num">Correlation</th>
              <th className="num">Residual</th>
              {local && <th className="num" title="Mean agreement weight over the face after local registration">Agreement</th>}
              <th className="num" title="Exposure match to the reference: gain × frame + offset">Exposure</th>
              <th className="num">Share</th>
              <th>Contribution</th>
            </tr>
          </thead>
          <tbody>
            {e.inputs.map((i) => {
              const r = regs.get(i.frame);
              const c = contrib.get(i.frame);
              const m = maps.get(i.frame);
              const bright = c ? Math.min(12, 0.5 / Math.max(0.01, c.share)) : 1;
              return (
                <Fragment key={i.frame}>
                  <tr data-testid="frame-row" data-accepted={r ? String(r.accepted) : 'true'}>
                    <td className="mono">
                      {i.frame}
                      {i.frame === e.referenceFrame ? ' ★' : ''}
                    </td>
                    <td>{!r ? 'source' : r.accepted ? 'fused' : <span className="error-text">{r.reasons.some((x) => x.code === 'below-minimum') ? 'not used' : 'rejected'}: {r.reasons.map((x) => x.detail).join('; ')}</span>}</td>
                    <td className="num mono">{r ? (r.local ? r.local.correlation : r.robustCorrelation).toFixed(3) : '—'}</td>
                    <td className="num mono">{r ? r.residualMad.toFixed(4) : '—'}</td>
                    {local && <td className="num mono">{r?.local ? `${(r.local.agreement * 100).toFixed(0)} %` : '—'}</td>}
                    <td className="num mono">{r?.exposure ? `×${r.exposure.gain.toFixed(2)} ${r.exposure.offset >= 0 ? '+' : '−'}${Math.abs(r.exposure.offset).toFixed(3)}` : '—'}</td>
                    <td className="num mono">{c ? `${(c.share * 100).toFixed(1)} %` : '—'}</td>
                    <td>
                      {m && c ? (
                        // A frame's share is about 1/K everywhere; brighten so its spatial pattern (occlusions, edges) shows.
                        <img
                          className="contribution-map"
                          data-testid="contribution-map"
                          src={mediaUrl(m)}
                          width={40}
                          alt={`contribution map of frame ${i.frame}`}
                          title="Click to enlarge"
                          style={{ filter: `brightness(${bright.toFixed(2)})` }}
                          onClick={() => setOpen(open === i.frame ? null : i.frame)}
                        />
                      ) : null}
                    </td>
                  </tr>
                  {open === i.frame && m && c && (
                    <tr>
                      <td colSpan={local ? 8 : 7}>
                        <div className="map-enlarged" data-testid="contribution-enlarged">
                          <img src={mediaUrl(m)} width={Math.min(480, e.outputWidth * 2)} alt={`contribution map of frame ${i.frame}, enlarged`} style={{ filter: `brightness(${bright.toFixed(2)})` }} onClick={() => setOpen(null)} />
                          <p className="muted small">
                            Frame {i.frame}’s share of each output pixel (brightened ×{bright.toFixed(1)}): dark where it was down-weighted — where it disagreed with the reference
                            after registration (expression, pose, occlusion) or fell outside its crop. Mean share {(c.share * 100).toFixed(1)} %, {(c.downweightedFraction * 100).toFixed(0)} % of its samples
                            down-weighted.
                          </p>
                        </div>
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function StepsPanel({ e }: { readonly e: EnhancementView }) {
  const tool = e.runtime.ffmpeg as { version: string; source: string; path: string } | undefined;
  return (
    <section className="panel" aria-label="Processing steps" data-testid="steps-panel">
      <div className="panel-head">
        <h2>Processing steps</h2>
      </div>
      <ol className="steps">
        {e.steps.map((s, i) => (
          <li key={i} data-testid="step">
            <strong className="mono">{s.operation}</strong> — {s.method}
            <details>
              <summary>parameters</summary>
              <pre className="mono">{JSON.stringify(s.params, null, 2)}</pre>
            </details>
          </li>
        ))}
      </ol>
      <h3>Models</h3>
      <ul className="models">
        {e.models.map((m) => (
          <li key={m.id} className="mono">
            {m.id} {shortHash(m.sha256, 16)}… <span className="muted">({m.use})</span>
          </li>
        ))}
      </ul>
      <p className="mono muted">
        frames decoded by {tool ? `ffmpeg ${tool.version} (${tool.source}, ${tool.path})` : 'ffmpeg (not recorded: made before Sightline recorded it)'}
      </p>
      <p className="mono muted hash-full">output sha256 {e.outputSha256}</p>
    </section>
  );
}

function ReplayPanel({ e }: { readonly e: EnhancementView }) {
  const running = useCompare((s) => s.replayJobId !== null);
  return (
    <section className="panel" aria-label="Reproducibility">
      <div className="panel-head">
        <h2>Reproducibility</h2>
        <button type="button" onClick={() => void attempt('The replay could not start', () => useCompare.getState().replay())} disabled={running} title={running ? 'A replay is running' : 'Re-run from the original evidence and compare hashes'} data-testid="replay-button">
          {running ? 'Replaying…' : 'Replay from the originals'}
        </button>
      </div>
      {e.replays.length === 0 ? (
        <p className="muted">Not replayed yet.</p>
      ) : (
        <ul>
          {e.replays.map((r) => (
            <li key={r.id} data-testid="replay" data-matches={String(r.matches)}>
              {r.matches ? '✓ identical output' : '✗ DIFFERENT output'} <span className="mono muted">{shortHash(r.outputSha256, 16)}…</span> <span className="muted">{dateTime(r.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const MODES: ReadonlyArray<{ mode: CompareMode; label: string }> = [
  { mode: 'side', label: 'Side by side' },
  { mode: 'wipe', label: 'Wipe' },
  { mode: 'flicker', label: 'Flicker' },
];

/** An enhancement beside its source: side by side, wipe or flicker, synchronised zoom and pan, and everything behind it. */
export function CompareView({ enhancementId }: { readonly enhancementId: number }) {
  const e = useCompare((s) => (s.enhancement?.id === enhancementId ? s.enhancement : null));
  const mode = useCompare((s) => s.mode);
  const zoom = useCompare((s) => s.zoom);
  const wipe = useCompare((s) => s.wipe);
  const hz = useCompare((s) => s.flickerHz);
  const paused = useCompare((s) => s.flickerPaused);
  const navigate = useApp((s) => s.navigate);
  const [areaRef, areaWidth] = useWidth();
  const size = paneSize(mode, areaWidth);
  const fit = e ? Math.min(size.w / e.outputWidth, size.h / e.outputHeight) : 1;

  useEffect(() => {
    void useCompare
      .getState()
      .load(enhancementId)
      .catch((err: unknown) => toastError('Could not load the enhancement', err));
  }, [enhancementId]);
  useEffect(() => {
    if (e) useCompare.getState().resetView(fit);
  }, [e?.id, fit]);

  if (!e) return <div className="compare-view loading-view">Loading enhancement {enhancementId}…</div>;
  const z = useCompare.getState();
  return (
    <div className="compare-view" data-testid="compare-view">
      <div className={`banner ${e.tier === 'investigative' ? 'banner-investigative' : 'banner-evidential'}`}>
        <TierLabel tier={e.tier} label={e.tierLabel} />
        <span className="spacer" />
        <VerdictBadge e={e} />
      </div>
      {e.guardText.outcome !== 'no-drift' && (
        <div className="banner banner-error" role="alert" data-testid="guard-warning">
          ⚠ {e.guardText.headline}. This image is kept for the record and must not be presented as the face.
        </div>
      )}
      <div className="toolbar">
        <button type="button" className="link" data-testid="back-to-track" onClick={() => navigate({ name: 'track', evidenceId: e.evidenceId, trackId: e.trackId })}>
          ← {trackTitle(e.track)}
        </button>
        <strong data-testid="compare-title">
          Enhancement {e.id}: {e.title}
        </strong>
        <div className="seg" role="group" aria-label="Comparison">
          {MODES.map((m) => (
            <button key={m.mode} type="button" className={`small ${mode === m.mode ? 'active' : ''}`} aria-pressed={mode === m.mode} onClick={() => z.setMode(m.mode)} data-testid={`cmp-mode-${m.mode}`}>
              {m.label}
            </button>
          ))}
        </div>
        {mode === 'wipe' && (
          <label className="inline">
            <span>Wipe</span>
            <input type="range" min={0} max={100} value={wipe} onChange={(ev) => z.setWipe(Number(ev.target.value))} aria-label="Wipe position" data-testid="wipe-slider" />
          </label>
        )}
        {mode === 'flicker' && (
          <>
            <label className="inline">
              <span>Rate</span>
              <select value={hz} onChange={(ev) => z.setFlickerHz(Number(ev.target.value))} aria-label="Flicker rate" data-testid="flicker-rate">
                {[0.5, 1, 2, 4, 8].map((v) => (
                  <option key={v} value={v}>
                    {v} / s
                  </option>
                ))}
              </select>
            </label>
            <button type="button" className="small" onClick={() => z.toggleFlickerPause()}>
              {paused ? 'Resume' : 'Pause'}
            </button>
          </>
        )}
        <span className="spacer" />
        <ExportMenu
          items={[
            { key: 'enhanced', label: 'Enhanced image', request: { kind: 'enhanced', enhancementId: e.id } },
            { key: 'comparison', label: 'Side-by-side comparison', request: { kind: 'comparison', enhancementId: e.id } },
          ]}
          reportSelection={{ enhancementIds: [e.id] }}
        />
        <div className="zoom-controls" role="group" aria-label="Zoom">
          <button type="button" className="small" onClick={() => z.zoomBy(0.8, size.w / 2, size.h / 2)} data-testid="cmp-zoom-out">
            −
          </button>
          <span className="mono zoom-level" data-testid="cmp-zoom-level">
            {Math.round(zoom * 100)}%
          </span>
          <button type="button" className="small" onClick={() => z.zoomBy(1.25, size.w / 2, size.h / 2)} data-testid="cmp-zoom-in">
            +
          </button>
          <button type="button" className="small" onClick={() => z.resetView(fit)}>
            Fit
          </button>
          <button type="button" className="small" onClick={() => z.resetView(1)}>
            1:1
          </button>
        </div>
      </div>
      <div className="compare-body">
        <div className="compare-images" ref={areaRef}>
          {mode === 'side' && <SideBySide e={e} size={size} />}
          {mode === 'wipe' && <Wipe e={e} size={size} />}
          {mode === 'flicker' && <Flicker e={e} size={size} />}
          <p className="muted small">Wheel to zoom, drag to pan: every pane follows. The original is enlarged nearest-neighbour, so each footage pixel is a visible block.</p>
        </div>
        <div className="compare-side">
          <GuardPanel e={e} />
          <ReplayPanel e={e} />
        </div>
      </div>
      <FramesPanel e={e} />
      <StepsPanel e={e} />
    </div>
  );
}
