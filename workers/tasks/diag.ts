/** Diagnostic tasks: prove a worker is alive and that cancellation and crashes are handled (used by tests). */
import { SightlineError } from '../../domain/errors';
import type { TaskFn } from '../protocol';

export const ping: TaskFn<{ pid: number; threads: number }> = async () => ({ pid: process.pid, threads: Number(process.env.SIGHTLINE_THREADS ?? 0) });

/** Count `steps` units of ~10 ms each, checking for cancellation between units like a real stage does. */
export const count: TaskFn<{ counted: number }> = async (params, ctx) => {
  const steps = Number((params as { steps?: number }).steps ?? 100);
  for (let i = 0; i < steps; i++) {
    if (ctx.signal.aborted) throw new SightlineError('CANCELLED', 'count cancelled');
    await new Promise((r) => setTimeout(r, 10));
    ctx.progress('count', i + 1, steps);
  }
  return { counted: steps };
};

export const fail: TaskFn<never> = async (params) => {
  throw new SightlineError('INVALID_INPUT', String((params as { message?: string }).message ?? 'failed on purpose'));
};

/** Stream `batches` partial batches of `size` numbers (each waits for back-pressure), then report how many. */
export const stream: TaskFn<{ sent: number }> = async (params, ctx) => {
  const batches = Number((params as { batches?: number }).batches ?? 20);
  const size = Number((params as { size?: number }).size ?? 1000);
  let sent = 0;
  for (let b = 0; b < batches; b++) {
    if (ctx.signal.aborted) throw new SightlineError('CANCELLED', 'stream cancelled');
    await ctx.partial({ batch: b, values: Array.from({ length: size }, (_, i) => b * size + i) });
    sent++;
  }
  return { sent };
};
