import { useEffect } from 'react';
import { LEAD_NOT_IDENTIFICATION } from '../../../domain/identify';
import { mediaUrl } from '../bridge/api';
import { useAlerts } from '../stores/alertsStore';
import { useApp } from '../stores/appStore';
import { jumpTo } from '../stores/identifyStore';
import { attempt, toastError } from '../stores/toastStore';
import '../identify.css';

/** Watchlist alerts raised after analyses: which track, which gallery person, the numbers; mark seen (audited). */
export function AlertsView() {
  const alerts = useAlerts((s) => s.alerts);
  const unreviewed = useAlerts((s) => s.unreviewed);
  const navigate = useApp((s) => s.navigate);
  useEffect(() => {
    void useAlerts.getState().load().catch((e: unknown) => toastError('Could not load the alerts', e));
  }, []);
  return (
    <div className="alerts-view">
      <section className="panel" aria-label="Watchlist alerts">
        <header className="panel-head">
          <h2>Watchlist alerts</h2>
          <span className="muted">
            {unreviewed} new of {alerts.length}
          </span>
        </header>
        <p className="banner lead-banner" role="note">
          {LEAD_NOT_IDENTIFICATION}
        </p>
        {alerts.length === 0 ? (
          <p className="empty">No alerts: after each analysis, its tracks are compared with the gallery; tracks whose candidate passes the gate raise an alert.</p>
        ) : (
          <ul className="alerts" data-testid="alerts">
            {alerts.map((a) => (
              <li key={a.id} className={a.reviews.length ? 'seen' : 'new'} data-testid="alert" data-alert-id={a.id} data-person-id={a.personId}>
                {a.media.crop ? <img src={mediaUrl(a.media.crop)} alt="probe" width={56} height={56} className="pixelated" /> : <span className="thumb-blank" />}
                <img src={mediaUrl(a.media.thumb)} alt={`reference of ${a.candidate.name}`} width={56} height={56} />
                <span className="alert-text">
                  <strong>{a.candidate.name}</strong> — {a.originalName}, track {a.ordinal} (frames {a.firstFrame}–{a.lastFrame})
                  <span className="mono small">
                    {' '}
                    score {a.candidate.score.toFixed(3)} · similarity {a.candidate.similarity.toFixed(2)} · FMR {a.candidate.fmr.text} · LR {a.candidate.lr.text}
                  </span>
                  <span className="muted small"> {a.reviews.length ? `seen by ${a.reviews[0]!.createdBy}` : 'new'}</span>
                </span>
                <button type="button" className="small primary" onClick={() => navigate({ name: 'identify', evidenceId: a.evidenceId, trackId: a.trackId })} data-testid="alert-open">
                  Open track
                </button>
                <button type="button" className="small" onClick={() => jumpTo(a.evidenceId, a.bestFrame)}>
                  Go to frame {a.bestFrame}
                </button>
                {a.reviews.length === 0 && (
                  <button type="button" className="small" onClick={() => void attempt('Could not mark the alert', () => useAlerts.getState().review(a.id))} data-testid="alert-seen">
                    Mark seen
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
