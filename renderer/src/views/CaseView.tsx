import { useCallback, useEffect, useState } from 'react';
import { bridge, call } from '../bridge/api';
import { EvidenceTable } from '../components/EvidenceTable';
import { JobsPanel } from '../components/JobsPanel';
import { chooseEvidenceFiles } from '../lib/dialogs';
import { dateTime, shortHash } from '../lib/format';
import { useApp } from '../stores/appStore';
import { useCase } from '../stores/caseStore';
import { attempt, useToasts } from '../stores/toastStore';
import { useReport } from '../stores/reportStore';

export function CaseView() {
  const c = useApp((s) => s.currentCase);
  const navigate = useApp((s) => s.navigate);
  const evidence = useCase((s) => s.evidence);
  const importPaths = useCase((s) => s.importPaths);
  const push = useToasts((s) => s.push);
  const [dragging, setDragging] = useState(false);

  const queue = useCallback(
    async (paths: string[]) => {
      if (paths.length === 0) return;
      // Progress and outcome show in the Jobs panel (and as a message when an import ends).
      await attempt('Import could not start', () => importPaths(paths));
    },
    [importPaths],
  );

  const importByDialog = useCallback(async () => {
    const paths = await attempt('Could not open the file dialog', () => chooseEvidenceFiles());
    if (paths) await queue(paths);
  }, [queue]);

  useEffect(() => {
    // Other views append to the audit log (exports): show the case's current head, not the one from opening.
    void call('case:current', {})
      .then((s) => useApp.getState().setCase(s))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent): void => {
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'i') {
        ev.preventDefault();
        void importByDialog();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [importByDialog]);

  const onDrop = (ev: React.DragEvent): void => {
    ev.preventDefault();
    setDragging(false);
    const files = Array.from(ev.dataTransfer.files);
    if (files.length === 0) return;
    const b = bridge();
    const paths = files.map((f) => b.pathForFile?.(f)).filter((p): p is string => !!p);
    if (paths.length === 0) {
      if (useApp.getState().info?.shell === 'browser') {
        // A browser never reveals where a dropped file lives; only the desktop app can import by dropping.
        push('info', 'Dropped files cannot be located from a browser', 'Use Import… (Ctrl+I) to choose them; drag-and-drop works in the desktop app.');
      } else {
        push('info', 'Nothing to import', 'The dropped items are not files on this computer.');
      }
      return;
    }
    void queue(paths);
  };

  if (!c) return null;
  return (
    <div
      className={`case-view ${dragging ? 'dragging' : ''}`}
      onDragOver={(ev) => {
        if (ev.dataTransfer.types.includes('Files')) {
          ev.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(ev) => {
        if (ev.currentTarget === ev.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <section className="panel evidence-panel" aria-label="Evidence">
        <header className="panel-head">
          <h2>Evidence</h2>
          <span className="muted">{evidence.length} item{evidence.length === 1 ? '' : 's'}</span>
          <span className="spacer" />
          <button type="button" onClick={() => useReport.getState().open()} data-testid="open-report" title="Evidence report and signed export package">
            Report / package…
          </button>
          <button type="button" className="primary" onClick={() => void importByDialog()} title="Import evidence (Ctrl+I)">
            Import…
          </button>
        </header>
        <dl className="case-facts">
          <dt>Case</dt>
          <dd>{c.caseNumber}</dd>
          <dt>Title</dt>
          <dd>{c.title}</dd>
          <dt>Examiner</dt>
          <dd>{c.examiner}</dd>
          <dt>Agency</dt>
          <dd>{c.agency ?? '—'}</dd>
          <dt>Created</dt>
          <dd>{dateTime(c.createdAt)}</dd>
          <dt>Folder</dt>
          <dd className="mono path" title={c.dir}>
            {c.dir}
          </dd>
          <dt>Audit head</dt>
          <dd className="mono" title={c.auditHead}>
            {shortHash(c.auditHead, 16)}… ({c.auditEntries} {c.auditEntries === 1 ? 'entry' : 'entries'})
          </dd>
        </dl>
        <div className="table-wrap">
          <EvidenceTable evidence={evidence} onOpen={(e) => navigate({ name: 'clip', evidenceId: e.id })} />
        </div>
        {dragging && <div className="drop-hint">Drop to import as evidence (originals are only read)</div>}
      </section>
      <JobsPanel />
    </div>
  );
}
