/**
 * Footage analysis through the app service, as the UI drives it: analysis:start, tracks:list (best-frame crops the
 * media protocol serves), faces:forFrame, tracks:detections, analysis:runs — on a clip made from a real face
 * photograph (ORL fixture), with real ffmpeg, worker processes and models.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Evidence } from '../../core/evidence';
import type { Job } from '../../core/jobs';
import { installModels } from '../../models/install';
import { makeFaceClip } from '../../testing/faceClip';
import { faceFile } from '../../testing/faces';
import { tempDir } from '../../testing/tmp';
import type { EventName, Events } from '../contract';
import { AppService, type Shell } from './appService';

describe('analysis over the IPC service (analysis:start, tracks:list, faces:forFrame, tracks:detections)', () => {
  const tmp = tempDir('analysis-ipc');
  const events: Array<{ event: EventName; payload: unknown }> = [];
  const shell: Shell = {
    kind: 'browser',
    userDataDir: path.join(tmp.dir, 'user'),
    casesDir: tmp.dir,
    openFiles: async () => [],
    chooseFolder: async () => null,
    saveFile: async () => null,
  };
  const waiters = new Set<() => void>();
  const service = new AppService({
    shell,
    emit: <E extends EventName>(event: E, payload: Events[E]) => {
      events.push({ event, payload });
      for (const w of [...waiters]) w();
    },
  });
  afterAll(async () => {
    await service.dispose();
    tmp.cleanup();
  });

  /** Resolve on the `jobs:changed` event that reports the job finished (events seen earlier count too). */
  function jobDone(id: number): Promise<Job> {
    return new Promise((resolve) => {
      const check = (): void => {
        const e = events.find((x) => x.event === 'jobs:changed' && (x.payload as Job).id === id && ['succeeded', 'failed', 'cancelled'].includes((x.payload as Job).state));
        if (!e) return;
        waiters.delete(check);
        resolve(e.payload as Job);
      };
      waiters.add(check);
      check();
    });
  }

  async function call<T>(channel: string, input: unknown): Promise<T> {
    const r = await service.invoke(channel, input);
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    return r.value as T;
  }

  it('starts an analysis, lists tracks with best-frame crops the media protocol serves, and boxes per frame', async () => {
    await installModels({ log: () => {} });
    const clip = await makeFaceClip({
      out: path.join(tmp.dir, 'door.mp4'),
      width: 640,
      height: 360,
      frames: 8,
      faces: [{ portrait: faceFile(8, 3), faceWidth: 36, start: [100, 100], velocity: [5, 2] }],
    });
    await call('case:create', { dir: path.join(tmp.dir, 'Ipc'), caseNumber: 'I-1', title: 'IPC', examiner: 'Tester' });
    const [imp] = await call<Job[]>('evidence:import', { paths: [clip.file] });
    expect((await jobDone(imp!.id)).state).toBe('succeeded');
    const evidenceId = (await call<Evidence[]>('evidence:list', {}))[0]!.id;
    expect(await call('tracks:list', { evidenceId })).toEqual({ run: null, tracks: [], relations: [], cuts: [] });

    const job = await call<Job>('analysis:start', { evidenceId });
    expect(job.kind).toBe('analyze');
    const done = await jobDone(job.id);
    expect(done.state).toBe('succeeded');
    expect(events.some((e) => e.event === 'jobs:progress' && (e.payload as { jobId: number; stage: string }).jobId === job.id)).toBe(true);
    // While it ran, progress said what had been found so far; now nothing runs, so nothing is provisional.
    const captions = events.filter((e) => e.event === 'jobs:progress' && (e.payload as { jobId: number }).jobId === job.id).map((e) => (e.payload as { detail?: string }).detail);
    expect(captions.some((d) => /^\d+ faces in \d+ tracks? so far$/.test(d ?? ''))).toBe(true);
    expect(await call('analysis:partial', { evidenceId })).toEqual({ jobId: null, detections: 0, tracks: [] });

    const list = await call<{ run: { id: number }; tracks: Array<{ id: number; bestFrame: number; best: Array<{ crop: string; frame: number }> }> }>('tracks:list', { evidenceId, best: 3 });
    expect(list.tracks).toHaveLength(1);
    const t = list.tracks[0]!;
    expect(t.best[0]!.frame).toBe(t.bestFrame);
    expect(t.best[0]!.crop).toMatch(/^derived\/[0-9a-f]{64}\.png$/);
    expect(service.resolveMedia(t.best[0]!.crop)).toMatch(/\.png$/);
    const frame = await call<{ runId: number; faces: Array<{ track: number; interpolated: boolean }> }>('faces:forFrame', { evidenceId, index: t.bestFrame });
    expect(frame.runId).toBe(list.run.id);
    expect(frame.faces).toMatchObject([{ track: 1, interpolated: false }]);
    expect(await call<unknown[]>('tracks:detections', { trackId: t.id })).toHaveLength(8);
    expect(await call<unknown[]>('analysis:runs', { evidenceId })).toHaveLength(1);
    const bad = await service.invoke('analysis:start', { evidenceId, step: 0 });
    expect(bad.ok).toBe(false);
    expect((await service.invoke('analysis:start', { evidenceId, minScore: 2 })).ok).toBe(false);
  }, 300_000);
});
