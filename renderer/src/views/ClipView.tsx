import { useEffect, useRef, useState } from 'react';
import { ExportMenu } from '../components/ExportMenu';
import { FaceOverlay } from '../components/FaceOverlay';
import { RedactionLayer } from '../components/RedactionLayer';
import { FacesPanel } from '../components/FacesPanel';
import { FrameViewport } from '../components/FrameViewport';
import { Timeline } from '../components/Timeline';
import { isTyping, modalOpen } from '../lib/keys';
import { shortHash, timecode } from '../lib/format';
import { useClip } from '../stores/clipStore';
import { useFaces } from '../stores/facesStore';
import { attempt, notify, toastError } from '../stores/toastStore';
import { useZoom } from '../stores/zoomStore';

function FrameBox({ shown, last, onGo }: { readonly shown: number | null; readonly last: number; readonly onGo: (i: number) => void }) {
  const [text, setText] = useState('');
  const [editing, setEditing] = useState(false);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'g' && !isTyping(ev) && !modalOpen() && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        ref.current?.focus();
        ref.current?.select();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <label className="frame-box" title="Go to frame (G)">
      <span>Frame</span>
      <input
        ref={ref}
        data-testid="frame-input"
        aria-label="Go to frame"
        inputMode="numeric"
        className="mono"
        value={editing ? text : String(shown ?? '')}
        onFocus={() => {
          setEditing(true);
          setText(String(shown ?? ''));
        }}
        onBlur={() => setEditing(false)}
        onChange={(e) => setText(e.target.value.replace(/[^\d]/g, ''))}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            const n = Number.parseInt(text, 10);
            if (Number.isFinite(n)) onGo(n);
            e.currentTarget.blur();
          } else if (e.key === 'Escape') {
            e.currentTarget.blur();
          }
        }}
      />
      <span className="muted">/ {last}</span>
    </label>
  );
}

/** The pixel under the pointer: its own component, so pointer moves repaint one line, not the view. */
function CursorReadout() {
  const cursor = useZoom((s) => s.cursor);
  return <span className="mono muted">{cursor ? `x ${cursor.x}  y ${cursor.y}` : ''}</span>;
}

function ZoomControls() {
  const scale = useZoom((s) => s.scale);
  const fit = useZoom((s) => s.fit);
  const z = useZoom.getState();
  return (
    <div className="zoom-controls" role="group" aria-label="Zoom">
      <button type="button" className="small" onClick={() => z.zoomAt(0.8)} title="Zoom out (−)">
        −
      </button>
      <span className="mono zoom-level" data-testid="zoom-level">
        {Math.round(scale * 100)}%
      </span>
      <button type="button" className="small" onClick={() => z.zoomAt(1.25)} title="Zoom in (+)">
        +
      </button>
      <button type="button" className={`small ${fit ? 'active' : ''}`} onClick={() => z.fitToView()} title="Fit (0)">
        Fit
      </button>
      <button type="button" className="small" onClick={() => z.setScale(1)} title="Actual pixels (1)">
        1:1
      </button>
    </div>
  );
}

export function ClipView({ evidenceId }: { readonly evidenceId: number }) {
  const clip = useClip();
  const { evidence, shown, target } = clip;
  // The selected track is the subject: a frame export leaves its face visible and redacts every other.
  const selectedTrack = useFaces((s) => s.selected);

  useEffect(() => {
    // Once per evidence id: the store itself is stable.
    void clip.open(evidenceId).catch((e: unknown) => toastError('The clip could not be opened', e));
  }, [evidenceId]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (isTyping(ev) || modalOpen() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      const c = useClip.getState();
      const z = useZoom.getState();
      const n = ev.shiftKey ? 10 : 1;
      switch (ev.key) {
        case 'ArrowRight':
          c.step(n);
          break;
        case 'ArrowLeft':
          c.step(-n);
          break;
        case 'Home':
          c.goTo(0);
          break;
        case 'End':
          c.goTo(Number.MAX_SAFE_INTEGER);
          break;
        case 'PageDown':
          c.step(100);
          break;
        case 'PageUp':
          c.step(-100);
          break;
        case '+':
        case '=':
          z.zoomAt(1.25);
          break;
        case '-':
        case '_':
          z.zoomAt(0.8);
          break;
        case '0':
          z.fitToView();
          break;
        case '1':
          z.setScale(1);
          break;
        default:
          return;
      }
      ev.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!evidence || evidence.id !== evidenceId) {
    return <div className="clip-view loading-view">{clip.error ?? 'Opening clip…'}</div>;
  }
  const last = evidence.frameCount - 1;
  const exportFrame = (): void => {
    void attempt('Frame export failed', async () => {
      const r = await clip.exportShown();
      if (r) notify(`Frame ${r.frame.index} exported`, `${r.path}\nSHA-256 ${r.sha256}`);
    });
  };

  return (
    <div className="clip-view">
      <div className="toolbar">
        <div className="clip-title">
          <strong title={evidence.sourcePath}>{evidence.originalName}</strong>
          <span className="mono muted" title={evidence.sha256}>
            {shortHash(evidence.sha256)}…
          </span>
          <span className="mono">
            {evidence.width}×{evidence.height}
          </span>
          {evidence.fps && <span className="mono">{Number(evidence.fps.toFixed(3))} fps</span>}
          <span>{evidence.frameCount} frames</span>
          {evidence.vfr && <span className="badge">VFR</span>}
        </div>
        <span className="spacer" />
        <FrameBox shown={shown?.index ?? null} last={last} onGo={(i) => clip.goTo(i)} />
        <ZoomControls />
        <button type="button" className="primary" onClick={exportFrame} disabled={!shown} data-testid="export-frame">
          Export frame
        </button>
        {shown && (
          <ExportMenu
            items={[{ key: 'frame-redacted', label: 'Frame with redaction', request: { kind: 'frame', evidenceId: evidence.id, index: shown.index, ...(selectedTrack ? { keepTrackIds: [selectedTrack] } : {}) } }]}
            reportSelection={{ frames: [{ evidenceId: evidence.id, index: shown.index }], ...(selectedTrack ? { keepTrackIds: [selectedTrack] } : {}) }}
          />
        )}
      </div>
      <FrameViewport url={shown?.url ?? null} width={evidence.width} height={evidence.height} frameIndex={shown?.index ?? null} alt={shown ? `${evidence.originalName}, frame ${shown.index}` : ''}>
        <FaceOverlay evidenceId={evidence.id} frameIndex={shown?.index ?? null} width={evidence.width} height={evidence.height} />
        <RedactionLayer evidenceId={evidence.id} frameIndex={shown?.index ?? null} width={evidence.width} height={evidence.height} />
      </FrameViewport>
      <div className="statusbar" data-testid="frame-status">
        <span>
          Frame{' '}
          <strong className="mono" data-testid="frame-index">
            {shown?.index ?? '—'}
          </strong>{' '}
          <span className="muted">of 0–{last}</span>
        </span>
        <span>
          Time <strong className="mono" data-testid="frame-time">{timecode(shown?.time)}</strong>
        </span>
        <span title="Presentation timestamp in the stream's time base, and in seconds as stored in the file">
          pts <span className="mono" data-testid="frame-pts">{shown?.pts ?? '—'}</span>
          {shown && <span className="mono muted"> ({shown.ptsTime.toFixed(6)} s)</span>}
        </span>
        <span title="MD5 of the decoded pixels, as recorded at import">
          pixels <span className="mono muted">{shown ? shortHash(shown.md5, 8) : '—'}</span>
        </span>
        <CursorReadout />
        <span className="spacer" />
        {clip.loading && target !== shown?.index && (
          <span className="muted" data-testid="frame-pending">
            loading frame {target}…
          </span>
        )}
        {clip.error && (
          <span className="error-text" role="alert">
            {clip.error}
          </span>
        )}
      </div>
      <Timeline
        frameCount={evidence.frameCount}
        shownIndex={shown?.index ?? null}
        targetIndex={target}
        times={clip.times}
        stripUrl={clip.strip?.url ?? null}
        stripError={clip.stripError}
        onSeek={(i) => clip.goTo(i)}
      />
      <FacesPanel evidenceId={evidence.id} />
      <p className="keys muted">
        <kbd>←</kbd>/<kbd>→</kbd> one frame · <kbd>Shift</kbd>+<kbd>←</kbd>/<kbd>→</kbd> ten · <kbd>Home</kbd>/<kbd>End</kbd> first/last · <kbd>G</kbd> go to frame ·{' '}
        <kbd>+</kbd>/<kbd>−</kbd> zoom · <kbd>0</kbd> fit · <kbd>1</kbd> actual pixels · <kbd>B</kbd> face boxes · drag to pan
      </p>
    </div>
  );
}
