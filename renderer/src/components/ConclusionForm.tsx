import { useState } from 'react';
import type { CandidateView, Conclusion, IdentificationView } from '../../../app/contract';
import { CONCLUSION_SCALE, CONCLUSION_SCALE_SOURCE } from '../../../domain/identify';
import { call } from '../bridge/api';
import { useApp } from '../stores/appStore';
import { useIdentify } from '../stores/identifyStore';
import { attempt, notify } from '../stores/toastStore';
import type { ShownImages } from './IdentifyCompare';

export function ConclusionList({ conclusions, personId }: { readonly conclusions: readonly Conclusion[]; readonly personId: number | null }) {
  const list = conclusions.filter((c) => personId === null || c.personId === personId);
  if (list.length === 0) return <p className="muted small">No conclusion recorded on this candidate yet.</p>;
  return (
    <ul className="conclusions" aria-label="Conclusions" data-testid="conclusions">
      {list.map((c) => (
        <li key={c.id} data-testid="conclusion" data-level={c.level}>
          <strong>{c.levelText}</strong> — {c.role}
          {c.blind ? ' (blind)' : ''} by {c.examiner}, {c.createdAt}
          {c.note ? <span className="muted"> · {c.note}</span> : null}
          <span className="muted small mono">
            {' '}
            [software: score {c.software.score.toFixed(3)}, FMR {c.software.fmr.text}, LR {c.software.lr.text}; viewed {c.viewed.originalFrames.length} original frame(s)
            {c.viewed.enhancements.length ? `, enhancement ${c.viewed.enhancements.join(', ')}` : ''}, reference {c.viewed.references.join(', ')}]
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * The examiner's conclusion on the candidate being compared: a level of the ENFSI verbal scale, a note, who
 * concludes; "blind verification" hides earlier conclusions until this one is recorded. The record lists the
 * images that were on screen.
 */
export function ConclusionForm({ ident, candidate, shown }: { readonly ident: IdentificationView; readonly candidate: CandidateView; readonly shown: ShownImages }) {
  const blind = useIdentify((s) => s.blind);
  const examinerDefault = useApp((s) => s.currentCase?.examiner ?? '');
  const [level, setLevel] = useState('');
  const [note, setNote] = useState('');
  const [examiner, setExaminer] = useState(examinerDefault);
  const record = (): void => {
    void attempt('The conclusion was not recorded', async () => {
      await call('conclusions:record', {
        identificationId: ident.id,
        personId: candidate.personId,
        level,
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(examiner.trim() ? { examiner: examiner.trim() } : {}),
        role: blind ? 'verification' : 'examination',
        blind,
        viewed: { interface: 'ui', originalFrames: [...shown.originalFrames], enhancements: [...shown.enhancements], references: [...shown.references] },
      });
      setLevel('');
      setNote('');
      notify(blind ? 'Blind verification recorded (audited)' : 'Conclusion recorded (audited)', 'Conclusions are immutable: a change of mind is a new conclusion.');
      // After a blind verification both conclusions are shown.
      useIdentify.getState().setBlind(false);
    });
  };
  return (
    <form
      className="conclusion-form"
      aria-label="Conclusion"
      onSubmit={(e) => {
        e.preventDefault();
        record();
      }}
    >
      <label className="inline">
        <input type="checkbox" checked={blind} onChange={(e) => useIdentify.getState().setBlind(e.target.checked)} data-testid="blind-verification" />
        <span>Blind verification (a second examiner; earlier conclusions stay hidden until this one is recorded)</span>
      </label>
      <label>
        <span>Conclusion on {candidate.name}</span>
        <select value={level} onChange={(e) => setLevel(e.target.value)} data-testid="conclusion-level" required>
          <option value="">— choose a level —</option>
          {CONCLUSION_SCALE.map((l) => (
            <option key={l.id} value={l.id}>
              {l.text}
              {l.rank !== null ? ` (LR ${l.lr})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span>Note</span>
        <input type="text" value={note} onChange={(e) => setNote(e.target.value)} data-testid="conclusion-note" placeholder="what the comparison rests on" />
      </label>
      <label>
        <span>Examiner</span>
        <input type="text" value={examiner} onChange={(e) => setExaminer(e.target.value)} data-testid="conclusion-examiner" />
      </label>
      <button type="submit" className="primary" disabled={!level || shown.originalFrames.length === 0} data-testid="record-conclusion">
        Record {blind ? 'verification' : 'conclusion'}
      </button>
      <p className="muted small">
        Scale: {CONCLUSION_SCALE_SOURCE}. Recorded with the images on screen: {shown.originalFrames.length} original frame(s)
        {shown.enhancements.length ? `, enhancement #${shown.enhancements.join(', #')}` : ''}, the reference photo.
      </p>
    </form>
  );
}
