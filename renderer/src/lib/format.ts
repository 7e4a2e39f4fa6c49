/** Display formats. Times of frames keep milliseconds: investigators quote them. */

export function shortHash(h: string, n = 12): string {
  return h.slice(0, n);
}

/** Seconds → `HH:MM:SS.mmm` (hours always shown: footage is often long). */
export function timecode(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const neg = seconds < 0;
  let ms = Math.round(Math.abs(seconds) * 1000);
  const h = Math.floor(ms / 3_600_000);
  ms -= h * 3_600_000;
  const m = Math.floor(ms / 60_000);
  ms -= m * 60_000;
  const s = Math.floor(ms / 1000);
  ms -= s * 1000;
  const p = (v: number, w = 2): string => String(v).padStart(w, '0');
  return `${neg ? '-' : ''}${p(h)}:${p(m)}:${p(s)}.${p(ms, 3)}`;
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${seconds.toFixed(2)} s`;
  return timecode(seconds).replace(/^00:/, '').replace(/\.\d+$/, '');
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function eta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  if (seconds < 1) return '< 1 s left';
  if (seconds < 90) return `~${Math.round(seconds)} s left`;
  if (seconds < 5400) return `~${Math.round(seconds / 60)} min left`;
  return `~${(seconds / 3600).toFixed(1)} h left`;
}

/** The UTC offset of a moment in this computer's time zone, as "UTC+01:00" (or "UTC"). */
export function utcOffset(d: Date): string {
  const m = -d.getTimezoneOffset();
  if (m === 0) return 'UTC';
  const a = Math.abs(m);
  return `UTC${m > 0 ? '+' : '−'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** This computer's time zone name (e.g. "Europe/Berlin"), for tooltips. */
export function timeZoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  } catch {
    return 'local time';
  }
}

/**
 * Local date and time, to the second, with its time zone (ISO-like, 24 h): "2026-11-28 11:05:03 UTC+01:00". A time
 * without its zone is ambiguous in a report read elsewhere; records keep UTC (ISO 8601 with Z).
 */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (v: number): string => String(v).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${utcOffset(d)}`;
}

export function percent(current: number, total: number): number {
  if (!(total > 0)) return 0;
  return Math.max(0, Math.min(100, Math.floor((current / total) * 100)));
}

/** Last path component, for either separator (paths come from main and may be Windows paths). */
export function baseName(p: string): string {
  const parts = p.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? p;
}

export function joinPath(dir: string, name: string, platform: string): string {
  const sep = platform === 'win32' ? '\\' : '/';
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : dir + sep + name;
}

/** A case number as a folder name: keep letters, digits, dot, dash, underscore. */
export function folderNameFor(caseNumber: string): string {
  return caseNumber.trim().replace(/[^\p{L}\p{N}._-]+/gu, '_').replace(/^[._]+/, '') || 'case';
}
