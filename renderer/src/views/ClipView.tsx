import { useEffect, useRef, useState } from 'react';
import { ExportMenu } from '../components/ExportMenu';
import { FaceOverlay } from '../components/FaceOverlay';
import { RedactionLayer } from '../components/RedactionLayer';
import { FacesPanel } from '../components/FacesPanel';
import { FrameViewport } from '../components/FrameViewport';
import { Timeline, type TrackLane } from '../components/Timeline';
import { CopyButton } from '../components/CopyButton';
import { isTyping, modalOpen } from '../lib/keys';
import { dateTime, shortHash, timecode } from '../lib/format';
import { SPEEDS, useClip } from '../stores/clipStore';
import { useFaces } from '../stores/facesStore';
import { trackTitle, trackWords } from '../../../domain/tracks';
import type { TrackView } from '../../../app/contract';
import { attempt, notify, toastError } from '../stores/toastStore';
import { useZoom } from '../stores/zoomStore';

/** A stable empty list: a selector must not return a new array on every call (zustand re-renders on identity). */
const NO_TRACKS: readonly TrackView[] = [];

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

/** Play/pause (Space) and speed. Playback shows every frame, in order; the real speed is shown when decoding is slower. */
function PlayControls() {
  const playing = useClip((s) => s.playing);
  const speed = useClip((s) => s.speed);
  const actual = useClip((s) => s.actualSpeed);
  const c = useClip.getState();
  return (
    <div className="play-controls" role="group" aria-label="Playback">
      <button type="button" className="small" onClick={() => c.togglePlay()} data-testid="play-button" aria-pressed={playing} title={playing ? 'Pause (Space)' : 'Play every frame in order (Space)'}>
        {playing ? '❚❚ Pause' : '▶ Play'}
      </button>
      <select value={speed} onChange={(e) => c.setSpeed(Number(e.target.value))} aria-label="Playback speed" data-testid="play-speed">
        {SPEEDS.map((v) => (
          <option key={v} value={v}>
            {v}×
          </option>
        ))}
      </select>
      {playing && actual !== null && actual < speed * 0.9 && (
        <span className="muted small" data-testid="play-actual" title="Every frame is shown; decoding frames from the evidence limits the speed">
          playing at {actual.toFixed(2)}×
        </span>
      )}
    </div>
  );
}

/** The file's hashes and the shown frame's full pixel MD5, on demand. */
function HashDetails() {
  const evidence = useClip((s) => s.evidence);
  const shown = useClip((s) => s.shown);
  if (!evidence) return null;
  return (
    <div className="hash-details mono" data-testid="hash-details">
      <span>
        file SHA-256 <span className="hash-full">{evidence.sha256}</span> <CopyButton value={evidence.sha256} label="the file SHA-256" />
      </span>
      <span>
        file MD5 <span data-testid="file-md5">{evidence.md5}</span> <CopyButton value={evidence.md5} label="the file MD5" />
      </span>
      {shown && (
        <span>
          frame {shown.index} pixels MD5 <span data-testid="pixel-md5">{shown.md5}</span> <CopyButton value={shown.md5} label="the pixel MD5" />{' '}
          <span className="muted">(of the decoded frame in its native pixel format, as ffmpeg -f framemd5 prints it; recorded at import, re-checked on every decode)</span>
        </span>
      )}
      <span className="muted">
        imported {dateTime(evidence.importedAt)} by {evidence.importedBy}
        {evidence.ffmpeg ? ` · indexed by ffmpeg ${evidence.ffmpeg.version} (${evidence.ffmpeg.source})` : ' · ffmpeg not recorded (imported before Sightline recorded it)'} · RGB {evidence.rgbConversion.matrix.toUpperCase()} {evidence.rgbConversion.range} range
      </span>
    </div>
  );
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
  const [hashes, setHashes] = useState(false);
  const tracks = useFaces((s) => (s.evidenceId === evidenceId ? s.tracks : NO_TRACKS));
  // The selected track is the subject: a frame export leaves its face visible and redacts every other.
  const selectedTrack = useFaces((s) => s.selected);
  const lanes: TrackLane[] = tracks.map((t) => ({
    id: t.id,
    label: trackTitle(t),
    title: `${trackTitle(t)}: frames ${t.firstFrame}–${t.lastFrame}, ${trackWords(t)}. Click to show its best frame.`,
    first: t.firstFrame,
    last: t.lastFrame,
    selected: t.id === selectedTrack,
  }));

  useEffect(() => {
    // Once per evidence id: the store itself is stable.
    void clip.open(evidenceId).catch((e: unknown) => toastError('The clip could not be opened', e));
  }, [evidenceId]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (isTyping(ev) || modalOpen() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      // Space on a focused button presses that button; it must not also toggle playback.
      if (ev.key === ' ' && ev.target instanceof HTMLElement && ev.target.closest('button, select, [role="button"]')) return;
      const c = useClip.getState();
      const z = useZoom.getState();
      const n = ev.shiftKey ? 10 : 1;
      switch (ev.key) {
        case ' ':
          c.togglePlay();
          break;
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
        <PlayControls />
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
          pixels <span className="mono muted">{shown ? shortHash(shown.md5, 8) : '—'}</span>{' '}
          <button type="button" className="link small" onClick={() => setHashes((v) => !v)} aria-expanded={hashes} data-testid="hashes-toggle">
            {hashes ? 'hide hashes' : 'hashes…'}
          </button>
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
      {hashes && <HashDetails />}
      <Timeline
        lanes={lanes}
        onLane={(id) => {
          const t = tracks.find((x) => x.id === id);
          useFaces.getState().select(id);
          if (t) clip.goTo(t.bestFrame);
        }}
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
        <kbd>Space</kbd> play/pause · <kbd>←</kbd>/<kbd>→</kbd> one frame · <kbd>Shift</kbd>+<kbd>←</kbd>/<kbd>→</kbd> ten · <kbd>Home</kbd>/<kbd>End</kbd> first/last · <kbd>G</kbd> go to frame ·{' '}
        <kbd>+</kbd>/<kbd>−</kbd> zoom · <kbd>0</kbd> fit · <kbd>1</kbd> actual pixels · <kbd>B</kbd> face boxes · drag to pan
      </p>
    </div>
  );
}
