import { AlertsBadge } from './AlertsBadge';
import { useApp, type View } from '../stores/appStore';
import { useCase } from '../stores/caseStore';
import { useFaces } from '../stores/facesStore';

/** The track last chosen in the Clip view opens in the Enhance view (when it is of that clip). */
function enhanceView(evidenceId: number): View {
  const f = useFaces.getState();
  return f.evidenceId === evidenceId && f.selected !== null ? { name: 'track', evidenceId, trackId: f.selected } : { name: 'track', evidenceId };
}
import { attempt } from '../stores/toastStore';

const TABS: { readonly name: View['name']; readonly label: string; readonly key: string }[] = [
  { name: 'case', label: 'Case', key: '1' },
  { name: 'clip', label: 'Clip', key: '2' },
  { name: 'track', label: 'Enhance', key: '3' },
  { name: 'audit', label: 'Audit', key: '4' },
  { name: 'gallery', label: 'Gallery', key: '5' },
];

export function TopBar() {
  const { view, currentCase, info, connection, lastClip, navigate } = useApp();
  const close = useCase((s) => s.close);
  const go = (name: View['name']): void => {
    if (name === 'clip' || name === 'track') {
      if (lastClip !== null) navigate(name === 'track' ? enhanceView(lastClip) : { name, evidenceId: lastClip });
    } else navigate({ name } as View);
  };
  return (
    <header className="topbar">
      <span className="brand">Sightline</span>
      {currentCase ? (
        <>
          <span className="case-chip" title={currentCase.dir}>
            <strong>{currentCase.caseNumber}</strong> {currentCase.title}
          </span>
          <nav className="tabs" aria-label="Views">
            {TABS.map((t) => (
              <button
                key={t.name}
                type="button"
                className={`tab ${view.name === t.name || (t.name === 'track' && (view.name === 'compare' || view.name === 'identify')) ? 'active' : ''}`}
                aria-current={view.name === t.name ? 'page' : undefined}
                disabled={(t.name === 'clip' || t.name === 'track') && lastClip === null}
                onClick={() => go(t.name)}
                title={(t.name === 'clip' || t.name === 'track') && lastClip === null ? `${t.label}: open a clip from the case's evidence first` : `${t.label} (Alt+${t.key})`}
              >
                {t.label}
              </button>
            ))}
            <AlertsBadge />
          </nav>
          <span className="spacer" />
          <button type="button" className="small" onClick={() => void attempt('The case could not be closed', close)}>
            Close case
          </button>
        </>
      ) : (
        <span className="spacer" />
      )}
      <span className={`conn conn-${connection}`} title={info ? `Sightline ${info.version} · ${info.shell} shell · ${info.platform}` : ''}>
        {info?.shell === 'browser' ? 'browser shell · ' : ''}v{info?.version}
      </span>
    </header>
  );
}

/** Alt+1/2/3/4 switch views from anywhere. */
export function handleTabKeys(ev: KeyboardEvent): boolean {
  if (!ev.altKey || ev.ctrlKey || ev.metaKey) return false;
  const tab = TABS.find((t) => t.key === ev.key);
  if (!tab) return false;
  const { lastClip, navigate, currentCase } = useApp.getState();
  if (!currentCase) return false;
  if (tab.name === 'clip' || tab.name === 'track') {
    if (lastClip === null) return false;
    navigate(tab.name === 'track' ? enhanceView(lastClip) : { name: tab.name, evidenceId: lastClip });
  } else navigate({ name: tab.name } as View);
  return true;
}
