import { useEffect, useState } from 'react';
import type { GuardSettings } from '../../../app/contract';
import { call } from '../bridge/api';
import { attempt, notify } from '../stores/toastStore';
import { GUARD_PASS_MEANING } from '../../../domain/identity';

/** The case's identity-guard thresholds, with an editor; every change is audited by main. */
export function GuardThresholds() {
  const [s, setS] = useState<GuardSettings | null>(null);
  const [editing, setEditing] = useState(false);
  const [q, setQ] = useState('');
  const [sim, setSim] = useState('');
  const [reason, setReason] = useState('');

  useEffect(() => {
    void attempt('Could not read the guard thresholds', async () => setS(await call('guard:get', {})));
  }, []);

  if (!s) return null;
  if (!editing) {
    return (
      <span className="muted small" data-testid="guard-thresholds" title={`${GUARD_PASS_MEANING} ${s.updatedAt ? `Thresholds set ${s.updatedAt} by ${s.updatedBy}.` : '(Default thresholds.)'}`}>
        Identity guard (a drift check of each result against its source): no drift when identity similarity &gt; {s.minSimilarity}, usable when quality &gt; {s.minQuality}{' '}
        <button
          type="button"
          className="link"
          onClick={() => {
            setQ(String(s.minQuality));
            setSim(String(s.minSimilarity));
            setReason('');
            setEditing(true);
          }}
        >
          change
        </button>
      </span>
    );
  }
  const save = (): void => {
    void attempt('The thresholds were not changed', async () => {
      const next = await call('guard:set', { minQuality: Number(q), minSimilarity: Number(sim), ...(reason.trim() ? { reason: reason.trim() } : {}) });
      setS(next);
      setEditing(false);
      notify('Guard thresholds changed', `quality > ${next.minQuality}, similarity > ${next.minSimilarity} (audited; earlier results keep the thresholds they were judged with)`);
    });
  };
  return (
    <span className="guard-edit">
      <label className="inline">
        <span>Quality &gt;</span>
        <input className="num-input" type="number" min={0} max={1} step={0.05} value={q} onChange={(e) => setQ(e.target.value)} aria-label="Minimum quality" />
      </label>
      <label className="inline">
        <span>Similarity &gt;</span>
        <input className="num-input" type="number" min={0} max={1} step={0.05} value={sim} onChange={(e) => setSim(e.target.value)} aria-label="Minimum identity similarity" />
      </label>
      <input type="text" placeholder="reason (recorded)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for the change" />
      <button type="button" className="small primary" onClick={save}>
        Save
      </button>
      <button type="button" className="small" onClick={() => setEditing(false)}>
        Cancel
      </button>
    </span>
  );
}
