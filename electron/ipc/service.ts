/**
 * The application service behind every channel: one open case, its job queue, recent cases. It runs inside
 * Electron's main process and, unchanged, inside the headless harness (e2e and the browser shell), so it never
 * imports Electron: the shell gives it a `Shell` (dialogs, where to keep settings) and an event sink.
 */
import fs from 'node:fs';
import path from 'node:path';
import { closeSharedPool } from '../core/analysis/workerPool';
import { facesForFrame, listRuns, listTracks, trackDetections, type DetectionSummary } from '../core/analysis/results';
import { APP_VERSION } from '../core/appInfo';
import { createCase, openCase, type CaseHandle } from '../core/case';
import { getGuardSettings, setGuardThresholds } from '../core/enhance/guardSettings';
import { getEnhancement, listEnhancements, listReplays, planSelection, saveSelection, type Enhancement } from '../core/enhance/records';
import { resolveEnhanceSettings } from '../../workers/enhance/settings';
import { SightlineError, toErrorInfo } from '../core/errors';
import { listEvidence } from '../core/evidence';
import { exportFrame, frameTimes, getFrame, thumbnailStrip } from '../core/frames';
import { exportAuditLog } from '../core/auditExport';
import { defaultJobHandlers } from '../core/jobKinds';
import { JobQueue, type JobHandler } from '../core/jobs';
import {
  channels,
  isChannel,
  type AppInfo,
  type CaseSummary,
  type ChannelInput,
  type ChannelName,
  type ChannelOutput,
  type EnhancementView,
  type EventName,
  type Events,
  type FolderListing,
  type MediaRef,
  type RecentCase,
  type Result,
} from './contract';

export interface Shell {
  readonly kind: AppInfo['shell'];
  /** Folder for app settings (recent cases). */
  readonly userDataDir: string;
  /** Default parent folder for new cases. */
  readonly casesDir: string;
  openFiles(opts: { title?: string; media?: boolean }): Promise<string[]>;
  chooseFolder(opts: { title?: string }): Promise<string | null>;
  saveFile(opts: { title?: string; defaultName?: string }): Promise<string | null>;
  /** Only shells without native dialogs (the browser shell) list folders for the renderer's own file dialog. */
  listFolder?(dir: string | null): Promise<FolderListing>;
}

type Handlers = { [C in ChannelName]: (input: ChannelInput<C>) => Promise<ChannelOutput<C>> | ChannelOutput<C> };

export interface AppServiceOptions {
  readonly shell: Shell;
  readonly emit: <E extends EventName>(event: E, payload: Events[E]) => void;
  /** Extra job kinds (the pipeline's) beside the built-in ones. */
  readonly jobHandlers?: ReadonlyMap<string, JobHandler>;
}

export class AppService {
  private current: { handle: CaseHandle; jobs: JobQueue } | undefined;
  private readonly handlers: Handlers;

  constructor(private readonly opts: AppServiceOptions) {
    this.handlers = {
      'app:info': () => ({ version: APP_VERSION, platform: process.platform, shell: opts.shell.kind, casesDir: opts.shell.casesDir }),
      'case:recent': () => this.readRecent(),
      'case:create': (i) => {
        const handle = createCase(i.dir, { caseNumber: i.caseNumber, title: i.title, examiner: i.examiner, agency: i.agency ?? null });
        return this.adopt(handle, 'created');
      },
      'case:open': async (i) => {
        const handle = openCase(i.dir, i.examiner ? { examiner: i.examiner } : {});
        return this.adopt(handle, 'opened');
      },
      'case:current': () => (this.current ? this.summary() : null),
      'case:close': async () => {
        await this.closeCase();
        this.opts.emit('case:changed', { reason: 'closed', case: null });
        return null;
      },
      'dialog:openFiles': (i) => opts.shell.openFiles(i),
      'dialog:chooseFolder': (i) => opts.shell.chooseFolder(i),
      'dialog:saveFile': (i) => opts.shell.saveFile(i),
      'dialog:listFolder': (i) => {
        if (!opts.shell.listFolder) throw new SightlineError('INVALID_INPUT', 'this shell uses the system file dialogs; folder listing is for the browser shell only');
        return opts.shell.listFolder(i.dir ?? null);
      },
      'evidence:list': () => listEvidence(this.requireCase().handle),
      'evidence:import': (i) => {
        const { jobs } = this.requireCase();
        return i.paths.map((p) => jobs.enqueue('import', { path: p, allowDamaged: i.allowDamaged ?? false }));
      },
      'frames:times': (i) => Array.from(frameTimes(this.requireCase().handle, i.evidenceId)),
      'frames:get': async (i) => {
        const c = this.requireCase().handle;
        const f = await getFrame(c, i.evidenceId, i.index);
        const { file, ...info } = f;
        return { ...info, media: this.toMediaRef(file.path), sha256: file.sha256, width: file.width, height: file.height };
      },
      'frames:strip': async (i) => {
        const c = this.requireCase().handle;
        const s = await thumbnailStrip(c, i.evidenceId, i.count ?? 24, i.tileHeight ?? 72);
        return { media: this.toMediaRef(s.file.path), tileWidth: s.tileWidth, tileHeight: s.tileHeight, indices: s.indices };
      },
      'frames:export': (i) => exportFrame(this.requireCase().handle, i.evidenceId, i.index, i.path),
      'audit:list': (i) => this.requireCase().handle.audit.list({ ...(i.action ? { action: i.action } : {}), ...(i.limit ? { limit: i.limit } : {}) }),
      'audit:verify': () => this.requireCase().handle.audit.verify(),
      'audit:export': (i) => exportAuditLog(this.requireCase().handle, i.format, i.path),
      'jobs:list': () => this.requireCase().jobs.list(),
      'jobs:cancel': (i) => this.requireCase().jobs.cancel(i.jobId),
      'analysis:start': (i) => this.requireCase().jobs.enqueue('analyze', { evidenceId: i.evidenceId, settings: i.step ? { step: i.step } : {} }),
      'analysis:runs': (i) => listRuns(this.requireCase().handle, i.evidenceId),
      'faces:forFrame': (i) => facesForFrame(this.requireCase().handle, i.evidenceId, i.index, i.runId),
      'tracks:list': (i) => {
        const { run, tracks } = listTracks(this.requireCase().handle, i.evidenceId, { ...(i.runId ? { runId: i.runId } : {}), best: i.best ?? 5 });
        return { run, tracks: tracks.map((t) => ({ ...t, best: t.best.map((d) => this.detectionView(d)) })) };
      },
      'tracks:detections': (i) => trackDetections(this.requireCase().handle, i.trackId).map((d) => this.detectionView(d)),
      'enhance:suggest': (i) => {
        const p = planSelection(this.requireCase().handle, i.trackId, { best: i.best });
        return { frames: p.picks.map((d) => d.frame), referenceFrame: p.reference.frame, rule: p.rule };
      },
      'enhance:start': (i) => {
        const { handle, jobs } = this.requireCase();
        const settings = resolveEnhanceSettings({ mode: i.mode, ...(i.scale ? { scale: i.scale } : {}) });
        const selection = saveSelection(handle, i.trackId, i.frames ? { frames: i.frames } : { best: i.best! });
        return { selection, job: jobs.enqueue('enhance', { trackId: i.trackId, selectionId: selection.id, settings }) };
      },
      'enhance:list': (i) => {
        const c = this.requireCase().handle;
        return listEnhancements(c, { ...(i.trackId ? { trackId: i.trackId } : {}), ...(i.evidenceId ? { evidenceId: i.evidenceId } : {}) }).map((e) => this.enhancementView(e));
      },
      'enhance:get': (i) => this.enhancementView(getEnhancement(this.requireCase().handle, i.enhancementId)),
      'enhance:replay': (i) => {
        const { handle, jobs } = this.requireCase();
        getEnhancement(handle, i.enhancementId);
        return jobs.enqueue('replay', { enhancementId: i.enhancementId });
      },
      'guard:get': () => getGuardSettings(this.requireCase().handle),
      'guard:set': (i) =>
        setGuardThresholds(
          this.requireCase().handle,
          { ...(i.minQuality !== undefined ? { minQuality: i.minQuality } : {}), ...(i.minSimilarity !== undefined ? { minSimilarity: i.minSimilarity } : {}) },
          i.reason,
        ),
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

  private detectionView(d: DetectionSummary): DetectionSummary & { crop: MediaRef } {
    return { ...d, crop: `derived/${d.cropSha256}.png` };
  }

  private enhancementView(e: Enhancement): EnhancementView {
    const ref = (sha: string): MediaRef => `derived/${sha}.png`;
    return {
      ...e,
      media: {
        output: ref(e.outputSha256),
        source: ref(e.sourceSha256),
        sourceChip: ref(e.guard.sourceChip),
        enhancedChip: ref(e.guard.enhancedChip),
        inputs: e.inputs.map((x) => ({ frame: x.frame, media: ref(x.sha256) })),
        contributions: (e.contributions ?? []).map((x) => ({ frame: x.frame, media: ref(x.map.sha256) })),
      },
      replays: listReplays(this.requireCase().handle, e.id),
    };
  }

  private toMediaRef(abs: string): MediaRef {
    return path.relative(this.requireCase().handle.dir, abs).split(path.sep).join('/');
  }

  private requireCase(): { handle: CaseHandle; jobs: JobQueue } {
    if (!this.current) throw new SightlineError('NOT_A_CASE', 'no case is open: create or open a case first');
    return this.current;
  }

  private async adopt(handle: CaseHandle, reason: string): Promise<CaseSummary> {
    await this.closeCase();
    const handlers = new Map([...defaultJobHandlers(), ...(this.opts.jobHandlers ?? new Map())]);
    const jobs = new JobQueue(handle, handlers, { concurrency: 1 });
    jobs.on('changed', (j) => {
      this.opts.emit('jobs:changed', j);
      if (j.state === 'succeeded' && j.kind === 'import') this.opts.emit('case:changed', { reason: 'evidence', case: this.summary() });
    });
    jobs.on('progress', (p) => this.opts.emit('jobs:progress', p));
    this.current = { handle, jobs };
    jobs.start();
    this.rememberRecent(handle);
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

  private recentFile(): string {
    return path.join(this.opts.shell.userDataDir, 'recent-cases.json');
  }

  private readRecent(): RecentCase[] {
    try {
      const list = JSON.parse(fs.readFileSync(this.recentFile(), 'utf8')) as RecentCase[];
      return list.filter((r) => fs.existsSync(path.join(r.dir, 'case.db')));
    } catch {
      return [];
    }
  }

  private rememberRecent(c: CaseHandle): void {
    const entry: RecentCase = { dir: c.dir, caseNumber: c.info.caseNumber, title: c.info.title, openedAt: new Date().toISOString() };
    const list = [entry, ...this.readRecent().filter((r) => r.dir !== c.dir)].slice(0, 12);
    try {
      fs.mkdirSync(this.opts.shell.userDataDir, { recursive: true });
      fs.writeFileSync(this.recentFile(), JSON.stringify(list, null, 2));
    } catch {
      // The recent list is a convenience; failing to save it must not fail opening a case.
    }
  }
}
