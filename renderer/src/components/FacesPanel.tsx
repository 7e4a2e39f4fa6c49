import { useEffect } from 'react';
import type { CutRecord, ProvisionalTrackView, TrackRelationRecord, TrackView } from '../../../app/contract';
import { mediaUrl } from '../bridge/api';
import { isTyping, modalOpen } from '../lib/keys';
import { eta, percent } from '../lib/format';
import { useClip } from '../stores/clipStore';
import { useFaces } from '../stores/facesStore';
import { isActive, useJobs } from '../stores/jobsStore';
import { attempt, toastError } from '../stores/toastStore';
import { ProgressBar } from './ProgressBar';
import { TrackName } from './TrackName';
import { useApp } from '../stores/appStore';
import { trackTitle, trackWords } from '../../../domain/tracks';

const RELATION_WORDS: Record<TrackRelationRecord['kind'], string> = {
  'identity-split': 'split from',
  'cut-split': 'after a cut from',
  'same-person': 'same person as',
};

/** Stable empty lists: a selector must not return a new array on every call (zustand re-renders on identity). */
const NO_TRACKS: readonly TrackView[] = [];
const NO_RELATIONS: readonly TrackRelationRecord[] = [];
const NO_CUTS: readonly CutRecord[] = [];

function TrackCard({ track, selected, evidenceId, relations }: { readonly track: TrackView; readonly selected: boolean; readonly evidenceId: number; readonly relations: readonly TrackRelationRecord[] }) {
  const best = track.best[0];
  const navigate = useApp((s) => s.navigate);
  const doubtful = track.likelyFace === false;
  const links = relations.filter((r) => r.to === track.ordinal);
  const jump = (): void => {
    useFaces.getState().select(track.id);
    useClip.getState().goTo(track.bestFrame);
  };
  return (
    <li>
      <div className={`track-card ${selected ? 'active' : ''} ${doubtful ? 'doubtful' : ''}`}>
        <button
          type="button"
          className="track-card-pick"
          data-testid="track"
          data-track={track.ordinal}
          data-track-id={track.id}
          data-best-frame={track.bestFrame}
          data-doubtful={doubtful ? 'true' : 'false'}
          onClick={jump}
          title={`${trackTitle(track)}: frames ${track.firstFrame}–${track.lastFrame}, ${track.detections} detections${track.faceScore !== null ? `, face probability ${(track.faceScore * 100).toFixed(0)}%` : ''}${doubtful ? ' (doubtful: the face check was not convinced this is a face)' : ''}. Best frames: ${track.best.map((d) => `${d.frame} (quality ${d.quality.toFixed(2)})`).join(', ')}.${links.map((r) => ` ${RELATION_WORDS[r.kind]} track ${r.from} (cosine ${r.similarity.toFixed(3)}).`).join('')} Click to show its best frame.`}
        >
          <span className="track-thumbs">
            {track.best.map((d) => (
              <img key={d.id} src={mediaUrl(d.crop)} alt={`${trackTitle(track)}, frame ${d.frame}`} width={56} height={56} draggable={false} />
            ))}
          </span>
        </button>
        <span className="track-meta">
          <TrackName ordinal={track.ordinal} name={track.name} onRename={(name) => useFaces.getState().rename(track.id, name)} />
          <span className="mono">
            frames {track.firstFrame}–{track.lastFrame}
          </span>
          <span className="muted" data-testid="track-words">
            {trackWords(track)} (quality {best ? best.quality.toFixed(2) : '—'})
          </span>
          {doubtful && <span className="track-flag" data-testid="track-doubtful">doubtful — may not be a face</span>}
          {links.map((r) => (
            <span key={`${r.kind}-${r.from}`} className="track-flag muted" data-testid="track-relation">
              {RELATION_WORDS[r.kind]} track {r.from}
            </span>
          ))}
          <button
            type="button"
            className="small"
            data-testid="track-enhance"
            title={`Open ${trackTitle(track)} in the Enhance view`}
            onClick={() => {
              useFaces.getState().select(track.id);
              navigate({ name: 'track', evidenceId, trackId: track.id });
            }}
          >
            Enhance…
          </button>
        </span>
      </div>
    </li>
  );
}

/**
 * Faces of the clip: Analyse (with live progress and Cancel), the boxes overlay toggle (B), and the face tracks
 * with thumbnails of their best frames; clicking a track shows its best frame.
 */
function ProvisionalCard({ track }: { readonly track: ProvisionalTrackView }) {
  return (
    <li className="track-card provisional" data-testid="provisional-track" title={`Found so far: frames ${track.firstFrame}–${track.lastFrame}, ${track.detections} detections (provisional until the analysis ends)`}>
      <span className="track-thumbs">
        <img src={mediaUrl(track.crop)} alt={`provisional track, frame ${track.bestFrame}`} width={56} height={56} draggable={false} />
      </span>
      <span className="track-meta">
        <span className="mono">
          {track.firstFrame}–{track.lastFrame}
        </span>
        <span className="muted">{track.detections}×</span>
      </span>
    </li>
  );
}

export function FacesPanel({ evidenceId }: { readonly evidenceId: number }) {
  const run = useFaces((s) => (s.evidenceId === evidenceId ? s.run : null));
  const tracks = useFaces((s) => (s.evidenceId === evidenceId ? s.tracks : NO_TRACKS));
  const relations = useFaces((s) => (s.evidenceId === evidenceId ? s.relations : NO_RELATIONS));
  const cuts = useFaces((s) => (s.evidenceId === evidenceId ? s.cuts : NO_CUTS));
  const partial = useFaces((s) => (s.evidenceId === evidenceId ? s.partial : null));
  const loading = useFaces((s) => s.loading);
  const showBoxes = useFaces((s) => s.showBoxes);
  const selected = useFaces((s) => s.selected);
  const job = useJobs((s) => Object.values(s.jobs).find((j) => j.kind === 'analyze' && j.params.evidenceId === evidenceId && isActive(j)));
  const progress = useJobs((s) => (job ? s.progress[job.id] : undefined));
  const cancel = useJobs((s) => s.cancel);

  useEffect(() => {
    void useFaces
      .getState()
      .load(evidenceId)
      .catch((e: unknown) => toastError('Could not load the face tracks', e));
  }, [evidenceId]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key !== 'b' || isTyping(ev) || modalOpen() || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      ev.preventDefault();
      useFaces.getState().toggleBoxes();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const analyse = (): void => {
    void attempt('Analysis could not start', () => useFaces.getState().analyse(evidenceId));
  };
  const near = run?.nearThreshold ?? 0;
  const nearScore = run?.settings.detector.nearScore;
  const analyseLower = (): void => {
    void attempt('Analysis could not start', () => useFaces.getState().analyse(evidenceId, { ...(nearScore !== undefined ? { minScore: nearScore } : {}) }));
  };
  const value = progress && progress.stage === 'analyse' ? percent(progress.current, progress.total) : job?.state === 'running' && progress ? 99 : 0;

  return (
    <section className="faces-panel" aria-label="Faces" data-testid="faces-panel">
      <header className="faces-head">
        <h2>Faces</h2>
        <span className="muted" data-testid="analysis-status">
          {job
            ? job.state === 'queued'
              ? 'analysis waiting…'
              : progress
                ? `analysing: ${progress.stage === 'analyse' ? `frame ${progress.current} of ${progress.total}` : 'recording results'}${progress.detail ? ` · ${progress.detail}` : ''}${progress.etaSeconds !== null ? ` · ${eta(progress.etaSeconds)}` : ''}`
                : 'analysis starting…'
            : run
              ? `run ${run.id}: ${run.framesAnalysed} frames${run.step > 1 ? ` (every ${run.step}.)` : ''}, ${run.detectionCount} faces in ${run.trackCount} track${run.trackCount === 1 ? '' : 's'}${cuts.length ? `, ${cuts.length} shot cut${cuts.length === 1 ? '' : 's'}` : ''}`
              : loading
                ? 'loading…'
                : 'not analysed yet'}
        </span>
        {job && (
          <span className="faces-progress">
            <ProgressBar value={value} label="Analysis progress" state={job.state} />
          </span>
        )}
        <span className="spacer" />
        <button type="button" className={`small ${showBoxes ? 'active' : ''}`} onClick={() => useFaces.getState().toggleBoxes()} aria-pressed={showBoxes} title="Show face boxes on the frame (B)" data-testid="boxes-toggle">
          Boxes
        </button>
        {job ? (
          <button type="button" className="small" onClick={() => void attempt('Cancelling the analysis', () => cancel(job.id))} data-testid="analysis-cancel">
            Cancel
          </button>
        ) : (
          <button type="button" className="primary small" onClick={analyse} data-testid="analyse-button" title="Find, track and rank every face in this clip (runs in the background)">
            {run ? 'Re-analyse' : 'Analyse'}
          </button>
        )}
      </header>
      {job && partial && partial.tracks.length > 0 && (
        <ul className="track-list provisional-list" data-testid="provisional-tracks" aria-label="Faces found so far (provisional)">
          {partial.tracks.map((t) => (
            <ProvisionalCard key={`${t.segment}:${t.localTrack}`} track={t} />
          ))}
        </ul>
      )}
      {!job && near > 0 && (
        <p className="near-hint" data-testid="near-threshold-hint">
          {near} face candidate{near === 1 ? ' was' : 's were'} seen below the threshold (face probability {run?.settings.detector.nearScore}–{run?.settings.detector.minScore}) and not kept.{' '}
          <button type="button" className="small" onClick={analyseLower} data-testid="analyse-lower">
            Re-analyse keeping them
          </button>
        </p>
      )}
      {tracks.length > 0 ? (
        <ul className="track-list" data-testid="track-list">
          {tracks.map((t) => (
            <TrackCard key={t.id} track={t} selected={t.id === selected} evidenceId={evidenceId} relations={relations} />
          ))}
        </ul>
      ) : (
        run && <p className="empty muted">No faces found in this run.</p>
      )}
    </section>
  );
}
