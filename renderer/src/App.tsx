import { useEffect } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { PathPicker } from './components/PathPicker';
import { ReportDialog } from './components/ReportDialog';
import { Toasts } from './components/Toasts';
import { handleTabKeys, TopBar } from './components/TopBar';
import { useApp, type View } from './stores/appStore';
import { AlertsView } from './views/AlertsView';
import { AuditView } from './views/AuditView';
import { CaseView } from './views/CaseView';
import { ClipView } from './views/ClipView';
import { CompareView } from './views/CompareView';
import { GalleryView } from './views/GalleryView';
import { IdentifyView } from './views/IdentifyView';
import { StartView } from './views/StartView';
import { TrackView } from './views/TrackView';

function CurrentView({ view }: { readonly view: View }) {
  switch (view.name) {
    case 'start':
      return <StartView />;
    case 'case':
      return <CaseView />;
    case 'clip':
      return <ClipView evidenceId={view.evidenceId} />;
    case 'track':
      return <TrackView evidenceId={view.evidenceId} {...(view.trackId !== undefined ? { trackId: view.trackId } : {})} />;
    case 'compare':
      return <CompareView enhancementId={view.enhancementId} />;
    case 'audit':
      return <AuditView />;
    case 'gallery':
      return <GalleryView />;
    case 'alerts':
      return <AlertsView />;
    case 'identify':
      return <IdentifyView evidenceId={view.evidenceId} trackId={view.trackId} />;
    default: {
      const never: never = view;
      return <p>Unknown view {JSON.stringify(never)}</p>;
    }
  }
}

export function App() {
  const { view, info, fatal, connection, currentCase, navigate } = useApp();

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if (handleTabKeys(ev)) ev.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (fatal) {
    return (
      <div className="fatal" role="alert">
        <h1>Sightline cannot reach its service</h1>
        <p className="mono">{fatal}</p>
        <p className="muted">In the browser shell, start it with npm start and open the address it prints.</p>
      </div>
    );
  }
  if (!info) return <div className="splash">Sightline…</div>;

  return (
    <div className="app" data-view={view.name}>
      <TopBar />
      {connection === 'lost' && (
        <div className="banner banner-error" role="alert">
          The connection to the Sightline service was lost. Nothing more can be saved from this window: restart the service (npm start) and reload.
        </div>
      )}
      <main className="main">
        <ErrorBoundary key={view.name} onLeave={() => navigate(currentCase ? { name: 'case' } : { name: 'start' })} leaveLabel={currentCase ? 'Back to the case' : 'Back to start'}>
          <CurrentView view={view} />
        </ErrorBoundary>
      </main>
      <Toasts />
      <ReportDialog />
      <PathPicker />
    </div>
  );
}
