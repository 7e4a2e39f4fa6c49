import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool } from './pool';

const pool = new WorkerPool({ size: 2, threadsPerWorker: 1 });
afterAll(() => pool.close());

describe('worker pool', () => {
  it('runs tasks in separate processes with capped threads', async () => {
    const r = await pool.run('diag.ping', {});
    expect(r.pid).not.toBe(process.pid);
    expect(r.threads).toBe(1);
  });

  it('relays progress and results', async () => {
    const seen: number[] = [];
    const r = await pool.run('diag.count', { steps: 5 }, { onProgress: (p) => seen.push(p.current) });
    expect(r).toEqual({ counted: 5 });
    expect(seen.at(-1)).toBe(5);
  });

  it('turns a task failure into a typed error', async () => {
    await expect(pool.run('diag.fail', { message: 'bad frame list' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'bad frame list' });
  });

  it('cancels cooperatively', async () => {
    const ac = new AbortController();
    const p = pool.run('diag.count', { steps: 10_000 }, { signal: ac.signal, onProgress: (x) => x.current >= 3 && ac.abort() });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    // The worker survives a cooperative cancel and takes the next task.
    await expect(pool.run('diag.ping', {})).resolves.toMatchObject({ threads: 1 });
  });

  it('detects a worker killed mid-task, fails that task clearly, and replaces the worker', async () => {
    const crashesBefore = pool.crashes;
    let killed = false;
    const p = pool.run('diag.count', { steps: 10_000 }, {
      onProgress: () => {
        if (killed) return;
        killed = true;
        process.kill(pool.pidRunning('diag.count')!, 'SIGKILL');
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'TOOL_FAILED', message: expect.stringMatching(/died during diag.count \(SIGKILL\)/) });
    expect(pool.crashes).toBe(crashesBefore + 1);
    const after = await pool.run('diag.ping', {});
    expect(after.pid).toBeGreaterThan(0);
  });
});
