/**
 * The message protocol between the case service (parent) and a worker process. One protocol whatever carries
 * it (child_process IPC in Node, a utilityProcess MessagePort under Electron).
 *
 *   parent → worker:  run | cancel | shutdown
 *   worker → parent:  ready | progress | log | done | failed
 */
import type { ErrorInfo } from '../domain/errors';
import type { TaskKind } from './tasks/registry';

export type ToWorker =
  | { readonly type: 'run'; readonly taskId: number; readonly kind: TaskKind; readonly params: unknown }
  | { readonly type: 'cancel'; readonly taskId: number }
  | { readonly type: 'shutdown' };

export type FromWorker =
  | { readonly type: 'ready'; readonly pid: number }
  | { readonly type: 'progress'; readonly taskId: number; readonly stage: string; readonly current: number; readonly total: number; readonly unit?: string }
  | { readonly type: 'log'; readonly taskId: number; readonly level: 'info' | 'warn'; readonly message: string }
  | { readonly type: 'done'; readonly taskId: number; readonly result: unknown }
  | { readonly type: 'failed'; readonly taskId: number; readonly error: ErrorInfo };

/** What a task function receives inside the worker. */
export interface TaskContext {
  readonly signal: AbortSignal;
  progress(stage: string, current: number, total: number, unit?: string): void;
  log(message: string, level?: 'info' | 'warn'): void;
}

/**
 * A task as the worker runs it: parameters arrive as plain data from another process, so every task validates
 * them itself (its zod schema) before use; the result type is the one the registry promises its callers.
 */
export type TaskFn<R = unknown> = (params: unknown, ctx: TaskContext) => Promise<R>;
