import { useEffect, useMemo, useState } from 'react';
import type { AuditEntry, HashRef } from '../../../app/contract';
import { dateTime, shortHash, timeZoneName } from '../lib/format';
import { filterOptions, matchesFilter, useAudit } from '../stores/auditStore';
import { attempt, notify, toastError } from '../stores/toastStore';

function refs(list: readonly HashRef[]): string {
  return list.map((r) => `${r.role}${r.name ? ` ${r.name}` : ''} ${shortHash(r.sha256, 8)}`).join('; ');
}

/** Parameters in one line; long values are cut (the full row is in the tooltip and the exports). */
function params(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => {
      const s = typeof v === 'string' ? v : JSON.stringify(v);
      return `${k}=${s.length > 60 ? `${s.slice(0, 57)}…` : s}`;
    })
    .join('  ');
}

function ChainStatus() {
  const verify = useAudit((s) => s.verify);
  if (!verify) return <span className="chain">Verifying…</span>;
  if (verify.ok) {
    return (
      <span className="chain chain-ok" data-testid="chain-status" data-ok="true" title={`Head hash ${verify.headHash}`}>
        ✓ Chain intact · {verify.entries} entries · head <span className="mono">{shortHash(verify.headHash, 16)}…</span>
      </span>
    );
  }
  return (
    <span className="chain chain-broken" data-testid="chain-status" data-ok="false" role="alert" title={verify.reason}>
      ✗ Chain broken at entry {verify.firstBadSeq}: {verify.reason}
    </span>
  );
}

function Row({ e, open, onToggle }: { readonly e: AuditEntry; readonly open: boolean; readonly onToggle: () => void }) {
  return (
    <>
      <tr
        data-testid="audit-row"
        data-action={e.action}
        className={open ? 'audit-open' : ''}
        onClick={onToggle}
        aria-expanded={open}
        title={open ? 'Click to close' : 'Click to see the whole record'}
        style={{ cursor: 'pointer' }}
      >
        <td className="num mono">{e.seq}</td>
        <td className="nowrap" title={`${e.ts} (UTC; shown in ${timeZoneName()})`}>
          {dateTime(e.ts)}
        </td>
        <td>{e.examiner}</td>
        <td className="mono nowrap">{e.action}</td>
        <td className="mono details">{params(e.params)}</td>
        <td className="mono details">{refs(e.inputs)}</td>
        <td className="mono details">{refs(e.outputs)}</td>
        <td className="mono">{shortHash(e.hash, 10)}</td>
      </tr>
      {open && (
        <tr className="audit-detail" data-testid="audit-detail">
          <td colSpan={8}>
            <pre className="mono">{JSON.stringify(e, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

export function AuditView() {
  const { entries, filter, loading, load, setFilter, exportLog } = useAudit();
  useEffect(() => {
    void load().catch((e: unknown) => toastError('Could not read the audit log', e));
  }, [load]);
  const options = useMemo(() => filterOptions(entries), [entries]);
  const shown = useMemo(() => entries.filter((e) => matchesFilter(e.action, filter)), [entries, filter]);
  const [open, setOpen] = useState<number | null>(null);

  const doExport = (format: 'json' | 'csv'): void => {
    void attempt(`Audit export (${format.toUpperCase()}) failed`, async () => {
      const r = await exportLog(format);
      notify(`Audit log exported as ${format.toUpperCase()}`, `${r.path}\nSHA-256 ${r.sha256}`);
    });
  };

  return (
    <div className="audit-view">
      <div className="toolbar">
        <ChainStatus />
        <span className="spacer" />
        <label className="inline">
          <span>Action</span>
          <select value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="audit-filter" aria-label="Filter by action">
            <option value="">All ({entries.length})</option>
            {options.map((o) => (
              <option key={o.label} value={o.value}>
                {o.label} ({o.count})
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void attempt('Could not verify the audit log', load)} disabled={loading}>
          Verify again
        </button>
        <button type="button" onClick={() => doExport('json')}>
          Export JSON
        </button>
        <button type="button" onClick={() => doExport('csv')}>
          Export CSV
        </button>
      </div>
      <div className="table-wrap">
        <table className="grid audit" aria-label="Audit log">
          <thead>
            <tr>
              <th className="num">#</th>
              <th title={`Times in this computer's time zone (${timeZoneName()})`}>Time</th>
              <th>Examiner</th>
              <th>Action</th>
              <th>Parameters</th>
              <th>Inputs</th>
              <th>Outputs</th>
              <th>Hash</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <Row key={e.seq} e={e} open={open === e.seq} onToggle={() => setOpen(open === e.seq ? null : e.seq)} />
            ))}
          </tbody>
        </table>
        {shown.length === 0 && !loading && <p className="empty">No entries{filter ? ` for ${filter}` : ''}.</p>}
      </div>
    </div>
  );
}
