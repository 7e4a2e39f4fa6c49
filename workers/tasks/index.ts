/** Every task a worker can run, by kind. Pipeline stages register here. */
import type { TaskFn } from '../protocol';
import * as diag from './diag';

export const TASKS: Readonly<Record<string, () => Promise<TaskFn>>> = {
  'diag.ping': async () => diag.ping,
  'diag.count': async () => diag.count,
  'diag.fail': async () => diag.fail,
};
