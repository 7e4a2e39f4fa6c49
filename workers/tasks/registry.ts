/**
 * The typed registry of worker tasks: for each kind, what the caller sends and what comes back. The pool's
 * `run('analyze', params)` is checked against it at compile time and resolves to the task's result type, so no
 * caller casts a result. Types only: the pool (in the app process) never loads a task's module, which would pull
 * onnxruntime into the main process.
 */
import type { SegmentResult, SegmentTaskParams } from '../analysis/segment';
import type { EnhanceTaskParams, EnhanceTaskResult } from '../enhance/task';
import type { ImageTaskParams, ImageTaskResult, ReferenceTaskParams, ReferenceTaskResult, TemplatesTaskParams, TemplatesTaskResult } from '../identify/task';

export interface TaskKinds {
  /** Diagnostics (tests): a worker's pid and thread cap. */
  'diag.ping': { readonly params: Record<string, never>; readonly result: { readonly pid: number; readonly threads: number } };
  /** Diagnostics (tests): count `steps` units of ~10 ms, checking for cancellation between them. */
  'diag.count': { readonly params: { readonly steps?: number }; readonly result: { readonly counted: number } };
  /** Diagnostics (tests): stream `batches` partial batches of `size` numbers. */
  'diag.stream': { readonly params: { readonly batches?: number; readonly size?: number }; readonly result: { readonly sent: number } };
  /** Diagnostics (tests): fail with an INVALID_INPUT error. */
  'diag.fail': { readonly params: { readonly message?: string }; readonly result: never };
  /** Find, check, align, embed, score and track the faces of one frame range of a clip (detections stream as partial batches). */
  'analyze.segment': { readonly params: SegmentTaskParams; readonly result: SegmentResult };
  /** Enhance one face from selected frames (fusion / restore), with the identity guard. */
  enhance: { readonly params: EnhanceTaskParams; readonly result: EnhanceTaskResult };
  /** Identification: the faces of a reference photo, and the chosen one's chip, embedding and quality. */
  'identify.reference': { readonly params: ReferenceTaskParams; readonly result: ReferenceTaskResult };
  /** Identification: templates of face tracks from their frames, decoded from the evidence (MD5-checked). */
  'identify.templates': { readonly params: TemplatesTaskParams; readonly result: TemplatesTaskResult };
  /** Identification: the embedding of one image with known landmarks (an enhancement's output). */
  'identify.image': { readonly params: ImageTaskParams; readonly result: ImageTaskResult };
}

export type TaskKind = keyof TaskKinds;
export type TaskParams<K extends TaskKind> = TaskKinds[K]['params'];
export type TaskResult<K extends TaskKind> = TaskKinds[K]['result'];

export const TASK_KINDS: readonly TaskKind[] = ['diag.ping', 'diag.count', 'diag.stream', 'diag.fail', 'analyze.segment', 'enhance', 'identify.reference', 'identify.templates', 'identify.image'];

export function isTaskKind(k: unknown): k is TaskKind {
  return typeof k === 'string' && (TASK_KINDS as readonly string[]).includes(k);
}
