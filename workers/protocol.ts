/**
 * The message protocol between the case service (parent) and a worker process. One protocol whatever carries
 * it (child_process IPC in Node, a utilityProcess MessagePort under Electron).
 *
 *   parent → worker:  run | cancel | shutdown | ack
 *   worker → parent:  ready | progress | log | partial | done | failed
 *
 * `partial` streams a task's results in batches while it runs (an hour of footage must not become one giant
 * `done` message); the parent acknowledges each batch once it has stored it, and a task never has more than a few
 * batches unacknowledged, so neither side's memory grows with the length of the work.
 */
import type { ErrorInfo } from '../domain/errors';
import type { TaskKind } from './tasks/registry';

export type ToWorker =
  | { readonly type: 'run'; readonly taskId: number; readonly kind: TaskKind; readonly params: unknown }
  | { readonly type: 'cancel'; readonly taskId: number }
  | { readonly type: 'ack'; readonly taskId: number; readonly seq: number }
  | { readonly type: 'shutdown' };

export type FromWorker =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'progress'; readonly taskId: number; readonly stage: string; readonly current: number; readonly total: number; readonly unit?: string }
  | { readonly type: 'log'; readonly taskId: number; readonly level: 'info' | 'warn'; readonly message: string }
  | { readonly type: 'partial'; readonly taskId: number; readonly seq: number; readonly data: unknown }
  | { readonly type: 'done'; readonly taskId: number; readonly result: unknown }
  | { readonly type: 'failed'; readonly taskId: number; readonly error: ErrorInfo };

/** What a task function receives inside the worker. */
export interface TaskContext {
  readonly signal: AbortSignal;
  progress(stage: string, current: number, total: number, unit?: string): void;
  log(message: string, level?: 'info' | 'warn'): void;
  /**
   * Send a batch of results to the parent now. Resolves once fewer than a few batches are unacknowledged, so a
   * task that awaits it never runs ahead of the parent's storage (back-pressure).
   */
  partial(data: unknown): Promise<void>;
}

/**
 * A task as the worker runs it: parameters arrive as plain data from another process, so every task validates
 * them itself (its zod schema) before use; the result type is the one the registry promises its callers.
 */
export type TaskFn<R = unknown> = (params: unknown, ctx: TaskContext) => Promise<R>;
