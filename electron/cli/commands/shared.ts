import { openCase, type CaseHandle } from '../../core/case';

type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

/** Open the case for one command and always close it (checkpointing the WAL) afterwards. */
export async function withCase<T>(dir: string, values: Values, fn: (c: CaseHandle) => Promise<T> | T): Promise<T> {
  const examiner = typeof values.examiner === 'string' ? values.examiner : undefined;
  const c = openCase(dir, examiner ? { examiner } : {});
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key];
  return typeof v === 'string' ? v : undefined;
}

export function shortHash(h: string): string {
  return `${h.slice(0, 12)}…`;
}

export function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(h > 0 ? 2 : 1, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
}
