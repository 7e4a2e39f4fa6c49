/** Every task a worker can run, by kind. Pipeline stages register here. */
import type { TaskFn } from '../protocol';
import * as diag from './diag';

export const TASKS: Readonly<Record<string, () => Promise<TaskFn>>> = {
  'diag.ping': async () => diag.ping,
  'diag.count': async () => diag.count,
  'diag.fail': async () => diag.fail,
  // Loaded on first use: it pulls in onnxruntime and the face models.
  analyze: async () => (require('../analysis/analyze') as typeof import('../analysis/analyze')).analyze,
  enhance: async () => (require('../enhance/task') as typeof import('../enhance/task')).enhance,
};
