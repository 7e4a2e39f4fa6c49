/**
 * Faces of the clip on screen: its newest analysis run and face tracks (best frames first), whether the boxes
 * overlay is on, and which track is selected. Reloaded when an analysis of this clip succeeds (events.ts).
 */
import { create } from 'zustand';
import type { AnalysisRun, CutRecord, PartialAnalysisView, TrackRelationRecord } from '../../../app/contract';
import type { Job } from '../../../app/contract';
import type { TrackView } from '../../../app/contract';
import { call } from '../bridge/api';

interface FacesState {
  evidenceId: number | null;
  run: AnalysisRun | null;
  tracks: TrackView[];
  relations: TrackRelationRecord[];
  cuts: CutRecord[];
  /** What a running analysis of the clip has found so far (provisional, per segment). */
  partial: PartialAnalysisView | null;
  loading: boolean;
  showBoxes: boolean;
  /** Track id highlighted in the overlay and the list. */
  selected: number | null;
  load(evidenceId: number): Promise<void>;
  analyse(evidenceId: number, opts?: { step?: number; minScore?: number }): Promise<Job>;
  /** Refresh the provisional tracks of a running analysis (called on its progress, at most every ~1.5 s). */
  loadPartial(evidenceId: number): Promise<void>;
  /** An analysis job succeeded: reload if it was of the clip on screen. */
  analysisDone(evidenceId: number): void;
  toggleBoxes(): void;
  select(trackId: number | null): void;
  rename(trackId: number, name: string): Promise<void>;
  reset(): void;
}

let generation = 0;
let lastPartial = 0;

export const useFaces = create<FacesState>()((set, get) => ({
  evidenceId: null,
  run: null,
  tracks: [],
  relations: [],
  cuts: [],
  partial: null,
  loading: false,
  showBoxes: true,
  selected: null,
  async load(evidenceId) {
    const gen = ++generation;
    set({ evidenceId, loading: true, ...(get().evidenceId !== evidenceId ? { run: null, tracks: [], relations: [], cuts: [], partial: null, selected: null } : {}) });
    try {
      const r = await call('tracks:list', { evidenceId, best: 3 });
      if (gen === generation) set({ run: r.run, tracks: r.tracks, relations: r.relations, cuts: r.cuts, partial: null, loading: false });
    } catch (e) {
      if (gen === generation) set({ loading: false });
      throw e;
    }
  },
  analyse(evidenceId, opts = {}) {
    return call('analysis:start', { evidenceId, ...(opts.step ? { step: opts.step } : {}), ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}) });
  },
  async loadPartial(evidenceId) {
    const now = Date.now();
    if (now - lastPartial < 1500 || get().evidenceId !== evidenceId) return;
    lastPartial = now;
    const p = await call('analysis:partial', { evidenceId, limit: 12 });
    if (get().evidenceId === evidenceId) set({ partial: p.jobId === null ? null : p });
  },
  analysisDone(evidenceId) {
    if (get().evidenceId === evidenceId) void get().load(evidenceId).catch(() => undefined);
  },
  toggleBoxes() {
    set((s) => ({ showBoxes: !s.showBoxes }));
  },
  select(trackId) {
    set({ selected: trackId });
  },
  async rename(trackId, name) {
    const change = await call('tracks:name', { trackId, name });
    set((s) => ({ tracks: s.tracks.map((t) => (t.id === trackId ? { ...t, name: change.name } : t)) }));
  },
  reset() {
    generation++;
    set({ evidenceId: null, run: null, tracks: [], relations: [], cuts: [], partial: null, loading: false, selected: null });
  },
}));
