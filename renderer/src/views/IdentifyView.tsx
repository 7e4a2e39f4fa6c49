import { useCallback, useEffect, useState } from 'react';
import type { CandidateView, GateSettings } from '../../../app/contract';
import { LEAD_NOT_IDENTIFICATION } from '../../../domain/identify';
import { call, mediaUrl } from '../bridge/api';
import { ConclusionForm, ConclusionList } from '../components/ConclusionForm';
import { IdentifyCompare, type ShownImages } from '../components/IdentifyCompare';
import { ProgressBar } from '../components/ProgressBar';
import { percent } from '../lib/format';
import { useApp } from '../stores/appStore';
import { jumpTo, useIdentify } from '../stores/identifyStore';
import { useReport } from '../stores/reportStore';
import { useJobs } from '../stores/jobsStore';
import { attempt, notify, toastError } from '../stores/toastStore';
import '../identify.css';

function JobLine({ jobId, label }: { readonly jobId: number | null; readonly label: string }) {
  const job = useJobs((s) => (jobId !== null ? s.jobs[jobId] : undefined));
  const p = useJobs((s) => (jobId !== null ? s.progress[jobId] : undefined));
  if (!job) return null;
  return (
    <span className="idf-job" data-testid={`${label}-progress`}>
      <ProgressBar value={job.state === 'succeeded' ? 100 : p ? Math.round(percent(p.current, p.total)) : 0} label={`${label} progress`} state={job.state} />
      <span className="muted small">
        {job.state}
        {job.lastError ? `: ${job.lastError.message}` : ''}
      </span>
    </span>
  );
}

/** The case's identification gate, with an editor (changes are audited). */
function GateLine() {
  const [g, setG] = useState<GateSettings | null>(null);
  const [edit, setEdit] = useState(false);
  const [q, setQ] = useState('');
  const [s, setS] = useState('');
  const [reason, setReason] = useState('');
  useEffect(() => {
    void attempt('Could not read the gate', async () => setG(await call('identify:gate:get', {})));
  }, []);
  if (!g) return null;
  if (!edit) {
    return (
      <span className="muted small" data-testid="identify-gate">
        Gate: probe quality &gt; {g.minQuality} and similarity &gt; {g.minSimilarity}{' '}
        <button
          type="button"
          className="link"
          onClick={() => {
            setQ(String(g.minQuality));
            setS(String(g.minSimilarity));
            setEdit(true);
          }}
        >
          change
        </button>
      </span>
    );
  }
  return (
    <span className="guard-edit">
      <input className="num-input" type="number" min={0} max={1} step={0.05} value={q} onChange={(e) => setQ(e.target.value)} aria-label="Minimum probe quality" />
      <input className="num-input" type="number" min={0} max={1} step={0.05} value={s} onChange={(e) => setS(e.target.value)} aria-label="Minimum similarity" />
      <input type="text" placeholder="reason (recorded)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for the change" />
      <button
        type="button"
        className="small primary"
        onClick={() =>
          void attempt('The gate was not changed', async () => {
            setG(await call('identify:gate:set', { minQuality: Number(q), minSimilarity: Number(s), ...(reason.trim() ? { reason: reason.trim() } : {}) }));
            setEdit(false);
            notify('Gate changed (audited)', 'Recorded identifications keep the thresholds they were judged with.');
          })
        }
      >
        Save
      </button>
      <button type="button" className="small" onClick={() => setEdit(false)}>
        Cancel
      </button>
    </span>
  );
}

function CandidateRow({ c, active, onPick }: { readonly c: CandidateView; readonly active: boolean; readonly onPick: () => void }) {
  return (
    <tr className={`${active ? 'active' : ''} ${c.gate.passes ? 'above' : 'below'}`} data-testid="candidate" data-person-id={c.personId} data-above={c.gate.passes ? 'true' : 'false'} onClick={onPick}>
      <td className="mono">{c.rank}</td>
      <td>
        <img src={mediaUrl(c.media.thumb)} alt="" width={40} height={40} />
      </td>
      <td>
        <button type="button" className="link" onClick={onPick}>
          {c.name}
        </button>
      </td>
      <td className="mono">{c.score.toFixed(3)}</td>
      <td className="mono">{c.similarity.toFixed(2)}</td>
      <td className="mono" title="false-match rate at this score in the reference population, at the probe's face-size band">
        {c.fmr.text}
      </td>
      <td className="mono" title={`${c.lr.verbal}${c.lr.bounded ? ' (at the bound the calibration data supports)' : ''}`}>
        {c.lr.text}
      </td>
      <td>{c.gate.passes ? <span className="badge ok">candidate above threshold</span> : <span className="muted small">below threshold — shown for completeness</span>}</td>
    </tr>
  );
}

/** Identify a track: candidates with score, FMR and LR; the comparison of originals with the reference; conclusions; appearances. */
export function IdentifyView({ evidenceId, trackId }: { readonly evidenceId: number; readonly trackId: number }) {
  const s = useIdentify();
  const navigate = useApp((st) => st.navigate);
  const [shown, setShown] = useState<ShownImages>({ originalFrames: [], enhancements: [], references: [] });
  const onShown = useCallback((x: ShownImages) => setShown(x), []);

  useEffect(() => {
    void useIdentify.getState().open(evidenceId, trackId).catch((e: unknown) => toastError('Could not load the identifications', e));
  }, [evidenceId, trackId]);

  const ident = s.current;
  const candidate = ident?.candidates.find((c) => c.personId === s.personId) ?? null;
  const enhancement = s.enhancements.find((e) => e.id === s.enhancementId) ?? null;

  return (
    <div className="identify-view">
      <div className="toolbar">
        <button type="button" className="small" onClick={() => navigate({ name: 'track', evidenceId, trackId })}>
          ← Track
        </button>
        <strong>Identify track {trackId}</strong>
        <button type="button" className="primary" onClick={() => void attempt('Identification could not start', () => useIdentify.getState().identify())} disabled={s.identifyJob !== null} data-testid="identify-button">
          Identify (track template)
        </button>
        {enhancement && (
          <button type="button" onClick={() => void attempt('Identification could not start', () => useIdentify.getState().identify({ enhancementId: enhancement.id }))} disabled={s.identifyJob !== null}>
            Identify enhancement #{enhancement.id}
          </button>
        )}
        <button type="button" onClick={() => void attempt('The search could not start', () => useIdentify.getState().findAppearances())} disabled={s.appearancesJob !== null} data-testid="appearances-button">
          Find appearances
        </button>
        <button
          type="button"
          onClick={() => ident && useReport.getState().open({ identificationIds: [ident.id] })}
          disabled={!ident}
          title={ident ? `Evidence report or package with identification #${ident.id}, its candidates and conclusions` : 'Identify the track first'}
          data-testid="identify-report"
        >
          Report…
        </button>
        <JobLine jobId={s.identifyJob} label="identify" />
        <JobLine jobId={s.appearancesJob} label="appearances" />
        <span className="spacer" />
        <GateLine />
      </div>
      <p className="banner lead-banner" role="note" data-testid="lead-caveat">
        <strong>Investigative lead, not an identification.</strong> {LEAD_NOT_IDENTIFICATION.replace(/^Investigative lead, not an identification: /, '')}
      </p>
      {s.identifications.length > 1 && (
        <label className="inline small">
          <span>Identification</span>
          <select value={ident?.id ?? ''} onChange={(e) => void useIdentify.getState().show(Number(e.target.value))}>
            {s.identifications.map((i) => (
              <option key={i.id} value={i.id}>
                #{i.id} {i.template.kind} {i.purpose} {i.createdAt}
              </option>
            ))}
          </select>
        </label>
      )}
      {!ident ? (
        <p className="empty">No identification of this track yet: Identify compares its template with the gallery.</p>
      ) : (
        <>
          <section className="panel" aria-label="Candidates">
            <header className="panel-head">
              <h2>Candidates</h2>
              <span className="muted small" data-testid="identification-summary">
                identification {ident.id}: {ident.template.kind === 'enhancement' ? `enhancement #${ident.template.enhancementId}` : `${ident.frames.length}-frame template`} of {ident.originalName}, face{' '}
                {Math.round(ident.template.faceWidth)} px (band {ident.calibration.bandLabel}), probe quality {ident.template.quality.toFixed(2)}; {ident.gallery.people} people searched; {ident.aboveCount} above threshold
              </span>
            </header>
            <table className="candidates" aria-label="Candidate list">
              <thead>
                <tr>
                  <th>#</th>
                  <th />
                  <th>Person</th>
                  <th>Score</th>
                  <th>Similarity</th>
                  <th>FMR at score</th>
                  <th>LR</th>
                  <th>Gate</th>
                </tr>
              </thead>
              <tbody>
                {ident.candidates.map((c) => (
                  <CandidateRow key={c.personId} c={c} active={c.personId === s.personId} onPick={() => useIdentify.getState().choose(c.personId)} />
                ))}
              </tbody>
            </table>
            <p className="muted small mono">
              model {ident.model.id} {ident.model.sha256.slice(0, 16)}… · calibration {ident.calibration.id} {ident.calibration.sha256.slice(0, 16)}… ({ident.calibration.reference})
            </p>
          </section>
          <section className="panel" aria-label="Comparison">
            <header className="panel-head">
              <h2>Comparison</h2>
              <span className="spacer" />
              <label className="inline small">
                <span>Enhanced image</span>
                <select value={s.enhancementId ?? ''} onChange={(e) => useIdentify.getState().chooseEnhancement(e.target.value ? Number(e.target.value) : null)} data-testid="compare-enhancement">
                  <option value="">none</option>
                  {s.enhancements.map((e) => (
                    <option key={e.id} value={e.id}>
                      #{e.id} {e.mode} ×{e.scale} ({e.tier})
                    </option>
                  ))}
                </select>
              </label>
            </header>
            <IdentifyCompare frames={ident.frames} candidate={candidate} enhancement={enhancement} onShown={onShown} />
            {candidate && (
              <>
                <ConclusionForm ident={ident} candidate={candidate} shown={shown} />
                {s.blind ? <p className="muted small">Earlier conclusions are hidden for the blind verification.</p> : <ConclusionList conclusions={s.conclusions} personId={candidate.personId} />}
              </>
            )}
          </section>
        </>
      )}
      <section className="panel" aria-label="Appearances">
        <header className="panel-head">
          <h2>Appearances</h2>
          {s.appearances && (
            <span className="muted small" data-testid="appearances-summary">
              search {s.appearances.id}: {s.appearances.tracksSearched} other track(s), {s.appearances.results.filter((r) => r.gate.passes).length} above the gate
            </span>
          )}
        </header>
        {!s.appearances ? (
          <p className="muted">Not searched yet: Find appearances compares this track with every track of every analysed clip.</p>
        ) : (
          <>
            <p className="muted small">{s.appearances.caveat}</p>
            <ul className="appearances" data-testid="appearances">
              {s.appearances.results.map((r) => (
                <li key={r.trackId} className={r.gate.passes ? 'above' : 'below'} data-testid="appearance" data-above={r.gate.passes ? 'true' : 'false'}>
                  {r.media.crop ? <img src={mediaUrl(r.media.crop)} alt="" width={40} height={40} className="pixelated" /> : <span className="thumb-blank" />}
                  <span>
                    {r.originalName} · track {r.ordinal} · frames {r.firstFrame}–{r.lastFrame}
                    {r.simultaneous ? ' · same time as this track' : ''}
                  </span>
                  <span className="mono">
                    score {r.score.toFixed(3)} · sim {r.similarity.toFixed(2)}
                  </span>
                  {r.gate.passes ? <span className="badge ok">appearance above threshold</span> : <span className="muted small">below threshold</span>}
                  <button type="button" className="small" onClick={() => jumpTo(r.evidenceId, r.bestFrame)} data-testid="appearance-go">
                    Go to frame {r.bestFrame}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
