/** The audit log as the investigator reads it: entries, the chain's verification, filtering and export. */
import { create } from 'zustand';
import type { AuditEntry, VerifyResult } from '../../../app/contract';
import type { AuditExportResult } from '../../../app/contract';
import { call } from '../bridge/api';

interface AuditState {
  entries: AuditEntry[];
  verify: VerifyResult | null;
  /** '' for all; an action (`frame.export`) or a family (`frame`), matched like the service's filter. */
  filter: string;
  loading: boolean;
  load(): Promise<void>;
  setFilter(f: string): void;
  exportLog(format: 'json' | 'csv'): Promise<AuditExportResult>;
  clear(): void;
}

export const useAudit = create<AuditState>()((set, get) => ({
  entries: [],
  verify: null,
  filter: '',
  loading: false,
  async load() {
    set({ loading: true });
    try {
      // Verify first: the table then never shows entries newer than the verdict above it.
      const verify = await call('audit:verify', {});
      const entries = await call('audit:list', {});
      set({ verify, entries });
    } finally {
      set({ loading: false });
    }
  },
  setFilter(filter) {
    set({ filter });
  },
  async exportLog(format) {
    const r = await call('audit:export', { format });
    await get().load();
    return r;
  },
  clear() {
    set({ entries: [], verify: null, filter: '' });
  },
}));

export function matchesFilter(action: string, filter: string): boolean {
  return !filter || action === filter || action.startsWith(`${filter}.`);
}

/** Families first (`frame`), then each action (`frame.export`), for the filter menu. */
export function filterOptions(entries: readonly AuditEntry[]): { value: string; label: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of entries) {
    counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
    const dot = e.action.indexOf('.');
    if (dot > 0) {
      const fam = e.action.slice(0, dot);
      counts.set(`${fam}.*`, (counts.get(`${fam}.*`) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, count]) => (k.endsWith('.*') ? { value: k.slice(0, -2), label: `${k} (all)`, count } : { value: k, label: k, count }));
}
