/** Every task a worker can run, by kind (workers/tasks/registry.ts types them). Pipeline stages register here. */
import type { TaskFn } from '../protocol';
import * as diag from './diag';
import type { TaskKind, TaskResult } from './registry';

export const TASKS: { readonly [K in TaskKind]: () => Promise<TaskFn<TaskResult<K>>> } = {
  'diag.ping': async () => diag.ping,
  'diag.count': async () => diag.count,
  'diag.stream': async () => diag.stream,
  'diag.fail': async () => diag.fail,
  // Loaded on first use: it pulls in onnxruntime and the face models.
  'analyze.segment': async () => (require('../analysis/segment') as typeof import('../analysis/segment')).analyzeSegment,
  enhance: async () => (require('../enhance/task') as typeof import('../enhance/task')).enhance,
  'identify.reference': async () => (require('../identify/task') as typeof import('../identify/task')).reference,
  'identify.templates': async () => (require('../identify/task') as typeof import('../identify/task')).templates,
  'identify.image': async () => (require('../identify/task') as typeof import('../identify/task')).image,
};
