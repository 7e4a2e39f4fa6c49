import { useEffect } from 'react';
import { describeError } from '../bridge/api';
import { shortHash } from '../lib/format';
import { isActive, useJobs } from '../stores/jobsStore';
import { useReport, type ReportOutput } from '../stores/reportStore';
import { ProgressBar } from './ProgressBar';
import '../export.css';

const OUTPUTS: ReadonlyArray<{ value: ReportOutput; label: string }> = [
  { value: 'report', label: 'Evidence report (PDF)' },
  { value: 'package', label: 'Export package (folder, signed)' },
  { value: 'zip', label: 'Export package (zip, signed)' },
];

/**
 * Make the evidence report or the signed export package of the chosen enhancements and frames. The same core
 * function makes the same bytes as `sightline report` / `export-package`; it runs as a job (progress, cancel).
 */
export function ReportDialog() {
  const r = useReport();
  const job = useJobs((s) => (r.jobId !== null ? s.jobs[r.jobId] : undefined));
  const progress = useJobs((s) => (r.jobId !== null ? s.progress[r.jobId] : undefined));

  useEffect(() => {
    if (!r.visible) return;
    const onKey = (ev: KeyboardEvent): void => {
      if (ev.key === 'Escape') r.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [r.visible]);

  if (!r.visible) return null;
  const running = job ? isActive(job) : r.jobId !== null;
  const nothing = r.enhancementIds.length === 0 && r.identificationIds.length === 0 && r.frames.length === 0;
  const result = job?.state === 'succeeded' ? (job.result as { path?: string; sha256?: string; manifestSha256?: string; reportId?: string } | null) : null;
  return (
    <div className="modal-backdrop">
      <div className="modal report-dialog" role="dialog" aria-modal="true" aria-labelledby="report-title" data-testid="report-dialog">
        <header className="panel-head">
          <h2 id="report-title">Evidence report and export</h2>
        </header>
        <section>
          <h3>Enhancements</h3>
          {r.enhancements.length === 0 ? (
            <p className="muted small">No enhancements in this case yet.</p>
          ) : (
            <ul>
              {r.enhancements.map((e) => (
                <li key={e.id}>
                  <label>
                    <input type="checkbox" checked={r.enhancementIds.includes(e.id)} onChange={() => r.toggleEnhancement(e.id)} data-testid={`report-enh-${e.id}`} />
                    <span>
                      #{e.id} {e.mode} ×{e.scale}, track {e.trackId}, frame {e.referenceFrame}
                    </span>
                    <span className={`small tier-${e.tier}`}>{e.tierLabel}</span>
                    <span className="small muted">guard {e.guard.verdict}</span>
                  </label>
                </li>
              ))}
            </ul>
          )}
          {r.identificationIds.length > 0 && (
            <>
              <h3>Identifications</h3>
              <p className="small muted">Candidate lists with scores, false-match rates, likelihood ratios and the examiners' conclusions — each an investigative lead, not an identification.</p>
              <ul>
                {r.identificationIds.map((id) => (
                  <li key={id}>
                    <label>
                      <span data-testid={`report-ident-${id}`}>identification #{id}</span>
                      <button type="button" className="small link" onClick={() => r.removeIdentification(id)}>
                        remove
                      </button>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
          {r.frames.length > 0 && (
            <>
              <h3>Frames</h3>
              <ul>
                {r.frames.map((f) => (
                  <li key={`${f.evidenceId}:${f.index}`}>
                    <label>
                      <span>
                        evidence {f.evidenceId}, frame {f.index}
                      </span>
                      <button type="button" className="small link" onClick={() => r.removeFrame(f.evidenceId, f.index)}>
                        remove
                      </button>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section>
          <label className="row">
            <input type="checkbox" checked={r.redact} onChange={(e) => r.set({ redact: e.target.checked })} data-testid="report-redact" />
            <span>Redact bystanders in every image (every face but the chosen subjects’)</span>
          </label>
          {!r.redact && (
            <>
              <p className="redaction-warning">Turning redaction off is recorded in the audit log and printed in the report, with your reason.</p>
              <textarea placeholder="Reason (required)" value={r.reason} onChange={(e) => r.set({ reason: e.target.value })} aria-label="Reason for turning redaction off" />
            </>
          )}
        </section>
        <section className="row" role="radiogroup" aria-label="Output">
          {OUTPUTS.map((o) => (
            <label key={o.value} className="row">
              <input type="radio" name="report-output" checked={r.output === o.value} onChange={() => r.set({ output: o.value })} data-testid={`report-output-${o.value}`} />
              <span>{o.label}</span>
            </label>
          ))}
        </section>
        {r.error && (
          <p className="error-text" role="alert">
            {r.error}
          </p>
        )}
        {job && (
          <div data-testid="report-job" data-state={job.state} data-kind={job.kind} data-job-id={job.id}>
            {running && <ProgressBar value={progress ? (100 * progress.current) / Math.max(1, progress.total) : 0} label="Export progress" />}
            <p className="small">
              {job.state === 'succeeded' && result
                ? `Saved ${result.path} — ${result.reportId ?? ''} ${result.sha256 ? `SHA-256 ${shortHash(result.sha256, 16)}…` : result.manifestSha256 ? `manifest ${shortHash(result.manifestSha256, 16)}…` : ''}`
                : job.state === 'failed'
                  ? `Failed: ${job.lastError?.message ?? ''}`
                  : job.state === 'cancelled'
                    ? 'Cancelled; nothing was written.'
                    : `${progress?.stage ?? 'queued'} ${progress ? `${progress.current}/${progress.total}` : ''}`}
            </p>
          </div>
        )}
        <footer className="row end">
          {running && job && (
            <button type="button" onClick={() => void useJobs.getState().cancel(job.id)} data-testid="report-cancel">
              Cancel
            </button>
          )}
          <button type="button" onClick={() => r.close()}>
            Close
          </button>
          <button
            type="button"
            className="primary"
            disabled={running || nothing || (!r.redact && !r.reason.trim())}
            onClick={() => void r.start().catch((e: unknown) => useReport.setState({ error: describeError(e) }))}
            data-testid="report-save"
          >
            Save as…
          </button>
        </footer>
      </div>
    </div>
  );
}
