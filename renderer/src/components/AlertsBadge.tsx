import { useAlerts } from '../stores/alertsStore';
import { useApp } from '../stores/appStore';

/** The top bar's alert count (new watchlist alerts); opens the alerts list. */
export function AlertsBadge() {
  const unreviewed = useAlerts((s) => s.unreviewed);
  const total = useAlerts((s) => s.alerts.length);
  const navigate = useApp((s) => s.navigate);
  const view = useApp((s) => s.view.name);
  return (
    <button
      type="button"
      className={`tab alerts-tab ${view === 'alerts' ? 'active' : ''} ${unreviewed > 0 ? 'has-new' : ''}`}
      onClick={() => navigate({ name: 'alerts' })}
      data-testid="alerts-badge"
      data-count={unreviewed}
      title={`${unreviewed} new watchlist alert(s) of ${total}`}
    >
      Alerts{unreviewed > 0 && <span className="count">{unreviewed}</span>}
    </button>
  );
}
