import { useApp } from '../stores/appStore';

/** On the track view: open the identification of the chosen track (candidates, comparison, appearances). */
export function IdentifyLauncher({ evidenceId, trackId }: { readonly evidenceId: number; readonly trackId: number | null }) {
  const navigate = useApp((s) => s.navigate);
  if (trackId === null) return null;
  return (
    <button type="button" onClick={() => navigate({ name: 'identify', evidenceId, trackId })} data-testid="open-identify" title="Compare this track with the gallery, find its appearances, record a conclusion">
      Identify…
    </button>
  );
}
