import type { Job } from '../../../app/contract';
import { baseName, eta, percent } from '../lib/format';
import { canRetry, isActive, sortedJobs, useJobs } from '../stores/jobsStore';
import { attempt } from '../stores/toastStore';
import { ProgressBar } from './ProgressBar';

const STAGE_LABEL: Record<string, string> = { copy: 'Copying', verify: 'Verifying copy', index: 'Indexing frames', probe: 'Probing', analyse: 'Analysing frames', record: 'Recording results' };

function title(j: Job): string {
  const p = j.params.path;
  if (j.kind === 'analyze' && typeof j.params.evidenceId === 'number') return `evidence #${j.params.evidenceId}`;
  return j.kind === 'import' && typeof p === 'string' ? baseName(p) : `${j.kind} #${j.id}`;
}

function JobRow({ job }: { readonly job: Job }) {
  const live = useJobs((s) => s.progress[job.id]);
  const cancel = useJobs((s) => s.cancel);
  const retry = useJobs((s) => s.retry);
  const p = job.state === 'running' && live ? live : null;
  const value = job.state === 'succeeded' ? 100 : p ? percent(p.current, p.total) : 0;
  let status: string;
  switch (job.state) {
    case 'queued':
      status = 'Waiting';
      break;
    case 'running':
      status = p ? `${STAGE_LABEL[p.stage] ?? p.stage} · ${value}%${p.etaSeconds !== null ? ` · ${eta(p.etaSeconds)}` : ''}` : 'Starting…';
      break;
    case 'succeeded':
      status = 'Done · 100%';
      break;
    case 'failed':
      status = 'Failed';
      break;
    case 'cancelled':
      status = 'Cancelled';
      break;
    case 'abandoned':
      status = 'Abandoned: its process ended before it finished';
      break;
    default: {
      const never: never = job.state;
      status = String(never);
    }
  }
  return (
    <li className={`job job-${job.state}`} data-testid="job" data-job-id={job.id} data-state={job.state}>
      <div className="job-head">
        <span className="job-kind">{job.kind}</span>
        <span className="job-title" title={typeof job.params.path === 'string' ? job.params.path : undefined}>
          {title(job)}
        </span>
        {isActive(job) && (
          <button type="button" className="small" onClick={() => void attempt(`Cancelling ${title(job)}`, () => cancel(job.id))}>
            Cancel
          </button>
        )}
        {canRetry(job) && (
          <button type="button" className="small" onClick={() => void attempt(`Retrying ${title(job)}`, () => retry(job.id))}>
            Retry
          </button>
        )}
      </div>
      <ProgressBar value={value} label={`${title(job)} progress`} state={job.state} />
      <div className="job-status">
        <span>{status}</span>
        {job.attempts > 1 && <span className="muted"> · attempt {job.attempts}</span>}
        {job.retryOf !== null && <span className="muted"> · retry of #{job.retryOf}</span>}
      </div>
      {(job.state === 'failed' || job.state === 'abandoned') && job.lastError && (
        <div className="job-error" role="alert">
          {job.lastError.message}
        </div>
      )}
    </li>
  );
}

export function JobsPanel() {
  const jobs = useJobs((s) => s.jobs);
  const list = sortedJobs(jobs);
  const active = list.filter(isActive).length;
  return (
    <section className="panel jobs" aria-label="Jobs">
      <header className="panel-head">
        <h2>Jobs</h2>
        <span className="muted">{active > 0 ? `${active} active` : 'idle'}</span>
      </header>
      {list.length === 0 ? (
        <p className="empty">No jobs yet. Imports and analyses appear here with their progress.</p>
      ) : (
        <ul className="job-list">
          {list.map((j) => (
            <JobRow key={j.id} job={j} />
          ))}
        </ul>
      )}
    </section>
  );
}
