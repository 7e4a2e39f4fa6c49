import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { EnhancementView } from '../../../app/contract';
import { mediaUrl } from '../bridge/api';
import { TierLabel, VerdictBadge } from '../components/TierLabel';
import { shortHash } from '../lib/format';
import { useApp } from '../stores/appStore';
import { ExportMenu } from '../components/ExportMenu';
import { useCompare, type CompareMode } from '../stores/compareStore';
import { attempt, toastError } from '../stores/toastStore';
import '../enhance.css';

/** Viewport size in CSS pixels; the images start fitted into it. */
const VIEW = 400;

/** One pane: the shared zoom/pan applied to its content; wheel zooms about the pointer, drag pans. */
function Viewport({ children, testId, label }: { readonly children: ReactNode; readonly testId: string; readonly label: string }) {
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
      style={{ width: VIEW, height: VIEW }}
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

function Flicker({ e }: { readonly e: EnhancementView }) {
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
      <Viewport testId="cmp-flicker" label="Flicker comparison">
        <Stage e={e} which={showResult ? 'output' : 'source'} />
      </Viewport>
      <span className="cmp-caption" data-testid="flicker-showing" data-showing={showResult ? 'result' : 'original'}>
        Showing: {showResult ? 'result' : `original (frame ${e.referenceFrame})`}
      </span>
    </div>
  );
}

function Wipe({ e }: { readonly e: EnhancementView }) {
  const wipe = useCompare((s) => s.wipe);
  return (
    <div className="cmp-single">
      <Viewport testId="cmp-wipe" label="Wipe comparison: original left of the line, result right">
        <Stage e={e} which="source" />
        <div className="cmp-wipe-layer" style={{ clipPath: `inset(0 0 0 ${wipe}%)` }} data-testid="wipe-layer" data-wipe={wipe}>
          <Stage e={e} which="output" />
        </div>
        <div className="cmp-wipe-line" style={{ left: `${wipe}%` }} />
      </Viewport>
      <span className="cmp-caption">
        ← original (frame {e.referenceFrame}) · result →
      </span>
    </div>
  );
}

function SideBySide({ e }: { readonly e: EnhancementView }) {
  return (
    <div className="cmp-side">
      <figure>
        <Viewport testId="cmp-left" label="Original">
          <Stage e={e} which="source" />
        </Viewport>
        <figcaption>
          Original — frame {e.referenceFrame}, {e.inputs.find((i) => i.frame === e.referenceFrame)?.width}×{e.inputs.find((i) => i.frame === e.referenceFrame)?.height} px, nearest-neighbour ×{e.scale}
        </figcaption>
      </figure>
      <figure>
        <Viewport testId="cmp-right" label="Result">
          <Stage e={e} which="output" />
        </Viewport>
        <figcaption>
          Result — {e.mode} ×{e.scale}, {e.outputWidth}×{e.outputHeight} px <TierLabel tier={e.tier} label={e.tierLabel} compact />
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
        <h2>Identity guard</h2>
        <VerdictBadge e={e} />
      </div>
      <dl className="guard-numbers">
        <dt>Identity similarity</dt>
        <dd className="mono" data-testid="guard-similarity">
          {g.similarity.toFixed(3)} <span className="muted">(needs &gt; {g.thresholds.minSimilarity}; cosine {g.cosine.toFixed(4)}, calibrated 0 = different people, 1 = same person)</span>
        </dd>
        <dt>Quality</dt>
        <dd className="mono" data-testid="guard-quality">
          {g.quality.value.toFixed(3)} <span className="muted">(needs &gt; {g.thresholds.minQuality})</span>
        </dd>
        <dt>Components</dt>
        <dd className="mono">
          resolution {c.resolution.toFixed(2)} · sharpness {c.sharpness.toFixed(2)} · noise {c.noise.toFixed(2)} · blockiness {c.blockiness.toFixed(2)} · stability {c.stability.toFixed(2)}
        </dd>
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
  return (
    <section className="panel" aria-label="Frames used">
      <div className="panel-head">
        <h2>Frames</h2>
        <span className="muted">
          {e.acceptedFrames} used, {e.rejectedFrames} rejected
        </span>
      </div>
      <table className="grid">
        <thead>
          <tr>
            <th>Frame</th>
            <th>Status</th>
            <th className="num">Correlation</th>
            <th className="num">Residual</th>
            <th className="num">Share</th>
            <th>Contribution</th>
          </tr>
        </thead>
        <tbody>
          {e.inputs.map((i) => {
            const r = regs.get(i.frame);
            const c = contrib.get(i.frame);
            const m = maps.get(i.frame);
            return (
              <tr key={i.frame} data-testid="frame-row" data-accepted={r ? String(r.accepted) : 'true'}>
                <td className="mono">
                  {i.frame}
                  {i.frame === e.referenceFrame ? ' ★' : ''}
                </td>
                <td>{!r ? 'source' : r.accepted ? 'fused' : <span className="error-text">rejected: {r.reasons.map((x) => x.detail).join('; ')}</span>}</td>
                <td className="num mono">{r ? r.robustCorrelation.toFixed(3) : '—'}</td>
                <td className="num mono">{r ? r.residualMad.toFixed(4) : '—'}</td>
                <td className="num mono">{c ? `${(c.share * 100).toFixed(1)} %` : '—'}</td>
                <td>
                  {m && c ? (
                    // A frame's share is about 1/K everywhere; brighten so its spatial pattern (occlusions, edges) shows.
                    <img className="contribution-map" src={mediaUrl(m)} width={40} alt={`contribution map of frame ${i.frame}`} style={{ filter: `brightness(${Math.min(12, 0.5 / Math.max(0.01, c.share)).toFixed(2)})` }} />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function StepsPanel({ e }: { readonly e: EnhancementView }) {
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
      <p className="mono muted">output sha256 {e.outputSha256}</p>
    </section>
  );
}

function ReplayPanel({ e }: { readonly e: EnhancementView }) {
  const running = useCompare((s) => s.replayJobId !== null);
  return (
    <section className="panel" aria-label="Reproducibility">
      <div className="panel-head">
        <h2>Reproducibility</h2>
        <button type="button" onClick={() => void attempt('The replay could not start', () => useCompare.getState().replay())} disabled={running} data-testid="replay-button">
          {running ? 'Replaying…' : 'Replay from the originals'}
        </button>
      </div>
      {e.replays.length === 0 ? (
        <p className="muted">Not replayed yet.</p>
      ) : (
        <ul>
          {e.replays.map((r) => (
            <li key={r.id} data-testid="replay" data-matches={String(r.matches)}>
              {r.matches ? '✓ identical output' : '✗ DIFFERENT output'} <span className="mono muted">{shortHash(r.outputSha256, 16)}…</span> <span className="muted">{r.createdAt}</span>
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
  const fit = e ? Math.min(VIEW / e.outputWidth, VIEW / e.outputHeight) : 1;

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
      {e.guard.verdict === 'fail' && (
        <div className="banner banner-error" role="alert" data-testid="guard-warning">
          ⚠ The identity guard failed ({e.guard.reasons.join('; ')}). This image is kept for the record and must not be presented as the face.
        </div>
      )}
      <div className="toolbar">
        <button type="button" className="link" onClick={() => navigate({ name: 'track', evidenceId: e.evidenceId, trackId: e.trackId })}>
          ← Track
        </button>
        <strong>
          Enhancement {e.id}: {e.mode} ×{e.scale}
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
          <button type="button" className="small" onClick={() => z.zoomBy(0.8, VIEW / 2, VIEW / 2)} data-testid="cmp-zoom-out">
            −
          </button>
          <span className="mono zoom-level" data-testid="cmp-zoom-level">
            {Math.round(zoom * 100)}%
          </span>
          <button type="button" className="small" onClick={() => z.zoomBy(1.25, VIEW / 2, VIEW / 2)} data-testid="cmp-zoom-in">
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
        <div className="compare-images">
          {mode === 'side' && <SideBySide e={e} />}
          {mode === 'wipe' && <Wipe e={e} />}
          {mode === 'flicker' && <Flicker e={e} />}
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
