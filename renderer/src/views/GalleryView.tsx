import { useEffect, useState } from 'react';
import type { PersonView } from '../../../app/contract';
import { ENROL_RULES } from '../../../domain/identify';
import { call, mediaUrl } from '../bridge/api';
import { chooseFolder } from '../lib/dialogs';
import { useApp } from '../stores/appStore';
import { useGallery } from '../stores/galleryStore';
import { useJobs } from '../stores/jobsStore';
import { usePicker } from '../stores/pickerStore';
import { attempt, notify, toastError } from '../stores/toastStore';
import '../identify.css';

async function choosePhotos(): Promise<string[]> {
  const title = 'Reference photos';
  if (useApp.getState().info?.shell === 'electron') return call('dialog:openFiles', { title, media: true });
  return (await usePicker.getState().open('files', title)) ?? [];
}

/** Rename / retire / reinstate: each needs a reason, which the audit log keeps. */
function PersonActions({ p }: { readonly p: PersonView }) {
  const [mode, setMode] = useState<'rename' | 'status' | null>(null);
  const [name, setName] = useState(p.name);
  const [reason, setReason] = useState('');
  const g = useGallery.getState();
  const save = (): void => {
    void attempt(mode === 'rename' ? 'The person was not renamed' : 'The person was not changed', async () => {
      if (mode === 'rename') await g.rename(p.id, name, reason);
      else await g.setStatus(p.id, p.status === 'active' ? 'retired' : 'active', reason);
      setMode(null);
      setReason('');
      notify(mode === 'rename' ? 'Renamed (audited)' : p.status === 'active' ? 'Retired (audited): left out of searches' : 'Reinstated (audited)');
    });
  };
  if (!mode) {
    return (
      <span className="person-actions">
        <button type="button" className="small" onClick={() => setMode('rename')} data-testid="rename-person">
          Rename
        </button>
        <button type="button" className="small" onClick={() => setMode('status')} data-testid="retire-person">
          {p.status === 'active' ? 'Retire' : 'Reinstate'}
        </button>
      </span>
    );
  }
  return (
    <span className="person-actions">
      {mode === 'rename' && <input type="text" value={name} onChange={(e) => setName(e.target.value)} aria-label="New name" maxLength={ENROL_RULES.maxNameLength + 10} />}
      <input type="text" value={reason} placeholder="reason (recorded)" onChange={(e) => setReason(e.target.value)} aria-label="Reason" />
      <button type="button" className="small primary" onClick={save} disabled={!reason.trim()}>
        {mode === 'rename' ? 'Rename' : p.status === 'active' ? 'Retire' : 'Reinstate'}
      </button>
      <button type="button" className="small" onClick={() => setMode(null)}>
        Cancel
      </button>
    </span>
  );
}

function Person({ p }: { readonly p: PersonView }) {
  return (
    <li className={`person ${p.status}`} data-testid="person" data-person-id={p.id} data-name={p.name}>
      <div className="person-head">
        <strong>{p.name}</strong>
        {p.status === 'retired' && <span className="badge warn">retired</span>}
        <span className="muted small">
          #{p.id} · {p.references.length} reference{p.references.length === 1 ? '' : 's'}
          {p.note ? ` · ${p.note}` : ''}
        </span>
        <span className="spacer" />
        <PersonActions p={p} />
      </div>
      <ul className="refs">
        {p.references.map((r) => (
          <li key={r.id} className="ref" data-testid="reference" title={`${r.originalName}\nsha256 ${r.evidenceSha256}\nface ${Math.round(r.face.box.w)} px, quality ${r.quality.toFixed(3)} (${Object.entries(r.qualityDetail.components).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')})\n${r.facesFound} face(s) in the photo; enrolled ${r.createdAt} by ${r.createdBy}`}>
            <img src={mediaUrl(r.media.thumb)} alt={`reference ${r.id} of ${p.name}`} width={72} height={72} />
            <span className="mono small">
              q {r.quality.toFixed(2)} · {Math.round(r.face.box.w)} px
            </span>
          </li>
        ))}
      </ul>
    </li>
  );
}

/** A photo showing several faces: the investigator picks which one is the person. */
function FacePicker() {
  const choice = useGallery((s) => s.choice);
  if (!choice) return null;
  return (
    <div className="modal-backdrop" role="dialog" aria-label="Choose the face" data-testid="face-picker">
      <div className="modal">
        <h2>Which face is {choice.person}?</h2>
        <p className="muted">The photo shows {choice.faces.length} faces. Choose the one to enrol; nothing has been recorded yet.</p>
        <ul className="face-choices">
          {choice.faces.map((f) => (
            <li key={f.index}>
              <button
                type="button"
                data-testid="face-choice"
                onClick={() => void attempt('Enrolment could not start', () => useGallery.getState().enrol([choice.path], choice.person, choice.note, f.index))}
              >
                <img src={mediaUrl(`derived/${f.thumbSha256}.png`)} alt={`face ${f.index + 1}`} width={96} height={96} />
                <span className="small mono">
                  #{f.index + 1} · {Math.round(f.box.w)} px · {f.score.toFixed(2)}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => useGallery.getState().clearChoice()}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** Known people of the case: enrol from photos (one person) or a folder (one sub-folder per person), rename, retire. */
export function GalleryView() {
  const people = useGallery((s) => s.people);
  const jobIds = useGallery((s) => s.jobIds);
  const allJobs = useJobs((s) => s.jobs);
  const jobs = jobIds.map((id) => allJobs[id]).filter((j) => !!j);
  const [person, setPerson] = useState('');
  const [note, setNote] = useState('');

  useEffect(() => {
    void useGallery.getState().load().catch((e: unknown) => toastError('Could not load the gallery', e));
  }, []);

  const enrol = (): void => {
    void attempt('Enrolment could not start', async () => {
      const paths = await choosePhotos();
      if (paths.length === 0) return;
      await useGallery.getState().enrol(paths, person, note.trim() || null);
    });
  };
  const importFolder = (): void => {
    void attempt('The folder could not be enrolled', async () => {
      const folder = await chooseFolder('Folder with one sub-folder per person');
      if (!folder) return;
      const r = await useGallery.getState().importFolder(folder);
      notify(`Enrolling ${r.jobs.length} photo(s) of ${r.people} people`, r.skipped.length ? `skipped: ${r.skipped.slice(0, 3).join('; ')}${r.skipped.length > 3 ? '…' : ''}` : undefined);
    });
  };
  const active = people.filter((p) => p.status === 'active');

  return (
    <div className="gallery-view">
      <section className="panel" aria-label="Enrol">
        <header className="panel-head">
          <h2>Gallery</h2>
          <span className="muted" data-testid="gallery-count">
            {active.length} active {active.length === 1 ? 'person' : 'people'}, {people.reduce((s, p) => s + p.references.length, 0)} reference photos
          </span>
        </header>
        <form
          className="enrol-form"
          aria-label="Enrol a person"
          onSubmit={(e) => {
            e.preventDefault();
            enrol();
          }}
        >
          <label>
            <span>Person</span>
            <input type="text" value={person} onChange={(e) => setPerson(e.target.value)} list="gallery-names" placeholder="name (new or existing)" data-testid="enrol-person" />
          </label>
          <datalist id="gallery-names">
            {people.map((p) => (
              <option key={p.id} value={p.name} />
            ))}
          </datalist>
          <label>
            <span>Note</span>
            <input type="text" value={note} onChange={(e) => setNote(e.target.value)} placeholder="optional (e.g. source of the photos)" />
          </label>
          <button type="submit" className="primary" data-testid="enrol-button">
            Choose photos…
          </button>
          <button type="button" onClick={importFolder} data-testid="import-folder">
            Enrol a folder…
          </button>
        </form>
        <p className="muted small">
          Each photo is imported like evidence (copied, hashed, read-only, audited), its face found, aligned and scored. Refused: no face, several faces (you choose one), a face under {ENROL_RULES.minFaceWidth} px or of quality ≤ {ENROL_RULES.minQuality}, the same photo twice.
        </p>
        {jobs.length > 0 && (
          <ul className="enrol-jobs" aria-label="Enrolments">
            {jobs.map((j) => (
              <li key={j.id} data-testid="enrol-job" data-state={j.state}>
                <span className="mono">{String(j.params.path).split(/[\\/]/).pop()}</span> → {String(j.params.person)}:{' '}
                {j.state === 'failed' ? <span className="error-text">{j.lastError?.message}</span> : j.state}
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="panel" aria-label="People">
        {people.length === 0 ? (
          <p className="empty">Nobody enrolled yet.</p>
        ) : (
          <ul className="people" data-testid="people">
            {people.map((p) => (
              <Person key={p.id} p={p} />
            ))}
          </ul>
        )}
      </section>
      <FacePicker />
    </div>
  );
}
