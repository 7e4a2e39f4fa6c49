/** Progress of long work, the same shape for the CLI bar, the job table and the renderer's bars. */
export interface Progress {
  /** What is happening now: 'copy', 'verify', 'index', 'decode', 'detect'… */
  readonly stage: string;
  readonly current: number;
  readonly total: number;
  /** Unit of current/total, for display: 'bytes', 'frames'. */
  readonly unit?: string;
  /** What the work has produced so far, in words (e.g. "212 faces in 9 tracks so far"), for the bar's caption. */
  readonly detail?: string;
}

export type ProgressFn = (p: Progress) => void;

export interface WorkOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressFn;
}
