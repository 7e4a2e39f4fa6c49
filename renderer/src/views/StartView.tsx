import { useEffect, useState } from 'react';
import { chooseFolder } from '../lib/dialogs';
import { dateTime, folderNameFor, joinPath } from '../lib/format';
import { useApp } from '../stores/appStore';
import { useCase } from '../stores/caseStore';
import { attempt, toastError } from '../stores/toastStore';

function NewCaseForm() {
  const info = useApp((s) => s.info);
  const create = useCase((s) => s.create);
  const [caseNumber, setCaseNumber] = useState('');
  const [title, setTitle] = useState('');
  const [examiner, setExaminer] = useState('');
  const [agency, setAgency] = useState('');
  const [location, setLocation] = useState(info?.casesDir ?? '');
  const [busy, setBusy] = useState(false);

  const folder = caseNumber.trim() ? joinPath(location, `${folderNameFor(caseNumber)}.sightline`, info?.platform ?? 'linux') : '';
  const ready = caseNumber.trim() && title.trim() && examiner.trim() && location.trim();

  const submit = async (ev: React.FormEvent): Promise<void> => {
    ev.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    try {
      await create({ dir: folder, caseNumber: caseNumber.trim(), title: title.trim(), examiner: examiner.trim(), ...(agency.trim() ? { agency: agency.trim() } : {}) });
    } catch (e) {
      toastError('The case was not created', e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel form" aria-label="New case" onSubmit={(ev) => void submit(ev)}>
      <header className="panel-head">
        <h2>New case</h2>
      </header>
      <label>
        <span>Case number *</span>
        <input name="caseNumber" value={caseNumber} onChange={(e) => setCaseNumber(e.target.value)} autoFocus required maxLength={500} placeholder="e.g. 2026-00412" />
      </label>
      <label>
        <span>Title *</span>
        <input name="title" value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={500} placeholder="What the case is about" />
      </label>
      <label>
        <span>Examiner *</span>
        <input name="examiner" value={examiner} onChange={(e) => setExaminer(e.target.value)} required maxLength={500} placeholder="Your name, as it goes in the audit log" />
      </label>
      <label>
        <span>Agency</span>
        <input name="agency" value={agency} onChange={(e) => setAgency(e.target.value)} maxLength={500} />
      </label>
      <label>
        <span>Location *</span>
        <div className="row">
          <input name="location" className="mono grow" value={location} onChange={(e) => setLocation(e.target.value)} required />
          <button
            type="button"
            onClick={() =>
              void attempt('Could not open the folder dialog', async () => {
                const d = await chooseFolder('Where to create the case', location || undefined);
                if (d) setLocation(d);
              })
            }
          >
            Browse…
          </button>
        </div>
      </label>
      <p className="muted small mono" data-testid="case-folder-preview">
        {folder ? `Case folder: ${folder}` : 'The case folder is named after the case number.'}
      </p>
      <div className="row end">
        <button type="submit" className="primary" disabled={!ready || busy}>
          {busy ? 'Creating…' : 'Create case'}
        </button>
      </div>
    </form>
  );
}

function RecentCases() {
  const recent = useCase((s) => s.recent);
  const loadRecent = useCase((s) => s.loadRecent);
  const open = useCase((s) => s.open);
  const [examiner, setExaminer] = useState('');
  useEffect(() => {
    void loadRecent().catch((e: unknown) => toastError('Could not read the recent cases', e));
  }, [loadRecent]);

  const openDir = (dir: string): void => {
    void attempt('The case could not be opened', () => open(dir, examiner.trim() || undefined));
  };

  return (
    <section className="panel" aria-label="Open a case">
      <header className="panel-head">
        <h2>Open a case</h2>
        <span className="spacer" />
        <button
          type="button"
          onClick={() =>
            void attempt('Could not open the folder dialog', async () => {
              const d = await chooseFolder('Open a case folder (.sightline)');
              if (d) openDir(d);
            })
          }
        >
          Open case folder…
        </button>
      </header>
      <label className="inline">
        <span>Acting examiner</span>
        <input value={examiner} onChange={(e) => setExaminer(e.target.value)} placeholder="Defaults to the case's examiner" maxLength={500} />
      </label>
      {recent.length === 0 ? (
        <p className="empty">No recent cases on this computer.</p>
      ) : (
        <ul className="recent" aria-label="Recent cases">
          {recent.map((r) => (
            <li key={r.dir}>
              <button type="button" className="recent-item" onClick={() => openDir(r.dir)} title={r.dir}>
                <span className="recent-number">{r.caseNumber}</span>
                <span className="recent-title">{r.title}</span>
                <span className="recent-dir mono">{r.dir}</span>
                <span className="recent-when muted">opened {dateTime(r.openedAt)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function StartView() {
  return (
    <div className="start-view">
      <RecentCases />
      <NewCaseForm />
    </div>
  );
}
