/** Formatting shared by the report's sections: dates in UTC (stated), numbers, durations, media facts. */
import type { Evidence } from '../evidence';
import { canonicalJson } from '../../domain/canonicalJson';

/** `2026-05-01T14:03:22.123Z` → `2026-05-01 14:03:22 UTC`: every date in the report is UTC and says so. */
export function utc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function num(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const m = Math.floor(s / 60);
  const sec = s - m * 60;
  return `${m}:${sec.toFixed(3).padStart(6, '0')}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1048576) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1048576).toFixed(2)} MiB (${n.toLocaleString('en-GB')} bytes)`;
}

export function mediaFacts(e: Evidence): string {
  if (e.kind === 'image') return `still image, ${e.codec}, ${e.width}×${e.height} px`;
  const fps = e.fps ? `${e.fps.toFixed(3)} fps${e.vfr ? ' (variable frame rate)' : ''}` : 'frame rate not stated';
  return `video, ${e.codec} in ${e.container.split(',')[0]}, ${e.width}×${e.height} px, ${e.frameCount} frames, ${fps}, duration ${seconds(e.duration)}${e.timeBase ? `, time base ${e.timeBase}` : ''}`;
}

/** Parameters as compact, stable text (canonical JSON without quotes around keys). */
export function params(p: unknown): string {
  return canonicalJson(p).replace(/"([A-Za-z_][\w]*)":/g, '$1: ').replace(/,(?=\S)/g, ', ');
}
