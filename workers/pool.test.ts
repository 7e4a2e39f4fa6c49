import { afterAll, describe, expect, it } from 'vitest';
import { WorkerPool, defaultPoolShape } from './pool';

const pool = new WorkerPool({ size: 2, threadsPerWorker: 1 });
afterAll(() => pool.close());

describe('default pool shape', () => {
  it('runs a worker per core on two cores (each with both threads), keeps a core free above that, at most 4 workers', () => {
    expect(defaultPoolShape(1)).toEqual({ size: 1, threadsPerWorker: 1 });
    expect(defaultPoolShape(2)).toEqual({ size: 2, threadsPerWorker: 2 });
    expect(defaultPoolShape(4)).toEqual({ size: 3, threadsPerWorker: 1 });
    expect(defaultPoolShape(16)).toEqual({ size: 4, threadsPerWorker: 4 });
  });
});

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

  it('streams partial results in order, with back-pressure: the worker waits while the parent stores', async () => {
    const got: number[] = [];
    let storing = 0;
    let maxStoring = 0;
    const r = await pool.run('diag.stream', { batches: 12, size: 500 }, {
      onPartial: async (data) => {
        storing++;
        maxStoring = Math.max(maxStoring, storing);
        // A slow store: the worker must not run more than a few batches ahead of it.
        await new Promise((res) => setTimeout(res, 20));
        got.push((data as { batch: number }).batch);
        storing--;
      },
    });
    expect(r.sent).toBe(12);
    // Every batch was stored, in order, before the task counted as done; never two stores at once.
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(maxStoring).toBe(1);
  });

  it('fails a task whose streamed batch cannot be stored, and says why', async () => {
    const p = pool.run('diag.stream', { batches: 50, size: 10 }, {
      onPartial: (data) => {
        if ((data as { batch: number }).batch === 3) throw new Error('disk full');
      },
    });
    await expect(p).rejects.toThrow(/disk full/);
    await expect(pool.run('diag.ping', {})).resolves.toMatchObject({ threads: 1 });
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
