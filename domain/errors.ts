/**
 * Errors an investigator can act on. Every failure that crosses a process or UI boundary is a SightlineError
 * with a stable code (for programs and tests) and a one-line message (for people). Anything else is a bug and
 * is reported as INTERNAL with its message.
 */
export type ErrorCode =
  | 'INVALID_INPUT' // arguments that cannot be right (empty title, bad index)
  | 'FILE_NOT_FOUND'
  | 'IS_DIRECTORY'
  | 'EMPTY_FILE'
  | 'UNSUPPORTED_MEDIA' // not a video or image ffmpeg can read
  | 'CORRUPT_MEDIA' // recognised container, damaged content (truncated, bad packets)
  | 'NOT_A_CASE'
  | 'CASE_EXISTS'
  | 'CASE_TOO_NEW' // database written by a newer Sightline
  | 'CASE_LOCKED' // another process holds the case
  | 'CASE_MISMATCH' // case.db does not belong to the folder it is in (databases of two cases swapped)
  | 'EVIDENCE_MISSING' // a recorded evidence file is not in the case's evidence/ folder
  | 'EVIDENCE_ALTERED' // a stored evidence file no longer matches its recorded hash or frame index
  | 'SOURCE_CHANGED' // the file being imported changed while it was read
  | 'NOT_FOUND' // an id that is not in the case
  | 'DISK_FULL'
  | 'PERMISSION_DENIED'
  | 'CANCELLED'
  | 'TOOL_FAILED' // ffmpeg/ffprobe or a worker failed for a reason of its own
  | 'ABANDONED' // the process running a job ended (killed, crashed) before it finished
  | 'MODEL_INVALID'
  | 'AUDIT_BROKEN'
  | 'INTERNAL';

export class SightlineError extends Error {
  override readonly name = 'SightlineError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export function isSightlineError(e: unknown): e is SightlineError {
  return e instanceof SightlineError;
}

/** Plain-data form for IPC, worker messages and `--json` output. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function toErrorInfo(e: unknown): ErrorInfo {
  if (isSightlineError(e)) return e.details ? { code: e.code, message: e.message, details: e.details } : { code: e.code, message: e.message };
  const sys = fromSystemError(e);
  if (sys) return { code: sys.code, message: sys.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function fromErrorInfo(info: ErrorInfo): SightlineError {
  return new SightlineError(info.code, info.message, info.details);
}

/** Translate Node system errors (ENOSPC, EACCES…) into errors people understand; undefined when not one. */
export function fromSystemError(e: unknown, what?: string): SightlineError | undefined {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  const subject = what ? `${what}: ` : '';
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new SightlineError('DISK_FULL', `${subject}the disk is full; nothing was recorded`);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new SightlineError('PERMISSION_DENIED', `${subject}permission denied`);
    case 'ENOENT':
      return new SightlineError('FILE_NOT_FOUND', `${subject}file not found`);
    case 'EISDIR':
      return new SightlineError('IS_DIRECTORY', `${subject}is a directory, not a file`);
    default:
      return undefined;
  }
}

export function cancelled(what = 'operation'): SightlineError {
  return new SightlineError('CANCELLED', `${what} cancelled`);
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw cancelled(what);
}
