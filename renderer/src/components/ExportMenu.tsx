import { useEffect, useRef, useState } from 'react';
import type { SelectionChoice } from '../../../app/contract';
import { exportImageAs, type ImageExportInput } from '../lib/exporting';
import { attempt, notify } from '../stores/toastStore';
import { useReport } from '../stores/reportStore';
import '../export.css';

export interface ExportItem {
  readonly key: string;
  readonly label: string;
  readonly request: Omit<ImageExportInput, 'redact' | 'reason'>;
}

interface Props {
  readonly items: readonly ExportItem[];
  /** When given, the menu also offers the evidence report / package of these items. */
  readonly reportSelection?: SelectionChoice;
}

/**
 * "Export ▾" for a view: each item is saved where the examiner chooses (default: the case's exports/ folder),
 * with bystanders redacted unless turned off — which needs a reason, recorded in the audit entry.
 */
export function ExportMenu({ items, reportSelection }: Props) {
  const [open, setOpen] = useState(false);
  const [redact, setRedact] = useState(true);
  const [reason, setReason] = useState('');
  const blocked = !redact && !reason.trim();
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    // Close on a click elsewhere or Escape, but not while a dialog this menu opened is up.
    const onDown = (ev: PointerEvent): void => {
      if (root.current && !root.current.contains(ev.target as Node) && !document.querySelector('.modal-backdrop')) setOpen(false);
    };
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape' && !document.querySelector('.modal-backdrop')) setOpen(false);
    };
    window.addEventListener('pointerdown', onDown);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('pointerdown', onDown);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);
  const run = (item: ExportItem): void => {
    void attempt(`${item.label} failed`, async () => {
      const r = await exportImageAs(`Save ${item.label.toLowerCase()}`, { ...item.request, redact, ...(redact ? {} : { reason: reason.trim() }) });
      if (!r) return;
      setOpen(false);
      notify(`${item.label} saved`, `${r.path}\nSHA-256 ${r.sha256}\n${r.redaction.enabled ? `${r.redaction.regions} bystander region(s) redacted` : 'NOT redacted'}`);
    });
  };
  return (
    <div className="export-menu" ref={root}>
      <button type="button" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="export-menu">
        Export ▾
      </button>
      {open && (
        <div className="export-popover" role="dialog" aria-label="Export" data-testid="export-popover">
          <label className="row">
            <input type="checkbox" checked={redact} onChange={(e) => setRedact(e.target.checked)} data-testid="export-redact" />
            <span>Redact bystanders (every face but the subject’s)</span>
          </label>
          {!redact && (
            <>
              <span className="redaction-warning">Turning redaction off is recorded in the audit log with your reason.</span>
              <textarea placeholder="Reason (required)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Reason for turning redaction off" data-testid="export-reason" />
            </>
          )}
          {items.map((it) => (
            <button key={it.key} type="button" disabled={blocked} onClick={() => run(it)} data-testid={`export-${it.key}`}>
              {it.label}…
            </button>
          ))}
          {reportSelection && (
            <button
              type="button"
              className="primary"
              onClick={() => {
                setOpen(false);
                useReport.getState().open(reportSelection);
              }}
              data-testid="export-report"
            >
              Evidence report / package…
            </button>
          )}
        </div>
      )}
    </div>
  );
}
