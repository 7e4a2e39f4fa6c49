/**
 * The application service behind every channel: one open case, its job queue, recent cases. It runs inside
 * Electron's main process and, unchanged, inside the browser shell, so it never imports Electron: the shell gives
 * it a `Shell` (dialogs, where to keep settings) and an event sink. The handlers live with their feature
 * (case.ts, evidence.ts, …); this class owns the open case and validates every call against the contract.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SightlineError, toErrorInfo } from '../../domain/errors';
import type { CaseHandle } from '../../core/case';
import { followUpJobs } from '../../core/followUps';
import { defaultJobHandlers } from '../../core/jobKinds';
import { JobQueue } from '../../core/jobs';
import { closeSharedPool } from '../../core/workerPool';
import { channels, isChannel, type CaseSummary, type ChannelInput, type ChannelName, type ChannelOutput, type EventName, type Events, type MediaRef, type Result } from '../contract';
import { analysisHandlers } from './analysis';
import { appHandlers } from './app';
import { auditHandlers } from './audit';
import { caseHandlers } from './case';
import type { OpenCase, ServiceContext, Shell } from './context';
import { dialogHandlers } from './dialog';
import { enhanceHandlers } from './enhance';
import { evidenceHandlers } from './evidence';
import { frameHandlers } from './frames';
import { galleryHandlers } from './gallery';
import { identifyHandlers } from './identify';
import { jobHandlers } from './jobs';
import { trackNameHandlers } from './trackNames';
import { redactionHandlers } from './redaction';
import { reportHandlers } from './report';

export type { Shell } from './context';

type Handlers = { [C in ChannelName]: (input: ChannelInput<C>) => Promise<ChannelOutput<C>> | ChannelOutput<C> };

export interface AppServiceOptions {
  readonly shell: Shell;
  readonly emit: <E extends EventName>(event: E, payload: Events[E]) => void;
}

export class AppService {
  private current: OpenCase | undefined;
  private readonly handlers: Handlers;

  constructor(private readonly opts: AppServiceOptions) {
    const s: ServiceContext = {
      shell: opts.shell,
      emit: (event, payload) => opts.emit(event, payload),
      requireCase: () => this.requireCase(),
      hasCase: () => this.current !== undefined,
      adopt: (handle, reason) => this.adopt(handle, reason),
      closeCase: () => this.closeCase(),
      summary: () => this.summary(),
    };
    this.handlers = {
      ...appHandlers(s),
      ...caseHandlers(s),
      ...dialogHandlers(s),
      ...evidenceHandlers(s),
      ...frameHandlers(s),
      ...auditHandlers(s),
      ...jobHandlers(s),
      ...analysisHandlers(s),
      ...enhanceHandlers(s),
      ...galleryHandlers(s),
      ...identifyHandlers(s),
      ...trackNameHandlers(s),
      ...redactionHandlers(s),
      ...reportHandlers(s),
    };
  }

  /** Validate and run one call; never throws: errors come back as `{ ok: false, error }`. */
  async invoke(channel: unknown, input: unknown): Promise<Result<unknown>> {
    if (!isChannel(channel)) return { ok: false, error: { code: 'INVALID_INPUT', message: `unknown channel ${String(channel)}` } };
    const parsed = channels[channel].input.safeParse(input ?? {});
    if (!parsed.success) {
      return { ok: false, error: { code: 'INVALID_INPUT', message: `invalid input for ${channel}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'} ${i.message}`).join('; ')}` } };
    }
    try {
      const handler = this.handlers[channel] as (i: unknown) => unknown;
      return { ok: true, value: (await handler(parsed.data)) ?? null };
    } catch (e) {
      return { ok: false, error: toErrorInfo(e) };
    }
  }

  /** Absolute path of a media ref if it is a file inside the open case's derived/ or exports/ folder; else null. */
  resolveMedia(ref: MediaRef): string | null {
    if (!this.current) return null;
    const root = this.current.handle.dir;
    const decoded = (() => {
      try {
        return decodeURIComponent(ref);
      } catch {
        return null;
      }
    })();
    if (!decoded || decoded.includes('\0')) return null;
    const abs = path.resolve(root, decoded);
    const allowed = [this.current.handle.paths.derived, this.current.handle.paths.exports];
    if (!allowed.some((dir) => abs.startsWith(dir + path.sep))) return null;
    try {
      // Refuse symlinks that point out of the case.
      const real = fs.realpathSync(abs);
      if (!allowed.some((dir) => real.startsWith(fs.realpathSync(dir) + path.sep))) return null;
      return fs.statSync(real).isFile() ? real : null;
    } catch {
      return null;
    }
  }

  async dispose(): Promise<void> {
    await this.closeCase();
    await closeSharedPool();
  }

  private requireCase(): OpenCase {
    if (!this.current) throw new SightlineError('NOT_A_CASE', 'no case is open: create or open a case first');
    return this.current;
  }

  private async adopt(handle: CaseHandle, reason: string): Promise<CaseSummary> {
    await this.closeCase();
    const jobs = new JobQueue(handle, defaultJobHandlers({ userDataDir: this.opts.shell.userDataDir }), { concurrency: 1 });
    jobs.on('changed', (j) => {
      this.opts.emit('jobs:changed', j);
      if (j.state === 'succeeded' && j.kind === 'import') this.opts.emit('case:changed', { reason: 'evidence', case: this.summary() });
      // Follow-up jobs (core/followUps.ts: the watchlist comparison after an analysis); never fail the event.
      if (j.state === 'succeeded') {
        try {
          for (const f of followUpJobs(handle, j)) jobs.enqueue(f.kind, f.params);
        } catch {
          // the analysis stands; the comparison can be run again from its track
        }
      }
    });
    jobs.on('progress', (p) => this.opts.emit('jobs:progress', p));
    this.current = { handle, jobs };
    jobs.start();
    const s = this.summary();
    this.opts.emit('case:changed', { reason, case: s });
    return s;
  }

  private async closeCase(): Promise<void> {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    await cur.jobs.stop();
    cur.jobs.removeAllListeners();
    cur.handle.close();
  }

  private summary(): CaseSummary {
    const c = this.requireCase().handle;
    return {
      ...c.info,
      dir: c.dir,
      evidenceCount: (c.db.prepare('SELECT count(*) AS n FROM evidence').get() as { n: number }).n,
      auditEntries: c.audit.count(),
      auditHead: c.audit.headHash(),
    };
  }
}
