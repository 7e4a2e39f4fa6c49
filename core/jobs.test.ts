import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, openCase, type CaseHandle } from './case';
import { SightlineError } from '../domain/errors';
import { listEvidence } from './evidence';
import { defaultJobHandlers } from './jobKinds';
import { JobQueue, listJobs, type JobHandler } from './jobs';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('jobs');

/** Job kinds of these tests only: any parameters, any result. */
type TestSpec = { input: Record<string, unknown>; params: Record<string, unknown>; result: unknown };
interface TestJobs {
  slow: TestSpec;
  block: TestSpec;
  flaky: TestSpec;
}
const noop: JobHandler<TestSpec> = { validate: (p) => p as Record<string, unknown>, run: async () => {} };
let c: CaseHandle;
let clip: string;

beforeAll(async () => {
  c = createCase(path.join(tmp.dir, 'Jobs'), { caseNumber: 'J-1', title: 'Jobs', examiner: 'Tester' });
  clip = await makeClip({ out: path.join(tmp.dir, 'clip.mp4'), width: 160, height: 120, seconds: 2 });
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});

describe('job queue', () => {
  it('runs an import job with progress events and commits result, evidence and state together', async () => {
    const q = new JobQueue(c, defaultJobHandlers());
    const stages = new Set<string>();
    q.on('progress', (p) => stages.add(p.stage));
    const job = q.enqueue('import', { path: clip });
    const done = await q.waitFor(job.id);
    expect(done.state).toBe('succeeded');
    expect(done.attempts).toBe(1);
    expect(done.result).toMatchObject({ duplicate: false, evidence: { frameCount: 50 } });
    expect([...stages]).toEqual(['copy', 'verify', 'index']);
    expect(listEvidence(c)).toHaveLength(1);
  });

  it('fails a job with a clear error and does not retry bad input', async () => {
    const q = new JobQueue(c, defaultJobHandlers());
    const job = q.enqueue('import', { path: path.join(tmp.dir, 'missing.mp4') });
    const done = await q.waitFor(job.id);
    expect(done.state).toBe('failed');
    expect(done.attempts).toBe(1);
    expect(done.lastError).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(c.audit.list({ action: 'job.failed' }).at(-1)?.params).toMatchObject({ jobId: job.id, code: 'FILE_NOT_FOUND' });
  });

  it('rejects invalid parameters before queueing', () => {
    const q = new JobQueue(c, defaultJobHandlers());
    expect(() => q.enqueue('import', { path: '' })).toThrowError(/bad parameters for import/);
    expect(() => q.enqueue('nonsense' as 'import', {} as never)).toThrowError(/unknown job kind/);
  });

  it('cancels a running job: it ends cancelled and leaves no results', async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const slow: JobHandler<TestSpec> = {
      validate: (p) => p as Record<string, unknown>,
      async run(ctx) {
        started();
        await new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new SightlineError('CANCELLED', 'stopped'))));
        ctx.commit(() => ctx.case.audit.append({ action: 'never.committed' }));
      },
    };
    const q = new JobQueue<TestJobs>(c, { slow, block: noop, flaky: noop });
    const job = q.enqueue('slow', {});
    await running;
    expect(q.get(job.id).state).toBe('running');
    q.cancel(job.id);
    const done = await q.waitFor(job.id);
    expect(done.state).toBe('cancelled');
    expect(c.audit.list({ action: 'never.committed' })).toHaveLength(0);
  });

  it('cancels a queued job at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const blocker: JobHandler<TestSpec> = { validate: (p) => p as Record<string, unknown>, run: () => gate };
    const q = new JobQueue<TestJobs>(c, { slow: noop, block: blocker, flaky: noop }, { concurrency: 1 });
    const first = q.enqueue('block', {});
    const second = q.enqueue('block', {});
    expect(q.cancel(second.id).state).toBe('cancelled');
    release();
    expect((await q.waitFor(first.id)).state).toBe('succeeded');
  });

  it('retries a job whose tool failed, then succeeds', async () => {
    let calls = 0;
    const flaky: JobHandler<TestSpec> = {
      validate: (p) => p as Record<string, unknown>,
      async run(ctx) {
        calls++;
        if (calls === 1) throw new SightlineError('TOOL_FAILED', 'worker died');
        ctx.commit(() => ({ calls }));
      },
    };
    const q = new JobQueue<TestJobs>(c, { slow: noop, block: noop, flaky });
    const job = q.enqueue('flaky', {}, { maxAttempts: 2 });
    const done = await q.waitFor(job.id);
    expect(done).toMatchObject({ state: 'succeeded', attempts: 2, result: { calls: 2 } });
  });

  it('closing the case ends its running and waiting jobs abandoned: nothing runs later unasked', async () => {
    const dir = path.join(tmp.dir, 'Close');
    const a = createCase(dir, { caseNumber: 'C-2', title: 'Close', examiner: 'Tester' });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const slow: JobHandler<TestSpec> = {
      validate: (p) => p as Record<string, unknown>,
      async run(ctx) {
        started();
        await new Promise<void>((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(new SightlineError('CANCELLED', 'stopped'))));
      },
    };
    const q = new JobQueue<TestJobs>(a, { slow, block: noop, flaky: noop }, { concurrency: 1 });
    const first = q.enqueue('slow', {});
    const second = q.enqueue('slow', {});
    await running;
    await q.stop();
    const jobs = listJobs(a);
    expect(jobs.find((j) => j.id === first.id)).toMatchObject({ state: 'abandoned', lastError: { code: 'ABANDONED', message: expect.stringMatching(/closed while it ran/) } });
    expect(jobs.find((j) => j.id === second.id)).toMatchObject({ state: 'abandoned', lastError: { code: 'ABANDONED', message: expect.stringMatching(/closed before it started/) } });
    expect(a.audit.list({ action: 'job.abandoned' }).map((e) => (e.params as { jobId: number }).jobId).sort()).toEqual([first.id, second.id].sort());
    a.close();
    // The next session runs nothing on its own.
    const b = openCase(dir);
    let ran = 0;
    const counting: JobHandler<TestSpec> = { validate: (p) => p as Record<string, unknown>, run: async () => void ran++ };
    const q2 = new JobQueue<TestJobs>(b, { slow: counting, block: noop, flaky: noop });
    q2.start();
    await new Promise((r) => setImmediate(r));
    expect(ran).toBe(0);
    expect(listJobs(b).filter((j) => j.state === 'queued' || j.state === 'running')).toEqual([]);
    await q2.stop();
    b.close();
  });

  it('ends the jobs of a killed process abandoned (audited, visible), never runs them, and retries one only when asked', async () => {
    const dir = path.join(tmp.dir, 'Crash');
    const a = createCase(dir, { caseNumber: 'C-1', title: 'Crash', examiner: 'Tester' });
    // A process that has exited: its pid is free, as after `kill -9`.
    const dead = `${spawnSync(process.execPath, ['-e', '']).pid}@${os.hostname()}`;
    const params = JSON.stringify({ path: clip, allowDamaged: false });
    const running = Number(a.db.prepare(`INSERT INTO jobs (kind, state, params_json, attempts, runner, created_at, started_at) VALUES ('import', 'running', ?, 1, ?, 'x', 'x')`).run(params, dead).lastInsertRowid);
    const waiting = Number(a.db.prepare(`INSERT INTO jobs (kind, state, params_json, owner, created_at) VALUES ('import', 'queued', ?, ?, 'x')`).run(params, dead).lastInsertRowid);
    a.close();

    // Before the case is opened for work, a reading view already shows them as abandoned, and changes nothing.
    const ro = openCase(dir, { readonly: true });
    expect(listJobs(ro).map((j) => [j.id, j.state])).toEqual([[waiting, 'abandoned'], [running, 'abandoned']]);
    ro.close();

    const b = openCase(dir);
    const q = new JobQueue(b, defaultJobHandlers());
    q.start();
    for (const id of [running, waiting]) {
      expect(q.get(id)).toMatchObject({ state: 'abandoned', lastError: { code: 'ABANDONED', message: expect.stringMatching(/ended before it finished; nothing it produced was recorded/) } });
    }
    expect(b.audit.list({ action: 'job.abandoned' }).map((e) => e.params.jobId)).toEqual([running, waiting]);
    expect(listEvidence(b)).toHaveLength(0); // never resumed on its own
    expect(() => q.retry(999)).toThrowError(/no job 999/);

    const retried = q.retry(running);
    expect(retried).toMatchObject({ kind: 'import', retryOf: running });
    expect(retried.id).toBeGreaterThan(waiting);
    const done = await q.waitFor(retried.id);
    expect(done.state).toBe('succeeded');
    expect(listEvidence(b)).toHaveLength(1);
    expect(q.get(running).state).toBe('abandoned');
    expect(b.audit.list({ action: 'job.retry' }).at(-1)?.params).toMatchObject({ jobId: retried.id, retryOf: running, kind: 'import' });
    expect(() => q.retry(done.id)).toThrowError(/only a job that ended abandoned, failed or cancelled can be retried/);
    expect(b.audit.verify().ok).toBe(true);
    await q.stop();
    b.close();
  });

  it('leaves a job of another live process alone, and a CLI-scoped queue runs only its own jobs', async () => {
    const dir = path.join(tmp.dir, 'Shared');
    const a = createCase(dir, { caseNumber: 'S-1', title: 'Shared', examiner: 'Tester' });
    // The parent of this test process is alive: a job it "runs" must not be re-queued by us.
    a.db.prepare(`INSERT INTO jobs (kind, state, params_json, attempts, runner, created_at) VALUES ('import', 'running', ?, 1, ?, 'x')`).run(JSON.stringify({ path: clip, allowDamaged: false }), `${process.ppid}@${os.hostname()}`);
    // And a job someone else queued.
    a.db.prepare(`INSERT INTO jobs (kind, state, params_json, created_at) VALUES ('import', 'queued', ?, 'x')`).run(JSON.stringify({ path: clip, allowDamaged: false }));
    const q = new JobQueue(a, defaultJobHandlers(), { scope: 'own' });
    expect(q.list().map((j) => j.state).sort()).toEqual(['queued', 'running']);
    expect(a.audit.list({ action: 'job.abandoned' })).toHaveLength(0);
    const mine = q.enqueue('import', { path: clip });
    const done = await q.waitFor(mine.id);
    expect(done).toMatchObject({ state: 'succeeded', runner: `${process.pid}@${os.hostname()}` });
    // The other queued job is still waiting for its owner.
    expect(q.list().filter((j) => j.state === 'queued')).toHaveLength(1);
    await q.stop();
    a.close();
  });
});
