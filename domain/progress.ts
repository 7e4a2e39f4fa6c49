/** Progress of long work, the same shape for the CLI bar, the job table and the renderer's bars. */
export interface Progress {
  /** What is happening now: 'copy', 'verify', 'index', 'decode', 'detect'… */
  readonly stage: string;
  readonly current: number;
  readonly total: number;
  /** Unit of current/total, for display: 'bytes', 'frames'. */
  readonly unit?: string;
}

export type ProgressFn = (p: Progress) => void;

export interface WorkOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressFn;
}
