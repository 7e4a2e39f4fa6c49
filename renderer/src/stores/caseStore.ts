/** The open case's evidence and the recent-cases list; creating, opening and closing cases. */
import { create } from 'zustand';
import type { CaseSummary, RecentCase } from '../../../app/contract';
import type { Evidence } from '../../../app/contract';
import { call } from '../bridge/api';
import { useApp } from './appStore';

export interface NewCase {
  readonly dir: string;
  readonly caseNumber: string;
  readonly title: string;
  readonly examiner: string;
  readonly agency?: string;
}

interface CaseState {
  recent: RecentCase[];
  evidence: Evidence[];
  evidenceLoaded: boolean;
  loadRecent(): Promise<void>;
  loadEvidence(): Promise<void>;
  create(c: NewCase): Promise<CaseSummary>;
  open(dir: string, examiner?: string): Promise<CaseSummary>;
  close(): Promise<void>;
  importPaths(paths: string[]): Promise<number>;
}

export const useCase = create<CaseState>()((set) => ({
  recent: [],
  evidence: [],
  evidenceLoaded: false,
  async loadRecent() {
    set({ recent: await call('case:recent', {}) });
  },
  async loadEvidence() {
    if (!useApp.getState().currentCase) {
      set({ evidence: [], evidenceLoaded: false });
      return;
    }
    set({ evidence: await call('evidence:list', {}), evidenceLoaded: true });
  },
  async create(c) {
    const s = await call('case:create', { ...c, ...(c.agency ? { agency: c.agency } : {}) });
    useApp.getState().setCase(s);
    return s;
  },
  async open(dir, examiner) {
    const s = await call('case:open', { dir, ...(examiner ? { examiner } : {}) });
    useApp.getState().setCase(s);
    return s;
  },
  async close() {
    await call('case:close', {});
    useApp.getState().setCase(null);
    set({ evidence: [], evidenceLoaded: false });
  },
  async importPaths(paths) {
    const jobs = await call('evidence:import', { paths });
    return jobs.length;
  },
}));
