import { useEffect } from 'react';
import type { DetectionView, EnhancementView } from '../../../app/contract';
import { trackTitle, trackWords } from '../../../domain/tracks';
import { mediaUrl } from '../bridge/api';
import { GuardThresholds } from '../components/GuardThresholds';
import { IdentifyLauncher } from '../components/IdentifyLauncher';
import { ProgressBar } from '../components/ProgressBar';
import { TierLabel, VerdictBadge } from '../components/TierLabel';
import { TrackName } from '../components/TrackName';
import { dateTime, percent } from '../lib/format';
import { useApp } from '../stores/appStore';
import { ENHANCE_STAGES, MODES, currentSelection, enhanceBlocker, referenceFrame, useEnhance } from '../stores/enhanceStore';
import { useJobs } from '../stores/jobsStore';
import { attempt, toastError } from '../stores/toastStore';
import '../enhance.css';

function FrameTile({ d, selected, reference, onToggle }: { readonly d: DetectionView; readonly selected: boolean; readonly reference: boolean; readonly onToggle: () => void }) {
  return (
    <li>
      <button
        type="button"
        className={`film-tile ${selected ? 'selected' : ''}`}
        data-testid="film-frame"
        data-frame={d.frame}
        aria-pressed={selected}
        onClick={onToggle}
        title={`Frame ${d.frame}: quality ${d.quality.toFixed(2)} (size ${d.components.size.toFixed(2)}, sharpness ${d.components.sharpness.toFixed(2)}, pose ${d.components.pose.toFixed(2)}), face ${Math.round(d.box.w)} px${reference ? ' — reference (best of the selection)' : ''}`}
      >
        <img src={mediaUrl(d.crop)} alt={`frame ${d.frame}`} width={72} height={72} draggable={false} />
        <span className="film-meta mono">
          {reference ? '★ ' : ''}
          {d.frame}
        </span>
        <span className="quality-bar" aria-label={`quality ${d.quality.toFixed(2)}`}>
          <span style={{ width: `${Math.round(d.quality * 100)}%` }} />
        </span>
        <span className="film-q mono muted">q {d.quality.toFixed(2)}</span>
      </button>
    </li>
  );
}

function EnhancementCard({ e }: { readonly e: EnhancementView }) {
  const navigate = useApp((s) => s.navigate);
  return (
    <li>
      <button type="button" className="enh-card" data-testid="enhancement" data-id={e.id} onClick={() => navigate({ name: 'compare', enhancementId: e.id })} title={`${e.title}. ${e.guardText.headline}`}>
        <span className="enh-thumbs">
          <img className="pixelated" src={mediaUrl(e.media.source)} alt="source" width={48} height={Math.round((48 * e.outputHeight) / e.outputWidth)} />
          <img src={mediaUrl(e.media.output)} alt={`enhancement ${e.id}`} width={48} height={Math.round((48 * e.outputHeight) / e.outputWidth)} />
        </span>
        <span className="enh-meta">
          <strong data-testid="enhancement-title">
            #{e.id} {e.title}
          </strong>
          <TierLabel tier={e.tier} label={e.tierLabel} compact />
          <VerdictBadge e={e} />
          <span className="mono muted">
            q {e.guard.quality.value.toFixed(2)} · similarity to source {e.guard.similarity.toFixed(2)} · {dateTime(e.createdAt)}
          </span>
        </span>
      </button>
    </li>
  );
}

/** The enhance job's progress: one bar over the whole job, the stage in words, and Cancel. */
function EnhanceProgress() {
  const jobId = useEnhance((s) => s.jobId);
  const job = useJobs((st) => (jobId !== null ? st.jobs[jobId] : undefined));
  const progress = useJobs((st) => (jobId !== null ? st.progress[jobId] : undefined));
  if (!job) return null;
  const stage = job.state === 'queued' ? 'Waiting for a worker' : progress ? (ENHANCE_STAGES[progress.stage] ?? progress.stage) : 'Starting the worker';
  const value = progress ? percent(progress.current, progress.total) : 0;
  return (
    <div className="enhance-progress" data-testid="enhance-progress" data-stage={progress?.stage ?? job.state}>
      <ProgressBar value={value} label="Enhancement progress" state={job.state} />
      <span className="muted" data-testid="enhance-stage">
        {stage}
        {progress && progress.total > 0 ? ` · step ${Math.min(progress.current + 1, progress.total)} of ${progress.total}` : ''}
      </span>
      <button type="button" className="small" data-testid="enhance-cancel" onClick={() => void attempt('Cancelling the enhancement', () => useEnhance.getState().cancel())}>
        Cancel
      </button>
    </div>
  );
}

/** Frames of a face track with their quality; pick frames (or best N), choose the method, enhance. */
export function TrackView({ evidenceId, trackId }: { readonly evidenceId: number; readonly trackId?: number }) {
  const s = useEnhance();

  useEffect(() => {
    void useEnhance
      .getState()
      .open(evidenceId, trackId)
      .catch((e: unknown) => toastError('Could not load the face tracks', e));
  }, [evidenceId, trackId]);

  const sel = currentSelection(s);
  const ref = referenceFrame(s.detections, sel.frames);
  const modeInfo = MODES.find((m) => m.mode === s.mode)!;
  const blocker = enhanceBlocker(s);
  const track = s.tracks.find((t) => t.id === s.trackId);
  const enhance = (): void => {
    void attempt('The enhancement could not start', () => useEnhance.getState().start());
  };

  if (!s.loading && s.tracks.length === 0) {
    return (
      <div className="track-view">
        <p className="empty">No face tracks for this clip yet: analyse it in the Clip view first.</p>
      </div>
    );
  }
  return (
    <div className="track-view">
      <aside className="panel track-column" aria-label="Face tracks">
        <div className="panel-head">
          <h2>Tracks</h2>
        </div>
        <ul>
          {s.tracks.map((t) => (
            <li key={t.id}>
              <div className={`track-item ${t.id === s.trackId ? 'active' : ''}`} data-testid="track-item" data-track-id={t.id}>
                <button
                  type="button"
                  className="track-pick"
                  onClick={() => void attempt('Could not open the track', () => useEnhance.getState().selectTrack(t.id))}
                  aria-label={`Open ${trackTitle(t)}`}
                  aria-pressed={t.id === s.trackId}
                >
                  {t.best[0] && <img src={mediaUrl(t.best[0].crop)} alt="" width={40} height={40} />}
                </button>
                <span className="track-item-text">
                  <TrackName ordinal={t.ordinal} name={t.name} onRename={(name) => useEnhance.getState().rename(t.id, name)} />
                  <span className="muted small" data-testid="track-words">
                    {trackWords(t)}
                  </span>
                  {(s.selections[t.id]?.frames.length ?? 0) > 0 && <span className="small accent-text">{s.selections[t.id]!.frames.length} frames selected</span>}
                </span>
              </div>
            </li>
          ))}
        </ul>
      </aside>
      <section className="track-main">
        <div className="toolbar">
          <strong>{track ? trackTitle(track) : 'Frames'}</strong>
          <span className="muted" data-testid="selection-summary">
            {sel.frames.length} selected{sel.bestOf !== null ? ` (started as best ${sel.bestOf})` : ''}
          </span>
          <span className="spacer" />
          <label className="inline">
            <span>Best</span>
            <input
              type="number"
              min={1}
              max={64}
              value={s.best}
              onChange={(e) => s.setBest(Number(e.target.value))}
              aria-label="Number of frames for best N"
              data-testid="best-n"
              className="num-input"
            />
          </label>
          <button type="button" onClick={() => void attempt('Could not pick the best frames', () => useEnhance.getState().suggest())} data-testid="best-button" title="The best frames by quality, spread across the track (recorded as “best N” with its rule)">
            Select best {s.best}
          </button>
          <button type="button" onClick={() => s.clearSelection()} disabled={sel.frames.length === 0} title={sel.frames.length === 0 ? 'Nothing is selected' : 'Unselect every frame of this track'}>
            Clear
          </button>
          <IdentifyLauncher evidenceId={evidenceId} trackId={s.trackId} />
        </div>
        <ul className="filmstrip" aria-label="Filmstrip" data-testid="filmstrip">
          {s.detections.map((d) => (
            <FrameTile key={d.id} d={d} selected={sel.frames.includes(d.frame)} reference={d.frame === ref} onToggle={() => s.toggleFrame(d.frame)} />
          ))}
        </ul>
        <div className="enhance-controls panel">
          <fieldset className="modes">
            <legend>Method</legend>
            {MODES.map((m) => (
              <label key={m.mode} className="inline" title={m.help}>
                <input type="radio" name="mode" value={m.mode} checked={s.mode === m.mode} onChange={() => s.setMode(m.mode)} data-testid={`mode-${m.mode}`} />
                <span>{m.label}</span>
              </label>
            ))}
          </fieldset>
          <label className="inline">
            <span>Scale</span>
            <select value={s.scale} onChange={(e) => s.setScale(Number(e.target.value) === 2 ? 2 : 4)} data-testid="scale">
              <option value={2}>×2</option>
              <option value={4}>×4</option>
            </select>
          </label>
          {s.mode === 'fusion' && (
            <label className="inline" title="When fewer than 3 frames register, run a single-frame deconvolution of the best frame instead of refusing; the result is labelled so">
              <input type="checkbox" checked={s.singleFrame} onChange={(e) => s.setSingleFrame(e.target.checked)} data-testid="single-frame" />
              <span>allow single-frame deconvolution</span>
            </label>
          )}
          <TierLabel tier={modeInfo.tier} />
          <span className="spacer" />
          <button type="button" className="primary" onClick={enhance} disabled={blocker !== null} title={blocker ?? `${modeInfo.label} ×${s.scale}`} data-testid="enhance-button">
            Enhance
          </button>
        </div>
        {blocker && (
          <p className="small warn-text" data-testid="enhance-blocker">
            {blocker}
          </p>
        )}
        <p className="muted small">{modeInfo.help}</p>
        <p>
          <GuardThresholds />
        </p>
        <EnhanceProgress />
        <h2>Enhancements of {track ? trackTitle(track) : 'this track'}</h2>
        {s.enhancements.length === 0 ? (
          <p className="muted">None yet.</p>
        ) : (
          <ul className="enh-list" aria-label="Enhancements">
            {s.enhancements.map((e) => (
              <EnhancementCard key={e.id} e={e} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
